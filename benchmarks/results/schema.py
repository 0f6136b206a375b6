"""What a result directory holds: its file names, the columns of runs.csv and curves.csv, which
are text and which whole numbers, the range of every figure, and the keys that are required or
unique. One place for these facts: the writers (:mod:`benchmarks.results.store`), the readers
(:mod:`benchmarks.results.tables`, :mod:`benchmarks.results.directory`) and the report use them.

Column names are documented in README.md ("Result files").
"""

from __future__ import annotations

#: a row per run (one twin × experiment × seed); written last, so a run counts as done only
#: once its row is here
RUNS = "runs.csv"
#: a row per run per epoch
CURVES = "curves.csv"
#: the machine(s) and each twin's resolved settings (``hosts``: :mod:`benchmarks.results.hosts`)
ENV = "env.json"
#: the sweep's pinned settings and data, and what ``kvsbench run --like`` reruns
SWEEP = "sweep.json"
#: the report's files (``kvsbench report``)
SUMMARY = "summary.csv"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
#: the report's figures' folder (its own figures are listed: :mod:`benchmarks.results.manifest`)
PLOTS = "plots"

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
    "host",  # the machine that measured the run (benchmarks/results/hosts.py; env.json `hosts`)
    *STEP_PARITY_COLUMNS,
)
#: columns read as text, whatever they look like ("full", "3 4 5", "nan" as a twin's name)
TEXT_COLUMNS = ("run_id", "experiment_id", "impl", "reference", "model", "pair", "optimizer",
                "batch_size", "activation", "init", "schedule", "protocol", "status", "failure",
                "slow_epochs", "host", "parity_ok", "step_parity_tensor", "step_parity_note")
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


