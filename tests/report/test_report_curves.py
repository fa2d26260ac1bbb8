"""The report's curves section: per-epoch curves and, beside them, the loss of every mini-batch."""

import base64
import io
import re

import pytest

pytest.importorskip("matplotlib")

from chainrule.report import sections  # noqa: E402
from chainrule.viz import plots  # noqa: E402

HISTORY = [{"epoch": e, "train_loss": 1.0 / e, "test_loss": 1.1 / e, "train_acc": 0.5, "test_acc": 0.4, "seconds": 0}
           for e in (1, 2)]  # fmt: skip


def pngs(html: str) -> list:
    return [base64.b64decode(uri) for uri in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


def test_without_batch_losses_the_section_is_one_picture():
    html = sections.curves(HISTORY)
    assert len(pngs(html)) == 1 and "display:flex" not in html


@pytest.mark.parametrize("losses, given, expected", [
    ([0.9, 0.8, 0.85, 0.5, 0.6, 0.4], None, 3),  # 2 epochs of 3 steps
    ([0.9, 0.8, 0.85, 0.5, 0.6, 0.4, 0.45], None, None),  # a Ctrl-C'd extra step: no guessing the epochs
    ([0.9, 0.8, 0.85, 0.5, 0.6, 0.4, 0.45], 4, 4),  # told
])  # fmt: skip
def test_batch_losses_are_drawn_next_to_the_epoch_curves(monkeypatch, losses, given, expected):
    calls, plot = [], plots.plot_batch_loss

    def spy(batch_losses, steps_per_epoch=None, title=None):
        calls.append((list(batch_losses), steps_per_epoch))
        return plot(batch_losses, steps_per_epoch, title)

    monkeypatch.setattr(plots, "plot_batch_loss", spy)
    html = sections.curves(HISTORY, losses, steps_per_epoch=given)
    assert calls == [(losses, expected)]
    images = pngs(html)
    assert len(images) == 2 and all(png.startswith(b"\x89PNG") for png in images)
    assert html.startswith('<div style="display:flex') and "every mini-batch" in html
    image = pytest.importorskip("PIL.Image")
    width, height = image.open(io.BytesIO(images[1])).size
    assert width <= 1100 and height <= 400  # fits beside or under the epoch curves on the page
