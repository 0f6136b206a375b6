"""Learning-rate schedules: callables of the 0-based optimizer step, as in Keras.

kvsbench's per-epoch schedules are step schedules whose step unit is one epoch
(``steps_per_epoch`` optimizer steps)::

    constant       lr(epoch) = lr0
    inverse_time   lr(epoch) = lr0 / (1 + rate * epoch)
    staircase      lr(epoch) = lr0 / (1 + rate * floor(epoch / interval_epochs))
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = ["SCHEDULES", "InverseTimeDecay", "epoch_schedule"]

SCHEDULES = ("constant", "inverse_time", "staircase")


def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, Real) or not value > 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")
    return value


class InverseTimeDecay:
    """Keras' ``InverseTimeDecay``: ``lr0 / (1 + decay_rate * p)``, ``p = step / decay_steps``,
    floored when ``staircase``."""

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        self.initial_learning_rate = _check_positive(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _check_positive(decay_steps, "decay_steps")
        if isinstance(decay_rate, bool) or not isinstance(decay_rate, Real) or decay_rate < 0:
            raise ValueError(
                f"Argument `decay_rate` must be >= 0. Received: decay_rate={decay_rate}"
            )
        self.decay_rate = decay_rate
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"InverseTimeDecay({args})"


def epoch_schedule(name, learning_rate, steps_per_epoch, decay_rate=1.0, interval_epochs=1):
    """What an optimizer takes as its learning rate for kvsbench schedule ``name``: a float
    for "constant", else a staircase :class:`InverseTimeDecay` of the step whose unit is one
    epoch (``steps_per_epoch`` steps) or ``interval_epochs`` epochs, so that the rate changes
    only at epoch boundaries, as in Keras' twin."""
    if name not in SCHEDULES:
        raise ValueError(
            f"Argument `name` must be one of {list(SCHEDULES)}. Received: name={name!r}"
        )
    _check_positive(learning_rate, "learning_rate")
    for value, arg in ((steps_per_epoch, "steps_per_epoch"), (interval_epochs, "interval_epochs")):
        if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
            raise ValueError(f"Argument `{arg}` must be an integer >= 1. Received: {arg}={value}")
    if name == "constant":
        return float(learning_rate)
    decay_steps = steps_per_epoch if name == "inverse_time" else steps_per_epoch * interval_epochs
    return InverseTimeDecay(learning_rate, decay_steps, decay_rate, staircase=True)
