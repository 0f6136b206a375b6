"""``summary.csv``: one row per experiment (pair × model × config), both twins side by side,
aggregated over seeds. ``kvsbench compare`` and the report read the same table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from benchmarks.records import CONFIG_COLUMNS

#: per-twin figures aggregated over seeds (mean and std columns: ``<impl>_<figure>_mean``)
TWIN_FIGURES = ("test_acc", "test_loss", "train_loss", "val_loss", "fit_seconds",
                "steady_epoch_seconds", "first_epoch_seconds", "samples_per_second",
                "time_to_target_seconds", "peak_rss_mb")
EXPERIMENT_COLUMNS = ("experiment_id", *[c for c in CONFIG_COLUMNS if c != "seed"])
IMPLS = ("scratch", "keras")


def _mean_std(values: pd.Series) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1) of the finite values; the std is NaN
    with fewer than two values (one seed says nothing about the spread)."""
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return math.nan, math.nan
    return float(v.mean()), (float(v.std(ddof=1)) if len(v) > 1 else math.nan)


def confidence_interval(diffs, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean of paired per-seed differences (NaN with < 3 seeds)."""
    d = np.asarray(diffs, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) < 3:
        return math.nan, math.nan
    half = stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    return float(d.mean() - half), float(d.mean() + half)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Aggregate runs.csv rows into one row per experiment.

    Columns: the experiment's config (no seed); ``target_acc``; ``n_seeds``; per twin
    ``<impl>_<figure>_mean`` / ``_std`` for each of :data:`TWIN_FIGURES` (over the seeds whose
    run did not diverge; std NaN with one value), ``<impl>_diverged`` (runs that diverged) and
    ``<impl>_reached_target`` (runs that reached ``target_acc``); ``time_ratio_mean`` / ``_std``
    (keras/scratch epoch-time ratio, each run's median over epochs, averaged over seeds; > 1:
    scratch faster); ``steady_time_ratio_mean`` / ``_std`` (keras/scratch steady-state epoch
    time, i.e. without the first epoch where Keras traces its graph, paired by seed);
    ``acc_diff_mean`` / ``_std`` (scratch − keras test accuracy, paired by seed, each taken
    as the exact fraction of the ``n_test`` examples) and
    ``acc_diff_ci_low`` / ``_high`` (95 % t-interval, with ≥ 3 seeds); ``max_loss_diff`` (the
    largest per-epoch train-loss difference over all seeds); ``max_weight_rel_diff``;
    ``min_pred_agreement``.
    """
    rows = []
    for _, g in runs.groupby("experiment_id", sort=False):
        first = g.iloc[0]
        row = {c: first[c] for c in EXPERIMENT_COLUMNS}
        row["target_acc"] = first["target_acc"] if "target_acc" in g else math.nan
        row["n_seeds"] = int(g["seed"].nunique())
        by_impl = {impl: g[g["impl"] == impl].set_index("seed") for impl in IMPLS}
        for impl, t in by_impl.items():
            ok = t[t["status"] == "ok"]
            for fig in TWIN_FIGURES:
                row[f"{impl}_{fig}_mean"], row[f"{impl}_{fig}_std"] = _mean_std(ok[fig])
            row[f"{impl}_diverged"] = int((t["status"] != "ok").sum())
            row[f"{impl}_reached_target"] = int(t["time_to_target_seconds"].notna().sum())
        per_seed = g.drop_duplicates("seed")["time_ratio"]  # both twins carry the same ratio
        row["time_ratio_mean"], row["time_ratio_std"] = _mean_std(per_seed)
        s, k = by_impl["scratch"], by_impl["keras"]
        seeds = s.index.intersection(k.index)
        steady = (k.loc[seeds, "steady_epoch_seconds"] / s.loc[seeds, "steady_epoch_seconds"])
        row["steady_time_ratio_mean"], row["steady_time_ratio_std"] = _mean_std(steady)
        diffs = _test_fraction(s.loc[seeds]) - _test_fraction(k.loc[seeds])
        row["acc_diff_mean"], row["acc_diff_std"] = _mean_std(diffs)
        row["acc_diff_ci_low"], row["acc_diff_ci_high"] = confidence_interval(diffs)
        row["max_loss_diff"] = _nanmax(g["max_loss_diff"])
        row["max_weight_rel_diff"] = _nanmax(g["max_weight_rel_diff"])
        row["min_pred_agreement"] = _nanmin(g["pred_agreement"])
        rows.append(row)
    return pd.DataFrame(rows)


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
