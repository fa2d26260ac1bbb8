"""report.html: every section and picture present, self-contained, and loaded without errors in headless Chromium.

The MNIST-sample report comes from the default command (``chainrule train --epochs 1``), which also checks the
default recipe and run-folder name. The browser test saves a screenshot in the test's folder and, when the
environment variable CHAINRULE_ARTEFACTS names a folder, copies it there.
"""

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cli_support import run_main

from chainrule.cli.main import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IMAGE_SECTIONS = ["settings", "curves", "confusion", "predictions", "weights", "graph", "gradcheck"]


class Page(HTMLParser):
    """Collects section ids, images (with their section) and table rows by class."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.sections, self.images, self.rows, self.figures, self.refs = [], [], [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.sections.append(a["id"])
        elif tag == "img":
            self.images.append((self.sections[-1] if self.sections else None, a.get("src", ""), a.get("alt")))
        elif tag == "tr":
            self.rows.append((self.sections[-1], a.get("class")))
        elif tag == "figure":
            self.figures.append(a.get("class"))
        for key in ("href", "src"):
            if key in a:
                self.refs.append(a[key])


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory):
    """``chainrule train --epochs 1`` run in an empty folder: the default recipe, output under runs/<timestamp>."""
    cwd = tmp_path_factory.mktemp("default")
    old = os.getcwd()
    stdout = io.StringIO()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(io.StringIO()):
            assert main(["train", "--epochs", "1"]) == 0
    finally:
        os.chdir(old)
    (run,) = (cwd / "runs").iterdir()
    return run, stdout.getvalue()


def test_default_run(mnist_run):
    run, stdout = mnist_run
    assert re.fullmatch(r"\d{8}-\d{6}", run.name)
    assert "model: 784-100-10 sigmoid, lecun init, cross-entropy loss, sgd lr 0.5, batch 64" in stdout
    acc = json.loads((run / "metrics.json").read_text())[0]["test_acc"]
    assert acc > 0.7
    assert stdout.splitlines()[-1].startswith(f"final test accuracy: {acc:.2%} after 1 epochs")


def test_report_sections_and_pictures(mnist_run):
    page = Page((mnist_run[0] / "report.html").read_text())
    assert page.sections == IMAGE_SECTIONS
    assert all(ref.startswith(("data:", "#")) for ref in page.refs), "the report must not load anything"
    by_section = {s: [src for sec, src, _ in page.images if sec == s] for s in IMAGE_SECTIONS}
    assert all(src.startswith("data:image/png;base64,") for src in by_section["curves"] + by_section["weights"])
    assert len(by_section["curves"]) == 2  # the epoch curves, and beside them the loss of every mini-batch
    assert "the loss of every mini-batch" in (mnist_run[0] / "report.html").read_text()
    assert by_section["graph"][0].startswith("data:image/svg+xml;base64,")
    assert len(by_section["predictions"]) >= 40
    mistakes = page.figures.count("sample mistake")
    assert mistakes >= 1 and page.figures.count("sample") + mistakes == len(by_section["predictions"])
    confusion_rows = [r for r in page.rows if r[0] == "confusion"]
    assert len(confusion_rows) == 1 + 10  # header + one row per class
    gradcheck_rows = [r for r in page.rows if r[0] == "gradcheck"]
    assert len(gradcheck_rows) == 1 + 4 and all(cls is None for _, cls in gradcheck_rows)  # all 4 parameters pass
    _assert_gradcheck_checks_something((mnist_run[0] / "report.html").read_text())


def _assert_gradcheck_checks_something(html: str) -> None:
    """The report's gradient check says which batch it used, passed, and compared every parameter meaningfully."""
    section = html[html.index('<section id="gradcheck">') :].split("</section>")[0]
    assert re.search(
        r"on test samples (#\d+, ){3}#\d+, batch \d+ of a fixed shuffle, the first with a non-zero", section
    )
    assert re.search(r"gradcheck passed: \d+ of \d+ gradient element", section)
    rows = re.findall(r"<tr><td><code>([\w.]+)</code></td>(.*?)</tr>", section)
    assert len(rows) == 4
    for name, cells in rows:
        compared = int(re.findall(r"<td>(.*?)</td>", cells)[2])
        assert compared > 0 and '<span class="pass">pass</span>' in cells, name


def test_report_of_2d_data_shows_decision_regions(tmp_path, capsys):
    out = tmp_path / "moons"
    assert run_main(capsys, "train", "--data", "moons", "--hidden", "8", "--epochs", "2", "--out", str(out))[0] == 0
    page = Page((out / "report.html").read_text())
    assert page.sections == ["settings", "curves", "confusion", "predictions", "regions", "graph", "gradcheck"]
    assert [alt for sec, _, alt in page.images if sec == "regions"] == [
        "decision regions over the plane with the test points"
    ]
    assert sum(1 for sec, _ in page.rows if sec == "predictions") > 40  # the table of test points


def test_report_of_an_svm_run_checks_a_batch_with_a_loss(tmp_path, capsys):
    out = tmp_path / "svm"
    argv = ["train", "--data", "moons", "--loss", "svm", "--hidden", "8", "--epochs", "3", "--out", str(out)]
    assert run_main(capsys, *argv)[0] == 0
    _assert_gradcheck_checks_something((out / "report.html").read_text())


PROBE = """<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const broken = images.filter((i) => !(i.complete && i.naturalWidth > 0)).length;
  const sections = [...document.querySelectorAll("section")].map((s) => s.id).join(",");
  console.log(`chainrule-probe images=${images.length} broken=${broken} sections=${sections}`);
});
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs Debian's chromium package)")
def test_report_in_headless_chromium(mnist_run, tmp_path):
    html = (mnist_run[0] / "report.html").read_text()
    probed = tmp_path / "report.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"))
    shot = tmp_path / "report.png"
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
        "--virtual-time-budget=5000", "--window-size=1200,3200", f"--screenshot={shot}", "--dump-dom",
        probed.as_uri(),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    probes = [line for line in console if "chainrule-probe" in line]
    assert len(probes) == 1, done.stderr[-2000:]
    assert f"sections={','.join(IMAGE_SECTIONS)}" in probes[0]
    images = int(re.search(r"images=(\d+)", probes[0]).group(1))
    assert images == html.count("<img ") and "broken=0" in probes[0]
    assert console == probes, f"console messages: {console}"
    for sid in IMAGE_SECTIONS:
        assert f'<section id="{sid}">' in done.stdout  # the DOM Chromium built
    assert shot.stat().st_size > 10_000
    artefacts = os.environ.get("CHAINRULE_ARTEFACTS")
    if artefacts:
        Path(artefacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(artefacts) / "report.png")
