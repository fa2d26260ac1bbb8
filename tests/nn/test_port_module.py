"""Module bookkeeping as PyTorch does it: duplicate registrations, prefixes, buffers, hooks, containers."""

from __future__ import annotations

import numpy as np
import pytest
from tests.helpers.oracle import requires_torch, torch

import chainrule as cr
from chainrule import nn
from chainrule.device import DeviceError


def _shared() -> tuple:
    """A layer registered twice, in chainrule and in torch."""
    lin = nn.Linear(2, 3)
    tlin = torch.nn.Linear(2, 3) if torch is not None else None
    return nn.Sequential(lin, lin), (torch.nn.Sequential(tlin, tlin) if tlin is not None else None)


@requires_torch
def test_a_module_registered_twice_is_in_state_dict_under_both_names_as_in_torch():
    net, tnet = _shared()
    assert list(net.state_dict()) == list(tnet.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [k for k, _ in net.named_parameters()] == [k for k, _ in tnet.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(net.parameters())) == len(list(tnet.parameters())) == 2
    assert [k for k, _ in net.named_modules()] == [k for k, _ in tnet.named_modules()] == ["", "0"]
    assert ([k for k, _ in net.named_modules(remove_duplicate=False)]
            == [k for k, _ in tnet.named_modules(remove_duplicate=False)] == ["", "0", "1"])  # fmt: skip
    assert ([k for k, _ in net.named_parameters(remove_duplicate=False)]
            == [k for k, _ in tnet.named_parameters(remove_duplicate=False)])  # fmt: skip


@requires_torch
def test_shared_buffers_are_listed_once_and_saved_twice_as_in_torch():
    bn, tbn = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    net, tnet = nn.Sequential(bn, bn), torch.nn.Sequential(tbn, tbn)
    assert [k for k, _ in net.named_buffers()] == [k for k, _ in tnet.named_buffers()]
    assert list(net.state_dict()) == list(tnet.state_dict())


def test_load_state_dict_of_a_duplicated_module_accepts_both_names():
    net, _ = _shared()
    state = {k: cr.ones(v.shape) for k, v in net.state_dict().items()}
    assert net.load_state_dict(state) == ([], [])
    np.testing.assert_array_equal(net[0].weight.detach().numpy(), np.ones((3, 2)))
    with pytest.raises(nn.StateDictError, match="missing key '1.weight'"):
        net.load_state_dict({k: v for k, v in state.items() if not k.startswith("1.")})


LAYERS = [
    lambda **kw: nn.Linear(3, 2, **kw), lambda **kw: nn.Conv1d(2, 4, 3, **kw), lambda **kw: nn.Conv2d(2, 4, 3, **kw),
    lambda **kw: nn.ConvTranspose2d(2, 4, 3, **kw), lambda **kw: nn.BatchNorm1d(3, **kw),
    lambda **kw: nn.BatchNorm2d(3, **kw), lambda **kw: nn.LayerNorm(3, **kw), lambda **kw: nn.Embedding(5, 3, **kw),
    lambda **kw: nn.MLP([3, 4, 2], **kw),
]  # fmt: skip


@pytest.mark.parametrize("make", LAYERS)
def test_layers_take_device_and_dtype_keywords(make):
    for device in (None, "cpu", cr.device("cpu")):
        layer = make(device=device, dtype=cr.float64)
        assert {p.dtype for p in layer.parameters()} == {np.dtype(np.float64)}
    assert {p.dtype for p in make(dtype="float16").parameters()} == {np.dtype(np.float16)}
    with pytest.raises(DeviceError, match="'cuda' is not available"):
        make(device="cuda")
    with pytest.raises(cr.DTypeError, match="floating dtype"):
        make(dtype=cr.int64)


def test_module_cuda_half_bfloat16_and_type():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    with pytest.raises(DeviceError, match="Module.cuda: device 'cuda' is not available"):
        net.cuda()
    assert net.half() is net and net[0].weight.dtype == np.float16 and net[1].running_var.dtype == np.float16
    assert net[1].num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype, as in PyTorch's half()
    assert net.type(cr.float64) is net and net[0].bias.dtype == np.float64
    with pytest.raises(cr.DTypeError, match="bfloat16"):
        net.bfloat16()


def _stats(lib):
    """A layer and a persistent and a non-persistent buffer, in ``lib`` (chainrule or torch)."""
    module = lib.nn.Module()
    module.lin = lib.nn.Linear(2, 2)
    module.register_buffer("scale", lib.ones(2), persistent=False)
    module.register_buffer("count", lib.zeros(1))
    return module


@requires_torch
def test_non_persistent_buffers_prefix_and_keep_vars_as_in_torch():
    ours, theirs = _stats(cr), _stats(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["count", "lin.weight", "lin.bias"]
    assert [k for k, _ in ours.named_buffers()] == [k for k, _ in theirs.named_buffers()] == ["scale", "count"]
    assert list(ours.state_dict(prefix="m.")) == list(theirs.state_dict(prefix="m."))
    assert ([k for k, _ in ours.named_parameters(prefix="net")]
            == [k for k, _ in theirs.named_parameters(prefix="net")] == ["net.lin.weight", "net.lin.bias"])  # fmt: skip
    assert [k for k, _ in ours.named_parameters(recurse=False)] == []
    assert [k for k, _ in ours.named_modules(prefix="top")] == [k for k, _ in theirs.named_modules(prefix="top")]
    assert ours.state_dict(keep_vars=True)["lin.weight"] is ours.lin.weight
    assert not ours.state_dict()["lin.weight"].requires_grad
    ours.to(cr.float64)
    assert ours.scale.dtype == np.float64  # moved by to(), though not saved
    assert ours.load_state_dict({k: v.numpy() for k, v in ours.state_dict().items()}) == ([], [])
    ours.register_buffer("scale", cr.ones(2))  # registered again as persistent
    assert "scale" in ours.state_dict()


def test_get_submodule_parameter_and_buffer():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.BatchNorm1d(3)))
    assert net.get_submodule("1.0") is net[1][0] and net.get_submodule("") is net
    assert net.get_parameter("0.weight") is net[0].weight
    assert net.get_buffer("1.0.running_mean") is net[1][0].running_mean
    with pytest.raises(AttributeError, match="has no attribute `2`"):
        net.get_submodule("2")
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        net.get_submodule("0.weight")
    with pytest.raises(AttributeError, match="`running_mean` is not a parameter"):
        net.get_parameter("1.0.running_mean")


