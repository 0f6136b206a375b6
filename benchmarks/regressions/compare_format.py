"""``kvsbench compare``'s output: a plain-text table for the terminal and a Markdown job
summary for CI, both from the :class:`~benchmarks.regressions.checks.Comparison`. Numbers go through
:mod:`benchmarks.report.fmt`; the Markdown is blocks of the shared document model rendered by
:func:`benchmarks.report.render.render_markdown`, every string from the two directories a code
span or escaped text (:func:`benchmarks.report.document.code`), so a result file can neither
drive the terminal nor put a link or raw HTML into a CI job summary.
"""

from __future__ import annotations

import math

from benchmarks.regressions.checks import Comparison, Row, Tolerances
from benchmarks.report.document import Bullets, Heading, Para, Table, code, one_line, text
from benchmarks.report.fmt import (
    finite,
    fmt_change,
    fmt_number,
    fmt_pct,
    fmt_pp,
    fmt_ratio,
    fmt_sci,
)
from benchmarks.report.render import render_markdown, render_text_table


def _value(kind: str, v) -> str:
    """A compared figure as printed: ``12.34 %``, ``1.23e-04``, ``2.50×``, ``0.1235 s``; a
    figure that is missing is ``-``."""
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return {
        "acc": fmt_pct,
        "count": lambda x: f"{int(x)}",
        "loss": lambda x: fmt_sci(x, digits=2),
        "ratio": lambda x: fmt_ratio(x, decimals=2),
        "seconds": lambda x: f"{fmt_number(x, digits=4)} s" if finite(x) else "—",
    }.get(kind, str)(v)


def _change(row: Row) -> str:
    b, c = row.baseline, row.current
    if not (isinstance(b, (int, float)) and isinstance(c, (int, float))):
        return ""
    if math.isnan(b) or math.isnan(c):
        return ""
    if row.kind == "acc":
        return fmt_pp(c - b)
    if row.kind == "count":
        return f"{int(c) - int(b):+d}"
    if row.kind in ("ratio", "seconds") and b:
        return fmt_change((c - b) / b)
    return ""


HEADER = ("experiment", "figure", "baseline", "current", "change", "verdict")


def _cells(row: Row) -> tuple[str, ...]:
    return tuple(one_line(v) for v in (
        row.experiment, row.figure, _value(row.kind, row.baseline),
        _value(row.kind, row.current), _change(row), row.verdict))


def matched_text(cmp: Comparison) -> str:
    """How many of the baseline's experiments were found and compared."""
    return (f"{cmp.matched} of {cmp.matched + len(cmp.only_baseline)} baseline experiment(s) "
            "compared")


def verdict_line(cmp: Comparison, quote=one_line) -> str:
    """The one-line outcome printed under the table; ``quote`` renders the experiment ids and
    figure names, which come from the files (Markdown: :func:`benchmarks.report.document.code`)."""
    parts = [matched_text(cmp)]
    if cmp.only_baseline:
        parts.append(f"{len(cmp.only_baseline)} only in baseline")
    if cmp.only_current:
        parts.append(f"{len(cmp.only_current)} only in current")
    fails = cmp.failures
    if not fails:
        return f"kvsbench compare: {', '.join(parts)}; no regression."
    by_exp: dict[str, list[str]] = {}
    for r in fails:
        by_exp.setdefault(r.experiment, []).append(r.figure)
    named = "; ".join(f"{quote(exp)}: {', '.join(map(quote, figs))}"
                      for exp, figs in by_exp.items())
    return f"kvsbench compare: {', '.join(parts)}; {len(fails)} REGRESSION(S): {named}"


def _tolerance_line(tol: Tolerances) -> str:
    text = (f"tolerances: test accuracy -{tol.acc_pp:g} pp (with >= 3 seeds on both sides: the "
            f"baseline's 95 % CI), step parity <= {tol.step_parity:g} (directories from before "
            f"it: max_loss_diff <= {tol.parity:g}), time ratio "
            f"-{100 * tol.ratio:g} % and outside the noise (fastest fifth of the epochs; 95 % "
            "bootstrap CI below 1)")
    if tol.same_machine:
        text += f", absolute epoch time +{100 * tol.time:g} % (--same-machine)"
    return text + ("; experiments on one side only fail (--strict)" if tol.strict else "")


def _coverage_line(cmp: Comparison, quote) -> str:
    """How many experiments were compared, and the command that makes a run with the missing
    ones (``quote`` renders it: the baseline's path comes from the command line)."""
    text = f"experiments: {matched_text(cmp)}"
    missing = len(cmp.only_baseline)
    if missing:
        text += (f"; {missing} not in current ({quote(f'kvsbench run --like {cmp.baseline.path}')}"
                 " makes a run with all of them)")
    return text


def _backticked(command: str) -> str:
    return f"`{one_line(command)}`"


def format_text(cmp: Comparison) -> str:
    """The comparison for a terminal: the two directories, the rules, the table, the verdict;
    every string one line (:func:`benchmarks.report.document.one_line`)."""
    table = Table(list(HEADER), [[text(v) for v in _cells(r)] for r in cmp.rows])
    return "\n".join([
        f"baseline: {cmp.baseline.label()}", f"current:  {cmp.current.label()}",
        _tolerance_line(cmp.tolerances), _coverage_line(cmp, _backticked), "",
        render_text_table(table), "", verdict_line(cmp)])


def format_markdown(cmp: Comparison) -> str:
    """The comparison as a Markdown job summary; every string from the two directories is
    literal text (a code span, :func:`benchmarks.report.document.code`, or escaped,
    :func:`benchmarks.report.document.text`); values and verdicts are kvsbench's own words."""
    rows = []
    for r in cmp.rows:  # ids and figure names (twins' names) come from the files: code spans
        experiment, figure, *cells = _cells(r)
        if r.failed:
            cells[-1] = f"**{cells[-1]}**"
        rows.append([code(experiment), code(figure), *cells])
    verdict = verdict_line(cmp, quote=code)
    blocks = [
        Heading(3, f"kvsbench compare: {'regression' if cmp.regressed else 'no regression'}"),
        Bullets([f"baseline: {code(cmp.baseline.label())}",
                 f"current: {code(cmp.current.label())}",
                 _tolerance_line(cmp.tolerances), _coverage_line(cmp, code)]),
        Table(list(HEADER), rows),
        Para(f"**{verdict}**" if cmp.regressed else verdict),
    ]
    return render_markdown(blocks).rstrip("\n")
