"""Change points in a figure's history — "steps": where, within one machine's stretch of
commits, a figure moved for good (``kvsbench history``, :mod:`benchmarks.regressions.history`).
Kept apart from reading and drawing the history because the rule is statistics of its own,
tested on its own.

**The rule** (:func:`find_steps`): within a stretch of values ``v_0 … v_{n-1}``, every split
``k`` (1 ≤ k < n) is a candidate step at commit ``k``; it is a step when

1. there are at least two commits on each side (:data:`MIN_SIDE`: one odd commit is noise,
   not a step; a step at the newest commit shows once the next commit confirms it),
2. the change of medians, ``median(v_k…) − median(…v_{k-1})`` (of ``log`` values for the time
   ratio and the parity figure), is larger than the figure's threshold — the time ratio:
   ``log(1 / (1 − 0.25))`` (compare's ``--ratio-tol``), test accuracy: 1 percentage point
   (``--acc-tol``), parity: a factor of 10 — and
3. the two sides do not overlap: every value after the split lies beyond every value before it.

Of the candidates the largest change is taken, and both sides are searched again the same way
(binary segmentation), so a stretch may hold several steps; each step found must then still
pass 1-3 between its neighbouring steps. The change reported is the ratio (difference, for
accuracy) of the medians between the neighbouring steps.

A series is cut where the machine changes (a ``Point``'s ``machine``, its env.json
fingerprint): steps are looked for within each stretch only, never across one.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.regressions.checks import Tolerances
from benchmarks.report.fmt import fmt_change, fmt_pp, fmt_sig

#: parity: a step is a change by this factor at least
PARITY_STEP_FACTOR = 10.0
#: commits needed on each side of a step (one odd commit is not a step)
MIN_SIDE = 2


def _threshold(figure: str) -> float:
    """The smallest change that counts as a step (log units for the log-scale figures)."""
    tol = Tolerances()
    if figure == "time_ratio":
        return -math.log(1 - tol.ratio)
    if figure == "test_acc":
        return tol.acc_pp / 100
    return math.log(PARITY_STEP_FACTOR)


def _scale(figure: str, v: np.ndarray) -> np.ndarray:
    if figure == "test_acc":
        return v
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(np.maximum(v, 1e-300))


def find_steps(values, figure: str) -> list[int]:
    """Indices into ``values`` (one machine's stretch, NaN allowed) where a step starts (the
    module docstring has the rule)."""
    v = np.asarray(values, dtype=float)
    idx = np.flatnonzero(np.isfinite(v))
    x = _scale(figure, v[idx])
    threshold = _threshold(figure)
    cuts = _segment(x, threshold)
    # a step found inside a side must also hold between its neighbouring steps
    bounds = [0, *cuts, len(x)]
    kept = [k for j, k in enumerate(cuts, start=1)
            if _is_step(x[bounds[j - 1]:k], x[k:bounds[j + 1]], threshold)]
    return [int(idx[k]) for k in kept]


def _is_step(before: np.ndarray, after: np.ndarray, threshold: float) -> bool:
    if len(before) < MIN_SIDE or len(after) < MIN_SIDE:
        return False
    change = float(np.median(after) - np.median(before))
    apart = after.min() > before.max() if change > 0 else after.max() < before.min()
    return abs(change) > threshold + 1e-12 and bool(apart)


def _segment(x: np.ndarray, threshold: float) -> list[int]:
    """Binary segmentation: the split with the largest change of medians that is a step,
    then the same on both sides."""
    best, best_k = 0.0, None
    for k in range(MIN_SIDE, len(x) - MIN_SIDE + 1):
        change = abs(float(np.median(x[k:]) - np.median(x[:k])))
        if change > best and _is_step(x[:k], x[k:], threshold):
            best, best_k = change, k
    if best_k is None:
        return []
    left = _segment(x[:best_k], threshold)
    right = [best_k + k for k in _segment(x[best_k:], threshold)]
    return [*left, best_k, *right]


def stretches(points: list) -> list[list[int]]:
    """Indices of the points, cut where the machine changes."""
    out: list[list[int]] = []
    for p in points:
        if out and points[out[-1][-1]].machine == p.machine:
            out[-1].append(p.index)
        else:
            out.append([p.index])
    return out


def detect(series: list, points: list) -> None:
    """Fill every series' ``steps`` (searched within each machine's stretch)."""
    parts = stretches(points)
    for s in series:
        s.steps = [part[k] for part in parts
                   for k in find_steps([s.values[i] for i in part], s.figure)]


def step_change(s, i: int, points: list) -> float:
    """The change at step ``i``: median after / before (difference for accuracy) within its
    machine's stretch, up to the neighbouring steps."""
    part = next(p for p in stretches(points) if i in p)
    cuts = [j for j in s.steps if j in part]
    k = cuts.index(i)
    lo = cuts[k - 1] if k else part[0]
    hi = cuts[k + 1] if k + 1 < len(cuts) else part[-1] + 1
    before = [v for v in s.values[lo:i] if math.isfinite(v)]
    after = [v for v in s.values[i:hi] if math.isfinite(v)]
    if s.figure == "test_acc":
        return float(np.median(after) - np.median(before))
    return float(np.median(after) / np.median(before))


def change_text(figure: str, change: float) -> str:
    """A step's change as printed: accuracy in pp, the time ratio in %, parity as a factor."""
    if figure == "test_acc":
        return fmt_pp(change)
    if figure == "time_ratio":
        return fmt_change(change - 1, decimals=0)
    return f"×{fmt_sig(change, 3)}"
