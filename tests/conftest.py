"""Suite-wide fixtures: every test starts with a fresh default random stream and grad mode on."""

import pytest

import chainrule as cr
from chainrule.autograd.mode import state


@pytest.fixture(autouse=True)
def _fresh_state():
    cr.manual_seed(0)
    yield
    state.grad_enabled = True
    state.anomaly = False
