"""Module registration, state dicts, layers, activations and initialisers (PyTorch as oracle where installed)."""

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from chainrule.nn import init


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.out = nn.Linear(4, 1, bias=False)
        self.register_buffer("steps", cr.zeros(1))

    def forward(self, x):
        return self.out(self.hidden(x).sigmoid())


def test_registration_and_dotted_state_dict():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["hidden.weight", "hidden.bias", "out.weight"]
    assert list(net.state_dict()) == ["steps", "hidden.weight", "hidden.bias", "out.weight"]
    assert net.hidden.weight.shape == (4, 3) and net.out.bias is None
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Linear", "Linear"]
    assert dict(net.named_children()).keys() == {"hidden", "out"}
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_shared_parameter_counted_once_and_reassignment_unregisters():
    net = Net()
    net.out.weight = net.hidden.weight  # tie (shapes differ, but registration is what is tested)
    assert len(list(net.parameters())) == 2
    net.hidden = None
    assert [n for n, _ in net.named_parameters()] == ["out.weight"]
    with pytest.raises(TypeError, match="parameter 'weight'"):
        net.out.weight = cr.zeros(2)
    with pytest.raises(TypeError, match="sub-module 'out'"):
        net.out = 5


def test_parameter_before_init_is_refused():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(cr.zeros(2))

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_load_state_dict_round_trip_and_every_problem_named():
    a, b = Net(), Net()
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(a.hidden.weight._data, b.hidden.weight._data)
    bad = dict(a.state_dict())
    bad["hidden.weight"] = cr.zeros(5, 3)
    del bad["out.weight"]
    bad["extra.bias"] = cr.zeros(1)
    with pytest.raises(nn.StateDictError) as info:
        b.load_state_dict(bad)
    msg = str(info.value)
    assert "hidden.weight: checkpoint shape (5, 3), model shape (4, 3)" in msg
    assert "missing key 'out.weight'" in msg and "unexpected key 'extra.bias'" in msg
    del bad["hidden.weight"]
    result = b.load_state_dict(bad, strict=False)
    assert result.missing_keys == ["hidden.weight", "out.weight"] and result.unexpected_keys == ["extra.bias"]


def test_load_state_dict_bumps_version_and_keeps_identity():
    net = Net()
    w = net.hidden.weight
    v = w._version
    net.load_state_dict({k: np.ones(t.shape) for k, t in net.state_dict().items()})
    assert net.hidden.weight is w and w._version > v and (w._data == 1).all() and w.dtype == np.float32


def test_repr_is_an_indented_tree():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Dropout(0.2), nn.Linear(3, 1)))
    assert repr(net) == (
        "Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): ReLU()\n"
        "  (2): Sequential(\n    (0): Dropout(p=0.2)\n    (1): Linear(in_features=3, out_features=1, bias=True)\n  )\n)"
    )


def test_zero_grad_train_eval_and_dtype():
    net = Net()
    net(cr.randn(2, 3)).sum().backward()
    assert net.hidden.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert (net.hidden.weight.grad._data == 0).all()
    net.zero_grad()
    assert net.hidden.weight.grad is None
    assert not net.eval().out.training and net.train().hidden.training
    assert net.double().hidden.weight.dtype == np.float64


class _Frozen(nn.Module):
    """A part that stays in evaluation mode whatever its parent is set to: it overrides train(), as users do."""

    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)
        self.modes = []

    def train(self, mode=True):
        self.modes.append(mode)
        return super().train(False)


def test_train_and_eval_call_each_childs_own_train():
    net = nn.Sequential(nn.Linear(2, 2), _Frozen(), nn.Sequential(nn.Dropout(0.1), _Frozen()))
    frozen, inner = net[1], net[2]
    assert net.eval() is net and not any(m.training for m in net.modules())
    assert net.train() is net and net.training and net[0].training and inner.training and inner[0].training
    for part in (frozen, inner[1]):
        assert part.modes == [False, True] and not part.training and not part.drop.training
    assert net.train(False) is net and frozen.modes == [False, True, False]
    torch = pytest.importorskip("torch")

    class TorchFrozen(torch.nn.Module):
        def train(self, mode=True):
            return super().train(False)

    ours = nn.Sequential(nn.Linear(2, 2), _Frozen()).train()
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), TorchFrozen()).train()
    assert [m.training for m in ours] == [m.training for m in theirs] == [True, False]


