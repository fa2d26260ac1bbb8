"""A hand-written NumPy MLP, its losses and optimizers: the independent reference for training tests.

Forward, backward and updates are written out from their textbook formulas in float64, with no
chainrule code, so a test can replay a chainrule training run step by step (same initial
weights, same batches) and compare the losses and the parameters it reaches.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


#: each activation and its derivative, written with the activation's output h
ACTIVATIONS = {
    "sigmoid": (_sigmoid, lambda h: h * (1 - h)),
    "tanh": (np.tanh, lambda h: 1 - h * h),
    "relu": (lambda a: np.maximum(a, 0.0), lambda h: (h > 0).astype(np.float64)),
}


def loss_and_grad(out: np.ndarray, y: np.ndarray, loss: str) -> tuple[float, np.ndarray]:
    """The mean loss of outputs ``out`` (n, k) for integer labels ``y``, and its gradient with respect to ``out``.

    cross-entropy: −log softmax(out)[y], gradient (softmax − one-hot)/n; mse: ‖out − one-hot‖² averaged over the
    n·k entries; svm (Weston–Watkins): Σ_{j≠y} max(0, out_j − out_y + 1), averaged over the n samples.
    """
    n, k = out.shape
    target = np.eye(k)[y]
    if loss == "cross-entropy":
        z = out - out.max(axis=1, keepdims=True)
        p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        return float(-np.log(p[np.arange(n), y]).mean()), (p - target) / n
    if loss == "mse":
        return float(((out - target) ** 2).mean()), 2 * (out - target) / (n * k)
    if loss == "svm":
        margins = np.maximum(0.0, out - out[np.arange(n), y][:, None] + 1) * (1 - target)
        active = (margins > 0).astype(np.float64)  # each active j pushes s_j up and s_y down
        return float(margins.sum() / n), (active - target * active.sum(axis=1, keepdims=True)) / n
    raise ValueError(f"no reference for loss {loss!r}")


class MLP:
    """Linear layers with ``activation`` between them, logits out; ``params`` = [W1, b1, W2, b2, ...], W (out, in)."""

    def __init__(self, params: list, activation: str) -> None:
        self.params = [np.array(p, dtype=np.float64) for p in params]
        self.f, self.df = ACTIVATIONS[activation]

    def layers(self, x: np.ndarray) -> list[np.ndarray]:
        """The input, each hidden layer's output, and the logits."""
        hs = [np.asarray(x, dtype=np.float64)]
        weights = self.params[0::2]
        for i, (w, b) in enumerate(zip(weights, self.params[1::2], strict=True)):
            a = hs[-1] @ w.T + b
            hs.append(a if i == len(weights) - 1 else self.f(a))
        return hs

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, loss: str) -> tuple[float, list, np.ndarray]:
        """The loss on (x, y), its gradient for every parameter (the chain rule written out), and the outputs."""
        hs = self.layers(x)
        value, d = loss_and_grad(hs[-1], y, loss)  # d: ∂loss/∂(pre-activation of the current layer)
        weights = self.params[0::2]
        grads: list = []
        for i in reversed(range(len(weights))):
            grads[:0] = [d.T @ hs[i], d.sum(axis=0)]
            if i:
                d = (d @ weights[i]) * self.df(hs[i])
        return value, grads, hs[-1]

    def accuracy(self, x: np.ndarray, y: np.ndarray) -> float:
        return float((self.layers(x)[-1].argmax(axis=1) == y).mean())

    def evaluate(self, x: np.ndarray, y: np.ndarray, loss: str) -> tuple[float, float]:
        """(mean loss, accuracy) on (x, y)."""
        return loss_and_grad(self.layers(x)[-1], y, loss)[0], self.accuracy(x, y)


