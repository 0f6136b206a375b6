"""Records of runs: rows of ``runs.csv`` and ``curves.csv``, written whole (temp file +
rename), so an interrupted sweep never leaves a half-written file.

Column names are documented in README.md ("Result files").
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from benchmarks import bounded
from benchmarks.atomic import write_csv
from benchmarks.config import ExperimentConfig, hidden_units_label
from benchmarks.errors import ResultsError

if TYPE_CHECKING:  # records are written from runs; reading them needs no runner
    from benchmarks.harness.runner import RunResult

#: config columns every row carries (the experiment can be rebuilt from them)
CONFIG_COLUMNS = (
    "model", "pair", "optimizer", "lr", "batch_size", "epochs", "seed", "hidden_units",
    "activation", "init", "schedule", "decay_rate", "decay_interval", "momentum", "protocol",
)
#: step parity against the reference (benchmarks/harness/step_parity.py, docs/parity.md)
STEP_PARITY_COLUMNS = ("step_parity", "parity_ok", "step_parity_tensor", "step_parity_step",
                       "rule_step_parity", "bifurcation_epoch", "step_parity_note")
RUN_COLUMNS = (
    "run_id", "experiment_id", "impl", "reference", *CONFIG_COLUMNS,
    "n_train", "n_val", "n_test", "epochs_run", "status", "failure", "threads",
    "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
    "fit_seconds", "first_epoch_seconds", "steady_epoch_seconds", "setup_seconds",
    "samples_per_second", "step_seconds", "epoch_fixed_seconds", "epoch_time_spread",
    "slow_epochs", "target_acc", "time_to_target_seconds",
    "peak_rss_mb", "peak_traced_mb",
    "max_loss_diff", "max_weight_rel_diff", "pred_agreement", "time_ratio", "step_time_ratio",
    "host",  # the machine that measured the run (benchmarks/harness/hosts.py; env.json `hosts`)
    *STEP_PARITY_COLUMNS,
)
#: columns read as text, whatever they look like ("full", "3 4 5", "nan" as a twin's name)
TEXT_COLUMNS = ("run_id", "experiment_id", "impl", "reference", "model", "pair", "optimizer",
                "batch_size", "activation", "init", "schedule", "protocol", "status", "failure",
                "slow_epochs", "host", "parity_ok", "step_parity_tensor", "step_parity_note")
#: columns a result directory may lack, read as blank: ``host`` and the step-parity columns
#: (the committed CI baseline, results/baseline/, was recorded before runs named their host
#: and before step parity)
NEWER_COLUMNS = ("host", *STEP_PARITY_COLUMNS)
#: what a run's ``status`` may be
STATUSES = ("ok", "diverged", "failed")
CURVE_COLUMNS = (
    "run_id", "experiment_id", "impl", "model", "pair", "optimizer", "lr", "batch_size", "seed",
    "epoch", "train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds",
    "step_seconds", "cumulative_seconds",
)
#: columns that hold whole numbers
INTEGER_COLUMNS = ("epochs", "seed", "hidden_units", "decay_interval", "n_train", "n_val",
                   "n_test", "epochs_run", "epoch")
#: columns no row may leave empty: what identifies a run, and what the report counts with
REQUIRED = {
    "runs": ("run_id", "experiment_id", "impl", "model", "pair", "optimizer", "lr",
             "batch_size", "epochs", "seed", "protocol", "status", "n_train", "n_test"),
    "curves": ("run_id", "experiment_id", "impl", "epoch"),
}
#: the range every figure must lie in, ends included (NaN: not measured; +inf only where the
#: range is open above: a diverged run's loss). A figure outside it is an edited or damaged
#: file, refused on reading, so that no reader — compare above all — passes it on.
_INF = float("inf")
RANGES = {
    **dict.fromkeys(("train_acc", "val_acc", "test_acc", "pred_agreement", "target_acc"),
                    (0.0, 1.0)),
    **dict.fromkeys(("train_loss", "val_loss", "test_loss", "max_loss_diff",
                     "max_weight_rel_diff", "time_ratio", "step_time_ratio", "epoch_time_spread",
                     "fit_seconds", "first_epoch_seconds", "steady_epoch_seconds",
                     "setup_seconds", "samples_per_second", "step_seconds",
                     "epoch_fixed_seconds", "time_to_target_seconds", "peak_rss_mb",
                     "peak_traced_mb", "epoch_seconds", "cumulative_seconds", "lr",
                     "decay_rate", "threads", "step_parity", "rule_step_parity"), (0.0, _INF)),
    "momentum": (0.0, 1.0),
}
#: what may appear only once per file: a run (its id, or its experiment, seed and twin), and
#: a run's epoch
UNIQUE = {"runs": (("run_id",), ("experiment_id", "seed", "impl")),
          "curves": (("run_id", "epoch"),)}


def config_columns(config: ExperimentConfig) -> dict:
    """The config as CSV columns (``lr`` for learning_rate, ``batch_size`` "full" or int)."""
    d = config.to_dict()
    d["lr"] = d.pop("learning_rate")
    d["batch_size"] = config.batch_size_label
    if isinstance(config.hidden_units, tuple):  # several hidden layers: "5 2"
        d["hidden_units"] = hidden_units_label(config.hidden_units)
    return {k: d[k] for k in CONFIG_COLUMNS}


def config_from_row(row) -> ExperimentConfig:
    """Rebuild the :class:`ExperimentConfig` of a runs.csv / curves.csv row."""
    d = dict(row)
    d["learning_rate"] = d.pop("lr")
    return ExperimentConfig.from_dict(d)


def run_row(res: RunResult, pair, target_acc: float | None) -> dict:
    """One runs.csv row for one twin's run."""
    c = res.curves

    def last(key):
        return c[key][-1] if c[key] else float("nan")

    return {
        "run_id": res.config.run_id(res.impl),
        "experiment_id": res.config.experiment_id,
        "impl": res.impl,
        "reference": res.reference,
        **config_columns(res.config),
        "n_train": len(pair.X_train),
        "n_val": len(pair.X_val),
        "n_test": len(pair.X_test),
        "epochs_run": res.epochs_run,
        "status": res.status,
        "failure": res.failure,
        "threads": res.threads,
        "train_loss": last("train_loss"),
        "train_acc": last("train_acc"),
        "val_loss": last("val_loss"),
        "val_acc": last("val_acc"),
        "test_loss": res.test_loss,
        "test_acc": res.test_acc,
        "fit_seconds": res.fit_seconds,
        "first_epoch_seconds": res.first_epoch_seconds,
        "steady_epoch_seconds": res.steady_epoch_seconds,
        "setup_seconds": res.setup_seconds,
        "samples_per_second": res.samples_per_second,
        "step_seconds": res.step_seconds,
        "epoch_fixed_seconds": res.epoch_fixed_seconds,
        "epoch_time_spread": res.epoch_time_spread,
        "slow_epochs": " ".join(map(str, res.slow_epochs)),
        "target_acc": target_acc if target_acc is not None else float("nan"),
        "time_to_target_seconds": res.time_to_target_seconds,
        "peak_rss_mb": res.peak_rss_mb,
        "peak_traced_mb": res.peak_traced_mb,
        "max_loss_diff": res.max_loss_diff,
        "max_weight_rel_diff": res.max_weight_rel_diff,
        "pred_agreement": res.pred_agreement,
        "time_ratio": res.time_ratio,
        "step_time_ratio": res.step_time_ratio,
        "step_parity": res.step_parity,
        "parity_ok": "" if res.parity_ok is None else str(res.parity_ok),
        "step_parity_tensor": res.step_parity_tensor,
        "step_parity_step": res.step_parity_step if res.step_parity_step >= 0 else float("nan"),
        "rule_step_parity": res.rule_step_parity,
        "bifurcation_epoch": (res.bifurcation_epoch if res.bifurcation_epoch >= 0
                              else float("nan")),
        "step_parity_note": res.step_parity_note,
    }


