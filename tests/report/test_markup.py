"""The report's inline markup: an untrusted string is text in Markdown and in HTML, whatever it
holds; only the report's own links are links, and only to relative files or http(s)."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.report.document import code, one_line, plain, safe_href, text, to_html

HOSTILE = [
    "G_[clk](javascript:alert%281%29)",
    "[x](javascript:alert(1))",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "**bold** *it* `code`",
    "a`b", "``", "\\[x](y)", "line\nbreak\r\n# heading", "\x00\x1b[31mred\x1b[0m",
    "![img](http://evil/x.png)", "&lt;script&gt;", "$\\frac{1}{0}$", "~~gone~~",
    "[a](<javascript:x>)", "[a](plots/x.png)",
]


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(fragment: str) -> Tags:
    t = Tags()
    t.feed(fragment)
    t.close()
    return t


@pytest.mark.parametrize("s", HOSTILE)
def test_an_untrusted_string_is_exactly_its_text_in_html(s):
    page = parse(to_html(text(s)))
    assert page.tags == []
    assert "".join(page.text) == one_line(s)
    assert plain(text(s)) == one_line(s)


@pytest.mark.parametrize("s", HOSTILE)
def test_an_untrusted_code_span_is_exactly_its_text(s):
    page = parse(to_html(code(s)))
    assert {tag for tag, _ in page.tags} <= {"code"}
    assert "".join(page.text) == one_line(s)


def test_the_issue_example_gives_no_link():
    out = to_html(f"Result directory {code('G_[clk](javascript:alert%281%29)')}; "
                  f"machine {text('G_[clk](javascript:alert%281%29)')}")
    assert "<a " not in out and "href" not in out


def test_the_reports_own_links_stay_links_only_to_files_or_http():
    assert to_html("[runs.csv](runs.csv)") == '<a href="runs.csv">runs.csv</a>'
    assert to_html("[x](plots/a.png)") == '<a href="plots/a.png">x</a>'
    assert to_html("[docs](https://example.org/a?b=1&c=2)") == \
        '<a href="https://example.org/a?b=1&amp;c=2">docs</a>'
    for bad in ("javascript:alert(1)", "JaVaScRiPt:x", "data:text/html;base64,xx", "/etc/passwd",
                "//evil.example/x", "../../x.html", "file:///etc/passwd", "vbscript:x"):
        assert "<a" not in to_html(f"[x]({bad})"), bad
        assert not safe_href(bad), bad


def test_markup_of_our_own_is_rendered():
    assert to_html("**b** *i* `c<d`") == "<strong>b</strong> <em>i</em> <code>c&lt;d</code>"
    assert to_html(f"**{text('a*b')}**") == "<strong>a*b</strong>"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=200))
def test_any_string_as_text_renders_to_its_text_and_nothing_else(s):
    page = parse(to_html(text(s)))
    assert page.tags == []
    assert "".join(page.text) == one_line(s)
    assert "\n" not in text(s) and "\x00" not in text(s)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=4))
def test_untrusted_strings_inside_our_markup_add_no_tag(parts):
    """Our markup around untrusted pieces: the tags are exactly ours."""
    markup = (f"**{text(parts[0])}** — [{text(parts[-1])}](plots/x.png) "
              + " ".join(code(p) for p in parts))
    tags = [tag for tag, _ in parse(to_html(markup)).tags]
    assert tags.count("strong") == 1 and tags.count("a") == 1
    assert set(tags) <= {"strong", "a", "code"}
    assert all(a.get("href") == "plots/x.png"
               for tag, a in parse(to_html(markup)).tags if tag == "a")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_no_href_but_http_or_relative(href):
    out = to_html(f"[x]({href})")
    for tag, attrs in parse(out).tags:
        if tag == "a":
            target = html.unescape(attrs["href"])
            assert target.startswith(("http://", "https://")) or (
                ":" not in target.split("/")[0] and not target.startswith("/")
                and ".." not in target.split("/")), target


# ---------------------------------------------------------------------------- figures
@pytest.mark.parametrize("name", ["../outside.png", "/etc/passwd", "sub/x.png", "missing.png",
                                  "javascript:x.png", "a b.png"])
def test_a_course_figure_outside_the_directory_or_missing_is_not_shown(tmp_path, name):
    """The course report shows a figure only when its name (read from a summary) is one
    harmless file name in the directory: otherwise one line saying it is missing."""
    from benchmarks.course.report import figure
    from benchmarks.report.document import Image, Para
    from benchmarks.report.render import render_html, render_markdown

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.png").write_bytes(b"\x89PNG")
    (tmp_path.parent / "outside.png").write_bytes(b"\x89PNG")
    block = figure(tmp_path, name, "a caption")
    assert isinstance(block, Para) and "missing" in block.text
    assert "](" not in render_markdown([block]) and "<a " not in render_html([block], "t")
    (tmp_path / "fine.gif").write_bytes(b"GIF89a")
    shown = figure(tmp_path, "fine.gif", "a caption")
    assert isinstance(shown, Image)
    assert 'src="data:image/gif;base64,' in render_html([shown], "t")
    assert "![a caption](fine.gif)" in render_markdown([shown])


def test_a_figure_path_that_is_no_safe_link_is_no_link():
    from benchmarks.report.document import Image, Plot
    from benchmarks.report.render import render_html, render_markdown

    block = Image(Plot("javascript:alert(1)", "cap", b"\x89PNG"))
    assert "](" not in render_markdown([block])
    assert "href" not in render_html([block], "t")
