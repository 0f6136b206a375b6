"""The course's momentum, a moving average of the gradients (not Keras' :mod:`.sgd` rule)::

    v = beta v + (1 - beta) g
    w = w - lr v
"""

from __future__ import annotations

import numpy as np

from scratch.optimizers.base import Optimizer, check_in_range

__all__ = ["MovingAverageMomentum", "moving_average_momentum_step"]


def moving_average_momentum_step(w, g, v, lr, beta, *, work=None):
    """One step, in place. Returns ``w``."""
    if work is None:
        work = np.empty_like(w)
    v *= beta
    tmp = np.multiply(g, 1 - beta, out=work)
    v += tmp
    np.multiply(v, lr, out=tmp)
    w -= tmp
    return w


class MovingAverageMomentum(Optimizer):
    _config_names = ("beta",)

    def __init__(self, learning_rate=0.01, beta=0.9, name=None):
        super().__init__(learning_rate, name)
        self.beta = check_in_range(beta, "beta")

    def _slot_names(self):
        return ("velocity",)

    def update_step(self, gradient, variable, learning_rate, slots):
        moving_average_momentum_step(
            variable,
            gradient,
            slots["velocity"],
            lr=learning_rate,
            beta=self.beta,
            work=slots["work"],
        )
