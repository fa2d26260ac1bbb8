"""A core install (``pip install chainrule``: NumPy only): the command line works without the extras.

Each run is a child process in which the extras' packages cannot be imported (their ``sys.modules`` entries are
None, which makes ``import`` raise ImportError as for a package that is not installed).
"""

import subprocess
import sys

from test_cli_report import Page

#: the packages of the viz, data and cli extras
EXTRAS = ("matplotlib", "pygraphviz", "graphviz", "PIL", "sklearn", "tqdm")
CHILD = """
import sys
for name in {extras!r}:
    sys.modules[name] = None
from chainrule.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def core(*argv: str) -> subprocess.CompletedProcess:
    """``chainrule argv…`` in a child process without the extras."""
    code = CHILD.format(extras=EXTRAS)
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)


def test_train_writes_the_report_without_pictures(tmp_path):
    out = tmp_path / "run"
    done = core("train", "--train-size", "200", "--epochs", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert f"report: {out / 'report.html'}" in done.stdout
    html = (out / "report.html").read_text()
    page = Page(html)
    assert page.sections == ["settings", "curves", "confusion", "predictions", "weights", "graph", "gradcheck"]
    assert ("Pictures left out: the plots need matplotlib; the graph drawing needs Graphviz (its DOT text is shown "
            "instead). pip install &#x27;chainrule[viz]&#x27; adds them.") in html  # fmt: skip
    assert "the loss and accuracy curves need matplotlib, which is not installed" in html
    assert "<pre>digraph chainrule {" in html
    assert all(src.startswith("data:image/png") for _, src, _ in page.images)  # the digits: chainrule's own PNGs


def test_drawing_without_graphviz_is_a_missing_package(tmp_path):
    done = core("graph", "x * y", "x=1", "y=2", "-o", str(tmp_path / "f.svg"))
    assert done.returncode == 6, done.stderr
    assert done.stdout == "" and not (tmp_path / "f.svg").exists()  # refused before any work
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"chainrule graph: error: -o {tmp_path / 'f.svg'}: draw: cannot render svg: no Graphviz")
    assert "pip install 'chainrule[viz]'" in line
    done = core("graph", "x * y", "x=1", "y=2", "-o", str(tmp_path / "f.dot"))  # DOT text needs no Graphviz
    assert done.returncode == 0 and (tmp_path / "f.dot").read_text().startswith("digraph")


def test_a_lenet_report_says_what_its_pictures_need(tmp_path):
    out = tmp_path / "run"
    done = core("train", "--data", "digits", "--conv", "4", "--train-size", "50", "--epochs", "1", "--out", str(out))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    html = (out / "report.html").read_text()
    assert "the filters and feature maps need matplotlib, which is not installed" in html
