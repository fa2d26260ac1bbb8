"""The training report's gradient check: a batch with a non-zero loss, said which, and the API's own numbers."""

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from chainrule.report.model_checks import check_gradients, choose_batch
from chainrule.report.sections import gradcheck as gradcheck_section

# Three well separated clusters: a linear SVM with these weights has every margin held (zero loss).
POINTS = np.array([[2.0, 0.0], [0.0, 2.0], [-2.0, -2.0]] * 4) + np.linspace(0, 0.3, 12)[:, None]
LABELS = np.array([0, 1, 2] * 4)
WEIGHT = 5.0 * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])


def svm_model():
    model = nn.Sequential(nn.Linear(2, 3))
    model[0].weight.data[...] = WEIGHT
    model[0].bias.data[...] = 0.0
    return model


def mislabelled(k):
    """The labels with sample ``k``'s wrong: the only sample with a loss."""
    y = LABELS.copy()
    y[k] = (y[k] + 1) % 3
    return y


def test_the_svm_loss_is_zero_on_every_sample_but_the_mislabelled_one():
    model, loss = svm_model(), nn.MulticlassSVMLoss(reduction="none")
    per_sample = loss(model(cr.tensor(POINTS, dtype=cr.float32)), cr.tensor(mislabelled(5))).detach().numpy()
    assert per_sample[5] > 0 and np.count_nonzero(per_sample) == 1


def test_the_checked_batch_has_a_loss_and_says_which_it_is():
    later = 0
    for k in range(len(LABELS)):
        batch = choose_batch(svm_model(), nn.MulticlassSVMLoss(), POINTS, mislabelled(k))
        assert k in batch.indices and len(batch.indices) == 4 and batch.loss > 0
        assert all(np.any(g != 0) for g in batch.gradients)
        assert batch.reason.startswith("the first with a non-zero loss and gradients")
        if batch.number > 1:
            later += 1
            assert "had a zero loss or a zero gradient" in batch.reason
    assert later >= 1  # the first batch had zero loss for some k, and a later one was checked


def test_an_svm_whose_first_batch_has_zero_loss_still_checks_something():
    k = next(
        k for k in range(12) if choose_batch(svm_model(), nn.MulticlassSVMLoss(), POINTS, mislabelled(k)).number > 1
    )
    check = check_gradients(svm_model(), nn.MulticlassSVMLoss(), POINTS, mislabelled(k))
    assert check.report.passed and check.loss > 0
    assert all(row.check.compared > 0 for row in check.parameters)
    html = gradcheck_section(svm_model(), nn.MulticlassSVMLoss(), POINTS, mislabelled(k))
    assert f"batch {check.batch.number} of a fixed shuffle" in html and f"#{k}" in html
    assert "gradcheck passed" in html and "not informative" not in html


def test_no_batch_with_a_loss_makes_a_not_informative_check_that_says_so():
    check = check_gradients(svm_model(), nn.MulticlassSVMLoss(), POINTS, LABELS)
    assert check.report.status == "not informative" and "comes closest" in check.batch.reason
    html = gradcheck_section(svm_model(), nn.MulticlassSVMLoss(), POINTS, LABELS)
    assert "gradcheck not informative" in html and html.count('class="mistake"') == 2


def test_the_report_shows_the_numbers_the_api_gives():
    """Every parameter is small enough to be checked whole: the report's elements are gradcheck_report's."""
    y = mislabelled(2)
    check = check_gradients(svm_model(), nn.MulticlassSVMLoss(), POINTS, y)
    xb, yb = cr.tensor(POINTS[check.batch.indices], dtype=cr.float64), cr.tensor(y[check.batch.indices])
    w = cr.tensor(WEIGHT, dtype=cr.float64, requires_grad=True)
    b = cr.tensor(np.zeros(3), dtype=cr.float64, requires_grad=True)
    api = cr.gradcheck_report(lambda w, b: F.multiclass_svm_loss(F.linear(xb, w, b), yb), [w, b], worst=1)
    for row, c in zip(check.parameters, api.inputs):
        e, f = row.check.worst[0], c.worst[0]
        assert row.worst_index == f.index and e.result == f.result
        assert e.analytic == pytest.approx(f.analytic, rel=1e-12) and e.numerical == pytest.approx(
            f.numerical, rel=1e-6
        )
        assert row.check.rating == c.rating and row.check.compared == c.compared


def test_a_deep_model_is_checked_within_the_budget():
    """40 layers (80 parameter tensors): 480 // 80 = 6 entries each instead of 24, every tensor still checked."""
    cr.manual_seed(0)
    layers = [nn.Linear(2, 8), nn.Tanh()] + [m for _ in range(38) for m in (nn.Linear(8, 8), nn.Tanh())]
    model = nn.Sequential(*layers, nn.Linear(8, 3))
    check = check_gradients(model, nn.CrossEntropyLoss(), POINTS, LABELS)
    assert len(check.parameters) == 80
    assert [r.elements for r in check.report.inputs] == [min(6, p.numel()) for p in model.parameters()]
    assert check.report.passed
