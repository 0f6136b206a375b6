"""Keras' Adam (``keras/src/optimizers/adam.py``), ``t`` counted from 1::

    m += (g - m)(1 - b1)
    v += (g^2 - v)(1 - b2)
    alpha = lr sqrt(1 - b2^t) / (1 - b1^t)
    w = w - (m alpha) / (sqrt(v) + eps)           eps = 1e-7 added to sqrt(v), not sqrt(v^)
    amsgrad: v_hat = max(v_hat, v) in place of v

The bias correction is folded into ``alpha`` and computed in the variable's dtype, and the
operations run in Keras' order: that is what makes float32 runs agree with Keras to round-off.
The textbook form (:mod:`.textbook_adam`) adds its eps to sqrt(v^) instead: the same step as
Keras' with eps times sqrt(1 - b2^t).
"""

from __future__ import annotations

import numpy as np

from scratch.optimizers.base import Optimizer, check_bool, check_epsilon, check_in_range

__all__ = ["Adam"]


class Adam(Optimizer):
    _work_names = ("work", "work2")
    _config_names = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        name=None,
    ):
        super().__init__(learning_rate, name)
        self.beta_1 = check_in_range(beta_1, "beta_1", upper_closed=False)
        self.beta_2 = check_in_range(beta_2, "beta_2", upper_closed=False)
        self.epsilon = check_epsilon(epsilon)
        self.amsgrad = check_bool(amsgrad, "amsgrad")

    def _slot_names(self):
        return (
            ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")
        )

    def update_step(self, gradient, variable, learning_rate, slots):
        """One step of ``variable`` in place, ``t = iterations + 1``; Keras' order needs two
        scratch buffers (``work``, ``work2``)."""
        w, g, m, v = variable, gradient, slots["momentum"], slots["velocity"]
        dt = w.dtype.type
        one, t = dt(1), dt(self.iterations + 1)
        alpha = dt(learning_rate) * np.sqrt(one - dt(self.beta_2) ** t) / (
            one - dt(self.beta_1) ** t)
        tmp = np.subtract(g, m, out=slots["work"])
        tmp *= 1 - self.beta_1
        m += tmp
        np.square(g, out=tmp)
        tmp -= v
        tmp *= 1 - self.beta_2
        v += tmp
        if self.amsgrad:
            v = np.maximum(slots["velocity_hat"], v, out=slots["velocity_hat"])
        denominator = np.sqrt(v, out=tmp)
        denominator += self.epsilon
        step = np.multiply(m, alpha, out=slots["work2"])
        step /= denominator
        w -= step
