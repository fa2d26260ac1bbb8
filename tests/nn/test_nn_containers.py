"""ModuleList, ModuleDict, ParameterList: registration, state_dict keys, list and dict edits, repr (torch as oracle)."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn

try:
    import torch
except ImportError:  # the hand-written expectations below still run; the comparisons with torch skip
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="torch is not installed: nothing to compare with")


def Holder(lib=nn):  # noqa: N802  (it builds a module, as a class would)
    """A module with each kind of container as an attribute, so the keys show the container's name as a prefix."""
    ones = cr.ones if lib is nn else torch.ones
    holder = lib.Module()
    holder.blocks = lib.ModuleList([lib.Linear(2, 3), lib.ReLU(), lib.Linear(3, 1, bias=False)])
    holder.heads = lib.ModuleDict({"b": lib.Linear(1, 2), "a": lib.Linear(1, 1, bias=False)})
    holder.scales = lib.ParameterList([lib.Parameter(ones(2)), "not a tensor"])
    return holder


def test_contents_are_registered_under_positions_and_keys():
    net = Holder()
    expected = ["blocks.0.weight", "blocks.0.bias", "blocks.2.weight", "heads.b.weight", "heads.b.bias",
                "heads.a.weight", "scales.0"]  # fmt: skip
    assert list(net.state_dict()) == expected
    assert [name for name, _ in net.named_parameters()] == expected
    assert len(list(net.parameters())) == 7 and net.scales[1] == "not a tensor"
    net.double()  # Module.to reaches inside every container
    assert {p.dtype for p in net.parameters()} == {np.dtype(np.float64)}
    net.eval()
    assert not any(m.training for m in net.modules())


@requires_torch
def test_state_dict_keys_match_torch():
    assert list(Holder().state_dict()) == list(Holder(torch.nn).state_dict())


def _widths(modules):
    return [m.in_features for m in modules]


def _edit(m, lib, action, i, j, w):
    """One list edit: i is a valid position (negative allowed), j an insertion point, w a fresh width."""
    if action == 0:
        m.append(lib.Linear(w, 1))
    elif action == 1:
        m.extend([lib.Linear(w, 1), lib.Linear(w + 100, 1)])
    elif action == 2:
        m.insert(j, lib.Linear(w, 1))
    elif action == 3:
        del m[i]
    elif action == 4:
        del m[i::2]
    elif action == 5:
        m[i] = lib.Linear(w, 1)
    else:
        m.pop(i)


