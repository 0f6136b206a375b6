"""One optimizer step's time, from the step starts a twin stamps in its epoch: the median
interval where steps run as called (:func:`step_seconds`), the mean where they are queued
asynchronously (JAX, :func:`mean_step_seconds`). Every twin's ``Epoch.step_seconds`` comes
from one of these two.
"""

from __future__ import annotations

import math
import statistics


def step_seconds(step_starts, epoch_end: float, steps_per_call: int = 1) -> float:
    """One step's time in an epoch: the median interval between step starts (the last step
    ends with the epoch), leaving out the first step, which carries the epoch's dispatch; with
    ``steps_per_call`` steps per timed call (Keras' ``steps_per_execution``), divided by it and
    the last, partial call left out. NaN with fewer than two such intervals (e.g. full batch)."""
    stamps = [*step_starts, epoch_end]
    intervals = [b - a for a, b in zip(stamps[1:-1], stamps[2:])]
    if steps_per_call > 1:
        intervals = [t / steps_per_call for t in intervals[:-1]]
    return statistics.median(intervals) if len(intervals) >= 2 else math.nan


def mean_step_seconds(step_starts, epoch_end: float, n_steps: int,
                      steps_per_call: int = 1) -> float:
    """One step's time where steps are queued asynchronously (JAX): the intervals between step
    starts then time the queueing (~0.1 ms) and, now and then, a wait for the queue; the epoch's
    end waits for every step (Keras turns the epoch's logs into floats). So: from the second
    call's start to the epoch's end, over the ``n_steps − steps_per_call`` steps after the
    first call. NaN under two calls."""
    if len(step_starts) < 2 or n_steps <= steps_per_call:
        return math.nan
    return (epoch_end - step_starts[1]) / (n_steps - steps_per_call)

