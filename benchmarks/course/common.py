"""What every course experiment shares: the budget, figures written whole, the summary file.

Each experiment module (``blobs``, ``moons``, ``sleep_study``, ``fashion``) has one entry
point ``run(out_dir, budget=1.0, ...) -> dict``. It writes its CSVs and PNGs into ``out_dir``
and its summary (the figures the report prints) to ``<name>.json``; :mod:`report` builds
``course.md`` and ``course.html`` from the summaries it finds, so an experiment can be run
alone and the report still covers every experiment in the directory.

Plots are drawn on :class:`matplotlib.figure.Figure` objects (the Agg canvas, no pyplot and no
global backend switch), saved to memory and written whole with
:func:`benchmarks.atomic.write_bytes_atomic`.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

from benchmarks.atomic import atomic_path, write_atomic, write_bytes_atomic
from benchmarks.errors import ConfigError

#: the ``--quick`` budget: 5% of the course's epochs and steps
QUICK_BUDGET = 0.05
#: plot resolution (dots per inch) of every PNG
DPI = 110


def check_budget(budget: float) -> float:
    """Validate a budget (the fraction of the course's epochs / steps to run): 0 < budget <= 1."""
    if (
        isinstance(budget, bool)
        or not isinstance(budget, (int, float))
        or not math.isfinite(budget)
        or not 0 < budget <= 1
    ):
        raise ConfigError(f"Argument `budget` must be in (0, 1]. Received: budget={budget!r}")
    return float(budget)


def scaled(full: int, budget: float, minimum: int = 1) -> int:
    """``round(full * budget)``, at least ``minimum``: the reduced count of epochs or steps."""
    return max(minimum, int(round(full * budget)))


def new_figure(width: float, height: float, **subplot_kw):
    """A bare Agg :class:`~matplotlib.figure.Figure` of ``width`` x ``height`` inches."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained", **subplot_kw)


def save_png(fig, path: Path) -> str:
    """Render ``fig`` to PNG in memory and write it whole; returns the file name."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    write_bytes_atomic(Path(path), buf.getvalue())
    return Path(path).name


def save_gif(fig, frames, draw_frame, path: Path, fps: float = 2.0) -> str:
    """Write an animated GIF through matplotlib's Pillow writer, whole (temp file + rename).

    ``draw_frame(i)`` updates ``fig`` to frame ``i`` for each ``i`` in ``frames``.
    """
    from matplotlib.animation import PillowWriter

    path = Path(path)
    # Pillow picks the format from the extension, so the temp file ends in .gif too
    with atomic_path(path, suffix=".gif") as tmp:
        writer = PillowWriter(fps=fps)
        with writer.saving(fig, str(tmp), dpi=DPI):
            for i in frames:
                draw_frame(i)
                writer.grab_frame()
    return path.name


def summary_path(out_dir: Path, name: str) -> Path:
    """Where experiment ``name``'s summary lives: ``<out_dir>/<name with _>.json``."""
    return Path(out_dir) / f"{name.replace('-', '_')}.json"


def write_summary(out_dir: Path, name: str, summary: dict) -> None:
    """Write experiment ``name``'s summary (JSON, whole)."""
    text = json.dumps(summary, indent=2, sort_keys=False, default=_json_default) + "\n"
    write_atomic(summary_path(out_dir, name), text)


def read_summary(out_dir: Path, name: str) -> dict | None:
    """The summary of experiment ``name`` in ``out_dir``, or None if it has not been run there."""
    path = summary_path(out_dir, name)
    if not path.exists():
        return None
    from benchmarks.bounded import read_json

    return read_json(path)


def _json_default(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
