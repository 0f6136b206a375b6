"""The noise-aware speed verdict of ``kvsbench compare``: did a twin get slower against the
reference, beyond both the tolerance and the noise of the machine?

One median per run is not enough: on a shared machine the reference/twin ratio of the median
epoch times of two identical runs differs by up to 2× (docs/ci.md has the measurements), because
load from other jobs slows a run's epochs for minutes, and slows the twins unequally (Keras'
many short steps more than scratch's few long ones). Load only ever ADDS time, so a run's
fastest epochs are its least disturbed ones. Every run holds the samples: each twin's epoch
times, epochs 1 … epochs-1 (epoch 0 traces Keras' graph), the twins alternating epoch by epoch.
Per experiment and twin, both sides of the comparison (every seed's epochs pooled):

    speed = fast(t_ref) / fast(t_twin),   fast(t) = mean of the fastest ceil(n/5) of n epochs
    change = speed_current / speed_baseline                (< 1: the twin got slower)

Its noise is a 95 % bootstrap interval: each side's epochs (the reference's and the twin's time
of one epoch together) are resampled with replacement :data:`RESAMPLES` times, from a fixed
seed (the same files always give the same verdict), and the 2.5 / 97.5 percentiles of the
resampled ``change`` are the interval.

A speed regression needs both (:func:`speed_verdict`):

* **larger than the tolerance**: ``change < 1 - tol``, and
* **outside the noise**: the interval's upper end is below 1 (every resample says "slower").

Directories without curves.csv (or with fewer than :data:`MIN_SAMPLES` epochs after the first)
fall back to the fixed gate on the runs' ``time_ratio`` medians (``change < 1 - tol``), and the
verdict says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: bootstrap resamples per verdict
RESAMPLES = 4000
#: coverage of the interval
LEVEL = 0.95
#: the bootstrap's random seed: a verdict is a function of the files alone
SEED = 20240601
#: fewest epochs (after the first) per side for the sampled verdict (fewer: the fixed gate)
MIN_SAMPLES = 4
#: the share of a side's epochs, the fastest, that its speed figure is the mean of
FAST_SHARE = 1 / 5


@dataclass(frozen=True)
class SpeedChange:
    """The speed of one twin against the reference on both sides of a comparison."""

    baseline: float  # reference/twin time on the baseline side (> 1: the twin is faster)
    current: float  # the same on the current side
    low: float  # the bootstrap interval of ``change`` (NaN for the fixed gate)
    high: float
    n_baseline: int  # epochs behind each side (0: the runs' time_ratio medians were used)
    n_current: int

    @property
    def change(self) -> float:
        """current / baseline (< 1: the twin got slower against the reference)."""
        return self.current / self.baseline

    @property
    def sampled(self) -> bool:
        return self.n_baseline > 0 and self.n_current > 0


def epoch_times(curves, experiment_id: str, impl: str, reference: str) -> np.ndarray:
    """Shape (n, 2): (reference, twin) time of every epoch after the first that both ran with
    positive times, every seed of the experiment (each seed paired with its own reference)."""
    c = curves[curves["experiment_id"] == experiment_id]
    out = []
    for _, g in c.groupby("seed", sort=True):
        t = g[g["impl"] == impl].set_index("epoch")["epoch_seconds"].astype(float)
        r = g[g["impl"] == reference].set_index("epoch")["epoch_seconds"].astype(float)
        epochs = sorted(e for e in set(t.index) & set(r.index) if e >= 1)
        pairs = np.column_stack([r.loc[epochs].to_numpy(), t.loc[epochs].to_numpy()])
        out.append(pairs[np.all(np.isfinite(pairs) & (pairs > 0), axis=1)])
    return np.concatenate(out) if out else np.empty((0, 2))


def fast(t: np.ndarray) -> np.ndarray:
    """Mean of the fastest ``ceil(n × FAST_SHARE)`` of the ``n`` times on the last axis."""
    k = max(1, math.ceil(t.shape[-1] * FAST_SHARE))
    return np.sort(t, axis=-1)[..., :k].mean(axis=-1)


def speed(times: np.ndarray) -> np.ndarray:
    """reference / twin speed figure of (…, n, 2) epoch times."""
    return fast(times[..., 0]) / fast(times[..., 1])


def sampled_change(baseline: np.ndarray, current: np.ndarray) -> SpeedChange | None:
    """Both sides' speed figures and the bootstrap interval of their ratio; None with fewer
    than :data:`MIN_SAMPLES` epochs on a side."""
    nb, nc = len(baseline), len(current)
    if nb < MIN_SAMPLES or nc < MIN_SAMPLES:
        return None
    rng = np.random.default_rng(SEED)
    boot_b = speed(baseline[rng.integers(0, nb, size=(RESAMPLES, nb))])
    boot_c = speed(current[rng.integers(0, nc, size=(RESAMPLES, nc))])
    tail = 100 * (1 - LEVEL) / 2
    low, high = np.percentile(boot_c / boot_b, [tail, 100 - tail])
    return SpeedChange(float(speed(baseline)), float(speed(current)), float(low), float(high),
                       nb, nc)


def median_change(baseline_ratio: float, current_ratio: float) -> SpeedChange:
    """The fixed gate's figure: current / baseline of the runs' time_ratio medians."""
    return SpeedChange(baseline_ratio, current_ratio, math.nan, math.nan, 0, 0)


def speed_verdict(ch: SpeedChange, tol: float) -> tuple[str, bool]:
    """(verdict text, regressed?) for a change under the tolerance ``tol`` (a fraction)."""
    limit = 1 - tol
    interval = f"95 % CI {ch.low:.2f}-{ch.high:.2f}" if ch.sampled else ""
    if not ch.sampled:
        if ch.change < limit - 1e-12:
            return (f"REGRESSED (x{ch.change:.2f} < x{limit:.2f}; no per-epoch times: "
                    "fixed gate)", True)
        return (_word(ch.change) + " (no per-epoch times: fixed gate)", False)
    if ch.change < limit - 1e-12 and ch.high < 1:
        return f"REGRESSED (x{ch.change:.2f} < x{limit:.2f}, {interval})", True
    if ch.change < limit - 1e-12:
        return f"slower, within noise (x{ch.change:.2f}, {interval} holds 1)", False
    if ch.high < 1:
        return f"slower, within tolerance (x{ch.change:.2f}, {interval})", False
    return f"{_word(ch.change)} ({interval})", False


def _word(change: float) -> str:
    if change == 1:
        return "same"
    return "faster" if change > 1 else "slower, within tolerance"
