"""The course report: ``course.md`` and a self-contained ``course.html`` from the summaries.

Every experiment's section is a list of blocks of the shared document model
(:mod:`benchmarks.report.document`), built from its ``<name>.json`` summary
(:mod:`benchmarks.course.report_sections`, :mod:`benchmarks.course.report_fashion`), and
rendered by the one renderer (:mod:`benchmarks.report.render`): Markdown with the figures
linked by file name, and HTML with every PNG and GIF embedded, so the one file can be mailed
or attached to a CI run. Wherever the course printed a number, the table puts it beside the
number measured now.

A course directory travels like a result directory, so its summaries are untrusted: every
string read from them enters the markup through :func:`~benchmarks.report.document.text` or
:func:`~benchmarks.report.document.code`, and a figure is shown only when its name is one
harmless file name inside the directory (:func:`figure`).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.atomic import write_atomic
from benchmarks.bounded import read_bytes
from benchmarks.course import EXPERIMENTS
from benchmarks.course.common import read_summary, summary_path
from benchmarks.course.report_fashion import fashion_section
from benchmarks.course.report_sections import (
    blobs_section,
    budget_of,
    moons_section,
    sleep_study_section,
    smoke_run,
)
from benchmarks.errors import ResultsError
from benchmarks.report.document import Heading, Image, Para, Plot, Table, code, text
from benchmarks.report.fmt import fmt_number, fmt_seconds
from benchmarks.report.render import render_html, render_markdown
from benchmarks.results.place import inside, safe_name

TITLE = "kvsbench — the course experiments"


#: experiment name → the function that makes its section
SECTIONS = {"blobs": blobs_section, "moons": moons_section, "sleep-study": sleep_study_section,
            "fashion": fashion_section}

#: the largest figure file embedded (the course's animated GIF is a few MB)
MAX_FIGURE_BYTES = 64 * 2**20


def figure(out_dir: Path, name, caption: str):
    """An image block of the file ``name`` in ``out_dir`` (a PNG or the GIF), or a line saying
    it is missing when the name is not one harmless file name there or the file is gone."""
    name = str(name)
    try:
        path = inside(out_dir, name) if safe_name(name) == name else None
        data = (read_bytes(path, MAX_FIGURE_BYTES) if path is not None and path.is_file()
                else None)
    except (OSError, ResultsError):
        data = None
    if data is None:
        return Para(f"*{caption}* (figure {code(name)} missing)")
    return Image(Plot(name, caption, data))


def _overview_row(name: str, summary: dict | None, skipped: dict) -> list:
    if summary is not None:
        budget = budget_of(summary)
        status = "done" if budget >= 1 else f"done, budget ×{fmt_number(budget)}"
        return [code(name), status, fmt_seconds(summary.get("seconds"))]
    if name in skipped:
        return [code(name), f"skipped: {text(skipped[name])}", "—"]
    return [code(name), f"not run (`kvsbench course {name} --out DIR`)", "—"]


def build_blocks(out_dir: Path, skipped: dict | None = None) -> tuple[list, list]:
    """(blocks, names of the experiments found) of the report of ``out_dir``."""
    out_dir = Path(out_dir)
    summaries = {name: read_summary(out_dir, name) for name in EXPERIMENTS}
    summaries = {k: (v if isinstance(v, dict) or v is None else {}) for k, v in summaries.items()}
    found = [name for name in EXPERIMENTS if summaries[name] is not None]
    skipped = skipped or {}
    smoke = [name for name in found if smoke_run(summaries[name])]
    blocks = [
        Heading(1, "The course experiments — a smoke run" if smoke else
                "The course experiments, reproduced"),
        *([Para(f"**A SMOKE RUN** (`--quick`: a reduced budget for {text(', '.join(smoke))}): "
                "it shows that the experiments run end to end; it draws no conclusions, and "
                "none of its figures is comparable with the course's. Run without `--quick` "
                "for the real comparison.")] if smoke else []),
        Para("kvsbench grew out of a from-scratch neural-network course. `kvsbench course` "
             "reruns the course's experiments with the `scratch` course API, puts every number "
             "the course printed beside the one measured now, and trains the Keras twin beside "
             "the scratch one. Records: the CSV files next to this report."),
        Table(["experiment", "status", "time"],
              [_overview_row(name, summaries[name], skipped) for name in EXPERIMENTS]),
    ]
    for name in found:
        try:
            blocks += SECTIONS[name](summaries[name], lambda n, c: figure(out_dir, n, c))
            csvs = summaries[name].get("csv", [])
            if csvs:
                blocks.append(Para("Records: " + ", ".join(code(c) for c in csvs) + "."))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):
            # an edited or damaged summary: the section says so, the others stand
            blocks.append(Para(f"**{code(name)}: its summary "
                               f"({code(summary_path(out_dir, name).name)}) is damaged**; "
                               f"rerun `kvsbench course {name} --out DIR`."))
    return blocks, found


def build_course_report(out_dir: Path, skipped: dict | None = None) -> tuple[Path, Path]:
    """Write ``course.md`` and ``course.html`` for the experiments summarised in ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        A ``kvsbench course`` result directory.
    skipped : dict name → reason, optional
        Experiments asked for but skipped (e.g. ``fashion`` without data).

    Returns
    -------
    (Path, Path)
        The Markdown and HTML reports.
    """
    out_dir = Path(out_dir)
    blocks, _ = build_blocks(out_dir, skipped)
    md_path, html_path = out_dir / "course.md", out_dir / "course.html"
    write_atomic(md_path, render_markdown(blocks))
    write_atomic(html_path, render_html(blocks, TITLE))
    return md_path, html_path