@pytest.mark.parametrize("mode", [1, 0, "eval", None, np.bool_(True)])
def test_train_mode_must_be_a_bool(mode):
    net = Net()
    with pytest.raises(ValueError, match=r"Net.train: training mode is expected to be boolean, got .*True or False"):
        net.train(mode)
    assert net.training and net.hidden.training  # nothing changed
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        torch.nn.Linear(1, 1).train(mode)


def test_dropout_train_and_eval():
    x = cr.ones(1000)
    d = nn.Dropout(0.25)
    y = d(x).numpy()
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)
    assert 0.15 < (y == 0).mean() < 0.35
    assert d.eval()(x) is x
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)


def test_flatten_identity_mlp():
    assert nn.Flatten()(cr.zeros(2, 3, 4)).shape == (2, 12)
    x = cr.randn(2, 3)
    assert nn.Identity()(x) is x
    mlp = nn.MLP([4, 8, 8, 3], activation="tanh", output_activation="softmax")
    assert [type(m).__name__ for m in mlp] == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Softmax"]
    np.testing.assert_allclose(mlp(cr.randn(5, 4)).detach().numpy().sum(1), 1, rtol=1e-6)
    with pytest.raises(ValueError, match="valid names"):
        nn.MLP([2, 2, 2], activation="swish")


def test_linear_gradcheck_and_default_init_bounds():
    layer = nn.Linear(6, 3).double()
    cr.gradcheck(lambda x, w, b: F.linear(x, w, b), [cr.randn(4, 6, dtype=cr.float64, requires_grad=True),
                                                      layer.weight, layer.bias])
    big = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    assert np.abs(big.weight._data).max() <= bound and np.abs(big.weight._data).max() > 0.99 * bound
    assert np.abs(big.bias._data).max() <= bound


def test_init_reproducible_and_statistics():
    w = cr.zeros(400, 500)
    cr.manual_seed(3)
    init.lecun_normal_(w)
    first = w._data.copy()
    cr.manual_seed(3)
    init.lecun_normal_(w)
    np.testing.assert_array_equal(first, w._data)
    assert abs(w._data.std() - 1 / math.sqrt(500)) < 0.002
    init.xavier_uniform_(w, generator=cr.Generator(1))
    assert np.abs(w._data).max() <= math.sqrt(6 / 900) and np.abs(w._data).max() > 0.99 * math.sqrt(6 / 900)
    init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w._data.std() - math.sqrt(2 / 500)) < 0.002
    init.xavier_normal_(w)
    assert abs(w._data.std() - math.sqrt(2 / 900)) < 0.002
    init.kaiming_uniform_(w, a=math.sqrt(5))  # PyTorch's Linear default: U(±1/√fan_in)
    assert np.abs(w._data).max() <= 1 / math.sqrt(500)
    assert (init.constant_(w, 0.5)._data == 0.5).all() and (init.zeros_(w)._data == 0).all()
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(cr.zeros(3))
    with pytest.raises(ValueError, match="valid"):
        init.calculate_gain("swish")


def test_activation_layers_gradcheck():
    x = cr.tensor(np.random.default_rng(1).uniform(-2, 2, (3, 4)), dtype=cr.float64, requires_grad=True)
    for layer in (nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(0.1), nn.Softmax(dim=1), nn.LogSoftmax(dim=0)):
        cr.gradcheck(layer, [x])


