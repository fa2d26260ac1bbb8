"""Two versions of chainrule in one process, step against step: the 784-100-10 sigmoid MLP step.

The old version is another checkout's ``src/chainrule`` copied with the package renamed, so both import
side by side. Each round runs one step of each, in alternating order; the median of the per-step ratios
new/old is printed. This is how a refactoring is held to "within 3% of the old step time" on a machine
whose speed drifts: a drift changes both steps of a pair alike.

    git worktree add /tmp/base <commit>
    mkdir -p /tmp/oldpkg && cp -r /tmp/base/src/chainrule /tmp/oldpkg/chainrule_old
    grep -rl chainrule /tmp/oldpkg/chainrule_old --include=*.py | xargs sed -i 's/\\bchainrule\\b/chainrule_old/g'
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/engine_ab.py /tmp/oldpkg
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from pathlib import Path

from machine import describe
from mlp_step import backward_and_update, make_problem

import chainrule as new

ROUNDS = {64: 3000, 256: 1500}


def make_step(cr) -> callable:
    """The benchmark's step (mlp_step.chainrule_step) for the package ``cr``."""
    cross_entropy = importlib.import_module(cr.__name__ + ".nn.functional").cross_entropy

    def step(params: list, x, y) -> float:
        h = x
        pairs = list(zip(params[::2], params[1::2]))
        for w, b in pairs[:-1]:
            h = (h @ w + b).sigmoid()
        w, b = pairs[-1]
        return backward_and_update(cr, cross_entropy(h @ w + b, y), params)

    return step


def main() -> None:
    sys.path.insert(0, str(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/oldpkg")))
    old = importlib.import_module("chainrule_old")
    print(describe())
    for batch, rounds in ROUNDS.items():
        weights, biases, x, y = make_problem((784, 100, 10), batch)
        setups = {}
        for name, cr in (("old", old), ("new", new)):
            params = [cr.tensor(a.copy(), requires_grad=True) for pair in zip(weights, biases) for a in pair]
            setups[name] = (make_step(cr), params, cr.tensor(x), cr.tensor(y))
        for step, *args in setups.values():
            for _ in range(100):
                step(*args)
        times: dict = {"old": [], "new": []}
        for r in range(rounds):
            for name in ("old", "new") if r % 2 else ("new", "old"):
                step, *args = setups[name]
                start = time.perf_counter()
                step(*args)
                times[name].append(time.perf_counter() - start)
        ratio = statistics.median(n / o for n, o in zip(times["new"], times["old"]))
        old_us, new_us = (statistics.median(times[n]) * 1e6 for n in ("old", "new"))
        print(f"batch {batch}: old {old_us:.1f} µs, new {new_us:.1f} µs, new/old {ratio:.3f} ({rounds} paired steps)")


if __name__ == "__main__":
    main()
