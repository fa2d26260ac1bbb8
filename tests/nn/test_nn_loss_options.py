"""Loss options (weight, ignore_index, label_smoothing, pos_weight; (C,) and (N, C, d1, ...) shapes):
hand-computed values, gradcheck and gradgradcheck in float64, errors, and PyTorch 2.13 as oracle."""

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.nn import functional as F

try:
    import torch
except ImportError:  # the suite passes without torch; the comparisons with it report a skip
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
RNG = np.random.default_rng(7)
C = 5
WEIGHT = RNG.uniform(0.2, 2.0, C)
REDUCTIONS = ["mean", "sum", "none"]
LN3 = math.log(3.0)  # logits [ln 3, 0] give probabilities [3/4, 1/4]


def _x(*shape):
    return cr.tensor(RNG.standard_normal(shape), dtype=cr.float64, requires_grad=True)


def _t(data, requires_grad=False):
    return cr.tensor(data, dtype=cr.float64, requires_grad=requires_grad)


def _labels(shape, ignore=-100):
    labels = RNG.integers(0, C, shape)
    if labels.ndim:
        labels.ravel()[::3] = ignore  # every third sample ignored
    return labels


# ------------------------------------------------------------------ hand-computed values
def test_weighted_mean_divides_by_the_weights_of_the_kept_labels():
    x = _t([[LN3, 0.0], [LN3, 0.0], [LN3, 0.0]])
    got = F.cross_entropy(x, [0, 1, -100], weight=[1.0, 3.0])
    expected = (-math.log(0.75) - 3 * math.log(0.25)) / (1 + 3)
    assert got.item() == pytest.approx(expected, rel=1e-12)
    total = F.cross_entropy(x, [0, 1, -100], [1.0, 3.0], reduction="sum")
    assert total.item() == pytest.approx(-math.log(0.75) - 3 * math.log(0.25), rel=1e-12)


def test_label_smoothing_on_one_sample_of_shape_c():
    got = F.cross_entropy(_t([LN3, 0.0]), 0, label_smoothing=0.5)
    expected = 0.5 * -math.log(0.75) + 0.25 * -(math.log(0.75) + math.log(0.25))
    assert got.item() == pytest.approx(expected, rel=1e-12)
    assert got.shape == ()


def test_label_smoothing_with_weight_and_ignored_samples():
    x = _t([[LN3, 0.0], [0.0, 0.0]])
    got = F.cross_entropy(x, [1, 7], weight=[2.0, 4.0], ignore_index=7, label_smoothing=0.2, reduction="none")
    row0 = 0.8 * 4 * -math.log(0.25) + 0.1 * -(2 * math.log(0.75) + 4 * math.log(0.25))
    np.testing.assert_allclose(got.numpy(), [row0, 0.0], rtol=1e-12)
    mean = F.cross_entropy(x, [1, 7], weight=[2.0, 4.0], ignore_index=7, label_smoothing=0.2)
    assert mean.item() == pytest.approx(row0 / 4.0, rel=1e-12)


def test_nll_loss_on_spatial_input_with_weight():
    logp = np.log(np.array([0.5, 0.25, 0.25]))[None, :, None].repeat(2, axis=2)  # (1, 3, 2)
    got = F.nll_loss(_t(logp), [[0, 2]], weight=[1.0, 1.0, 3.0], reduction="none")
    np.testing.assert_allclose(got.numpy(), [[math.log(2), 3 * math.log(4)]], rtol=1e-12)


def test_ignored_samples_get_zero_gradient_and_all_ignored_is_nan():
    x = _x(3, C)
    F.cross_entropy(x, [1, -100, 2]).backward()
    assert np.all(x.grad.numpy()[1] == 0) and np.all(x.grad.numpy()[0] != 0)
    y = _x(2, C)
    loss = F.cross_entropy(y, [-100, -100])
    loss.backward()
    assert math.isnan(loss.item()) and np.all(y.grad.numpy() == 0)