def curve_rows(res: RunResult) -> list[dict]:
    """curves.csv rows (one per epoch) for one twin's run."""
    cfg = config_columns(res.config)
    base = {
        "run_id": res.config.run_id(res.impl),
        "experiment_id": res.config.experiment_id,
        "impl": res.impl,
        **{k: cfg[k] for k in ("model", "pair", "optimizer", "lr", "batch_size", "seed")},
    }
    rows, total = [], 0.0
    c = res.curves
    for e in range(res.epochs_run):
        total += c["epoch_seconds"][e]
        rows.append({
            **base, "epoch": e,
            **{k: c[k][e] for k in ("train_loss", "train_acc", "val_loss", "val_acc")},
            "epoch_seconds": c["epoch_seconds"][e],
            "step_seconds": c["step_seconds"][e],
            "cumulative_seconds": total,
        })
    return rows


def read_csv(path: Path, columns=None) -> pd.DataFrame:
    """Read a kvsbench CSV: the text columns (:data:`TEXT_COLUMNS`) as text, ``""`` as missing.

    A file cut short (no final newline, or a row with fewer or more fields than the header),
    a file that is not CSV, or one that lacks some of ``columns`` is refused with one line
    (:class:`ResultsError`): a result directory is untrusted input. The read itself is bounded
    (:mod:`benchmarks.bounded`: a regular file, a size cap, UTF-8, a column cap).
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise ResultsError(f"{path} does not exist: is this a kvsbench result directory?")
    raw = bounded.read_bytes(path, bounded.MAX_CSV_BYTES)
    bounded.decode(raw, path)  # an encoding other than UTF-8 is named, not called "cut short"
    bounded.check_csv_width(raw, path)
    _check_whole(path, raw)
    try:
        df = pd.read_csv(io.BytesIO(raw), dtype={c: str for c in TEXT_COLUMNS},
                         keep_default_na=False, na_values=[""], encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsError(
            f"{path} is not a readable CSV ({reason}); re-run kvsbench run.") from None
    if columns is not None:
        for c in NEWER_COLUMNS:
            if c in columns and c not in df.columns:
                df[c] = pd.NA
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise ResultsError(
                f"{path} lacks the columns {missing}: it is not a kvsbench result file."
            )
    return df


def _check_whole(path: Path, raw: bytes) -> None:
    """Refuse a CSV that was cut short: kvsbench ends every file with a newline and writes
    every row with as many fields as the header."""
    if not raw.strip():
        return  # pandas says "no columns" in its own words
    if not raw.endswith(b"\n"):
        raise ResultsError(f"{path} ends in the middle of a row: the file was cut short (an "
                           "interrupted copy?); restore it, or re-run kvsbench run.")
    try:
        rows = csv.reader(io.StringIO(raw.decode("utf-8")))
        width = None
        for rows_read, row in enumerate(rows, start=1):
            if width is None:
                width = len(row)
            elif row and len(row) != width:
                raise ResultsError(
                    f"{path}, row {rows_read}: {len(row)} fields where the header has {width}: "
                    "the file was cut or damaged; restore it, or re-run kvsbench run.")
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path} is not a readable CSV ({exc}); re-run kvsbench run.") from None


def read_runs(path: Path, columns=RUN_COLUMNS) -> pd.DataFrame:
    """runs.csv, checked row by row (:func:`check_rows`)."""
    return check_rows(read_csv(path, columns), path, "runs")


def read_curves(path: Path, columns=CURVE_COLUMNS) -> pd.DataFrame:
    """curves.csv, checked row by row (:func:`check_rows`)."""
    return check_rows(read_csv(path, columns), path, "curves")


def check_rows(df: pd.DataFrame, path: Path, kind: str) -> pd.DataFrame:
    """Check the rows of a runs.csv (``kind="runs"``) or curves.csv (``"curves"``) and return
    it with every number column as float.

    Refused with one line (:class:`ResultsError`) naming the row and column: an empty
    :data:`REQUIRED` field, a number column holding something else, a fractional or infinite
    whole number (:data:`INTEGER_COLUMNS`), a figure outside its range (:data:`RANGES`), a
    ``status`` not in :data:`STATUSES`, and a run (or a run's epoch) recorded twice.
    """
    def where(i) -> str:
        return f"{path}, row {int(i) + 2}"  # the header is row 1

    for col in REQUIRED[kind]:
        if col in df.columns and df[col].isna().any():
            i = df.index[df[col].isna()][0]
            raise ResultsError(f"{where(i)}: `{col}` is empty: the file was edited or damaged; "
                               "re-run kvsbench run.")
    for col in df.columns:
        if col in TEXT_COLUMNS:
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() & df[col].notna()
        if bad.any():
            i = df.index[bad][0]
            raise ResultsError(f"{where(i)}: `{col}` is {str(df[col][i])[:40]!r}, not a number: "
                               "the file was edited or damaged; re-run kvsbench run.")
        values = values.astype(float)
        if col in INTEGER_COLUMNS:
            with np.errstate(invalid="ignore"):
                bad = values.notna() & ~(np.isfinite(values) & (values == np.round(values)))
            if bad.any():
                i = df.index[bad][0]
                raise ResultsError(f"{where(i)}: `{col}` is {df[col][i]!r}, not a whole number: "
                                   "the file was edited or damaged; re-run kvsbench run.")
        if col in RANGES:
            low, high = RANGES[col]
            with np.errstate(invalid="ignore"):
                bad = values.notna() & ~((values >= low) & (values <= high))
            if bad.any():
                i = df.index[bad][0]
                raise ResultsError(
                    f"{where(i)}: `{col}` is {float(values[i]):g}, outside [{low:g}, "
                    f"{high:g}]: the file was edited or damaged; re-run kvsbench run.")
        df[col] = values
    if "status" in df.columns:
        bad = df["status"].notna() & ~df["status"].isin(STATUSES)
        if bad.any():
            i = df.index[bad][0]
            raise ResultsError(f"{where(i)}: `status` is {str(df['status'][i])[:40]!r}, not one "
                               f"of {', '.join(STATUSES)}: the file was edited or damaged.")
    for key in UNIQUE[kind]:
        if not set(key) <= set(df.columns) or not len(df):
            continue
        twice = df.duplicated(list(key), keep=False)
        if twice.any():
            rows = df.index[twice][:2]
            what = ", ".join(f"{c} {str(df[c][rows[0]])[:80]!r}" for c in key)
            raise ResultsError(
                f"{path} records {what} twice (rows {rows[0] + 2} and {rows[1] + 2}): a run "
                "is recorded once; remove one of them, or re-run kvsbench run.")
    return df


class ResultStore:
    """The CSVs of one result directory, appended experiment by experiment, each file rewritten
    whole. runs.csv is written last: a run counts as done only once its row is there.

    Another kvsbench may write into the same directory at the same time (another ``kvsbench
    run`` with other pairs): every :meth:`add` holds the directory's lock
    (:func:`benchmarks.harness.resultdir.locked`) and merges with the files as they are on disk at
    that moment, so both processes' rows survive."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.runs_path = self.out_dir / "runs.csv"
        self.curves_path = self.out_dir / "curves.csv"
        self.runs, self.curves = self._read()

    def _read(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        runs = (read_runs(self.runs_path) if self.runs_path.exists()
                else pd.DataFrame(columns=RUN_COLUMNS))
        curves = (read_curves(self.curves_path) if self.curves_path.exists()
                  else pd.DataFrame(columns=CURVE_COLUMNS))
        # rows of runs interrupted between the two writes have no runs.csv row: drop them
        return runs, curves[curves["run_id"].isin(set(runs["run_id"]))]

    def done(self, run_ids) -> bool:
        """Whether every run id is recorded already (a failed run is not done: a re-run
        trains its experiment again)."""
        recorded = self.runs.loc[self.runs["status"] != "failed", "run_id"]
        return set(run_ids) <= set(recorded)

    def add(self, results: dict[str, RunResult], pair, target_acc=None, host: str = "") -> None:
        """Record one experiment's runs (all twins at once), measured on ``host`` (a host id
        of env.json's host table; :mod:`benchmarks.harness.hosts`), merged with what is on
        disk."""
        from benchmarks.harness.resultdir import locked

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
