"""The report of a convolutional network (its filters and the feature maps of a test image), and ``Report``, which
shows a written report inline in a notebook."""

import base64
import html
import os
import re

import pytest

from chainrule.cli.main import main
from chainrule.report import Report


@pytest.fixture(scope="module")
def lenet_run(tmp_path_factory):
    """A one-epoch LeNet on 100 images of the MNIST sample."""
    out = tmp_path_factory.mktemp("lenet") / "run"
    argv = ["train", "--model", "lenet", "--train-size", "100", "--epochs", "1", "--quiet", "--out", str(out)]
    assert main(argv) == 0
    return out


def section(page: str, sid: str) -> str:
    start = page.index(f'<section id="{sid}">')
    return page[start : page.index("</section>", start)]


def test_the_report_shows_the_filters_and_the_feature_maps(lenet_run):
    pytest.importorskip("matplotlib")
    page = (lenet_run / "report.html").read_text()
    assert re.findall(r'<section id="(\w+)">', page) == [
        "settings", "curves", "confusion", "predictions", "convolutions", "graph", "gradcheck"]  # fmt: skip
    part = section(page, "convolutions")
    pictures = re.findall(r'<img class="fig" src="data:image/png;base64,([^"]+)" alt="([^"]+)"', part)
    assert [alt for _, alt in pictures][0] == "the first convolution&#x27;s filters"
    assert re.fullmatch(r"feature maps of test image \d+", pictures[1][1])
    assert all(base64.b64decode(uri).startswith(b"\x89PNG") for uri, _ in pictures)
    assert len(re.findall(r'class="digit"', section(page, "predictions"))) >= 40  # the test images, as for the MLP
    gradcheck = section(page, "gradcheck")
    for name in ("0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"):  # every parameter, conv included
        assert f"<code>{name}</code>" in gradcheck
    assert 'class="fail"' not in gradcheck


def test_report_shows_the_page_inline_in_a_notebook(lenet_run):
    report = Report(lenet_run)  # a run folder: its report.html
    assert report.path == lenet_run / "report.html"
    assert os.fspath(report) == str(report) == str(lenet_run / "report.html")
    assert repr(report) == f"Report({str(lenet_run / 'report.html')!r})"
    frame = report._repr_html_()
    srcdoc = re.fullmatch(r'<iframe srcdoc="([^"]*)" title="chainrule training report" style="[^"]*"></iframe>', frame)
    assert srcdoc, frame[:200]
    assert html.unescape(srcdoc.group(1)) == (lenet_run / "report.html").read_text()