def test_pos_weight_by_hand():
    x = _t([0.0, 0.0], requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, [1.0, 0.0], pos_weight=[3.0], reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [3 * math.log(2), math.log(2)], rtol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.5, 0.5], rtol=1e-12)  # (1 − y) − (1 + (p − 1)y)·σ(−x)
    weighted = F.binary_cross_entropy_with_logits(x, [1.0, 0.0], weight=[2.0, 0.5], reduction="sum")
    assert weighted.item() == pytest.approx(2.5 * math.log(2), rel=1e-12)


def test_no_option_keeps_the_fused_node():
    labels = np.array([0, 1, 2])
    assert type(F.cross_entropy(_x(3, C), labels).grad_fn).__name__ == "CrossEntropy"
    assert type(F.nll_loss(_x(3, C), labels).grad_fn).__name__ == "NLL"
    assert type(F.cross_entropy(_x(3, C), labels, ignore_index=2).grad_fn).__name__ != "CrossEntropy"


# ------------------------------------------------------------------ first and second derivatives
OPTION_CASES = {
    "ce_weight_ignore": lambda x, t: F.cross_entropy(x, t, WEIGHT),
    "ce_smoothing": lambda x, t: F.cross_entropy(x, t, label_smoothing=0.3),
    "ce_all": lambda x, t: F.cross_entropy(x, t, WEIGHT, label_smoothing=0.2),
    "nll_weight": lambda x, t: F.nll_loss(x, t, WEIGHT),
}


@pytest.mark.parametrize("shape", [(C,), (4, C), (2, C, 3)])
@pytest.mark.parametrize("name", sorted(OPTION_CASES))
def test_gradcheck_and_gradgradcheck(name, shape):
    x = _x(*shape)
    t = _labels(shape[:1] + shape[2:] if len(shape) > 1 else ())
    cr.gradcheck(lambda x: OPTION_CASES[name](x, t), [x])
    cr.gradgradcheck(lambda x: OPTION_CASES[name](x, t), [x])


def test_bce_options_gradcheck_wrt_input_and_target():
    x, y = _x(3, 4), cr.tensor(RNG.uniform(0, 1, (3, 4)), requires_grad=True)
    pos, w = RNG.uniform(0.5, 3, 4), RNG.uniform(0.5, 2, (3, 1))
    f = lambda x, y: F.binary_cross_entropy_with_logits(x, y, w, pos_weight=pos)  # noqa: E731
    cr.gradcheck(f, [x, y])
    cr.gradgradcheck(f, [x, y])


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: F.cross_entropy(cr.randn(3, 4), [0, 1, 2], [1.0, 2.0]), cr.ShapeError, "weight must have shape (4,)"),
        (lambda: F.cross_entropy(cr.randn(3, 4), [0, 1, 2], label_smoothing=1.5), ValueError, "between 0.0 and 1.0"),
        (lambda: F.cross_entropy(cr.randn(4), [0]), cr.ShapeError, "0-d label"),
        (lambda: F.cross_entropy(cr.randn(2, 4, 3), [0, 1]), cr.ShapeError, "shape (2, 3)"),
        (lambda: F.nll_loss(cr.randn(2, 4), [5, -100]), ValueError, "got values in [5, 5]"),
        (lambda: F.nll_loss(cr.randn(2, 4), [1, -100], ignore_index=3), ValueError, "ignore_index=3"),
        (lambda: F.cross_entropy(cr.tensor(1.0), 0), cr.ShapeError, "0-d tensor"),
        (
            lambda: F.binary_cross_entropy_with_logits(cr.randn(2, 3), np.ones((2, 3)), pos_weight=[1.0, 2.0]),
            cr.ShapeError, "pos_weight of shape (2,) does not broadcast",
        ),
    ],
)
def test_errors_name_the_operation_and_what_is_valid(call, error, words):
    with pytest.raises(error, match=None) as info:
        call()
    assert words in str(info.value)


