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
