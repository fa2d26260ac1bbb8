"""Losses: gradcheck (float64), second derivatives, stability, errors, and PyTorch as oracle."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import functional as F

RNG = np.random.default_rng(0)
N, C = 5, 4
LABELS = np.array([0, 3, 1, 1, 2])
REDUCTIONS = ["mean", "sum", "none"]


def _x(*shape, low=-2.0, high=2.0):
    return cr.tensor(RNG.uniform(low, high, shape), dtype=cr.float64, requires_grad=True)


def _probs(*shape):
    return _x(*shape, low=0.05, high=0.95)


def _targets01(*shape):
    return cr.tensor(RNG.uniform(0, 1, shape), dtype=cr.float64)


# name -> (loss(input, target, reduction), make input, make target, torch loss or None)
CASES = {
    "cross_entropy": (F.cross_entropy, lambda: _x(N, C), lambda: LABELS, "cross_entropy"),
    "nll_loss": (F.nll_loss, lambda: _x(N, C, low=-3, high=-0.1), lambda: LABELS, "nll_loss"),
    "mse_loss": (F.mse_loss, lambda: _x(N, C), lambda: _targets01(N, C), "mse_loss"),
    "bce": (F.binary_cross_entropy, lambda: _probs(N, C), lambda: _targets01(N, C), "binary_cross_entropy"),
    "bce_logits": (
        F.binary_cross_entropy_with_logits, lambda: _x(N, C), lambda: _targets01(N, C),
        "binary_cross_entropy_with_logits",
    ),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_every_loss(name, reduction):
    loss, make_x, make_t, _ = CASES[name]
    x, t = make_x(), make_t()
    cr.gradcheck(lambda x: loss(x, t, reduction=reduction), [x])


@pytest.mark.parametrize("name", ["mse_loss", "bce", "bce_logits"])
def test_gradcheck_wrt_target(name):
    loss, make_x, make_t, _ = CASES[name]
    x, t = make_x(), make_t().requires_grad_()
    cr.gradcheck(lambda x, t: loss(x, t), [x, t])


@pytest.mark.parametrize("name", ["cross_entropy", "mse_loss", "bce", "bce_logits"])
def test_second_derivatives(name):
    loss, make_x, make_t, _ = CASES[name]
    x, t = make_x(), make_t()
    cr.gradgradcheck(lambda x: loss(x, t, reduction="sum"), [x])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_svm_loss_gradcheck_and_lecture_value(reduction):
    s = _x(N, C)
    cr.gradcheck(lambda s: F.multiclass_svm_loss(s, LABELS, reduction=reduction), [s])
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])  # CS231n's three examples
    got = F.multiclass_svm_loss(cr.tensor(scores), [0, 1, 2], reduction="none")
    np.testing.assert_allclose(got.detach().numpy(), [2.9, 0.0, 12.9], atol=1e-5)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x = _x(N, C)
    F.cross_entropy(x, LABELS).backward()
    p = np.exp(x._data - x._data.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(N), LABELS] -= 1
    np.testing.assert_allclose(x.grad.numpy(), p / N, rtol=1e-12)


@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_on_any_memory_layout(layout, reduction):
    """The label lookups index the flattened rows: a transposed or strided input gives the same values and grads."""
    base = RNG.uniform(-2, 2, (N, 2 * C))
    data = {"C": base[:, :C].copy(), "F": np.asfortranarray(base[:, :C]), "strided": base[:, ::2]}[layout]
    x = cr.tensor(data, dtype=cr.float64, requires_grad=True)
    x._data = data  # keep the layout (cr.tensor copies)
    loss = F.cross_entropy(x, LABELS, reduction=reduction)
    loss.backward(cr.ones_like(loss))
    ref = np.ascontiguousarray(data)
    p = np.exp(ref - ref.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    losses = -np.log(p[np.arange(N), LABELS])
    p[np.arange(N), LABELS] -= 1
    expected = {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]
    np.testing.assert_allclose(loss.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), p / N if reduction == "mean" else p, rtol=1e-12, atol=1e-15)


def test_cross_entropy_soft_labels_match_hard_labels():
    x = _x(N, C)
    hard = F.cross_entropy(x, LABELS)
    soft = F.cross_entropy(x, np.eye(C)[LABELS])
    np.testing.assert_allclose(soft.item(), hard.item(), rtol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    x = cr.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0]], requires_grad=True)
    loss = F.cross_entropy(x, [1, 1], reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [2e4, 0.0], rtol=1e-6)
    loss.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_bce_with_logits_stable_and_exact_gradient():
    x = cr.tensor([1e4, -1e4, 30.0, -30.0, 0.5], dtype=cr.float64, requires_grad=True)
    y = cr.tensor([0.0, 1.0, 1.0, 0.0, 1.0], dtype=cr.float64)
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy()[:2], [1e4, 1e4])
    assert np.isfinite(loss.detach().numpy()).all()
    F.binary_cross_entropy_with_logits(x, y, reduction="sum").backward()
    np.testing.assert_array_equal(x.grad.numpy(), cr.sigmoid(x.detach()).numpy() - y.numpy())


def test_bce_clamps_log_at_minus_100():
    p = cr.tensor([0.0, 1.0], requires_grad=True)
    loss = F.binary_cross_entropy(p, [1.0, 0.0], reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [100.0, 100.0])
    loss.sum().backward()
    assert np.isfinite(p.grad.numpy()).all()


def test_mse_textbook_half_squared_norm():
    a, t = _x(3), _targets01(3)
    half = 0.5 * F.mse_loss(a, t, reduction="sum")
    half.backward()
    np.testing.assert_allclose(a.grad.numpy(), a._data - t._data)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: F.cross_entropy(cr.randn(3, 4), [0, 1, 4]), ValueError, "cross_entropy: class labels must be"),
        (lambda: F.cross_entropy(cr.randn(3, 4), [0, -1, 2]), ValueError, "got values in [-1, 2]"),
        (lambda: F.nll_loss(cr.randn(2, 4), np.array([5, 1], np.uint8)), ValueError, "nll_loss: class labels"),
        (lambda: F.nll_loss(cr.randn(2, 4), np.array([-3, 1], np.int32)), ValueError, "in [0, 3]"),
        (lambda: F.multiclass_svm_loss(cr.randn(2, 4), [1, -1]), ValueError, "multiclass_svm_loss: class labels"),
        (lambda: F.multiclass_svm_loss(cr.randn(2, 4), [4, 1]), ValueError, "got values in [1, 4]"),
        (lambda: F.cross_entropy(cr.randn(3, 4), [0, 1]), cr.ShapeError, "shape (3,)"),
        (lambda: F.cross_entropy(cr.randn(3), [0]), cr.ShapeError, "(N, C)"),
        (lambda: F.nll_loss(cr.randn(3, 4), np.zeros(3) + 0.5), cr.DTypeError, "integer"),
        (lambda: F.mse_loss(cr.randn(3), cr.randn(4)), cr.ShapeError, "differs"),
        (lambda: F.mse_loss(cr.randn(3), cr.randn(3), reduction="avg"), ValueError, "reduction"),
        (lambda: F.binary_cross_entropy(cr.randn(3) + 5, cr.ones(3)), ValueError, "with_logits"),
        (lambda: F.cross_entropy(cr.arange(6).reshape(2, 3), [0, 1]), cr.DTypeError, "floating"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        call()


def test_loss_modules_match_functional():
    x = _x(N, C)
    assert cr.nn.CrossEntropyLoss(reduction="sum")(x, LABELS).item() == F.cross_entropy(x, LABELS, "sum").item()
    svm = cr.nn.MulticlassSVMLoss(margin=0.5)
    assert svm(x, LABELS).item() == F.multiclass_svm_loss(x, LABELS, 0.5).item()
    assert "margin=0.5" in repr(svm)
    with pytest.raises(ValueError, match="reduction"):
        cr.nn.MSELoss(reduction="avg")


def test_l2_penalty():
    net = cr.nn.Linear(3, 2)
    expected = sum(float((p._data.astype(np.float64) ** 2).sum()) for p in net.parameters())
    np.testing.assert_allclose(F.l2_penalty(net.parameters()).item(), expected, rtol=1e-6)


# ------------------------------------------------------------------ PyTorch oracle
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, reduction):
    torch = pytest.importorskip("torch")
    loss, make_x, make_t, torch_name = CASES[name]
    x, t = make_x(), make_t()
    tx = torch.tensor(x._data, requires_grad=True)
    tt = torch.tensor(np.asarray(t._data if isinstance(t, cr.Tensor) else t))
    ours = loss(x, t, reduction=reduction)
    theirs = getattr(torch.nn.functional, torch_name)(tx, tt, reduction=reduction)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = RNG.uniform(0.5, 1.5, theirs.shape)
    ours.backward(cr.tensor(w, dtype=cr.float64))
    theirs.backward(torch.tensor(w))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_svm_equals_torch_multi_margin_times_classes(reduction):
    torch = pytest.importorskip("torch")
    s = _x(N, C)
    ts = torch.tensor(s._data, requires_grad=True)
    ours = F.multiclass_svm_loss(s, LABELS, reduction=reduction)
    theirs = torch.nn.functional.multi_margin_loss(ts, torch.tensor(LABELS), reduction=reduction)
    theirs = theirs * C  # PyTorch divides each sample's hinge sum by C; the lecture form does not
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy(), rtol=1e-10)


def test_bce_with_logits_matches_torch_at_extremes():
    torch = pytest.importorskip("torch")
    x = np.array([1e4, -1e4, 50.0, -50.0])
    y = np.array([0.0, 1.0, 0.3, 0.7])
    ours = F.binary_cross_entropy_with_logits(cr.tensor(x, dtype=cr.float64), y, reduction="none")
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(y), reduction="none")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("changed", ["labels", "logits"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_refuses_labels_or_logits_changed_in_place_before_backward(changed, create_graph):
    logits = cr.tensor(np.random.default_rng(0).normal(size=(4, 3)), requires_grad=True)
    labels = cr.tensor([0, 2, 1, 2])
    loss = F.cross_entropy(logits, labels)
    with cr.no_grad():
        (labels if changed == "labels" else logits).add_(1)
    with pytest.raises(cr.BackwardError, match="modified in place"):
        loss.backward(create_graph=create_graph)
