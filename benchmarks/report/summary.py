"""``summary.csv``: one row per experiment (pair × model × config), every twin side by side,
aggregated over seeds; each twin's parity and speed against the reference twin. ``kvsbench
compare`` and the report read the same table; below, how they read it (rows in report order,
the models, a twin's name as report text).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from benchmarks.config import MODELS
from benchmarks.errors import DataError
from benchmarks.report.document import text
from benchmarks.report.fmt import plural
from benchmarks.results.hosts import hosts_of
from benchmarks.results.schema import CONFIG_COLUMNS
from benchmarks.twins.registry import label, twins_of

#: per-twin figures aggregated over seeds (mean and std columns: ``<impl>_<figure>_mean``)
TWIN_FIGURES = ("test_acc", "test_loss", "train_loss", "val_loss", "fit_seconds",
                "steady_epoch_seconds", "first_epoch_seconds", "samples_per_second",
                "step_seconds", "epoch_fixed_seconds", "time_to_target_seconds", "peak_rss_mb",
                "threads")
EXPERIMENT_COLUMNS = ("experiment_id", *[c for c in CONFIG_COLUMNS if c != "seed"])
#: the figures of TWIN_FIGURES that are absolute times: a mean over runs measured on several
#: machines means nothing, so an experiment whose seeds ran on several hosts leaves them empty
#: (its time ratios stand: each is measured within one run, on one machine)
HOST_BOUND_FIGURES = ("fit_seconds", "steady_epoch_seconds", "first_epoch_seconds",
                      "samples_per_second", "step_seconds", "epoch_fixed_seconds",
                      "time_to_target_seconds")


def _mean_std(values: pd.Series) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of the finite values; the std is NaN
    with fewer than two values (one seed says nothing about the spread)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return math.nan, math.nan
    with np.errstate(all="ignore"):  # figures near float's range overflow to inf, quietly
        return float(v.mean()), (float(v.std(ddof=1)) if len(v) > 1 else math.nan)


def confidence_interval(diffs, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean of paired per-seed differences (NaN with < 3 seeds)."""
    d = np.asarray(diffs, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) < 3:
        return math.nan, math.nan
    with np.errstate(all="ignore"):
        half = stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return float(d.mean() - half), float(d.mean() + half)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Aggregate runs.csv rows into one row per experiment.

    Columns: the experiment's config (no seed); ``target_acc``; ``n_seeds``; ``twins`` (space
    separated) and ``reference``; ``hosts`` (the hosts its runs were measured on, space
    separated). Per twin: ``<impl>_<figure>_mean`` / ``_std`` for each of
    :data:`TWIN_FIGURES` (over the seeds whose run finished ok; std NaN with one value; the
    absolute times of :data:`HOST_BOUND_FIGURES` NaN when the seeds ran on several hosts),
    ``<impl>_diverged`` / ``<impl>_failed`` (run counts), ``<impl>_reached_target``,
    ``<impl>_epoch_time_spread_max`` and ``<impl>_slow_epochs`` (drift, see
    :attr:`benchmarks.harness.runner.RunResult.slow_epochs`). Per twin other than the reference,
    against it, over the seeds where both finished ``ok`` (a diverged or failed run has no speed):
    ``<impl>_time_ratio_mean`` / ``_std`` (reference/twin epoch time, each run's median over
    epochs; > 1: the twin is faster), ``<impl>_steady_time_ratio_mean`` / ``_std`` (the same of
    the steady-state epoch times, paired by seed, runs of 2 epochs or more: the ratio at the
    run's own data size),
    ``<impl>_step_time_ratio_mean`` / ``_std`` (of one optimizer step: what a large data set
    converges to), ``<impl>_acc_diff_mean`` / ``_std`` (twin − reference test accuracy, paired
    by seed, each the exact fraction of ``n_test``) with ``_ci_low`` / ``_ci_high`` (95 %
    t-interval, ≥ 3 seeds), ``<impl>_max_loss_diff``, ``<impl>_max_weight_rel_diff`` and
    ``<impl>_min_pred_agreement``; step parity (:func:`_step_parity_figures`).
    """
    rows = []
    impls, reference = twins_of(runs)
    for _, g in runs.groupby("experiment_id", sort=False):
        first = g.iloc[0]
        row = {c: first[c] for c in EXPERIMENT_COLUMNS}
        row["target_acc"] = first["target_acc"] if "target_acc" in g else math.nan
        row["n_seeds"] = int(g["seed"].nunique())
        row["n_train"] = first["n_train"]
        row["twins"] = " ".join(impls)
        row["reference"] = reference
        hosts = hosts_of(g)
        row["hosts"] = " ".join(hosts)
        by_impl = {impl: g[g["impl"] == impl].set_index("seed") for impl in impls}
        for impl, t in by_impl.items():
            ok = t[t["status"] == "ok"]
            for fig in TWIN_FIGURES:
                values = ok[fig] if fig in ok else pd.Series(dtype=float)
                if len(hosts) > 1 and fig in HOST_BOUND_FIGURES:
                    values = pd.Series(dtype=float)
                row[f"{impl}_{fig}_mean"], row[f"{impl}_{fig}_std"] = _mean_std(values)
            row[f"{impl}_diverged"] = int((t["status"] == "diverged").sum())
            row[f"{impl}_failed"] = int((t["status"] == "failed").sum())
            row[f"{impl}_reached_target"] = int(t["time_to_target_seconds"].notna().sum())
            row[f"{impl}_epoch_time_spread_max"] = _nanmax(t["epoch_time_spread"])
            slow = t["slow_epochs"].map(lambda v: "" if pd.isna(v) else str(v).strip())
            row[f"{impl}_slow_epochs"] = "; ".join(
                f"seed {int_text(seed)}: epochs {v}" for seed, v in slow[slow != ""].items())
        if reference is None:
            rows.append(row)
            continue
        ref = by_impl[reference]
        for impl in impls:
            if impl == reference:
                continue
            t = by_impl[impl]
            p = f"{impl}_"
            seeds = t.index.intersection(ref.index)
            # speed only from seeds both twins finished: a diverged or failed run's times say
            # nothing about speed, and one epoch (Keras' tracing in it) has no steady state
            ok = seeds[(t.loc[seeds, "status"] == "ok").to_numpy()
                       & (ref.loc[seeds, "status"] == "ok").to_numpy()]
            multi = ok[(t.loc[ok, "epochs_run"] >= 2).to_numpy()
                       & (ref.loc[ok, "epochs_run"] >= 2).to_numpy()]
            row[p + "time_ratio_mean"], row[p + "time_ratio_std"] = _mean_std(
                t.loc[ok, "time_ratio"])
            row[p + "step_time_ratio_mean"], row[p + "step_time_ratio_std"] = _mean_std(
                t.loc[ok, "step_time_ratio"])
            steady = ref.loc[multi, "steady_epoch_seconds"] / t.loc[multi, "steady_epoch_seconds"]
            row[p + "steady_time_ratio_mean"], row[p + "steady_time_ratio_std"] = _mean_std(steady)
            diffs = _test_fraction(t.loc[seeds]) - _test_fraction(ref.loc[seeds])
            row[p + "acc_diff_mean"], row[p + "acc_diff_std"] = _mean_std(diffs)
            row[p + "acc_diff_ci_low"], row[p + "acc_diff_ci_high"] = confidence_interval(diffs)
            row[p + "max_loss_diff"] = _nanmax(t["max_loss_diff"])
            _step_parity_figures(row, p, t)
            row[p + "max_weight_rel_diff"] = _nanmax(t["max_weight_rel_diff"])
            row[p + "min_pred_agreement"] = _nanmin(t["pred_agreement"])
        rows.append(row)
    return pd.DataFrame(rows)


def _step_parity_figures(row: dict, p: str, t: pd.DataFrame) -> None:
    """``<impl>_step_parity`` (largest over the seeds), ``<impl>_step_parity_tensor`` (the
    tensor where it was), ``<impl>_rule_step_parity`` (against the scratch twin of the twin's
    own rule) and ``<impl>_bifurcation_epoch`` (the earliest epoch where the free-running
    curves part); NaN / "" for runs without a step-parity figure
    (``step_parity_note`` says why)."""
    figures = pd.to_numeric(t.get("step_parity", pd.Series(dtype=float)), errors="coerce")
    row[p + "step_parity"] = _nanmax(figures)
    worst = figures.dropna()
    tensor = t.loc[worst.idxmax(), "step_parity_tensor"] if len(worst) else ""
    row[p + "step_parity_tensor"] = "" if pd.isna(tensor) else str(tensor)
    row[p + "rule_step_parity"] = _nanmax(t.get("rule_step_parity", pd.Series(dtype=float)))
    row[p + "bifurcation_epoch"] = _nanmin(t.get("bifurcation_epoch", pd.Series(dtype=float)))


def _test_fraction(t: pd.DataFrame) -> pd.Series:
    """Test accuracy as the exact fraction k / n_test it is: Keras reports it in float32, so
    twins that agree on every test example would otherwise differ by ~1e-8."""
    acc = pd.to_numeric(t["test_acc"], errors="coerce").astype(float)
    if "n_test" not in t:
        return acc
    n = pd.to_numeric(t["n_test"], errors="coerce").astype(float)
    exact = (acc * n).round() / n
    return exact.where(n > 0, acc)


def _nanmax(s: pd.Series) -> float:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return float(v.max()) if len(v) else math.nan


def _nanmin(s: pd.Series) -> float:
    v = pd.to_numeric(s, errors="coerce").dropna()
    return float(v.min()) if len(v) else math.nan


# --------------------------------------------------------------------------- reading it



def others(impls, reference) -> list[str]:
    """The twins measured against the reference (none without one)."""
    return [i for i in impls if reference is not None and i != reference]


def pair_key(pair: str) -> tuple[int, int]:
    from benchmarks.data import parse_pair

    try:
        return parse_pair(pair)
    except DataError:
        return (99, 99)


def ordered_rows(summary):
    """Summary rows by model, then pair in class-index order."""
    if summary.empty:
        return summary
    key = summary.apply(
        lambda r: (MODELS.index(r["model"]) if r["model"] in MODELS else 9,
                   pair_key(r["pair"]), r["experiment_id"]), axis=1)
    return summary.loc[key.sort_values().index].reset_index(drop=True)


def pair_title(pair: str) -> str:
    """``"trouser:ankle-boot"`` → ``"Trouser vs Ankle boot"``."""
    from benchmarks.data import CLASS_NAMES

    a, b = pair_key(pair)
    if a == 99:
        return pair
    return f"{CLASS_NAMES[a]} vs {CLASS_NAMES[b]}"


def settings_text(row, with_seeds: bool = True) -> str:
    """The training settings of a summary row in a few words (for plot titles)."""
    text = (f"{row['optimizer']}, lr {float(row['lr']):g}, batch {row['batch_size']}, "
            f"{plural(int(row['epochs']), 'epoch')}")
    return text + (f", {plural(int(row['n_seeds']), 'seed')}" if with_seeds else "")


def int_text(value) -> str:
    """A whole number as an int ("0", never "0.0": runs.csv columns with a gap read as
    floats); anything else as it is."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return str(int(f)) if math.isfinite(f) and f.is_integer() else str(value)


def models_of(summary) -> list[str]:
    models = list(dict.fromkeys(summary["model"]))
    return sorted(models, key=lambda m: MODELS.index(m) if m in MODELS else 9)


def twin_text(impl) -> str:
    """A twin's name as report text (a name read from a result file is untrusted)."""
    return text(label(impl))
