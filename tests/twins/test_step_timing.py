"""A step's time from the step stamps of an epoch: the median interval where each step runs
when it is called (NumPy, TensorFlow, PyTorch), the mean from the second call to the epoch's
end where steps are queued asynchronously (Keras on JAX)."""

from __future__ import annotations

import math

import pytest

from benchmarks.twins.timing import mean_step_seconds, step_seconds


def test_median_interval_leaves_out_the_first_step():
    starts = [0.0, 5.0, 6.0, 7.0, 8.5]  # the first step carries the epoch's dispatch
    assert step_seconds(starts, 9.5) == pytest.approx(1.0)
    assert math.isnan(step_seconds([0.0, 1.0], 2.0))


def test_queued_steps_are_timed_to_the_epochs_end():
    # JAX: five steps queued 0.1 ms apart, then the epoch's end waits for all of them
    starts = [0.0, 0.0015, 0.0016, 0.0017, 0.0018]
    end = 0.0015 + 4 * 0.0005  # steps 2..5 took 0.5 ms each
    assert step_seconds(starts, end) == pytest.approx(0.0001)  # the queueing, not the work
    assert mean_step_seconds(starts, end, n_steps=5) == pytest.approx(0.0005)
    # 50 steps per call: 3 calls for 120 steps, the last partial
    assert mean_step_seconds([0.0, 1.0, 2.0], 2.4, n_steps=120, steps_per_call=50) == (
        pytest.approx(1.4 / 70))
    assert math.isnan(mean_step_seconds([0.0], 1.0, n_steps=1))