# ------------------------------------------------------------------ PyTorch oracle
@pytest.mark.parametrize(
    "ours, theirs",
    [
        (nn.Sigmoid(), "Sigmoid()"), (nn.Tanh(), "Tanh()"), (nn.ReLU(), "ReLU()"),
        (nn.LeakyReLU(0.2), "LeakyReLU(0.2)"), (nn.Softmax(dim=1), "Softmax(dim=1)"),
        (nn.LogSoftmax(dim=1), "LogSoftmax(dim=1)"), (nn.Flatten(), "Flatten()"),
    ],
)
def test_activations_match_torch(ours, theirs):
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(2).uniform(-3, 3, (4, 5))
    x = cr.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    out, tout = ours(x), eval(f"torch.nn.{theirs}")(tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    w = np.random.default_rng(3).normal(size=data.shape)
    out.backward(cr.tensor(w))
    tout.backward(torch.tensor(w))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_linear_matches_torch_and_loads_its_state_dict():
    torch = pytest.importorskip("torch")
    tl = torch.nn.Linear(5, 3).double()
    layer = nn.Linear(5, 3, dtype=cr.float64)
    layer.load_state_dict({k: v.detach().numpy() for k, v in tl.state_dict().items()})
    data = np.random.default_rng(4).normal(size=(6, 5))
    x, tx = cr.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = layer(x), tl(tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), tl.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.numpy(), tl.bias.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_a_parameter_attribute_follows_every_way_of_setting_it():
    layer = nn.Linear(3, 2)
    new = nn.Parameter(cr.zeros(2, 3))
    layer.weight = new
    assert layer.weight is new and dict(layer.named_parameters())["weight"] is new
    layer.register_parameter("weight", nn.Parameter(cr.ones(2, 3)))
    assert layer.weight is dict(layer.named_parameters())["weight"] and layer.weight is not new
    layer.bias = None
    assert layer.bias is None and "bias" not in dict(layer.named_parameters())
    del layer.weight
    with pytest.raises(AttributeError, match="weight"):
        layer.weight  # noqa: B018
    assert list(layer.named_parameters()) == []


def test_a_parameter_put_into_the_registry_by_hand_is_the_one_used():
    layer = nn.Linear(3, 2)
    new = nn.Parameter(cr.zeros(2, 3))
    layer._parameters["weight"] = new
    assert layer.weight is new
    np.testing.assert_array_equal(layer(cr.ones(1, 3)).detach().numpy(), layer.bias.detach().numpy()[None])


def test_the_bias_may_change_in_place_between_forward_and_backward_as_in_pytorch():
    layer = nn.Linear(3, 2)
    x = cr.randn(4, 3, requires_grad=True)  # so that the backward reads the weight (for x's gradient)
    out = layer(x).sum()
    with cr.no_grad():
        layer.bias.add_(1.0)
    out.backward()
    np.testing.assert_allclose(layer.bias.grad.numpy(), [4.0, 4.0])
    out = layer(x).sum()
    with cr.no_grad():
        layer.weight.mul_(2.0)  # the weight, which the backward reads, may not
    with pytest.raises(cr.BackwardError, match="modified in place"):
        out.backward()


def test_sequential_runs_each_layers_forward_even_one_set_on_the_instance():
    net = nn.Sequential(nn.Linear(3, 2), nn.Sigmoid())
    x = cr.randn(4, 3)
    seen = []
    net[1].forward = lambda t: seen.append(t.shape) or t * 0  # a per-instance forward, as viz's recorder sets
    assert seen == [] and np.all(net(x).detach().numpy() == 0)
    assert seen == [(4, 2)]


def test_sequential_calls_a_layer_whose_class_defines_its_own_call():
    class Doubled(nn.Module):
        def forward(self, x):
            return x

        def __call__(self, x):
            return self.forward(x) * 2

    class CallOnly(nn.Module):  # no forward at all
        def __call__(self, x):
            return x + 1

    out = nn.Sequential(Doubled(), CallOnly(), Doubled())(cr.tensor([1.0]))
    np.testing.assert_array_equal(out.numpy(), [6.0])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("value", [3, 2.0, [1.0, 2.0], np.ones(2), None])
def test_functional_activations_need_a_tensor(name, value):
    with pytest.raises(TypeError, match=f"{name}: input must be a Tensor, got {type(value).__name__}"):
        getattr(F, name)(value)


def test_sequential_calls_each_layer_through_module_call(monkeypatch):
    calls = []
    original = cr.nn.Module.__call__

    def counting(self, *args, **kwargs):
        calls.append(type(self).__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cr.nn.Module, "__call__", counting)
    net = cr.nn.Sequential(cr.nn.Linear(2, 3), cr.nn.Sigmoid(), cr.nn.Linear(3, 1))
    net(cr.ones(4, 2))
    assert calls == ["Sequential", "Linear", "Sigmoid", "Linear"]


def test_reassigning_a_registered_name_keeps_its_place_as_in_pytorch():
    m = cr.nn.Module()
    m.a, m.b = cr.nn.Linear(1, 1), cr.nn.Linear(1, 1)
    m.a = cr.nn.Linear(1, 1)
    assert list(m.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    lin = cr.nn.Linear(2, 2)
    lin.weight = cr.nn.Parameter(cr.zeros(2, 2))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]


@pytest.mark.parametrize("register", ["add_module", "register_parameter", "register_buffer"])
@pytest.mark.parametrize("name", ["a.b", ""])
def test_names_that_would_make_ambiguous_keys_are_refused(register, name):
    m = cr.nn.Module()
    value = {"add_module": cr.nn.Linear(1, 1), "register_parameter": cr.nn.Parameter(cr.zeros(1)),
             "register_buffer": cr.zeros(1)}[register]  # fmt: skip
    with pytest.raises(KeyError, match="be empty or contain"):
        getattr(m, register)(name, value)
    assert list(m.state_dict()) == []
