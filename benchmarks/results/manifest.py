"""Which files of a result directory are kvsbench's own: a directory may hold anybody's files
(``--out .``), and kvsbench deletes only what it wrote. Its temp files are named so
(:data:`benchmarks.atomic.TEMP_NAME`, cleaned by :func:`benchmarks.results.place.
clean_stale_temps`); the report's figures are listed in :data:`FIGURE_LIST` when written, and
only a listed figure is ever deleted (:func:`remove_stale_plots`).
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.bounded import read_text
from benchmarks.results.schema import PLOTS

#: the list of the figures the last report wrote into ``plots/`` (one name a line): only
#: these are ever deleted, so a ``plots/`` folder of anybody else's is left alone
FIGURE_LIST = f"{PLOTS}/.kvsbench-figures"
_FIGURE_NAME = re.compile(r"^[A-Za-z0-9_+-][A-Za-z0-9._+-]*\.(png|gif)$")


def figure_list(kept: set) -> bytes:
    """The contents of :data:`FIGURE_LIST` for the figures ``kept`` (``plots/<name>``)."""
    return "".join(f"{p.split('/', 1)[1]}\n" for p in sorted(kept)).encode("utf-8")


def remove_stale_plots(out_dir: Path, kept: set, listed: set) -> list[Path]:
    """Delete the figures an earlier report wrote (``listed``: read from :data:`FIGURE_LIST`
    before this report replaced it) that this one did not draw (e.g. a pair figure, when the
    images are now left out). A file kvsbench did not list is never deleted.
    Returns the files removed."""
    removed = []
    for name in sorted(listed):
        path = Path(out_dir) / PLOTS / name
        if f"{PLOTS}/{name}" not in kept and path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def listed_figures(out_dir: Path) -> set:
    """The figure names :data:`FIGURE_LIST` holds (an empty set when there is none; names
    that are not a plain figure file name are ignored)."""
    path = Path(out_dir) / FIGURE_LIST
    if not path.is_file():
        return set()
    return {n for n in read_text(path, 2**20).splitlines() if _FIGURE_NAME.match(n)}
