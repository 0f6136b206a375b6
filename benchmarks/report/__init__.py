"""What a result directory says, for people: summary.csv, plots, report.md and report.html.

One document model (``document``), one renderer (``render``: Markdown, self-contained HTML,
terminal tables) and one number formatter (``fmt``) serve the run report, the course report,
``kvsbench compare`` and ``kvsbench history``.
"""

from benchmarks.report.build import build_report

__all__ = ["build_report"]