def test_modules_pass_their_options():
    x, t = _x(4, C), _labels((4,))
    module = cr.nn.CrossEntropyLoss(weight=WEIGHT, label_smoothing=0.1, reduction="sum")
    assert module(x, t).item() == F.cross_entropy(x, t, WEIGHT, reduction="sum", label_smoothing=0.1).item()
    nll = cr.nn.NLLLoss(weight=WEIGHT, ignore_index=0)
    assert nll(x, t.clip(0)).item() == F.nll_loss(x, t.clip(0), WEIGHT, ignore_index=0).item()
    assert "ignore_index=0" in repr(nll)
    assert sorted(nll.state_dict()) == ["weight"]  # a buffer, as in PyTorch
    assert sorted(cr.nn.BCEWithLogitsLoss(weight=[1.0], pos_weight=[2.0]).state_dict()) == ["pos_weight", "weight"]
    assert cr.nn.CrossEntropyLoss().state_dict() == {}
    bce = cr.nn.BCEWithLogitsLoss(pos_weight=[2.0] * C)
    y = RNG.uniform(0, 1, (4, C))
    assert bce(x, y).item() == F.binary_cross_entropy_with_logits(x, y, pos_weight=[2.0] * C).item()


# ------------------------------------------------------------------ PyTorch as oracle
def _against_torch(ours, theirs, array):
    x = cr.tensor(array, requires_grad=True)
    xt = torch.tensor(array, requires_grad=True)
    got, want = ours(x), theirs(xt)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = RNG.standard_normal(got.shape)
    (got * cr.tensor(g)).sum().backward()
    (want * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


CE_OPTIONS = [{}, {"weight": WEIGHT}, {"label_smoothing": 0.3}, {"weight": WEIGHT, "label_smoothing": 0.2},
              {"ignore_index": 2}]


def _torch_kw(kw):
    return {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", CE_OPTIONS, ids=lambda kw: "-".join(kw) or "none")
@pytest.mark.parametrize("shape", [(C,), (4, C), (3, C, 2, 2)])
def test_cross_entropy_and_nll_match_torch(shape, kw, reduction):
    labels = _labels(shape[:1] + shape[2:] if len(shape) > 1 else (), ignore=kw.get("ignore_index", -100))
    array = RNG.standard_normal(shape)
    _against_torch(lambda x: F.cross_entropy(x, labels, reduction=reduction, **kw),
                   lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(labels), reduction=reduction,
                                                               **_torch_kw(kw)), array)
    if "label_smoothing" not in kw:
        _against_torch(lambda x: F.nll_loss(x, labels, reduction=reduction, **kw),
                       lambda x: torch.nn.functional.nll_loss(x, torch.tensor(labels), reduction=reduction,
                                                              **_torch_kw(kw)), array)


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", CE_OPTIONS[:4], ids=lambda kw: "-".join(kw) or "none")
@pytest.mark.parametrize("shape", [(C,), (4, C), (3, C, 2)])
def test_probability_targets_match_torch(shape, kw, reduction):
    probs = RNG.dirichlet(np.ones(C), size=shape[:1] + shape[2:] if len(shape) > 1 else None)
    probs = np.moveaxis(probs, -1, 1) if len(shape) > 1 else probs
    _against_torch(lambda x: F.cross_entropy(x, probs, reduction=reduction, **kw),
                   lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(probs), reduction=reduction,
                                                               **_torch_kw(kw)), RNG.standard_normal(shape))


@needs_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{"pos_weight": 1}, {"weight": 1}, {"weight": 1, "pos_weight": 1}],
                         ids=lambda kw: "-".join(kw))
def test_bce_with_logits_options_match_torch(kw, reduction):
    shape = (2, 3, 4)
    factors = {"pos_weight": RNG.uniform(0.5, 3, 4), "weight": RNG.uniform(0.5, 2, (3, 1))}
    kw = {k: factors[k] for k in kw}
    y = RNG.uniform(0, 1, shape)
    _against_torch(lambda x: F.binary_cross_entropy_with_logits(x, y, reduction=reduction, **kw),
                   lambda x: torch.nn.functional.binary_cross_entropy_with_logits(
                       x, torch.tensor(y), reduction=reduction, **_torch_kw(kw)), 3 * RNG.standard_normal(shape))
