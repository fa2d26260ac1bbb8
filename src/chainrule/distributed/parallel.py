"""Data-parallel training: every process runs the same model on its own part of each batch, and the
gradients are averaged across processes after ``backward``, in a few large messages (buckets).

With the loss a mean over each process's equal share of the global batch, the average of the
processes' gradients is the gradient of the mean over the whole batch: N processes with B/N samples
each take the steps one process would take with B.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from chainrule.backend import xp
from chainrule.creation import tensor
from chainrule.distributed import comm
from chainrule.nn.module import Module
from chainrule.tensor import Tensor

#: the most a flat bucket holds, and the least a gradient reduced in its own array has (PyTorch's first bucket)
BUCKET_CAP_MB = 1.0


class GradientReducer:
    """Averages the gradients of ``params`` over the processes, a few large messages per step.

    A gradient of ``bucket_cap_mb`` or more is reduced in its own array (a bucket of its own: nothing
    copied); the smaller ones of each dtype are copied side by side into flat buckets of at most
    ``bucket_cap_mb``, one ``Allreduce`` each, and the averages copied back into the gradients' arrays.
    The layout is fixed here, from the parameters that require grad, in order. Each gradient is
    divided by the number of processes before the sum (exact for a power of two).

    The first flat bucket also carries, per parameter, how many processes had a gradient: one that no
    process had keeps ``grad = None``; one that only some had becomes the sum over the processes
    divided by their number, as in PyTorch's DDP. ``allreduce_seconds`` and ``allreduce_calls`` add up
    the time spent in (and waiting at) ``Allreduce``.
    """

    def __init__(self, params: Iterable[Tensor], bucket_cap_mb: float = BUCKET_CAP_MB) -> None:
        if not bucket_cap_mb > 0:
            raise ValueError(f"GradientReducer: bucket_cap_mb must be > 0, got {bucket_cap_mb!r}")
        cap = int(bucket_cap_mb * 2**20)
        self.params = [p for p in params if p.requires_grad]
        self.own = [p for p in self.params if p.detach().numpy().nbytes >= cap]
        small = [p for p in self.params if p.detach().numpy().nbytes < cap]
        groups = _groups(small, cap) or [[]]  # the first bucket holds the counts, with or without tensors
        self.buckets = [_Bucket(group, counts=0 if k else len(self.params)) for k, group in enumerate(groups)]
        self.allreduce_seconds, self.allreduce_calls = 0.0, 0

    def average(self) -> None:
        """Replace every gradient by its mean over the processes (nothing to do in a job of one)."""
        size = comm.world_size()
        if size == 1:
            return
        counts = self.buckets[0].counts
        for i, p in enumerate(self.params):
            counts[i] = p.grad is not None
        for bucket in self.buckets:
            bucket.pack_grads(1 / size)
        for p in self.own:
            grad = _own_grad(p)
            grad *= 1 / size
        for array in [b.flat for b in self.buckets] + [p.grad.detach().numpy() for p in self.own]:
            self._allreduce(array)
        for bucket in self.buckets:
            bucket.unpack_grads()
        for i, p in enumerate(self.params):
            if counts[i] == 0:  # no process had a gradient for it
                p.grad = None

    def _allreduce(self, array: Any) -> None:
        MPI = comm._world.MPI
        start = time.perf_counter()
        comm._world.comm.Allreduce(MPI.IN_PLACE, array, op=MPI.SUM)
        self.allreduce_seconds += time.perf_counter() - start
        self.allreduce_calls += 1


def _own_grad(p: Tensor) -> Any:
    """``p``'s gradient array, made one that can be reduced in place (zeros where ``p`` has none here)."""
    grad = None if p.grad is None else p.grad.detach().numpy()
    if grad is None or not (grad.flags.c_contiguous and grad.flags.writeable and grad.dtype == p.dtype):
        p.grad = tensor(xp.zeros(p.shape, p.dtype) if grad is None else xp.array(grad, dtype=p.dtype))
    return p.grad.detach().numpy()


