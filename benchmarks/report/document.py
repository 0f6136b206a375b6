"""The small inline Markdown the reports are written in, and how text from outside gets in.

Reports (``report.md`` / ``report.html``, ``kvsbench compare --format markdown``) are composed
as Markdown inline markup: ```code```, ``**bold**``, ``*italic*``, ``[label](href)``. Every
string that comes from a result directory, a config or the environment — ids, pair and twin
names, paths, ``env.json`` values, failure messages — is untrusted: it enters the markup only
through :func:`text` (every markup character backslash-escaped, control characters and line
breaks blanked, bidirectional controls dropped, and what GitHub would turn into a link by
itself — ``http://``, ``www.``, ``name@host`` — broken by an invisible word joiner, U+2060) or
:func:`code` (a code span, which GitHub never links; or :func:`text` when it cannot be one). So
such a string can never become a link, emphasis, raw HTML or a new block, in the Markdown file
or in the HTML rendered from it by :func:`to_html`. Only links the report itself makes are links,
and :func:`to_html` renders a link only when its target is a relative file path or http(s)
(:func:`safe_href`); anything else is shown as its label.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from benchmarks.errors import one_line

#: the characters :func:`text` escapes: Markdown's inline markup (and GitHub's `$` maths and
#: `~` strike-through), HTML's `<` and `&`, and `#` / `!` that open headings and images
ESCAPED = "\\`*_[]()<>#!~&$"
_ESCAPE = re.compile("([" + re.escape(ESCAPED) + "])")
_HELD = re.compile("\x00([0-9]+)\x00")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*]+)\*(?![*\w])")
#: the invisible character that keeps GitHub from making a link of ``x://``, ``www.``, ``a@b``
#: (its "extended autolinks"); dropped again where the text is not Markdown (HTML, a terminal)
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(:)(?=//)|(?i:(www))(?=\.)|(?=@)")
#: what an href the report makes may consist of (RFC 3986's characters, no quotes or spaces)
_HREF_CHARS = re.compile(r"^[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+$")


def text(value) -> str:
    """An untrusted string as literal inline text of the markup (see the module docstring)."""
    return _AUTOLINK.sub(_join, _ESCAPE.sub(r"\\\1", one_line(value)))


def _join(m) -> str:
    return (m.group(1) or m.group(2) or "") + WORD_JOINER


def code(value) -> str:
    """An untrusted string as a code span; as :func:`text` when it holds a backtick (which
    would end the span) or is blank."""
    s = one_line(value)
    if "`" in s or not s.strip():
        return text(s)
    return f"`{s}`"


def plain(markup: str) -> str:
    """Markup as plain text (a terminal line, an image's alt text): markers dropped,
    escapes resolved."""
    held: list[str] = []
    s = _hold_escapes(markup.replace(WORD_JOINER, ""), held)
    s = re.sub(r"\*\*|\*|`", "", s)
    s = _LINK.sub(r"\1", s)
    return _HELD.sub(lambda m: held[int(m.group(1))], s)


def _hold_escapes(markup: str, held: list) -> str:
    def hold(m):
        held.append(m.group(1))
        return f"\x00{len(held) - 1}\x00"

    return re.sub(r"\\([" + re.escape(ESCAPED) + "])", hold, one_line(markup))


def to_html(markup: str) -> str:
    """The inline markup as HTML: code spans first (nothing inside them is markup), then
    links (only :func:`safe_href` targets), bold and italic; escaped characters are text."""
    out: list[str] = []
    buf: list[str] = []
    held: list[str] = []
    markup = one_line(markup).replace(WORD_JOINER, "")
    i, n = 0, len(markup)

    def flush():
        if buf:
            out.append(_spans("".join(buf), held))
            buf.clear()

    while i < n:
        c = markup[i]
        if c == "\\" and i + 1 < n and markup[i + 1] in ESCAPED:
            held.append(markup[i + 1])
            buf.append(f"\x00{len(held) - 1}\x00")
            i += 2
        elif c == "`" and markup.find("`", i + 1) > i:
            j = markup.find("`", i + 1)
            flush()
            out.append(f"<code>{html.escape(markup[i + 1:j])}</code>")
            i = j + 1
        else:
            buf.append(c)
            i += 1
    flush()
    return "".join(out)


def _spans(s: str, held: list) -> str:
    def restore(t: str, escape: bool = True) -> str:
        return _HELD.sub(lambda m: html.escape(held[int(m.group(1))]) if escape
                         else held[int(m.group(1))], t)

    def link(m) -> str:
        href = restore(html.unescape(m.group(2)), escape=False)
        if not safe_href(href):
            return m.group(1)
        return f'<a href="{html.escape(href, quote=True)}">{m.group(1)}</a>'

    s = html.escape(s, quote=False)
    s = _LINK.sub(link, s)
    s = _BOLD.sub(r"<strong>\1</strong>", s)
    s = _ITALIC.sub(r"<em>\1</em>", s)
    return restore(s)


def safe_href(href: str) -> bool:
    """Whether a link may point at ``href``: an http(s) URL, or a relative path to a file
    beside the report (no scheme, no leading ``/``, no ``..``, no ``:`` in the first segment,
    which a browser could read as a scheme)."""
    if not href or not _HREF_CHARS.match(href):
        return False
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    if parts.scheme:
        return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
    return (not parts.netloc and not href.startswith("/")
            and ":" not in href.split("/")[0]
            and ".." not in PurePosixPath(parts.path).parts)


# The document: what the report, the course report, compare and history are made of.

@dataclass
class Plot:
    """One figure of a report: where it is (relative to the report) and its bytes — a PNG, or
    a GIF (the course's animation) when ``path`` ends in ``.gif``; the HTML embeds them."""

    path: str
    caption: str
    png: bytes = field(repr=False)


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str  # inline markup: **bold**, `code`, [text](href)


@dataclass
class Bullets:
    items: list


@dataclass
class Table:
    headers: list
    rows: list
    align: str = ""  # one letter per column: l(eft) or r(ight); default all left
    row_ids: list | None = None


@dataclass
class Image:
    plot: Plot


@dataclass
class Contents:
    """A table of contents: links to the level-2 headings named."""

    headings: list


def anchor(text: str) -> str:
    """A heading's anchor as GitHub makes it (lower case, spaces → ``-``, punctuation gone);
    the HTML report gives its headings the same ids, so one link works in both."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
