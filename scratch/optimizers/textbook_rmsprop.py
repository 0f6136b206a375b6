"""RMSprop with eps OUTSIDE the root, as ``torch.optim.RMSprop`` (and Hinton's lecture) has it::

    s = rho s + (1 - rho) g^2
    w = w - lr g / (sqrt(s) + eps)

Keras' rule (:mod:`.rmsprop`) adds eps to ``s`` inside the root; the two agree where
``s`` is far above eps^2 and eps, and differ where the second moment is about eps.
"""

from __future__ import annotations

import numpy as np

from scratch.optimizers.base import Optimizer, check_epsilon, check_in_range

__all__ = ["TextbookRMSprop", "textbook_rmsprop_step"]


def textbook_rmsprop_step(w, g, velocity, lr, rho=0.9, epsilon=1e-7, *, work=None):
    """One step, in place (``velocity`` is ``s``). Returns ``w``."""
    if work is None:
        work = np.empty_like(w)
    velocity *= rho
    tmp = np.square(g, out=work)
    tmp *= 1 - rho
    velocity += tmp
    np.sqrt(velocity, out=tmp)
    tmp += epsilon
    np.divide(g, tmp, out=tmp)
    tmp *= lr
    w -= tmp
    return w


class TextbookRMSprop(Optimizer):
    _config_names = ("rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-7, name=None):
        super().__init__(learning_rate, name)
        self.rho = check_in_range(rho, "rho")
        self.epsilon = check_epsilon(epsilon)

    def _slot_names(self):
        return ("velocity",)

    def update_step(self, gradient, variable, learning_rate, slots):
        textbook_rmsprop_step(variable, gradient, slots["velocity"], learning_rate,
                              rho=self.rho, epsilon=self.epsilon, work=slots["work"])