class _Bucket:
    """Tensors of one dtype side by side in one flat buffer, then ``counts`` more slots."""

    def __init__(self, tensors: list[Tensor], counts: int = 0) -> None:
        self.tensors = tensors
        sizes = [t.numel() for t in tensors]
        self.stops = xp.cumsum(sizes, dtype=xp.int64).tolist()
        self.starts = [stop - size for stop, size in zip(self.stops, sizes)]
        numel = self.stops[-1] if sizes else 0
        self.flat = xp.empty(numel + counts, dtype=tensors[0].detach().numpy().dtype if tensors else xp.float64)
        self.counts = self.flat[numel:]

    def pieces(self) -> Iterable[tuple[Tensor, Any]]:
        """(tensor, its region of the buffer shaped as the tensor)."""
        for t, start, stop in zip(self.tensors, self.starts, self.stops):
            yield t, self.flat[start:stop].reshape(t.shape)

    def pack_grads(self, scale: float) -> None:
        for t, region in self.pieces():
            if t.grad is None:
                region[...] = 0
            else:
                xp.multiply(t.grad.detach().numpy(), scale, out=region)

    def unpack_grads(self) -> None:
        for t, region in self.pieces():
            grad = None if t.grad is None else t.grad.detach().numpy()
            if grad is not None and grad.flags.writeable and grad.dtype == region.dtype:
                grad[...] = region
            else:
                t.grad = tensor(region.copy())


def _groups(tensors: list[Tensor], cap_bytes: int) -> list[list[Tensor]]:
    """``tensors`` in groups of one dtype and at most ``cap_bytes`` (a larger tensor alone), in order."""
    groups: list[list[Tensor]] = []
    open_groups: dict[Any, tuple[list[Tensor], int]] = {}  # dtype -> (its group being filled, its bytes)
    for t in tensors:
        array = t.detach().numpy()
        group, used = open_groups.get(array.dtype, (None, 0))
        if group is None or used + array.nbytes > cap_bytes:
            group, used = [], 0
            groups.append(group)
        group.append(t)
        open_groups[array.dtype] = (group, used + array.nbytes)
    return groups


def average_gradients(model: Module | Iterable[Tensor], bucket_cap_mb: float = BUCKET_CAP_MB) -> None:
    """Average the gradients of ``model`` (or of these parameters) over the processes, after ``backward``.

    A one-off :class:`GradientReducer`; a training loop saves its buffers by keeping one, as
    :class:`DistributedDataParallel` does.
    """
    GradientReducer(model.parameters() if isinstance(model, Module) else model, bucket_cap_mb).average()


_BROADCAST_CAP = 25 * 2**20  # bytes per Bcast of parameters: once per run, so few and large


def broadcast_parameters(model: Module | Iterable[Tensor], src: int = 0) -> None:
    """Give every process rank ``src``'s parameters and buffers (a module's), so that all start from one model.

    One ``Bcast`` per bucket; the values are written with ``copy_``, so the tensors' versions move on.
    """
    tensors = [*model.parameters(), *model.buffers()] if isinstance(model, Module) else list(model)
    if comm.world_size() == 1:
        return
    for group in _groups(tensors, _BROADCAST_CAP):
        bucket = _Bucket(group)
        for t, region in bucket.pieces():
            region[...] = t.detach().numpy()
        comm.broadcast(bucket.flat, src)
        for t, region in bucket.pieces():
            t.detach().copy_(region)


def reduce_metrics(metrics: Mapping[str, float], op: str = comm.ReduceOp.AVG) -> dict[str, float]:
    """The processes' numbers combined key by key (``"mean"``, ``"sum"``, ``"max"`` or ``"min"``), in one message.

    Every process passes the same keys. To average over unequal shares, sum the totals and the counts:
    ``m = reduce_metrics({"correct": c, "seen": n}, "sum"); accuracy = m["correct"] / m["seen"]``.
    """
    keys = sorted(metrics)
    values = comm.all_reduce(xp.array([float(metrics[k]) for k in keys], dtype=xp.float64), op)
    return dict(zip(keys, values.tolist()))


class DistributedDataParallel(Module):
    """``module``, trained by every process on its own part of each batch.

    Construction gives every process rank 0's parameters and buffers. After ``loss.backward()``, call
    :meth:`average_gradients` before ``optimizer.step()``: PyTorch's DDP does this from backward hooks,
    which chainrule's engine does not have. Buffers (BatchNorm's running statistics) stay each
    process's own; rank 0's, the ones it saves, are exactly what PyTorch's DDP would hold there.
    ``state_dict()`` keys start with ``module.``, as PyTorch's; save ``model.module``'s for a plain model.

    >>> model = DistributedDataParallel(net)
    >>> loss = loss_fn(model(xb), yb); optimizer.zero_grad(); loss.backward()
    >>> model.average_gradients(); optimizer.step()
    """

    def __init__(self, module: Module, bucket_cap_mb: float = BUCKET_CAP_MB) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel: module must be an nn.Module, got {type(module).__name__}")
        super().__init__()
        self.module = module
        broadcast_parameters(module)
        self.reducer = GradientReducer(module.parameters(), bucket_cap_mb)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def average_gradients(self) -> None:
        """Average the gradients over the processes (call it after ``backward``, before the optimizer's step)."""
        self.reducer.average()