@requires_torch
@pytest.mark.parametrize("seed", range(5))
def test_module_list_edits_follow_torch(seed):
    """A random run of list edits gives the same modules in the same places, and the same keys, as in torch."""
    rng = np.random.default_rng(seed)
    ours, theirs = nn.ModuleList([nn.Linear(1, 1)]), torch.nn.ModuleList([torch.nn.Linear(1, 1)])
    for w in range(2, 32):
        n = len(ours)
        action = int(rng.integers(7 if n > 1 else 3))
        i, j = (int(rng.integers(-n, n)) if n else 0), int(rng.integers(0, n + 1))  # torch inserts at 0 <= j <= n
        _edit(ours, nn, action, i, j, w)
        _edit(theirs, torch.nn, action, i, j, w)
        assert _widths(ours) == _widths(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert _widths(ours[1:]) == _widths(theirs[1:]) and _widths(ours[::-2]) == _widths(theirs[::-2])


def test_module_list_by_hand():
    a, b, c, d = (nn.Linear(k, 1) for k in (1, 2, 3, 4))
    ml = nn.ModuleList([a, b])
    ml += [c]
    ml.insert(0, d)  # d a b c
    assert list(ml) == [d, a, b, c] and ml[-1] is c and len(ml) == 4
    assert isinstance(ml[1:3], nn.ModuleList) and list(ml[1:3]) == [a, b]
    assert ml.pop(1) is a and list(ml) == [d, b, c]
    del ml[0]
    assert list(ml) == [b, c] and list(ml.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    ml[0] = a  # replaces b, which is no longer registered
    assert list(ml) == [a, c] and all(p is not b.weight for p in ml.parameters())
    assert list(ml + nn.ModuleList([d])) == [a, c, d] and len(ml) == 2


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: nn.ModuleList([nn.ReLU()])[1], IndexError, "index 1 is out of range for 1 item"),
        (lambda: nn.ModuleList([nn.ReLU()])[-2], IndexError, "index -2 is out of range"),
        (lambda: nn.ModuleList(3), TypeError, "ModuleList.extend expects an iterable of modules, got int"),
        (lambda: nn.ModuleList([nn.ReLU(), 5]), TypeError, "must be a Module"),
        (lambda: nn.ModuleList().insert(0, "relu"), TypeError, "expected a Module, got str"),
        (lambda: nn.ModuleList([nn.ReLU()])(cr.ones(1)), NotImplementedError, "ModuleList must define forward"),
        (lambda: nn.ModuleDict({"a.b": nn.ReLU()}), KeyError, "without '.'"),
        (lambda: nn.ModuleDict({"": nn.ReLU()}), KeyError, "non-empty"),
        (lambda: nn.ModuleDict({"train": nn.ReLU()}), KeyError, "'train' is already an attribute"),
        (lambda: nn.ModuleDict({1: nn.ReLU()}), TypeError, "keys are strings, got int"),
        (lambda: nn.ModuleDict([("a", nn.ReLU(), 3)]), ValueError, "element #0 .* must be a \\(key, module\\) pair"),
        (lambda: nn.ModuleDict(7), TypeError, "ModuleDict.update expects an iterable"),
        (lambda: nn.ParameterList(cr.ones(2)), TypeError, "ParameterList.extend expects an iterable"),
        (lambda: nn.ParameterList([cr.ones(2)])(), RuntimeError, "ParameterList should not be called"),
        (lambda: nn.ParameterList([cr.ones(2)]).__setitem__(0, 3), TypeError, "cannot assign int to parameter '0'"),
        (lambda: nn.ParameterList([cr.ones(2)])[2], IndexError, "ParameterList: index 2 is out of range"),
    ],
)  # fmt: skip
def test_bad_use_is_a_clear_error(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_module_dict_is_an_ordered_dict_of_registered_modules():
    relu, lin, tanh = nn.ReLU(), nn.Linear(2, 2), nn.Tanh()
    md = nn.ModuleDict([("z", relu), ("lin", lin)])
    md.update({"t": tanh, "z": nn.Sigmoid()})  # replacing keeps the key's place
    assert list(md) == ["z", "lin", "t"] and list(md.keys()) == ["z", "lin", "t"]
    assert isinstance(md["z"], nn.Sigmoid) and "lin" in md and "x" not in md and len(md) == 3
    assert list(md.values())[1] is lin and dict(md.items())["t"] is tanh
    assert list(md.state_dict()) == ["lin.weight", "lin.bias"]
    assert md.pop("lin") is lin and list(md) == ["z", "t"] and list(md.state_dict()) == []
    md["lin"] = lin
    del md["z"]
    assert list(md) == ["t", "lin"]
    other = nn.ModuleDict(md)
    assert list(other) == ["t", "lin"] and other["lin"] is lin
    md.clear()
    assert len(md) == 0 and len(other) == 2


def test_parameter_list_converts_tensors_and_keeps_other_objects():
    w = nn.Parameter(cr.zeros(3, 2))
    pl = nn.ParameterList([w, cr.tensor([1.0, 2.0])])
    pl.append("label")
    pl.extend([cr.ones(1, dtype=cr.float64)])
    assert pl[0] is w and isinstance(pl[1], nn.Parameter) and pl[1].requires_grad and pl[2] == "label"
    assert len(pl) == 4 and list(pl.state_dict()) == ["0", "1", "3"]
    np.testing.assert_array_equal(pl[1].detach().numpy(), [1.0, 2.0])
    part = pl[::2]
    assert isinstance(part, nn.ParameterList) and part[0] is w and part[1] == "label" and len(part) == 2
    pl[-1] = cr.zeros(5)
    pl[0] = cr.ones(1)  # a replaced parameter keeps its place among the keys
    assert pl[3].shape == (5,) and isinstance(pl[3], nn.Parameter) and list(pl.state_dict()) == ["0", "1", "3"]
    pl[0] = w
    assert repr(pl) == (
        "ParameterList(\n    (0): Parameter containing: [float32 of size 3x2]\n"
        "    (1): Parameter containing: [float32 of size 2]\n    (2): Object of type: str\n"
        "    (3): Parameter containing: [float32 of size 5]\n)"
    )
    assert repr(nn.ParameterList()) == "ParameterList()"


def test_gradients_reach_parameters_in_containers():
    """f = Σ (w0 · w1) + Σ lin(x): ∂f/∂w0 = w1, ∂f/∂w1 = w0, ∂f/∂W = 1·xᵀ summed over the batch, ∂f/∂b = N."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = nn.ParameterList([cr.tensor([1.0, 2.0]), cr.tensor([3.0, -1.0])])
            self.layers = nn.ModuleDict({"lin": nn.Linear(2, 1)})

        def forward(self, x):
            return (self.ws[0] * self.ws[1]).sum() + self.layers["lin"](x).sum()

    net = Net()
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    net(x).backward()
    np.testing.assert_array_equal(net.ws[0].grad.numpy(), [3.0, -1.0])
    np.testing.assert_array_equal(net.ws[1].grad.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(net.layers["lin"].weight.grad.numpy(), [[4.0, 6.0]])
    np.testing.assert_array_equal(net.layers["lin"].bias.grad.numpy(), [2.0])


def test_load_state_dict_round_trip():
    a, b = Holder(), Holder()
    with cr.no_grad():
        for p in a.parameters():
            p.fill_(0.5)
    b.load_state_dict(a.state_dict())
    assert all((p.detach().numpy() == 0.5).all() for p in b.parameters())


@requires_torch
def test_reprs_match_torch():
    def build(lib):
        ml = lib.ModuleList([lib.Linear(2, 2), lib.Linear(2, 2), lib.ReLU(), lib.Linear(2, 2), lib.ModuleList()])
        md = lib.ModuleDict({"act": lib.Tanh(), "stack": lib.ModuleList([lib.ReLU()] * 3)})
        return [ml, md, lib.ModuleList()]

    for ours, theirs in zip(build(nn), build(torch.nn), strict=True):
        assert repr(ours) == repr(theirs)
    two = [torch.nn.Parameter(torch.zeros(3, 2)), torch.ones(4, dtype=torch.float64), "x"]
    assert repr(nn.ParameterList([cr.zeros(3, 2), cr.ones(4, dtype=cr.float64), "x"])) == repr(
        torch.nn.ParameterList(two)
    ).replace("torch.", "")
