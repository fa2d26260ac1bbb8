"""chainrule in Jupyter: a small notebook run by nbclient in a kernel on this interpreter.

``fit`` shows a progress bar without warnings and its result as an HTML table, a gradient check shows
as HTML tables, and ``explain`` shows its Markdown once (not printed as well).
"""

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest

import chainrule

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs nbformat (the test extra)")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs nbclient (the test extra)")
pytest.importorskip("ipykernel", reason="the notebook test needs ipykernel (the test extra)")
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402  (installed with nbclient)
from jupyter_client.manager import KernelManager  # noqa: E402

CELLS = {
    "setup": """\
import sys
import chainrule as cr
from chainrule import nn, optim
from chainrule.data.datasets import xor
from chainrule.train import fit
print(sys.executable)""",
    "fit": """\
split = xor(n_per_corner=8, noise=0.1)
cr.manual_seed(0)
net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
result = fit(net, nn.CrossEntropyLoss(), optim.SGD(net.parameters(), lr=0.5), (split.x_train, split.y_train),
             (split.x_test, split.y_test), epochs=2, batch_size=8)
result""",
    "history": "result.history",
    "gradcheck": """\
w = cr.tensor([2.0, -3.0, -3.0], dtype=cr.float64, requires_grad=True, name="w<1>")
x = cr.tensor([-1.0, -2.0], dtype=cr.float64, requires_grad=True, name="x")
cr.gradcheck_report(lambda w, x: (w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid(), [w, x])""",
    "explain": """\
a = cr.tensor(0.5, requires_grad=True, name="a")
cr.explain((a * 3).tanh())""",
}


def _kernel(tmp_path: Path) -> KernelManager:
    """A ``python3`` kernel on this test's interpreter, importing this checkout's chainrule, whatever kernels
    the machine has installed (only the spec written here is looked up)."""
    spec_dir = tmp_path / "kernels" / "python3"
    spec_dir.mkdir(parents=True)
    src = str(Path(chainrule.__file__).resolve().parents[1])
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "chainrule test",
        "language": "python",
        "env": {"PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False)
    return KernelManager(kernel_name="python3", kernel_spec_manager=specs)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook after running, as {cell name: its outputs}."""
    tmp_path = tmp_path_factory.mktemp("notebook")
    mp = pytest.MonkeyPatch()
    # Connection files and IPython's history in the temporary folder, not in the home directory.
    mp.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    mp.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    mp.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # the debugger's note about frozen modules, on the kernel's stderr
    try:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in CELLS.values()])
        client = nbclient.NotebookClient(
            nb, km=_kernel(tmp_path), timeout=60, resources={"metadata": {"path": str(tmp_path)}}
        )
        client.execute()
    finally:
        mp.undo()
    return {name: cell.outputs for name, cell in zip(CELLS, nb.cells, strict=True)}


def _shown(outputs, mime: str) -> list[str]:
    """Every ``mime`` representation the cell showed (its result and what it displayed)."""
    shown = [o["data"] for o in outputs if o["output_type"] in ("execute_result", "display_data")]
    return [data[mime] for data in shown if mime in data]


def _result(outputs) -> dict:
    """The representations of the cell's value, by MIME type."""
    (data,) = [o["data"] for o in outputs if o["output_type"] == "execute_result"]
    return data


def _stream(outputs, name: str) -> str:
    return "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == name)


def test_the_kernel_runs_this_interpreter(executed):
    assert _stream(executed["setup"], "stdout").strip() == sys.executable


def test_nothing_is_written_to_stderr(executed):
    """No 'IProgress not found' or other warning, and the text bar is not shown as an error."""
    for name, outputs in executed.items():
        assert _stream(outputs, "stderr") == "", name
        assert not [o for o in outputs if o["output_type"] == "error"], name


def test_fit_shows_a_bar_and_its_result_as_a_table(executed):
    outputs = executed["fit"]
    out = _stream(outputs, "stdout")
    assert [line.split("  ")[0] for line in out.replace("\r", "\n").splitlines() if "/2 " in line] == [
        "epoch 1/2", "epoch 2/2",
    ]  # fmt: skip
    if importlib.util.find_spec("ipywidgets") is None:
        assert "epoch 1:" in out and "sample" in out  # tqdm's text bar, on stdout beside the epoch lines
    else:
        assert _shown(outputs, "application/vnd.jupyter.widget-view+json")  # tqdm's notebook widget
    html, plain = _result(outputs)["text/html"], _result(outputs)["text/plain"]
    assert html.startswith("<p>fit: 2 epoch(s), 6 step(s)</p>")  # 24 training points, batches of 8
    assert '<table class="history">' in html and html.count("<tr>") == 3  # the header and two epochs
    assert plain.startswith("FitResult(history=[{'epoch': 1, ")  # the dataclass's repr, as before


def test_the_history_alone_is_a_table_too(executed):
    html, plain = _result(executed["history"])["text/html"], _result(executed["history"])["text/plain"]
    assert html.startswith('<table class="history">') and html.count("<tr>") == 3
    assert "<th>train loss</th>" in html and "<th>test acc</th>" in html
    assert plain.startswith("[{'epoch': 1,")  # a list's repr, as IPython prints one


def test_a_gradient_check_shows_as_html_tables(executed):
    html, plain = _result(executed["gradcheck"])["text/html"], _result(executed["gradcheck"])["text/plain"]
    assert html.startswith("<p><strong>gradcheck passed: 5 of 5 gradient element(s)")
    assert html.count('<table class="gradcheck">') == 2  # one per input
    assert "input 0 (w&lt;1&gt;) shape (3,)" in html and "<td>-0.196612</td>" in html
    assert plain.startswith("gradcheck passed: 5 of 5")  # str(report), as before


def test_explain_shows_its_markdown_once(executed):
    outputs = executed["explain"]
    (markdown,) = _shown(outputs, "text/markdown")
    assert "∂" in markdown
    assert _stream(outputs, "stdout") == ""  # not printed as well
    assert len(outputs) == 1
