"""The HTML page around the report's sections: one file, inline styles, no scripts, no network."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1.5em; color: #1b1f24; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2em; }
.lead { color: #57606a; margin-top: 0; } .note { color: #57606a; font-size: .9em; }
nav a { margin-right: .9em; } img.fig { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
td, th { border: 1px solid #d0d7de; padding: .25em .6em; text-align: right; }
th { background: #f6f8fa; } td.key { text-align: left; font-weight: 600; }
table.confusion td { min-width: 2.2em; text-align: center; }
.grid { display: flex; flex-wrap: wrap; gap: 6px; }
figure.sample { margin: 0; padding: 3px; border: 2px solid #d0d7de; border-radius: 4px; text-align: center; }
figure.sample img { width: 56px; height: 56px; image-rendering: pixelated; display: block; }
figure.sample figcaption { font-size: .8em; }
figure.mistake { border-color: #cf222e; background: #ffebe9; }
tr.mistake td { background: #ffebe9; }
.fail { color: #cf222e; font-weight: 600; } .pass { color: #1a7f37; font-weight: 600; }
.graph { overflow-x: auto; } .graph img { max-width: 100%; height: auto; }
"""


def page(title: str, lead: str, sections: list[tuple[str, str, str]], notice: str = "") -> str:
    """The whole document: a title, a line under it (and a ``notice`` if any), a table of contents and the
    (id, title, html) sections."""
    nav = " ".join(f'<a href="#{sid}">{escape(name)}</a>' for sid, name, _ in sections)
    body = "\n".join(
        f'<section id="{sid}">\n<h2>{escape(name)}</h2>\n{html}\n</section>' for sid, name, html in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{escape(title)}</title>\n<link rel="icon" href="data:,">\n<style>{STYLE}</style>\n</head>\n<body>\n'
        f'<h1>{escape(title)}</h1>\n<p class="lead">{escape(lead)}</p>\n{note(notice) if notice else ""}'
        f"<nav>{nav}</nav>\n{body}\n</body>\n</html>\n"
    )


def image(uri: str, alt: str, css: str = "fig") -> str:
    return f'<img class="{css}" src="{uri}" alt="{escape(alt)}">'


def note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def table(header: Iterable[str], rows: Iterable[Iterable[str]], css: str = "", row_css: Iterable[str] = ()) -> str:
    """An HTML table; cells are already-escaped HTML, ``row_css`` gives each row's class."""
    head = "".join(f"<th>{h}</th>" for h in header)
    classes = list(row_css)
    lines = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if i < len(classes) and classes[i] else ""
        lines.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    attr = f' class="{css}"' if css else ""
    return f"<table{attr}>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(lines) + "\n</tbody>\n</table>"
