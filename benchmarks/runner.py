"""Run one experiment with both twins under identical conditions.

Data flow: config → data (a :class:`benchmarks.data.Pair`) → twins (:func:`build_twins`) →
this runner → :class:`RunResult` records. Identical conditions: the same split, the same
initial weights, the same batch order every epoch (the data is reordered ONCE per epoch,
outside the timed region, and both twins get the same arrays), float32 on both sides.

A shared machine is noisy, so the twins alternate epoch by epoch (scratch epoch k, then Keras
epoch k): a slow drift of the machine hits both alike, and the speed figure is the median of
the per-epoch time ratios. Wall time is training only (``time.perf_counter``): no data
loading, no evaluation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from benchmarks.config import ExperimentConfig
from benchmarks.memory import RSSSampler
from benchmarks.twins import build_twins, epoch_orders

CURVE_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc", "epoch_seconds")


@dataclass
class RunResult:
    """What one twin's run of one experiment recorded."""

    impl: str
    config: ExperimentConfig
    n_train: int
    curves: dict = field(default_factory=lambda: {k: [] for k in CURVE_KEYS})
    status: str = "ok"
    test_loss: float = math.nan
    test_acc: float = math.nan
    setup_seconds: float = 0.0
    peak_rss_mb: float = math.nan
    peak_traced_mb: float = math.nan
    time_to_target_seconds: float = math.nan
    max_loss_diff: float = math.nan
    max_weight_rel_diff: float = math.nan
    pred_agreement: float = math.nan
    time_ratio: float = math.nan
    final_weights: list = field(default_factory=list, repr=False)

    @property
    def epochs_run(self) -> int:
        return len(self.curves["epoch_seconds"])

    @property
    def fit_seconds(self) -> float:
        return float(sum(self.curves["epoch_seconds"]))

    @property
    def first_epoch_seconds(self) -> float:
        s = self.curves["epoch_seconds"]
        return float(s[0]) if s else math.nan

    @property
    def steady_epoch_seconds(self) -> float:
        """Median epoch time after the first (Keras traces its graph in the first)."""
        s = self.curves["epoch_seconds"][1:]
        return float(np.median(s)) if s else self.first_epoch_seconds

    @property
    def samples_per_second(self) -> float:
        fit = self.fit_seconds
        return self.n_train * self.epochs_run / fit if fit > 0 else math.nan


def run_experiment(
    config: ExperimentConfig,
    pair,
    impls=("scratch", "keras"),
    target_acc: float | None = None,
    on_epoch: Callable[[str, int], None] | None = None,
) -> dict[str, RunResult]:
    """Train every twin in ``impls`` on ``pair`` under ``config``, alternating epoch by epoch.

    Parameters
    ----------
    config : ExperimentConfig
    pair : benchmarks.data.Pair
        X_train (n, 784) float32, y_train (n,) 0/1, and the validation and test splits.
    impls : sequence of {"scratch", "keras"}
    target_acc : float, optional
        Record each twin's training time until validation accuracy first reaches it.
    on_epoch : callable(impl, epoch), optional
        Called after each twin's epoch (progress bars).

    Returns
    -------
    dict impl → RunResult
    """
    X, y = pair.X_train, pair.y_train
    n = len(X)
    twins = build_twins(config, n, impls, n_features=X.shape[1])
    results = {impl: RunResult(impl, config, n) for impl in impls}
    orders = epoch_orders(config, n)
    with RSSSampler() as rss:
        for epoch, order in enumerate(orders):
            running = [i for i in impls if results[i].status == "ok"]
            if not running:
                break
            Xe, ye = X[order], y[order]  # one reorder for both twins, outside the timed region
            for impl in running:
                twin, res = twins[impl], results[impl]
                rss.active = impl
                rss.sample()
                loss, acc, seconds = twin.train_epoch(Xe, ye, epoch)
                rss.sample()
                rss.active = None
                c = res.curves
                c["train_loss"].append(loss)
                c["train_acc"].append(acc)
                c["epoch_seconds"].append(seconds)
                if not math.isfinite(loss):
                    res.status = "diverged"
                    c["val_loss"].append(math.nan)
                    c["val_acc"].append(math.nan)
                else:
                    val_loss, val_acc = twin.evaluate(pair.X_val, pair.y_val)
                    c["val_loss"].append(val_loss)
                    c["val_acc"].append(val_acc)
                    if (
                        target_acc is not None
                        and math.isnan(res.time_to_target_seconds)
                        and val_acc >= target_acc
                    ):
                        res.time_to_target_seconds = res.fit_seconds
                if on_epoch is not None:
                    on_epoch(impl, epoch)
    predictions = {}
    for impl in impls:
        twin, res = twins[impl], results[impl]
        res.setup_seconds = twin.setup_seconds
        res.peak_rss_mb = rss.peak_mb(impl)
        res.final_weights = twin.get_weights()
        if res.status == "ok":
            res.test_loss, res.test_acc = twin.evaluate(pair.X_test, pair.y_test)
            predictions[impl] = twin.predict(pair.X_test)
        if impl == "scratch" and res.status == "ok":
            res.peak_traced_mb = twin.traced_peak_mb(X, y)
    if "scratch" in results and "keras" in results:
        _compare_twins(results["scratch"], results["keras"], predictions)
    return results


def _compare_twins(s: RunResult, k: RunResult, predictions: dict) -> None:
    """Fill the parity and speed figures both twins' records carry."""
    ls, lk = np.asarray(s.curves["train_loss"]), np.asarray(k.curves["train_loss"])
    m = min(len(ls), len(lk))
    diff = float(np.max(np.abs(ls[:m] - lk[:m]))) if m else math.nan
    ts, tk = np.asarray(s.curves["epoch_seconds"][:m]), np.asarray(k.curves["epoch_seconds"][:m])
    ratio = float(np.median(tk / ts)) if m and np.all(ts > 0) else math.nan
    weight_diff = math.nan
    if s.status == k.status == "ok":
        weight_diff = max(
            float(np.linalg.norm(ws - wk) / max(np.linalg.norm(wk), 1e-12))
            for ws, wk in zip(s.final_weights, k.final_weights)
        )
    agreement = math.nan
    if "scratch" in predictions and "keras" in predictions:
        agreement = float(np.mean(predictions["scratch"] == predictions["keras"]))
    for r in (s, k):
        r.max_loss_diff = diff
        r.time_ratio = ratio
        r.max_weight_rel_diff = weight_diff
        r.pred_agreement = agreement
