"""Keras' SGD (``keras/src/optimizers/sgd.py``), with optional (Nesterov) momentum::

    momentum = 0    w = w - lr g
    otherwise       v = momentum v - lr g;  w = w + v
    nesterov        v = momentum v - lr g;  w = w + momentum v - lr g

The velocity accumulates ``-lr g`` itself, so a change of rate under a schedule acts on the new
gradients only (the course's moving average, :mod:`.moving_average_momentum`, scales the whole
velocity by the current rate).
"""

from __future__ import annotations

import numpy as np

from scratch.optimizers.base import Optimizer, check_bool, check_in_range

__all__ = ["SGD", "sgd_step"]


def sgd_step(w, g, lr, velocity=None, momentum=0.0, nesterov=False, *, work=None):
    """One step, in place; ``velocity`` (Keras' ``momentum`` slot) is needed when
    ``momentum != 0``. Returns ``w``."""
    if work is None:
        work = np.empty_like(w)
    step = np.multiply(g, lr, out=work)  # lr g
    if momentum == 0:
        w -= step
        return w
    if velocity is None:
        raise ValueError("Argument `velocity` is required when momentum != 0. Received: None")
    velocity *= momentum
    velocity -= step
    if nesterov:
        np.subtract(np.multiply(velocity, momentum), step, out=step)
        w += step
    else:
        w += velocity
    return w


class SGD(Optimizer):
    _config_names = ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None):
        super().__init__(learning_rate, name)
        self.momentum = check_in_range(momentum, "momentum")
        self.nesterov = check_bool(nesterov, "nesterov")

    def _slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def update_step(self, gradient, variable, learning_rate, slots):
        sgd_step(
            variable,
            gradient,
            learning_rate,
            velocity=slots.get("momentum"),
            momentum=self.momentum,
            nesterov=self.nesterov,
            work=slots["work"],
        )