class SGD:
    """d = g + wd·p; with momentum μ: b₁ = d₁, b_t = μ·b_{t−1} + d_t, d = b_t; then p ← p − lr·d."""

    def __init__(self, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        self.lr, self.momentum, self.wd = lr, momentum, weight_decay
        self.buffers: dict = {}

    def step(self, params: list, grads: list) -> None:
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            d = g + self.wd * p
            if self.momentum:
                d = self.buffers[i] = d if i not in self.buffers else self.momentum * self.buffers[i] + d
            p -= self.lr * d


class Adam:
    """Kingma & Ba: m_t = β₁m + (1 − β₁)g, v_t = β₂v + (1 − β₂)g², p ← p − lr·m̂/(√v̂ + eps), m̂ = m_t/(1 − β₁ᵗ),
    v̂ = v_t/(1 − β₂ᵗ); L2 weight decay adds wd·p to g first."""

    def __init__(self, lr: float, betas: tuple = (0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        self.lr, (self.b1, self.b2), self.eps, self.wd = lr, betas, eps, weight_decay
        self.t, self.m, self.v = 0, {}, {}

    def step(self, params: list, grads: list) -> None:
        self.t += 1
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            g = g + self.wd * p
            self.m[i] = self.b1 * self.m.get(i, 0.0) + (1 - self.b1) * g
            self.v[i] = self.b2 * self.v.get(i, 0.0) + (1 - self.b2) * g * g
            m_hat, v_hat = self.m[i] / (1 - self.b1**self.t), self.v[i] / (1 - self.b2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def batches(rng: np.random.Generator, n: int, batch_size: int) -> list[np.ndarray]:
    """One epoch's shuffled mini-batches of indices, the last one smaller if ``batch_size`` does not divide ``n``."""
    order = rng.permutation(n)
    return [order[i : i + batch_size] for i in range(0, n, batch_size)]


def train(model: MLP, optimizer, x: np.ndarray, y: np.ndarray, loss: str, index_batches: list) -> list[tuple]:
    """One optimizer step per batch of indices; each batch's (loss, correct predictions) before its step."""
    seen = []
    for idx in index_batches:
        value, grads, out = model.loss_and_grads(x[idx], y[idx], loss)
        optimizer.step(model.params, grads)
        seen.append((value, int((out.argmax(axis=1) == y[idx]).sum())))
    return seen


def fit(model: MLP, optimizer, x: np.ndarray, y: np.ndarray, loss: str, epochs: int, batch_size: int,
        seed: int | np.random.Generator) -> list[dict]:
    """Epochs of mini-batches shuffled by ``default_rng(seed)``: per epoch the sample-weighted mean of the batch
    losses and the fraction of samples predicted right, each seen before its step (what ``chainrule.train.fit``
    records)."""
    rng, rows = np.random.default_rng(seed), []
    for _ in range(epochs):
        index_batches = batches(rng, len(y), batch_size)
        seen = train(model, optimizer, x, y, loss, index_batches)
        sizes = [len(idx) for idx in index_batches]
        rows.append({
            "train_loss": sum(value * n for (value, _), n in zip(seen, sizes, strict=True)) / len(y),
            "train_acc": sum(correct for _, correct in seen) / len(y),
        })  # fmt: skip
    return rows


def recipe_fit(config, start: list, x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> tuple:
    """Replay a ``chainrule train`` recipe from its initial parameters ``start``: its per-epoch history rows
    (train and test loss and accuracy) and the trained model. ``config`` is read for its activation, loss,
    optimizer (sgd; momentum: SGD with μ = 0.9; adam: Adam's defaults), lr, weight_decay, epochs, batch_size
    and seed, as ``chainrule.cli.recipe.Config`` holds them."""
    model = MLP(start, config.activation)
    if config.optimizer == "adam":
        optimizer = Adam(config.lr, weight_decay=config.weight_decay)
    else:
        momentum = 0.9 if config.optimizer == "momentum" else 0.0
        optimizer = SGD(config.lr, momentum=momentum, weight_decay=config.weight_decay)
    rng, rows = np.random.default_rng(config.seed), []
    for _ in range(config.epochs):
        rows += fit(model, optimizer, x, y, config.loss, 1, config.batch_size, rng)
        rows[-1]["test_loss"], rows[-1]["test_acc"] = model.evaluate(x_test, y_test, config.loss)
    return rows, model


def assert_history_close(history: list, expected: list, n_train: int, n_test: int) -> None:
    """Losses equal to float32 rounding; accuracies within one sample (a float32 near-tie may go either way)."""
    assert len(history) == len(expected)
    for epoch, (got, want) in enumerate(zip(history, expected, strict=True), 1):
        for key, tol in (("train_loss", 1e-5), ("test_loss", 1e-5)):
            np.testing.assert_allclose(got[key], want[key], rtol=tol, err_msg=f"epoch {epoch} {key}")
        for key, n in (("train_acc", n_train), ("test_acc", n_test)):
            assert abs(got[key] - want[key]) <= 1 / n + 1e-12, f"epoch {epoch} {key}: {got[key]} vs {want[key]}"
