"""Planted twins of the conformance battery (tests/check/test_battery.py): the scratch twin with a
from-scratch author's mistake in its gradient or its update, each run in a worker as a plug-in
is (``kvsbench check planted_check_twins:CLASS``). The rule changes of Adam (β₂, ε) are the
step-parity tests' planted twins (tests/twins/planted_twins.py), reused as they are.
"""

from __future__ import annotations

from benchmarks.twins.scratch_numpy import ScratchTwin


class _Wrapped(ScratchTwin):
    """The scratch twin whose optimizer's ``update_step`` goes through :meth:`plant`."""

    def __init__(self, config, weights, n_train):
        super().__init__(config, weights, n_train)
        step = self.optimizer.update_step

        def planted(gradient, variable, learning_rate, slots):
            return self.plant(step, gradient, variable, learning_rate, slots)

        self.optimizer.update_step = planted

    def plant(self, step, gradient, variable, learning_rate, slots):
        raise NotImplementedError


class GradientTimesTwo(_Wrapped):
    """Every gradient twice its value (a mean taken over half the batch)."""

    def plant(self, step, gradient, variable, learning_rate, slots):
        return step(gradient * 2, variable, learning_rate, slots)


class NoBiasUpdate(_Wrapped):
    """The biases never updated."""

    def plant(self, step, gradient, variable, learning_rate, slots):
        if variable.ndim > 1:
            return step(gradient, variable, learning_rate, slots)
        return variable
