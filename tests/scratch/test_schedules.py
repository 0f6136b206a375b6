"""Learning-rate schedules: Keras' InverseTimeDecay formula and kvsbench's epoch schedules."""

import numpy as np
import pytest

from scratch.schedules import SCHEDULES, InverseTimeDecay, epoch_schedule


def test_inverse_time_decay_hand_values():
    s = InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == 0.1
    assert s(5) == pytest.approx(0.1 / 1.25)
    assert s(20) == pytest.approx(0.1 / 2.0)
    stairs = InverseTimeDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert [stairs(k) for k in (0, 9, 10, 19, 20)] == pytest.approx(
        [0.1, 0.1, 0.1 / 1.5, 0.1 / 1.5, 0.1 / 2.0]
    )


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay_matches_keras(staircase):
    keras = pytest.importorskip("keras")
    args = dict(initial_learning_rate=0.05, decay_steps=7, decay_rate=0.3, staircase=staircase)
    ours, theirs = InverseTimeDecay(**args), keras.optimizers.schedules.InverseTimeDecay(**args)
    steps = range(0, 60, 3)
    np.testing.assert_allclose(
        [ours(k) for k in steps], [float(theirs(k)) for k in steps], rtol=1e-6
    )
    assert ours.get_config() == theirs.get_config()


def test_epoch_schedules():
    assert SCHEDULES == ("constant", "inverse_time", "staircase")
    assert epoch_schedule("constant", 0.1, steps_per_epoch=10) == 0.1
    inverse = epoch_schedule("inverse_time", 0.1, steps_per_epoch=10, decay_rate=1.0)
    # lr0 / (1 + rate * epoch), constant within an epoch
    assert [inverse(step) for step in (0, 9, 10, 25)] == pytest.approx([0.1, 0.1, 0.05, 0.1 / 3])
    stair = epoch_schedule("staircase", 0.1, steps_per_epoch=10, decay_rate=1.0, interval_epochs=3)
    # lr0 / (1 + rate * floor(epoch / 3))
    epochs = [0, 2, 3, 5, 6]
    assert [stair(10 * e) for e in epochs] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.1 / 3])
    assert stair.get_config()["decay_steps"] == 30 and stair.staircase


def test_schedule_errors():
    with pytest.raises(
        ValueError, match=r"Argument `decay_steps` must be > 0\. Received: decay_steps=0"
    ):
        InverseTimeDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="`decay_rate` must be >= 0"):
        InverseTimeDecay(0.1, 1, -0.5)
    with pytest.raises(ValueError, match="`name` must be one of"):
        epoch_schedule("cosine", 0.1, 10)
    with pytest.raises(ValueError, match="`learning_rate` must be > 0"):
        epoch_schedule("constant", 0.0, 10)
    with pytest.raises(ValueError, match="`steps_per_epoch` must be an integer >= 1"):
        epoch_schedule("inverse_time", 0.1, 0)
