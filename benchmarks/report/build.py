"""``kvsbench report DIR``: ``summary.csv``, ``plots/*.png``, ``report.md`` and ``report.html``
of a result directory, rebuilt from the CSVs alone, no training.

The report is composed ONCE as a list of blocks (:mod:`benchmarks.report.compose`) and rendered
twice (:mod:`benchmarks.report.render`): to Markdown (figures as relative links into ``plots/``)
and to one self-contained HTML file (every figure embedded, so it can be attached to a CI job or
mailed). Every file is written whole (temp file + rename), all of them only once everything is
composed, under the result directory's lock (:mod:`benchmarks.results.place`); the directory is read
through :class:`benchmarks.results.directory.ResultDirectory`.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.report.compose import compose, protocol_of, report_title
from benchmarks.report.datanote import data_kind_of, data_note
from benchmarks.report.document import one_line, plain
from benchmarks.report.figure_set import draw_figures, n_figures
from benchmarks.report.render import render_html, render_markdown
from benchmarks.report.summary import ordered_rows
from benchmarks.report.verdict import failure_notes, verdict_items, verdict_notes, verdict_table
from benchmarks.results.directory import open_result_dir
from benchmarks.results.manifest import (
    FIGURE_LIST,
    figure_list,
    listed_figures,
    remove_stale_plots,
)
from benchmarks.results.schema import CURVES, REPORT_HTML, REPORT_MD, RUNS, SUMMARY


def add_parser(sub) -> None:
    """Register ``kvsbench report DIR [--data-dir D]``."""
    p = sub.add_parser(
        "report",
        help="rebuild summary.csv, plots and report.md/report.html of a result directory",
        description="Rebuild summary.csv, plots/*.png, report.md and report.html from the CSVs "
        "of a kvsbench result directory, without training. The per-pair image plots read "
        "Fashion-MNIST (--data-dir, FASHION_MNIST_DIR or the Keras cache; never downloaded) "
        "and are left out when no copy is found.",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="a directory written by kvsbench run")
    p.add_argument("--data-dir", default=None,
                   help="directory with the four Fashion-MNIST files (for the image plots)")
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    built = build_report(args.dir, data_dir=args.data_dir)
    size_kb = built["report_html"].stat().st_size / 1024
    print(one_line(f"kvsbench: report written to {built['report_html']} ({size_kb:,.0f} KiB) "
                   f"and {built['report_md']}; {len(built['plots'])} plot(s) in "
                   f"{args.dir / 'plots'}"))
    return 0


def build_report(out_dir, data_dir=None, progress=None) -> dict:
    """Write summary.csv, plots/*.png, report.md and report.html of ``out_dir``.

    Parameters
    ----------
    out_dir : path
        A directory written by ``kvsbench run`` (runs.csv, curves.csv; env.json, sweep.json).
    data_dir : path, optional
        Fashion-MNIST for the per-pair image plots; default FASHION_MNIST_DIR, then the Keras
        cache. Never downloaded: without a copy those plots are left out and the report says so.
    progress : callable ``(done, total, what)``, optional
        Told after each figure and file written (drawing a large sweep's figures takes tens
        of seconds): ``done`` of ``total`` steps, ``what`` the file just written.

    Returns
    -------
    dict with the paths written: ``summary``, ``report_md``, ``report_html``, ``plots`` (list);
    ``verdict`` (the verdict sentences as plain text), ``verdict_table`` (a :class:`Table`),
    ``verdict_notes`` (why a cell of it is "—" or "DOES NOT MATCH"), ``data_note`` (what the
    data is: :mod:`benchmarks.report.datanote`, or None) and ``failures`` (one plain line per
    failed run).

    Raises
    ------
    ResultsError
        ``out_dir`` is not a kvsbench result directory, or its files are damaged.
    WriteError
        ``out_dir`` cannot be written (nothing is changed then).
    """
    import numpy as np

    from benchmarks.atomic import write_files_atomic
    from benchmarks.report.summary import summarize
    from benchmarks.results.place import check_writable, clean_stale_temps, inside, locked
    from benchmarks.spreadsheet import spreadsheet_csv_bytes

    results = open_result_dir(out_dir, needs=(RUNS, CURVES))
    out_dir = results.path
    check_writable(out_dir, "kvsbench report")
    # read and write with no other kvsbench writing here; numbers at float's edge in the
    # files overflow to inf quietly (and show as "—"), without NumPy warnings
    with locked(out_dir), np.errstate(all="ignore"):
        clean_stale_temps(out_dir)
        results.read_all()  # every file read once, or the first damaged one refused
        summary = ordered_rows(summarize(results.recorded_runs()))
        tick = _Ticker(progress, n_figures(summary, data_dir) + 2)
        figures = draw_figures(results, summary, data_dir, tick=tick)
        blocks = compose(results, summary, figures)
        plots = [p for p in (*figures.heatmaps, *figures.experiments.values(),
                             *figures.pairs.values())]
        files = {out_dir / SUMMARY: spreadsheet_csv_bytes(summary)}
        files.update({inside(out_dir, *p.path.split("/")): p.png for p in plots})
        kept = {p.path for p in plots}
        listed = listed_figures(out_dir)
        files[inside(out_dir, *FIGURE_LIST.split("/"))] = figure_list(kept)
        files[out_dir / REPORT_MD] = render_markdown(blocks).encode("utf-8")
        tick(REPORT_MD)
        files[out_dir / REPORT_HTML] = render_html(blocks, report_title(results)).encode("utf-8")
        tick(REPORT_HTML)
        write_files_atomic(files)
        remove_stale_plots(out_dir, kept, listed)
    return {
        "summary": out_dir / SUMMARY,
        "report_md": out_dir / REPORT_MD,
        "report_html": out_dir / REPORT_HTML,
        "plots": [out_dir / p.path for p in plots],
        "verdict": [plain(v) for v in verdict_items(results.runs, summary)],
        "verdict_table": verdict_table(summary,
                                       timing_only=data_kind_of(results.env) == "standin"),
        "verdict_notes": verdict_notes(summary),
        "data_note": data_note(results.env, protocol_of(summary)),
        "failures": [plain(f) for f in failure_notes(results.runs)],
    }


class _Ticker:
    """Counts the report's steps and tells ``progress`` (if any) after each."""

    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, what: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done), what)
