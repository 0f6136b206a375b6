"""The course's Adam: bias-corrected moments, eps (1e-8) OUTSIDE the root, ``t`` from 1::

    m = b1 m + (1 - b1) g
    v = b2 v + (1 - b2) g^2
    m^ = m / (1 - b1^t);  v^ = v / (1 - b2^t)
    w = w - lr m^ / (sqrt(v^) + eps)

The course's ``update_parameters_with_adam`` returns ``m^`` and ``v^`` too, so the step does.
"""

from __future__ import annotations

import numpy as np

from scratch.optimizers.base import Optimizer, check_epsilon, check_in_range

__all__ = ["TextbookAdam", "textbook_adam_step"]


def textbook_adam_step(w, g, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8, *, work=None):
    """One step, in place. Returns ``(m^, v^)``, new arrays of ``w``'s shape."""
    if t < 1:
        raise ValueError(f"Argument `t` must be >= 1 (steps count from 1). Received: t={t}")
    if work is None:
        work = np.empty_like(w)
    tmp = np.multiply(g, 1 - beta_1, out=work)
    m *= beta_1
    m += tmp
    np.square(g, out=tmp)
    tmp *= 1 - beta_2
    v *= beta_2
    v += tmp
    m_corrected = m / (1 - beta_1**t)
    v_corrected = v / (1 - beta_2**t)
    np.sqrt(v_corrected, out=tmp)
    tmp += epsilon
    np.divide(m_corrected, tmp, out=tmp)
    tmp *= lr
    w -= tmp
    return m_corrected, v_corrected


class TextbookAdam(Optimizer):
    _config_names = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, name=None):
        super().__init__(learning_rate, name)
        self.beta_1 = check_in_range(beta_1, "beta_1", upper_closed=False)
        self.beta_2 = check_in_range(beta_2, "beta_2", upper_closed=False)
        self.epsilon = check_epsilon(epsilon)

    def _slot_names(self):
        return ("momentum", "velocity")

    def update_step(self, gradient, variable, learning_rate, slots):
        textbook_adam_step(
            variable,
            gradient,
            slots["momentum"],
            slots["velocity"],
            t=self.iterations + 1,
            lr=learning_rate,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
            work=slots["work"],
        )
