"""Planted twins: the scratch twin with ONE update rule changed, each a mistake a from-scratch
author makes. Step parity (benchmarks/harness/step_parity.py) must call every one of them wrong,
by ≥ 10× the tolerance (tests/harness/test_step_parity.py; tools/step_parity_margins.py measures the
margins). They run in worker processes through the ``--target`` mechanism, as a plug-in would:
:data:`PLANTED` gives each one's registry-style entry and the optimizer it is planted in.
"""

from __future__ import annotations

import numpy as np

from benchmarks.twins.registry import TwinEntry
from benchmarks.twins.scratch_numpy import ScratchTwin
from scratch.optimizers import SGD, Adam


class _EpsInsideAdam(Adam):
    """Adam with ε inside the root: ``w −= α·m / sqrt(v + ε)``."""

    def update_step(self, gradient, variable, learning_rate, slots):
        t = self.iterations + 1
        dt = variable.dtype.type
        m, v = slots["momentum"], slots["velocity"]
        m += (gradient - m) * dt(1 - self.beta_1)
        v += (np.square(gradient) - v) * dt(1 - self.beta_2)
        alpha = dt(learning_rate) * np.sqrt(dt(1) - dt(self.beta_2) ** dt(t)) / (
            dt(1) - dt(self.beta_1) ** dt(t))
        variable -= m * alpha / np.sqrt(v + dt(self.epsilon))


class _NoBiasCorrectionAdam(Adam):
    """Adam without the bias correction: α = lr."""

    def update_step(self, gradient, variable, learning_rate, slots):
        dt = variable.dtype.type
        m, v = slots["momentum"], slots["velocity"]
        m += (gradient - m) * dt(1 - self.beta_1)
        v += (np.square(gradient) - v) * dt(1 - self.beta_2)
        variable -= m * dt(learning_rate) / (np.sqrt(v) + dt(self.epsilon))


class _Planted(ScratchTwin):
    def __init__(self, config, weights, n_train):
        super().__init__(config, weights, n_train)
        self.optimizer = self.plant(self.optimizer._learning_rate, config)

    def plant(self, lr, config):
        raise NotImplementedError


class AdamBeta2(_Planted):
    def plant(self, lr, config):
        return Adam(lr, beta_2=0.998)


class AdamEpsilon(_Planted):
    def plant(self, lr, config):
        return Adam(lr, epsilon=1e-4)


class AdamEpsInside(_Planted):
    def plant(self, lr, config):
        return _EpsInsideAdam(lr)


class AdamNoBiasCorrection(_Planted):
    def plant(self, lr, config):
        return _NoBiasCorrectionAdam(lr)


class Momentum089(_Planted):
    def plant(self, lr, config):
        return SGD(lr, momentum=0.89)


class ScheduleLate(_Planted):
    """The learning-rate schedule one step late: step t gets the rate of step t − 1."""

    def plant(self, lr, config):
        import scratch.optimizers

        class_name, kwargs = config.optimizer_spec()
        late = (lambda step: lr(max(step - 1, 0))) if callable(lr) else lr
        return getattr(scratch.optimizers, class_name)(learning_rate=late, **kwargs)


def _entry(cls) -> TwinEntry:
    return TwinEntry(name=f"planted-{cls.__name__}", label=f"planted {cls.__name__}",
                     target=f"{__name__}:{cls.__name__}")


#: (planted twin's entry, the optimizer and the schedule under which its change acts)
PLANTED = [
    (_entry(AdamBeta2), "adam", "constant"),
    (_entry(AdamEpsilon), "adam", "constant"),
    (_entry(AdamEpsInside), "adam", "constant"),
    (_entry(AdamNoBiasCorrection), "adam", "constant"),
    (_entry(Momentum089), "momentum", "constant"),
    (_entry(ScheduleLate), "sgd", "inverse_time"),
]


class WithoutState(ScratchTwin):
    """A twin written before the state interface: it trains, and has no step parity."""

    def get_state(self):
        raise NotImplementedError("this twin does not give its state")


WITHOUT_STATE = _entry(WithoutState)
