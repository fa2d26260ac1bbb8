"""A job of one (no mpiexec): everything works and changes nothing; without mpi4py, one line naming the extra."""

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import chainrule as cr
import chainrule.distributed as dist
from chainrule import nn
from chainrule.distributed import comm


@pytest.fixture
def fresh_world(monkeypatch):
    """A process that has not called init(), outside any mpiexec job."""
    monkeypatch.setattr(comm, "_world", comm._World())
    for name in comm._LAUNCHER_SIZE:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_job_of_one_changes_nothing(fresh_world):
    assert (dist.rank(), dist.world_size(), dist.is_main_process()) == (0, 1, True)
    array, tensor = np.array([1.0, 2.0]), cr.tensor([3.0])
    assert dist.all_reduce(array, "mean") is array and array.tolist() == [1.0, 2.0]
    assert dist.all_reduce(tensor) is tensor and tensor.tolist() == [3.0]
    assert dist.all_reduce(7) == 7 and dist.all_reduce(7, "mean") == 7.0 and dist.broadcast({"a": 1}) == {"a": 1}
    assert dist.reduce_metrics({"loss": 0.25, "acc": 0.5}) == {"acc": 0.5, "loss": 0.25}
    dist.barrier()
    net = nn.Linear(3, 2)
    model = dist.DistributedDataParallel(net)
    model(cr.ones(4, 3)).sum().backward()
    grads = [p.grad.tolist() for p in net.parameters()]
    model.average_gradients()
    dist.average_gradients(net)
    assert [p.grad.tolist() for p in net.parameters()] == grads
    assert sorted(model.state_dict()) == ["module.bias", "module.weight"]  # PyTorch's keys
    with pytest.raises(KeyError), dist.abort_on_error():  # nothing to abort: the error goes on
        raise KeyError("x")


def test_buckets_hold_one_dtype_up_to_the_cap():
    sizes = [(100, "float32"), (100, "float64"), (100, "float32"), (100, "float32"), (1000, "float32"), (300, "f8")]
    params = [nn.Parameter(cr.zeros(n, dtype=dtype)) for n, dtype in sizes]
    reducer = dist.GradientReducer(params, bucket_cap_mb=1000 / 2**20)  # 1000 bytes
    index = {id(p): i for i, p in enumerate(params)}
    # 400 + 400 bytes, the next would overflow; 800 bytes of float64; from 1000 bytes on, each in its own array
    assert [[index[id(t)] for t in b.tensors] for b in reducer.buckets] == [[0, 2], [1], [3]]
    assert [index[id(t)] for t in reducer.own] == [4, 5]
    assert [b.flat.dtype for b in reducer.buckets] == [np.float32, np.float64, np.float32]
    assert [b.flat.size for b in reducer.buckets] == [206, 100, 100]  # the first with a count per parameter
    only_large = dist.GradientReducer(params[4:], bucket_cap_mb=1000 / 2**20)
    assert [(b.tensors, b.flat.size) for b in only_large.buckets] == [([], 2)]  # the counts alone


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: dist.all_reduce(1.0, "avg"), ValueError, "op must be one of 'sum', 'mean', 'max', 'min'"),
        (lambda: dist.all_reduce("1"), TypeError, "must be a Tensor, a NumPy array or a number, got str"),
        (lambda: dist.all_reduce(np.arange(3), "mean"), TypeError, "needs a floating array .* got dtype int64"),
        (lambda: dist.broadcast(1.0, src=1), ValueError, "src must be a rank from 0 to 0, got 1"),
        (lambda: dist.GradientReducer([], bucket_cap_mb=0), ValueError, "bucket_cap_mb must be > 0, got 0"),
        (lambda: dist.DistributedDataParallel([]), TypeError, "module must be an nn.Module, got list"),
        (lambda: dist.mpiexec_command(0, ["x"]), ValueError, "n must be a positive int"),
    ],
)
def test_bad_arguments_are_named(fresh_world, call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_launched_with_others_but_not_initialized(fresh_world):
    assert dist.launcher_size() == 1
    fresh_world.setenv("OMPI_COMM_WORLD_SIZE", "3")  # Open MPI's mpiexec
    assert dist.launcher_size() == 3
    fresh_world.delenv("OMPI_COMM_WORLD_SIZE")
    fresh_world.setenv("PMI_SIZE", "2")  # MPICH's
    with pytest.raises(dist.DistributedError, match=r"one of 2 started by mpiexec; call chainrule\.distributed\.init"):
        dist.rank()


def test_without_mpi4py_one_process_runs_and_several_are_told_what_to_install(fresh_world):
    fresh_world.setitem(sys.modules, "mpi4py", None)  # import mpi4py now fails
    fresh_world.setattr(comm, "is_available", lambda: False)
    with pytest.raises(dist.DistributedUnavailableError, match=r"install them with: pip install 'chainrule\[mpi\]'"):
        dist.mpiexec_command(2, ["python", "train.py"])
    fresh_world.setenv("PMI_SIZE", "2")
    with pytest.raises(ImportError, match=r"one of 2 processes .* mpi4py cannot be imported .* "
                                          r"install it with: pip install 'chainrule\[mpi\]'"):  # fmt: skip
        dist.init()
    fresh_world.delenv("PMI_SIZE")
    dist.init()
    assert (dist.is_initialized(), dist.rank(), dist.world_size()) == (True, 0, 1)


def test_an_mpiexec_of_another_mpi_is_named(fresh_world):
    """mpiexec started 2, but mpi4py's MPI sees a job of 1 in each: two trainings that think they are alone."""
    world = SimpleNamespace(Get_rank=lambda: 0, Get_size=lambda: 1)
    fake = SimpleNamespace(COMM_WORLD=world, Get_library_version=lambda: "Open MPI v4.1.6, package: ...\nmore")
    fresh_world.setitem(sys.modules, "mpi4py", SimpleNamespace(MPI=fake))
    fresh_world.setitem(sys.modules, "mpi4py.MPI", fake)
    fresh_world.setenv("PMI_SIZE", "2")
    message = r"started 2 processes but each one sees an MPI job of 1: that mpiexec belongs to another MPI library"
    with pytest.raises(dist.DistributedError, match=message + r" than mpi4py's \(Open MPI v4\.1\.6, package: \.\.\.\)"):
        dist.init()
    assert not dist.is_initialized()


def test_import_leaves_mpi_alone_and_init_alone_is_a_job_of_one():
    code = ("import sys, chainrule, chainrule.distributed as d; print('mpi4py' in sys.modules); d.init(); "
            "print(d.rank(), d.world_size(), d.is_initialized())")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "0", "1", "True"], out.stderr


@pytest.mark.skipif(not dist.is_available(), reason=f"mpi4py is not installed ({dist.INSTALL_HINT})")
def test_mpiexec_command_names_the_hostfile(tmp_path):
    command = dist.mpiexec_command(4, ["python", "train.py"], hostfile=tmp_path / "hosts")
    assert command[0].endswith("mpiexec")
    assert command[1:] in (["-f", str(tmp_path / "hosts"), "-n", "4", "python", "train.py"],
                           ["--hostfile", str(tmp_path / "hosts"), "-n", "4", "python", "train.py"])  # fmt: skip
