"""What ``kvsbench run`` shows on the terminal once the runs are recorded: the report being
built (a bar on a terminal, one line in a log) and the verdict table."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.report.build import build_report
from benchmarks.report.render import render_text_table


def print_verdict(built: dict, file=None) -> None:
    """The end of ``kvsbench run``: the verdict table (per model and twin), a line per failed
    run, and where the reports are."""
    from benchmarks.errors import one_line

    file = file or sys.stdout
    table = built["verdict_table"]
    if built.get("data_note"):
        print(f"\n{built['data_note']}.", file=file)
    if table.rows:
        print("\nVerdict (speed: the reference's time over the twin's, epochs after the "
              "first; > 1 faster):", file=file)
        print(render_text_table(table), file=file)
        for line in built.get("verdict_notes", []):
            print(f"  {one_line(line)}", file=file)
    else:
        for line in built["verdict"]:
            print(f"  - {line}", file=file)
    for line in built["failures"]:
        print(f"  - {line}", file=file)
    print(f"\nReport: {built['report_html']}\n        {built['report_md']}", file=file)


def report_progress(quiet: bool = False):
    """A progress callback for :func:`benchmarks.report.build_report`: a bar on a terminal,
    one line otherwise (nothing with ``quiet``). Returns (callback, close)."""
    if quiet:
        return None, lambda: None
    if not sys.stderr.isatty():
        said = []

        def once(done, total, what):
            if not said:
                said.append(True)
                print(f"kvsbench: building the report ({total} files) ...", file=sys.stderr)

        return once, lambda: None
    from tqdm.auto import tqdm

    bar = tqdm(total=1, unit="file", desc="report", leave=False, dynamic_ncols=True)

    def update(done, total, what):
        bar.total = total
        bar.set_postfix_str(what.rsplit("/", 1)[-1][:40], refresh=False)
        bar.update(done - bar.n)

    return update, bar.close


def build_with_progress(out_dir: Path, data_dir=None, quiet: bool = False) -> dict:
    """Write the summary, plots and report of a finished run, showing progress."""

    progress, close = report_progress(quiet)
    try:
        return build_report(out_dir, data_dir=data_dir, progress=progress)
    finally:
        close()
