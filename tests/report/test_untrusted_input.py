"""Issue 28, security: every string of a result directory is inert on every output path.

Every field of a real env.json (tests/fixtures/env_real.json, written by `kvsbench run`), of
sweep.json and of the CSVs' text columns is replaced by hostile text — a Markdown link, an
``<img onerror>`` tag, a bare URL, a ``www.`` name, an e-mail address, a bidi override, ``$``
maths, a spreadsheet formula — and `report`, `history` and `compare --format markdown` must
give: no tag or link but the renderer's own, nothing GitHub would autolink outside code spans,
no bidirectional control anywhere, and no CSV cell a spreadsheet would evaluate.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.errors import BIDI, one_line
from benchmarks.report.document import WORD_JOINER, code, plain, text, to_html
from benchmarks.spreadsheet import FORMULA_START, inert, inert_frame
from tests.helpers import (
    FIXTURES,
    assert_nothing_live,
    outside_code_spans,
    result_dir,
    run_cli,
)

REAL_ENV = json.loads((FIXTURES / "env_real.json").read_text())
#: what an attacker (or a careless user) puts into a result file
HOSTILE = [
    "[click](javascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    "see http://evil.example/x now",
    "https://evil.example",
    "www.evil.example",
    "mallory@evil.example",
    "mailto:mallory@evil.example",
    "ftp://evil.example/f",
    "abc\u202edcba",
    "x\u2066y\u2069\u200f",
    "$x^{2}$",
    '=HYPERLINK("http://evil.example","x")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-1+2",
    "@SUM(A1)",
    "\tTAB",
    "`code` **bold** _em_",
]
#: GitHub's extended autolinks (www., http(s)://, ftp://, e-mail)
AUTOLINK = re.compile(r"(?i)\bwww\.|[a-z][a-z0-9+.-]*://|[\w.+-]@[\w-]+\.")
FORMULA_OK = re.compile(r"^[+-] ?[0-9][0-9.,]*(?:[eE][+-]?[0-9]+)? ?(?:%|pp|×)?$")


#: many reports of one experiment whose figure repeats (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("no_data", "figures_drawn_once")


def poisoned(value, bad: str):
    """``value`` with every leaf (string or number) replaced by ``bad``."""
    if isinstance(value, dict):
        return {k: poisoned(v, bad) for k, v in value.items()}
    if isinstance(value, list):
        return [poisoned(v, bad) for v in value]
    return bad


def assert_inert_markdown(md: str) -> None:
    # the targets of the report's own links (checked by assert_nothing_live) are no text
    outside = re.sub(r"(?<!\\)\]\([^)\s]*\)", "]", outside_code_spans(md))
    assert not AUTOLINK.search(outside), AUTOLINK.search(outside).group(0)
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", outside)
    assert not any(c in md for c in BIDI)


def assert_inert_csv(path: Path) -> None:
    for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
        for cell in row:
            assert not (cell.startswith(FORMULA_START) and not FORMULA_OK.match(cell)), cell


def assert_no_bidi(*paths: Path) -> None:
    for p in paths:
        assert not any(c in p.read_text(encoding="utf-8") for c in BIDI), p


# ---------------------------------------------------------------------------- the renderer
@pytest.mark.parametrize("bad", HOSTILE)
def test_text_is_inert_in_markdown_html_and_terminal(bad):
    md = text(bad)
    assert_inert_markdown(md)
    html = to_html(md)
    assert "<a" not in html and "<img" not in html and WORD_JOINER not in html
    # nothing is lost: a terminal (and the HTML, unescaped) shows the text as it was
    assert plain(md) == one_line(bad).translate({ord(c): None for c in BIDI})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("wW.:/@a-_+ <>[]()`*$&#!~\\") + [
    "\u202e", "\u2066", "http", "www", "mailto:", "\n", "x"]), max_size=30).map("".join))
def test_no_generated_text_becomes_a_link_or_tag(s):
    md = text(s)
    assert_inert_markdown(md)
    assert plain(md) == one_line(s).translate({ord(c): None for c in BIDI})
    assert "<a " not in to_html(md)


def test_a_code_span_stays_a_code_span_and_is_not_linked():
    assert code("http://x.example") == "`http://x.example`"  # GitHub never links in code
    assert to_html(code("a@b.example")) == "<code>a@b.example</code>"
    assert code("a\u202eb") == "`ab`"


@pytest.mark.parametrize("bad", HOSTILE)
def test_spreadsheet_cells_are_inert(bad):
    import pandas as pd

    cell = inert(bad)
    assert not cell.startswith(FORMULA_START) or FORMULA_OK.match(cell)
    assert inert("-33 %") == "-33 %" and inert("+1.5 pp") == "+1.5 pp" and inert(-5.0) == -5.0
    df = inert_frame(pd.DataFrame({"a": [bad], "n": [-1.0], bad: ["x"]}))
    assert df["n"][0] == -1.0 and not str(df.columns[2]).startswith(("=", "@", "\t"))


# ---------------------------------------------------------------------------- every path
def poisoned_dir(path: Path, bad: str) -> Path:
    """A failed run whose env.json (every field of a real one), sweep.json and failure
    message all hold ``bad``."""
    env = poisoned(copy.deepcopy(REAL_ENV), bad)
    sweep = {"settings": poisoned({"optimizer": "adam", "epochs": 3, "note": 1}, bad),
             "impls": ["scratch", "keras"], "pairs": [bad], "models": [bad]}
    return result_dir(path, env=env, sweep=sweep, failure=bad, status="failed")


@pytest.mark.parametrize("bad", HOSTILE)
def test_every_env_and_sweep_field_is_inert_in_report_and_compare(tmp_path, capsys, bad):
    out = poisoned_dir(tmp_path / "out", bad)
    code_, _, err = run_cli(capsys, "report", out)
    assert code_ == 0, err
    assert_nothing_live(out)
    md = (out / "report.md").read_text(encoding="utf-8")
    assert_inert_markdown(md)
    assert_no_bidi(out / "report.html")
    assert_inert_csv(out / "summary.csv")

    base = result_dir(tmp_path / "base")
    code_, stdout, err = run_cli(capsys, "compare", base, out, "--format", "markdown")
    assert code_ in (0, 1), err
    assert_inert_markdown(stdout)


def test_every_env_and_sweep_field_is_inert_in_history(tmp_path, capsys):
    """One history of a clean directory and one poisoned directory per hostile value: each
    value is in its own directory's column and machine, and the output must be inert as a
    whole (one trend figure instead of one per value)."""
    dirs = [result_dir(tmp_path / "base")]
    dirs += [poisoned_dir(tmp_path / f"out{k}", bad) for k, bad in enumerate(HOSTILE)]
    hist = tmp_path / "hist"
    code_, _, err = run_cli(capsys, "history", *dirs, "--out", hist)
    assert code_ == 0, err
    md = (hist / "history.md").read_text(encoding="utf-8")
    assert_inert_markdown(md)
    assert_no_bidi(hist / "history.html")
    assert_inert_csv(hist / "history.csv")
    with open(hist / "history.csv", encoding="utf-8", newline="") as f:
        assert len({row["dir"] for row in csv.DictReader(f)}) == len(dirs)  # every one is in


CSV_FIELDS = ["exp", "pair", "model", "optimizer", "failure", "impl"]
CSV_BAD = ['=HYPERLINK("http://evil.example")', "@cmd\u202ex", "+www.evil.example"]


def csv_field_dir(path: Path, field: str, bad: str) -> Path:
    """A result directory whose runs.csv and curves.csv hold ``bad`` in the text ``field``."""
    kw = {"impls": ("scratch", bad)} if field == "impl" else {field: bad}
    if field == "failure":
        kw["status"] = "failed"
    return result_dir(path, **kw)


@pytest.mark.parametrize("field", CSV_FIELDS)
@pytest.mark.parametrize("bad", CSV_BAD)
def test_every_csv_text_field_is_inert_in_summary(tmp_path, capsys, field, bad):
    out = csv_field_dir(tmp_path / "out", field, bad)
    code_, _, err = run_cli(capsys, "report", out)
    assert code_ in (0, 2), err
    if code_ == 2:  # refused as bad input (one line): nothing to check
        return
    assert_nothing_live(out)
    assert_inert_markdown((out / "report.md").read_text(encoding="utf-8"))
    assert_inert_csv(out / "summary.csv")


def test_every_csv_text_field_is_inert_in_history(tmp_path, capsys):
    """One history of every field × value directory: the output must be inert as a whole
    (a trend figure per experiment, not one per case)."""
    dirs = [csv_field_dir(tmp_path / f"{field}{k}", field, bad)
            for field in CSV_FIELDS for k, bad in enumerate(CSV_BAD)]
    hist = tmp_path / "hist"
    code_, _, err = run_cli(capsys, "history", *dirs, "--out", hist)
    assert code_ == 0, err
    assert_inert_csv(hist / "history.csv")
    assert_inert_markdown((hist / "history.md").read_text(encoding="utf-8"))
    with open(hist / "history.csv", encoding="utf-8", newline="") as f:
        assert len({row["dir"] for row in csv.DictReader(f)}) == len(dirs)  # every one is in


def test_the_version_of_env_json_is_text(tmp_path, capsys):
    out = result_dir(tmp_path / "out", env={"kvsbench_version":
                                            "[v](http://evil.example) <img src=x onerror=y>"})
    assert run_cli(capsys, "report", out)[0] == 0
    assert_nothing_live(out)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "onerror" in html and "<img src=x" not in html and 'href="http' not in html


@pytest.mark.parametrize("where", ["cpu_model", "git_commit"])
def test_history_takes_dollar_maths_and_lists_anywhere(tmp_path, capsys, where):
    env = copy.deepcopy(REAL_ENV)
    env[where] = ["$\\frac{$", {"x": 1}] if where == "cpu_model" else "$\\frac{$"
    a = result_dir(tmp_path / "a", exp="$\\frac{$", impls=("scratch", "$x^$"), env=env)
    code_, _, err = run_cli(capsys, "history", a, a, "--out", tmp_path / "h")
    assert code_ == 0, err
    assert (tmp_path / "h" / "history.html").is_file()


# ---------------------------------------------------------------------------- course report
@pytest.mark.parametrize("bad", HOSTILE[:8])
def test_a_hostile_course_summary_gives_an_inert_report_and_no_traceback(tmp_path, bad):
    from benchmarks.course import EXPERIMENTS
    from benchmarks.course.common import summary_path
    from benchmarks.course.report import build_course_report

    for k, name in enumerate(EXPERIMENTS):
        if k % 2:  # a summary of the wrong shape
            summary_path(tmp_path, name).write_text(json.dumps([bad, {"budget": bad}]))
        else:  # the right shape of keys, every value hostile
            summary_path(tmp_path, name).write_text(json.dumps({
                "budget": bad, "seconds": bad, "csv": [bad, "../../x.csv"], "plots": {
                    "samples": "../../etc/passwd", "costs": bad}, "twins": [bad],
                "final": {"x": bad}, "runs": [{"reproduced": False, "x": bad}]}))
    md_path, html_path = build_course_report(tmp_path)
    md = md_path.read_text(encoding="utf-8")
    assert "is damaged" in md
    assert_inert_markdown(md)
    page = html_path.read_text(encoding="utf-8")
    assert not any(c in page for c in BIDI)
    assert "<img src=x" not in page and 'href="javascript' not in page
