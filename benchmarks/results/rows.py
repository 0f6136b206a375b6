"""A run as the rows kvsbench writes: its runs.csv row, its curves.csv rows (one per epoch),
and the config as columns — and back (:func:`config_from_row`, the one place a config is
rebuilt from a CSV row).

A run is a :class:`benchmarks.harness.runner.RunResult`; this module reads its attributes and
imports nothing of the harness (the harness writes through this package, not the other way).
"""

from __future__ import annotations

from benchmarks.config import ExperimentConfig, hidden_units_label
from benchmarks.results.schema import CONFIG_COLUMNS


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


def run_row(res, pair, target_acc: float | None) -> dict:
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


def curve_rows(res) -> list[dict]:
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
