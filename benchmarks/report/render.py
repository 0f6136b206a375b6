"""The one renderer of a document (:mod:`benchmarks.report.document`): GitHub-flavoured
Markdown (figures as relative links), ONE self-contained HTML file (one stylesheet inline,
figures as base64 ``data:`` URIs) and plain-text tables for a terminal. Every report —
``kvsbench report``, ``course``, ``history``, ``compare --format markdown`` — is rendered
here, so the escaping rules and the look are written once. A figure's path is a link only
when :func:`benchmarks.report.document.safe_href` allows it."""

from __future__ import annotations

import base64
import html
from pathlib import PurePosixPath

from benchmarks.report.document import (
    Bullets,
    Contents,
    Heading,
    Image,
    Para,
    Table,
    anchor,
    one_line,
    plain,
    safe_href,
    text,
    to_html,
)


def render_text_table(t: Table) -> str:
    """A :class:`Table` for a terminal: columns padded to their widest cell, inline
    markup dropped."""
    cells = [[plain_text(str(c)) for c in row] for row in [t.headers, *t.rows]]
    widths = [max(len(row[k]) for row in cells) for k in range(len(t.headers))]
    align = (t.align or "").ljust(len(t.headers), "l")
    lines = ["  ".join(c.rjust(w) if a == "r" else c.ljust(w)
                       for c, w, a in zip(row, widths, align)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def plain_text(markup: str) -> str:
    """A report sentence for a terminal: markers dropped, escapes resolved."""
    return plain(markup)


def render_markdown(blocks) -> str:
    """The report as GitHub-flavoured Markdown; figures link to ``plots/*.png``."""
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, Table):
            out.append(_markdown_table(b))
        elif isinstance(b, Image) and safe_href(b.plot.path):
            out.append(f"![{text(plain(b.plot.caption))}]({b.plot.path})\n\n"
                       f"*{b.plot.caption}*")
        elif isinstance(b, Image):
            out.append(f"*{b.plot.caption}*")
        elif isinstance(b, Contents):
            out.append("Contents: " + " · ".join(f"[{h}](#{anchor(h)})" for h in b.headings))
    return "\n\n".join(out) + "\n"


def _markdown_table(t: Table) -> str:
    def cells(row):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"

    align = (t.align or "l" * len(t.headers)).ljust(len(t.headers), "l")
    rule = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    return "\n".join([cells(t.headers), rule, *(cells(r) for r in t.rows)])


_CSS = """
body{font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#1b1f24;margin:0;background:#fafafa}
main{max-width:1400px;margin:0 auto;padding:1.5em 2em;background:#fff}
h1{font-size:1.7em;border-bottom:2px solid #ddd;padding-bottom:.3em}
h2{font-size:1.35em;border-bottom:1px solid #e4e4e4;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em;margin-top:1.5em}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f2f2;
padding:0 .25em;border-radius:3px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:.6em 0}
th,td{border:1px solid #ddd;padding:.25em .55em;vertical-align:top}
th{background:#f3f5f7;text-align:left}
td.r{text-align:right;white-space:nowrap}
tr:nth-child(even) td{background:#fbfbfb}
figure{margin:1em 0}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:13px;color:#555}
ul li{margin:.35em 0}
nav{margin:.8em 0;padding:.4em .7em;background:#f3f5f7;border-radius:4px;font-size:14px}
"""


def render_html(blocks, title: str) -> str:
    """The report as ONE self-contained HTML file: CSS inline, figures as data: URIs."""
    body = []
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f'<h{b.level} id="{html.escape(anchor(b.text), quote=True)}">'
                        f"{to_html(b.text)}</h{b.level}>")
        elif isinstance(b, Contents):
            body.append('<nav aria-label="Contents"><strong>Contents:</strong> ' + " · ".join(
                f'<a href="#{anchor(h)}">{html.escape(h)}</a>' for h in b.headings) + "</nav>")
        elif isinstance(b, Para):
            body.append(f"<p>{to_html(b.text)}</p>")
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{to_html(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            body.append(_html_table(b))
        elif isinstance(b, Image):
            body.append(_html_figure(b.plot))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(one_line(title))}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


#: the image types a figure may be, by its path's suffix (PNG otherwise)
_MIME = {".png": "image/png", ".gif": "image/gif"}


def _html_figure(plot) -> str:
    data = base64.b64encode(plot.png).decode("ascii")
    mime = _MIME.get(PurePosixPath(plot.path).suffix.lower(), "image/png")
    alt = html.escape(plain(plot.caption), quote=True)
    link = (f' — <a href="{html.escape(plot.path, quote=True)}">{html.escape(plot.path)}</a>'
            if safe_href(plot.path) else "")
    return (f'<figure><img src="data:{mime};base64,{data}" alt="{alt}">'
            f"<figcaption>{to_html(plot.caption)}{link}</figcaption></figure>")


def _html_table(t: Table) -> str:
    align = (t.align or "l" * len(t.headers)).ljust(len(t.headers), "l")
    head = "".join(f"<th>{to_html(h)}</th>" for h in t.headers)
    rows = []
    for k, row in enumerate(t.rows):
        rid = f' id="{html.escape(one_line(t.row_ids[k]), quote=True)}"' if t.row_ids else ""
        tds = "".join(
            f'<td class="r">{to_html(str(c))}</td>' if a == "r" else f"<td>{to_html(str(c))}</td>"
            for c, a in zip(row, align, strict=True))
        rows.append(f"<tr{rid}>{tds}</tr>")
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")
