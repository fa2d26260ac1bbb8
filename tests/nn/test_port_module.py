"""Module bookkeeping as PyTorch does it: duplicate registrations, prefixes, buffers, hooks, containers."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from tests.helpers.oracle import requires_torch, torch


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
