"""The marker of a timing-only stand-in (``TIMING-ONLY.json``, built by
:mod:`benchmarks.data.standin`), as the loader reads it: the loader (:mod:`benchmarks.data.files`)
and the builder both import this module, and neither imports the other's side back.

A directory holding the marker is a stand-in: its images are repeats, so a pair read from it
is ``timing_only``; a marker that is not a kvsbench stand-in's, or of a build that was
interrupted (``"complete": false``), is refused with one line.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.bounded import read_json
from benchmarks.errors import DataError

MARKER = "TIMING-ONLY.json"
KIND = "kvsbench timing-only stand-in"
VERSION = 1
_REBUILD = "delete the directory and rebuild it with kvsbench standin --out DIR"


def read_marker(directory: Path) -> dict | None:
    path = Path(directory) / MARKER
    if not path.is_file():
        if path.exists():
            raise DataError(f"timing-only marker {path} is not a file; {_REBUILD}")
        return None
    try:
        info = read_json(path, error=DataError)
    except DataError as exc:
        raise DataError(f"timing-only marker {path} is unreadable ({exc}); {_REBUILD}") from None
    if (
        not isinstance(info, dict)
        or info.get("kind") != KIND
        or info.get("timing_only") is not True
    ):
        raise DataError(
            f"timing-only marker {path} is corrupt (not a JSON object with kind {KIND!r} and "
            f"timing_only true); {_REBUILD}"
        )
    return info


def standin_info(data_dir: str | os.PathLike) -> dict | None:
    """The parsed ``TIMING-ONLY.json`` marker if ``data_dir`` is a timing-only stand-in, else None.

    Raises
    ------
    DataError
        The marker exists but is not valid JSON or not a kvsbench stand-in marker.
    """
    return read_marker(Path(data_dir).expanduser())


def complete_standin_marker(directory: Path) -> dict | None:
    """The marker of ``directory`` if it is a timing-only stand-in, else None; a half-built
    stand-in (its build was interrupted) is refused (DataError)."""
    marker = standin_info(directory)
    if marker is not None and marker.get("complete") is not True:
        raise DataError(
            f"{directory} is a half-built timing-only stand-in (its build was interrupted); "
            f"rebuild it with kvsbench standin --out {directory}"
        )
    return marker
