"""Records of runs: rows of ``runs.csv`` and ``curves.csv``, written whole (temp file +
rename), so an interrupted sweep never leaves a half-written file.

Column names are documented in README.md ("Result files").
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.config import ExperimentConfig
from benchmarks.errors import ResultsError
from benchmarks.runner import RunResult

#: config columns every row carries (the experiment can be rebuilt from them)
CONFIG_COLUMNS = (
    "model", "pair", "optimizer", "lr", "batch_size", "epochs", "seed", "hidden_units",
    "activation", "init", "schedule", "decay_rate", "decay_interval", "momentum", "protocol",
)
RUN_COLUMNS = (
    "run_id", "experiment_id", "impl", *CONFIG_COLUMNS,
    "n_train", "n_val", "n_test", "epochs_run", "status",
    "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
    "fit_seconds", "first_epoch_seconds", "steady_epoch_seconds", "setup_seconds",
    "samples_per_second", "target_acc", "time_to_target_seconds",
    "peak_rss_mb", "peak_traced_mb",
    "max_loss_diff", "max_weight_rel_diff", "pred_agreement", "time_ratio",
)
CURVE_COLUMNS = (
    "run_id", "experiment_id", "impl", "model", "pair", "optimizer", "lr", "batch_size", "seed",
    "epoch", "train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds",
    "cumulative_seconds",
)


def config_columns(config: ExperimentConfig) -> dict:
    """The config as CSV columns (``lr`` for learning_rate, ``batch_size`` "full" or int)."""
    d = config.to_dict()
    d["lr"] = d.pop("learning_rate")
    d["batch_size"] = config.batch_size_label
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
        **config_columns(res.config),
        "n_train": len(pair.X_train),
        "n_val": len(pair.X_val),
        "n_test": len(pair.X_test),
        "epochs_run": res.epochs_run,
        "status": res.status,
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
        "target_acc": target_acc if target_acc is not None else float("nan"),
        "time_to_target_seconds": res.time_to_target_seconds,
        "peak_rss_mb": res.peak_rss_mb,
        "peak_traced_mb": res.peak_traced_mb,
        "max_loss_diff": res.max_loss_diff,
        "max_weight_rel_diff": res.max_weight_rel_diff,
        "pred_agreement": res.pred_agreement,
        "time_ratio": res.time_ratio,
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
            "cumulative_seconds": total,
        })
    return rows


# ------------------------------------------------------------------------- atomic files
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: Path, suffix: str = ".tmp"):
    """Yield a temp path beside ``path`` to write to; on success it is renamed onto ``path``
    (permissions following the umask), on any error removed — so a reader, or an interrupted
    run, never sees half a file. ``suffix`` keeps an extension for writers that need one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_atomic(path: Path, text: str) -> None:
    """Text twin of :func:`write_bytes_atomic` (UTF-8)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_csv(path: Path, df: pd.DataFrame) -> None:
    write_atomic(path, df.to_csv(index=False, float_format="%.10g"))


def write_json(path: Path, obj) -> None:
    write_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def read_csv(path: Path, columns=None) -> pd.DataFrame:
    """Read a kvsbench CSV (``batch_size`` kept as text: "full" or a number)."""
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype={"batch_size": str, "pair": str})
    except FileNotFoundError:
        raise ResultsError(f"{path} does not exist: is this a kvsbench result directory?") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path} is not a readable CSV ({exc}); re-run kvsbench run.") from None
    if columns is not None:
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
            read_csv(self.runs_path, ["run_id"]) if self.runs_path.exists()
            else pd.DataFrame(columns=RUN_COLUMNS)
        )
        curves = (
            read_csv(self.curves_path, ["run_id"]) if self.curves_path.exists()
            else pd.DataFrame(columns=CURVE_COLUMNS)
        )
        # rows of runs interrupted between the two writes have no runs.csv row: drop them
        self.curves = curves[curves["run_id"].isin(set(self.runs["run_id"]))]

    def done(self, run_ids) -> bool:
        """Whether every run id is recorded already."""
        return set(run_ids) <= set(self.runs["run_id"])

    def add(self, results: dict[str, RunResult], pair, target_acc=None) -> None:
        """Record one experiment's runs (all twins at once)."""
        new_runs = pd.DataFrame([run_row(r, pair, target_acc) for r in results.values()])
        new_curves = pd.DataFrame([row for r in results.values() for row in curve_rows(r)])
        ids = set(new_runs["run_id"])
        self.curves = _concat(self.curves[~self.curves["run_id"].isin(ids)], new_curves)
        self.runs = _concat(self.runs[~self.runs["run_id"].isin(ids)], new_runs)
        write_csv(self.curves_path, self.curves[list(CURVE_COLUMNS)])
        write_csv(self.runs_path, self.runs[list(RUN_COLUMNS)])


def _concat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    if a.empty:
        return b.reset_index(drop=True)
    return pd.concat([a, b], ignore_index=True)
