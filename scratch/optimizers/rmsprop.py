"""Keras' RMSprop (``keras/src/optimizers/rmsprop.py``)::

    s = rho s + (1 - rho) g^2
    increment = lr g / sqrt(s + eps)                  eps INSIDE the root
    centered:   a = rho a + (1 - rho) g;  increment = lr g / sqrt(s - a^2 + eps)
    momentum:   mom = momentum mom + increment;  w = w - mom
    otherwise   w = w - increment
"""

from __future__ import annotations

import numpy as np

from scratch.optimizers.base import Optimizer, check_bool, check_epsilon, check_in_range

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    _config_names = ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name=None
    ):
        super().__init__(learning_rate, name)
        self.rho = check_in_range(rho, "rho")
        self.momentum = check_in_range(momentum, "momentum")
        self.epsilon = check_epsilon(epsilon)
        self.centered = check_bool(centered, "centered")

    def _slot_names(self):
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def update_step(self, gradient, variable, learning_rate, slots):
        """One step of ``variable`` in place: ``velocity`` is ``s``; the ``momentum`` slot
        exists when ``momentum > 0``, ``average_gradient`` (``a``) when ``centered``."""
        w, g, velocity, rho = variable, gradient, slots["velocity"], self.rho
        velocity *= rho
        tmp = np.square(g, out=slots["work"])
        tmp *= 1 - rho
        velocity += tmp
        if self.centered:
            average_grad = slots["average_gradient"]
            average_grad *= rho
            np.multiply(g, 1 - rho, out=tmp)
            average_grad += tmp
            np.square(average_grad, out=tmp)
            np.subtract(velocity, tmp, out=tmp)
            tmp += self.epsilon
        else:
            np.add(velocity, self.epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(g, tmp, out=tmp)
        tmp *= learning_rate  # increment
        if self.momentum > 0:
            momentum_buf = slots["momentum"]
            momentum_buf *= self.momentum
            momentum_buf += tmp
            w -= momentum_buf
        else:
            w -= tmp
