"""A gradient check in Jupyter: ``_repr_html_`` shows the numbers of ``str(report)`` as tables, all text escaped."""

import dataclasses
import xml.etree.ElementTree as ET

import chainrule as cr
from chainrule.check.report import GRAPH, PLAIN


def _x(data, name=None):
    return cr.tensor(data, dtype=cr.float64, requires_grad=True, name=name)


def neuron(w, x):
    return (w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid()


def _parse(html: str) -> ET.Element:
    """The fragment as a tree: it must be well-formed, and entities come back as the text they stand for."""
    return ET.fromstring(f"<div>{html}</div>")


def _tables(html: str) -> list[list[list[str]]]:
    """Each table as rows of cell texts, its header first."""
    return [[[cell.text for cell in tr] for tr in table.iter("tr")] for table in _parse(html).iter("table")]


def test_one_table_per_input_with_the_printed_numbers():
    report = cr.gradcheck_report(neuron, [_x([2.0, -3.0, -3.0], "w"), _x([-1.0, -2.0], "x")])
    html = report._repr_html_()
    text = str(report)
    assert _parse(html).find("p/strong").text == report.summary()
    assert report.describe_numbers() in [p.text for p in _parse(html).iter("p")]
    tables = _tables(html)
    assert len(tables) == 2  # the two passes agree: one table per input
    for table, check in zip(tables, report.inputs, strict=True):
        assert table[0] == ["index", "analytic", "numerical", "abs err", "rel err", "result"]
        assert len(table) == 1 + len(check.worst)
        for row, e in zip(table[1:], check.worst, strict=True):
            assert row[0] == str(e.index) and row[-1] == "ok"
            assert " ".join(row[1:5]) in " ".join(text.split())  # the numbers of the text report
    assert str(report) == text and repr(report) == text  # the plain views are unchanged


def test_every_text_is_escaped():
    report = cr.gradcheck_report(lambda t: t.sqrt(), [_x([4.0, 0.0], "<b>x & y</b>")])
    report = dataclasses.replace(report, title="<script>alert(1)</script>")
    html = report._repr_html_()
    assert "<b>" not in html and "<script>" not in html and "'" not in html
    assert "&lt;b&gt;x &amp; y&lt;/b&gt;" in html and "&lt;script&gt;" in html
    root = _parse(html)
    assert root.find("p/strong").text.startswith("<script>alert(1)</script> FAILED: ")
    assert any((p.text or "").startswith("input 0 (<b>x & y</b>) shape (2,)") for p in root.iter("p"))


def test_nan_and_inf_cells_read_as_in_the_text():
    """sqrt at 0: an infinite analytic gradient, a NaN difference quotient, so NaN errors; the note beside."""
    report = cr.gradcheck_report(lambda t: t.sqrt().sum(), [_x([4.0, 0.0])])
    (table,) = _tables(report._repr_html_())
    assert table[1][:5] == ["(1,)", "inf", "nan", "nan", "nan"]
    assert table[1][5].startswith("NaN/Inf (f is NaN/Inf at x ± eps: a pole or the edge of the function's domain")
    assert table[2][0] == "(0,)" and table[2][5] == "ok"


def test_elements_both_near_zero_have_no_relative_error():
    report = cr.gradcheck_report(lambda t: (t * t).sum(), [_x([0.0])])
    html = report._repr_html_()
    (table,) = _tables(html)
    assert table[1] == ["(0,)", "0", "0", "0.00e+00", "–", "both ≈ 0"]
    assert report.remarks()[0] in [p.text for p in _parse(html).iter("p")]  # "not informative: ..."


def test_a_full_jacobian_names_the_output_element_too():
    report = cr.gradcheck_report(lambda t: t.tanh(), [_x([[0.3, 1.0], [2.0, -0.5]])], full=True, worst=2)
    (table,) = _tables(report._repr_html_())
    assert table[0] == ["output", "index", "analytic", "numerical", "abs err", "rel err", "result"]
    e = report.inputs[0].worst[0]
    assert table[1][:2] == [str(e.output), str(e.index)]


def test_disagreeing_passes_get_a_table_each():
    report = cr.gradcheck_report(neuron, [_x([2.0, -3.0, -3.0]), _x([-1.0, -2.0])])
    html = dataclasses.replace(report, rules_agree=False)._repr_html_()
    assert len(_tables(html)) == 4
    assert [c.text for c in _parse(html).iter("code")] == [PLAIN, GRAPH]
