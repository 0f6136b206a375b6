"""Writing a result directory: the runs' rows merged under its lock (runs.csv written last),
env.json and sweep.json. Every file is written whole (:mod:`benchmarks.atomic`: temp file +
rename), so an interrupted sweep never leaves a half-written file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.atomic import write_csv, write_json
from benchmarks.results.directory import ResultDirectory
from benchmarks.results.place import locked
from benchmarks.results.rows import curve_rows, run_row
from benchmarks.results.schema import CURVE_COLUMNS, CURVES, ENV, RUN_COLUMNS, RUNS, SWEEP


class ResultStore:
    """The CSVs of one result directory, appended experiment by experiment, each file rewritten
    whole. runs.csv is written last: a run counts as done only once its row is there.

    Another kvsbench may write into the same directory at the same time (another ``kvsbench
    run`` with other pairs): every :meth:`add` holds the directory's lock
    (:func:`benchmarks.results.place.locked`) and merges with the files as they are on disk at
    that moment, so both processes' rows survive."""

    def __init__(self, out_dir: Path, directory: ResultDirectory | None = None):
        self.out_dir = Path(out_dir)
        #: the directory as read (the caller's, when it opened it already)
        self.directory = directory or ResultDirectory(self.out_dir)
        self.runs_path = self.out_dir / RUNS
        self.curves_path = self.out_dir / CURVES
        self.runs, self.curves = self._read()

    def _read(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        d = self.directory  # a file another writer changed meanwhile is read again
        runs, curves = d.runs, d.curves
        runs = pd.DataFrame(columns=RUN_COLUMNS) if runs is None else runs
        curves = pd.DataFrame(columns=CURVE_COLUMNS) if curves is None else curves
        # rows of runs interrupted between the two writes have no runs.csv row: drop them
        return runs, curves[curves["run_id"].isin(set(runs["run_id"]))]

    def done(self, run_ids) -> bool:
        """Whether every run id is recorded already (a failed run is not done: a re-run
        trains its experiment again)."""
        recorded = self.runs.loc[self.runs["status"] != "failed", "run_id"]
        return set(run_ids) <= set(recorded)

    def add(self, results: dict, pair, target_acc=None, host: str = "") -> None:
        """Record one experiment's runs (``results``: twin → :class:`benchmarks.harness.
        runner.RunResult`, all twins at once), measured on ``host`` (a host id of env.json's
        host table; :mod:`benchmarks.results.hosts`), merged with what is on disk."""
        new_runs = pd.DataFrame([run_row(r, pair, target_acc) for r in results.values()])
        new_runs["host"] = host
        new_curves = pd.DataFrame([row for r in results.values() for row in curve_rows(r)],
                                  columns=list(CURVE_COLUMNS))
        ids = set(new_runs["run_id"])
        with locked(self.out_dir):
            runs, curves = self._read()
            self.curves = _concat(curves[~curves["run_id"].isin(ids)], new_curves)
            self.runs = _concat(runs[~runs["run_id"].isin(ids)], new_runs)
            write_csv(self.curves_path, self.curves[list(CURVE_COLUMNS)])
            write_csv(self.runs_path, self.runs[list(RUN_COLUMNS)])


def _concat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    if b.empty:
        return a.reset_index(drop=True)
    if a.empty:
        return b.reset_index(drop=True)
    return pd.concat([a, b], ignore_index=True)


def write_env(out_dir: Path, env: dict) -> None:
    """Write env.json (whole); call it holding :func:`~benchmarks.results.place.locked`."""
    write_json(Path(out_dir) / ENV, env)


def write_sweep(out_dir: Path, record: dict) -> None:
    """Write sweep.json (whole); call it holding :func:`~benchmarks.results.place.locked`."""
    write_json(Path(out_dir) / SWEEP, record)