def test_forward_hooks_replace_arguments_and_output_and_are_removable():
    lin, calls = nn.Linear(2, 2), []
    x = cr.ones(1, 2)
    pre = lin.register_forward_pre_hook(lambda m, args: args[0] * 0)
    post = lin.register_forward_hook(lambda m, args, out: calls.append((m, args[0].sum().item())) or out + 1)
    first = lin.register_forward_hook(lambda m, args, out: calls.append("first"), prepend=True)
    out = lin(x)
    np.testing.assert_allclose(out.detach().numpy(), lin.bias.detach().numpy()[None] + 1, rtol=1e-6)
    assert calls == ["first", (lin, 0.0)]
    pre.remove(), post.remove(), first.remove()
    pre.remove()  # twice is harmless
    np.testing.assert_allclose(lin(x).detach().numpy(), (x @ lin.weight.T + lin.bias).detach().numpy())
    with lin.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True):
        np.testing.assert_allclose(lin(x).detach().numpy(), (2 * x @ lin.weight.T + lin.bias).detach().numpy())
    assert not lin._forward_pre_hooks
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        with lin.register_forward_pre_hook(lambda m, a, k: a, with_kwargs=True):
            lin(x)


@requires_torch
def test_sequential_edits_as_in_torch():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Linear(2, 1), lib.nn.Tanh())

    ours, theirs = build(cr), build(torch)
    for seq, lib in ((ours, nn), (theirs, torch.nn)):
        seq[-1] = lib.Sigmoid()
        del seq[1]
        seq.insert(1, lib.Identity())
        seq.append(lib.ReLU())
        seq.extend([lib.Identity()])
        seq.pop(0)
    assert [(k, type(m).__name__) for k, m in ours.named_children()] == [
        (k, type(m).__name__) for k, m in theirs.named_children()]  # fmt: skip
    assert len(ours) == len(theirs) and [k for k, _ in ours[1:3].named_children()] == ["1", "2"]
    assert [k for k, _ in theirs[1:3].named_children()] == ["1", "2"]
    with pytest.raises(IndexError):
        ours.insert(9, nn.ReLU())


def parameter_aliasing(m) -> list:
    """Parameter(t) shares t's memory (as torch.nn.Parameter), so a change through either shows in the other."""
    t = m.ones(3)
    p = m.nn.Parameter(t)
    t[0] = 3.0
    with m.no_grad():
        p[2] = 5.0
    return [p.tolist(), t.tolist(), p.requires_grad, p.is_leaf]


def test_parameter_shares_the_memory_of_a_tensor():
    assert parameter_aliasing(cr) == [[3.0, 1.0, 5.0], [3.0, 1.0, 5.0], True, True]


@requires_torch
def test_parameter_aliasing_as_torch():
    assert parameter_aliasing(cr) == parameter_aliasing(torch)
