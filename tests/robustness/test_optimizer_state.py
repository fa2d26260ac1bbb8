"""A tampered optimizer state is refused with a ValueError naming the problem, and changes nothing."""

import copy
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule import nn, optim

OPTIMIZERS = {
    "sgd": (optim.SGD, {}),
    "momentum": (optim.SGD, {"momentum": 0.9}),
    "adam": (optim.Adam, {}),
    "rmsprop": (optim.RMSprop, {"momentum": 0.5, "centered": True}),
}


def stepped(name):
    """(model, optimizer after one step, its state_dict)."""
    cls, kwargs = OPTIMIZERS[name]
    net = nn.MLP([3, 4, 2])
    opt = cls(net.parameters(), lr=0.1, **kwargs)
    gradients(net)
    opt.step()
    return net, opt, opt.state_dict()


def gradients(net):
    """Random gradients for every parameter (no backward pass: this suite tests loading, not autograd)."""
    for p in net.parameters():
        p.grad = cr.randn(*p.shape)


def tamper_state(sd, index, key, value):
    sd["state"].setdefault(index, {})[key] = value


TAMPERINGS = {
    "not a dict": (lambda sd: sd.clear() or sd.update(oops=1), "expected 'param_groups' (a list) and 'state'"),
    "no state": (lambda sd: sd.pop("state"), "'state' (a dict)"),
    "no groups": (lambda sd: sd.pop("param_groups"), "'param_groups' (a list)"),
    "one group too many": (lambda sd: sd["param_groups"].append(dict(sd["param_groups"][0])), "2 parameter group"),
    "a parameter too few": (lambda sd: sd["param_groups"][0]["params"].pop(), "3 parameter(s) saved, 4 here"),
    "repeated index": (lambda sd: sd["param_groups"][0].update(params=[0, 0, 1, 2]), "names parameter 0"),
    "index not an int": (lambda sd: sd["param_groups"][0].update(params=["0", 1, 2, 3]), "names parameter '0'"),
    "lr a string": (lambda sd: sd["param_groups"][0].update(lr="0.1"), "has lr '0.1'"),
    "lr NaN": (lambda sd: sd["param_groups"][0].update(lr=float("nan")), "has lr nan"),
    "lr negative": (lambda sd: sd["param_groups"][0].update(lr=-1.0), "invalid lr -1.0"),
    "lr a bool": (lambda sd: sd["param_groups"][0].update(lr=True), "has lr True"),
    "state of a parameter that does not exist": (lambda sd: tamper_state(sd, 99, "step", 1), "parameter 99"),
    "state not a dict": (lambda sd: sd["state"].__setitem__(0, [1]), "not a dict of named values"),
    "state of a wrong shape": (lambda sd: tamper_state(sd, 0, "x", cr.zeros(7, 7)), "parameter 0"),
}


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_tampered_state_is_refused_and_nothing_changes(name, tampering):
    net, opt, sd = stepped(name)
    sd = copy.deepcopy(sd)
    mutate, message = TAMPERINGS[tampering]
    mutate(sd)
    cls, kwargs = OPTIMIZERS[name]
    fresh = cls(net.parameters(), lr=0.2, **kwargs)
    groups_before = copy.deepcopy([{k: v for k, v in g.items() if k != "params"} for g in fresh.param_groups])
    with pytest.raises(ValueError) as info:
        fresh.load_state_dict(sd)
    assert message in str(info.value), str(info.value)
    assert fresh.state == {}
    assert [{k: v for k, v in g.items() if k != "params"} for g in fresh.param_groups] == groups_before


@pytest.mark.parametrize("name", ["adam", "rmsprop", "momentum"])
def test_a_state_without_a_name_a_step_needs_is_refused(name):
    """A partial state would fail with KeyError in the next step; it is refused when loaded."""
    net, opt, sd = stepped(name)
    sd = copy.deepcopy(sd)
    state = sd["state"][0]
    dropped = sorted(state)[0]
    del state[dropped]
    cls, kwargs = OPTIMIZERS[name]
    fresh = cls(net.parameters(), lr=0.1, **kwargs)
    if state:
        with pytest.raises(ValueError, match=re.escape(f"state of parameter 0 holds {sorted(state)}")):
            fresh.load_state_dict(sd)
    else:  # an emptied state is a fresh one: the next step makes it anew
        fresh.load_state_dict(sd)
        gradients(net)
        fresh.step()


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 10**20), st.floats(allow_nan=True), st.text(max_size=5),
    st.lists(st.integers(-2, 5), max_size=5), st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
)


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(list(OPTIMIZERS)), where=st.sampled_from(["group", "state", "params", "top"]),
       key=st.sampled_from(["lr", "momentum", "betas", "eps", "step", "exp_avg", "momentum_buffer", "params", "x"]),
       value=JUNK)
def test_junk_anywhere_is_refused_or_loads_a_state_that_steps(name, where, key, value):
    """Whatever a file holds, load_state_dict raises ValueError or leaves an optimizer whose next step works."""
    net, opt, sd = stepped(name)
    sd = copy.deepcopy(sd)
    if where == "group":
        sd["param_groups"][0][key] = value
    elif where == "state":
        sd["state"].setdefault(0, {})[key] = value
    elif where == "params":
        sd["param_groups"][0]["params"] = value
    else:
        sd[key] = value
    cls, kwargs = OPTIMIZERS[name]
    fresh = cls(net.parameters(), lr=0.1, **kwargs)
    try:
        fresh.load_state_dict(sd)
    except ValueError:
        assert fresh.state == {}
        return
    gradients(net)
    fresh.step()
