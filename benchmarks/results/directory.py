"""A result directory opened once, each of its files read lazily and once, with ONE error
policy for every reader (the report, compare, history, ``kvsbench run --like``, the runner's
resume and its pinned sweep.json, the host table):

- a file that is absent is ``None`` (the caller says whether it needed it: :func:`open_result_dir`);
- a file that is there but damaged — not a regular file, too big or too deep, not UTF-8, not
  JSON or CSV, a JSON file that is not an object, a sweep.json whose ``settings`` or
  ``data`` is not an object (or, where they are needed, lacks its settings), a CSV cut short,
  a bad row — is :class:`~benchmarks.errors.ResultsError`, one line
  naming the file and what to do. Never taken for an absent file, never a traceback.

Every read goes through :mod:`benchmarks.bounded` (the one bounded reader) and, for the CSVs,
:mod:`benchmarks.results.tables` (checked row by row). A file is read again only when it
changed on disk since (another kvsbench writing there: its inode, size or mtime differ), so a
writer that re-reads under the directory's lock sees the other's rows.
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.bounded import read_json
from benchmarks.errors import ResultsError
from benchmarks.results.schema import (
    CURVE_COLUMNS,
    CURVES,
    ENV,
    RUN_COLUMNS,
    RUNS,
    SWEEP,
)
from benchmarks.results.tables import check_rows, read_csv, require_columns

_HINT = "give the --out directory of a kvsbench run"


class ResultDirectory:
    """One result directory (``path``). ``env`` and ``sweep`` are its JSON files, ``runs`` and
    ``curves`` its tables with every column of the schema (:meth:`table` for a subset a file
    of fewer columns may hold); each is ``None`` when the file is absent.

    The tables are shared between the readers of this object: treat them as read-only
    (``.copy()`` before changing one)."""

    def __init__(self, path):
        self.path = Path(path)
        self._read: dict = {}  # file name → (its signature on disk, the value read)

    def __repr__(self) -> str:
        return f"ResultDirectory({str(self.path)!r})"

    # ------------------------------------------------------------------ files
    def has(self, name: str) -> bool:
        """Whether ``name`` is there at all (a dangling link or a FIFO is there: reading it
        is refused, it is not taken for an absent file)."""
        path = self.path / name
        return path.exists() or path.is_symlink()

    def json_object(self, name: str) -> dict | None:
        """The JSON object of file ``name``; None when it is absent."""
        return self._cached(name, _read_object)

    @property
    def env(self) -> dict | None:
        """env.json: the machine(s) and each twin's settings (None: absent)."""
        return self.json_object(ENV)

    @property
    def sweep(self) -> dict | None:
        """sweep.json: an object whose ``settings`` and ``data``, where present, are objects
        (``data`` may be null). None: absent."""
        return self._cached(SWEEP, _read_sweep)

    def pinned_settings(self) -> dict | None:
        """sweep.json's ``settings`` — what a run into the directory must share, and what
        ``--like`` reruns —, refused when sweep.json lacks them. None: no sweep.json."""
        sweep = self.sweep
        if sweep is None:
            return None
        if "settings" not in sweep:
            raise _damaged(self.path / SWEEP, "no `settings` object")
        return sweep["settings"]

    def table(self, name: str, columns=None):
        """runs.csv (``RUNS``) or curves.csv (``CURVES``), checked row by row
        (:func:`benchmarks.results.tables.check_rows`); refused unless it has ``columns``
        (default: every column of the schema). None when the file is absent."""
        kind = {RUNS: "runs", CURVES: "curves"}[name]
        df = self._cached(name, lambda path: _read_table(path, kind))
        if df is None:
            return None
        columns = (RUN_COLUMNS if kind == "runs" else CURVE_COLUMNS) if columns is None \
            else columns
        require_columns(df, self.path / name, columns)
        return df

    @property
    def runs(self):
        """runs.csv (every column of the schema), or None."""
        return self.table(RUNS)

    @property
    def curves(self):
        """curves.csv (every column of the schema), or None."""
        return self.table(CURVES)

    def read_all(self) -> ResultDirectory:
        """Read runs.csv, curves.csv, env.json and sweep.json now (those present), in that
        order: the first damaged one is refused before anything is made of the others."""
        _ = self.runs, self.curves, self.env, self.sweep
        return self

    def recorded_runs(self, columns=None):
        """runs.csv, refused (one line) when it holds no run yet."""
        runs = self.table(RUNS, columns)
        if runs is None or runs.empty:
            raise ResultsError(f"{self.path / RUNS} holds no runs yet: run `kvsbench run --out "
                               f"{self.path}` first.")
        return runs

    def changed(self, name: str) -> bool:
        """Whether file ``name`` differs on disk from what this object read (True when it
        was not read yet): another kvsbench wrote it since."""
        hit = self._read.get(name)
        return hit is None or hit[0] != _signature(self.path / name)

    # ------------------------------------------------------------------ reading once
    def _cached(self, name: str, read):
        path = self.path / name
        signature = _signature(path)
        hit = self._read.get(name)
        if hit is not None and hit[0] == signature:
            return hit[1]
        value = None if signature is None else read(path)
        self._read[name] = (signature, value)
        return value


def open_result_dir(path, needs=(RUNS,)) -> ResultDirectory:
    """The result directory ``path``, refused with one line (:class:`ResultsError`) when it
    does not exist, is not a directory, or lacks one of the files ``needs``."""
    path = Path(path)
    if not path.exists():
        raise ResultsError(f"{path} does not exist: {_HINT}.")
    if not path.is_dir():
        raise ResultsError(f"{path} is not a directory: {_HINT}.")
    directory = ResultDirectory(path)
    for name in needs:
        if not directory.has(name):
            raise ResultsError(f"{path} has no {name}: it is not a kvsbench result directory "
                               f"(kvsbench run --out {path} writes one).")
    return directory


def _signature(path: Path):
    """What changes when the file at ``path`` is replaced or rewritten (None: absent)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return ("dangling link",) if path.is_symlink() else None
    except OSError as exc:  # unreadable: reading it says so in its own words
        return ("unreadable", exc.errno)
    return (st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_mode)


def _damaged(path: Path, what: str) -> ResultsError:
    return ResultsError(f"{path} is not a kvsbench {path.name} ({what}): the file was edited or "
                        "damaged; restore it, or make the directory again with kvsbench run.")


def _read_object(path: Path) -> dict:
    value = read_json(path)
    if not isinstance(value, dict):
        raise _damaged(path, "not a JSON object")
    return value


def _read_sweep(path: Path) -> dict:
    sweep = _read_object(path)
    if not isinstance(sweep.get("settings", {}), dict):
        raise _damaged(path, "its `settings` is not an object")
    if not isinstance(sweep.get("data"), (dict, type(None))):
        raise _damaged(path, "its `data` is not an object")
    return sweep


def _read_table(path: Path, kind: str):
    return check_rows(read_csv(path), path, kind)
