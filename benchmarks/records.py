"""Records of runs: rows of ``runs.csv`` and ``curves.csv``, written whole (temp file +
rename), so an interrupted sweep never leaves a half-written file.

Column names are documented in README.md ("Result files").
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from benchmarks.atomic import write_csv
from benchmarks.config import ExperimentConfig, hidden_units_label
from benchmarks.errors import ResultsError

if TYPE_CHECKING:  # records are written from runs; reading them needs no runner
    from benchmarks.runner import RunResult

#: config columns every row carries (the experiment can be rebuilt from them)
CONFIG_COLUMNS = (
    "model", "pair", "optimizer", "lr", "batch_size", "epochs", "seed", "hidden_units",
    "activation", "init", "schedule", "decay_rate", "decay_interval", "momentum", "protocol",
)
RUN_COLUMNS = (
    "run_id", "experiment_id", "impl", "reference", *CONFIG_COLUMNS,
    "n_train", "n_val", "n_test", "epochs_run", "status", "failure", "threads",
    "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
    "fit_seconds", "first_epoch_seconds", "steady_epoch_seconds", "setup_seconds",
    "samples_per_second", "step_seconds", "epoch_fixed_seconds", "epoch_time_spread",
    "slow_epochs", "target_acc", "time_to_target_seconds",
    "peak_rss_mb", "peak_traced_mb",
    "max_loss_diff", "max_weight_rel_diff", "pred_agreement", "time_ratio", "step_time_ratio",
    "host",  # the machine that measured the run (benchmarks/hosts.py; env.json `hosts`)
)
#: columns read as text, whatever they look like ("full", "3 4 5", "nan" as a twin's name)
TEXT_COLUMNS = ("batch_size", "pair", "impl", "reference", "failure", "slow_epochs", "status",
                "host")
#: columns added after the first release: absent from older result directories, read as blank
NEWER_COLUMNS = ("reference", "failure", "threads", "step_seconds", "epoch_fixed_seconds",
                 "epoch_time_spread", "slow_epochs", "step_time_ratio", "host")
CURVE_COLUMNS = (
    "run_id", "experiment_id", "impl", "model", "pair", "optimizer", "lr", "batch_size", "seed",
    "epoch", "train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds",
    "step_seconds", "cumulative_seconds",
)


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
    """Read a kvsbench CSV (``batch_size`` kept as text: "full" or a number)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS}, keep_default_na=False,
                         na_values=[""])
    except FileNotFoundError:
        raise ResultsError(f"{path} does not exist: is this a kvsbench result directory?") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path} is not a readable CSV ({exc}); re-run kvsbench run.") from None
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


class ResultStore:
    """The CSVs of one result directory, appended experiment by experiment, each file rewritten
    whole. runs.csv is written last: a run counts as done only once its row is there."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.runs_path = self.out_dir / "runs.csv"
        self.curves_path = self.out_dir / "curves.csv"
        self.runs = (
            read_csv(self.runs_path, RUN_COLUMNS) if self.runs_path.exists()
            else pd.DataFrame(columns=RUN_COLUMNS)
        )
        curves = (
            read_csv(self.curves_path, CURVE_COLUMNS) if self.curves_path.exists()
            else pd.DataFrame(columns=CURVE_COLUMNS)
        )
        # rows of runs interrupted between the two writes have no runs.csv row: drop them
        self.curves = curves[curves["run_id"].isin(set(self.runs["run_id"]))]

    def done(self, run_ids) -> bool:
        """Whether every run id is recorded already (a failed run is not done: a re-run
        trains its experiment again)."""
        recorded = self.runs.loc[self.runs["status"] != "failed", "run_id"]
        return set(run_ids) <= set(recorded)

    def add(self, results: dict[str, RunResult], pair, target_acc=None, host: str = "") -> None:
        """Record one experiment's runs (all twins at once), measured on ``host`` (a host id
        of env.json's host table; :mod:`benchmarks.hosts`)."""
        new_runs = pd.DataFrame([run_row(r, pair, target_acc) for r in results.values()])
        new_runs["host"] = host
        new_curves = pd.DataFrame([row for r in results.values() for row in curve_rows(r)],
                                  columns=list(CURVE_COLUMNS))  # none: every twin failed early
        ids = set(new_runs["run_id"])
        self.curves = _concat(self.curves[~self.curves["run_id"].isin(ids)], new_curves)
        self.runs = _concat(self.runs[~self.runs["run_id"].isin(ids)], new_runs)
        write_csv(self.curves_path, self.curves[list(CURVE_COLUMNS)])
        write_csv(self.runs_path, self.runs[list(RUN_COLUMNS)])


def _concat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    if a.empty:
        return b.reset_index(drop=True)
    return pd.concat([a, b], ignore_index=True)
