"""Data-parallel training over MPI (``chainrule.distributed``), after ``torch.distributed`` and PyTorch's DDP.

Start N copies of a training script with ``mpiexec -n N python train.py`` (``pip install 'chainrule[mpi]'``
brings mpi4py and MPICH's ``mpiexec``). Each copy calls :func:`init`, trains on its own shard of the
data (:class:`DistributedSampler`) with a batch of B/N, and averages its gradients with the others'
after ``backward`` (:class:`DistributedDataParallel`), so all N take the steps one process would take
with batch B. Rank 0 alone writes files (:func:`is_main_process`). Started without ``mpiexec``, the same
script runs as one process, and all of this does nothing. mpi4py is imported by :func:`init` only.

>>> import chainrule.distributed as dist
>>> dist.init()
>>> model = dist.DistributedDataParallel(net)
>>> sampler = dist.DistributedSampler(dataset, seed=0)
>>> loader = DataLoader(dataset, batch_size=512 // dist.world_size(), sampler=sampler)
>>> for epoch in range(epochs):
...     sampler.set_epoch(epoch)
...     for xb, yb in loader:
...         optimizer.zero_grad(); loss_fn(model(xb), yb).backward()
...         model.average_gradients(); optimizer.step()
...     if dist.is_main_process(): cr.save(net.state_dict(), "model.npz")
"""

from chainrule.distributed.comm import (
    INSTALL_HINT,
    DistributedError,
    DistributedUnavailableError,
    ReduceOp,
    abort,
    abort_on_error,
    all_reduce,
    barrier,
    broadcast,
    get_rank,
    get_world_size,
    init,
    is_available,
    is_initialized,
    is_main_process,
    launcher_size,
    mpiexec_command,
    rank,
    world_size,
)
from chainrule.distributed.parallel import (
    DistributedDataParallel,
    GradientReducer,
    average_gradients,
    broadcast_parameters,
    reduce_metrics,
)
from chainrule.distributed.sampler import DistributedSampler

__all__ = [
    "INSTALL_HINT", "DistributedDataParallel", "DistributedError", "DistributedSampler", "DistributedUnavailableError",
    "GradientReducer", "ReduceOp", "abort", "abort_on_error", "all_reduce", "average_gradients", "barrier",
    "broadcast", "broadcast_parameters", "get_rank", "get_world_size", "init", "is_available", "is_initialized",
    "is_main_process", "launcher_size", "mpiexec_command", "rank", "reduce_metrics", "world_size",
]  # fmt: skip
