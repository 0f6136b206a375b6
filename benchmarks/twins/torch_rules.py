"""Scratch twins with another framework's update rules: what a twin whose rule differs from
Keras' (a registry entry's ``rule_twin``) is held to step parity against, so that "a different
rule" and "that rule, applied right" are two separate facts in a report.

Built like :class:`benchmarks.twins.scratch_numpy.ScratchTwin` from the same config (same model,
batches and learning-rate schedule); only the optimizer is the other framework's rule.
"""

from __future__ import annotations

import numpy as np

from benchmarks.twins.scratch_numpy import ScratchTwin
from scratch.optimizers import SGD


class TorchMomentum(SGD):
    """``torch.optim.SGD`` with momentum, dampening 0: ``b = β·b + g; w −= lr·b`` — the slot
    ``momentum`` holds PyTorch's buffer ``b``, not Keras' velocity."""

    def update_step(self, gradient, variable, learning_rate, slots):
        b = slots["momentum"]
        b *= variable.dtype.type(self.momentum)
        b += gradient
        variable -= b * variable.dtype.type(learning_rate)


class TorchRuleTwin(ScratchTwin):
    """The scratch twin with ``torch.optim``'s rules as the PyTorch twin configures them
    (:func:`benchmarks.twins.pytorch.torch_optimizer`): Adam with ε outside the
    bias-corrected root (``scratch.optimizers.TextbookAdam``, ε 1e-7), RMSprop with ε outside
    the root (``TextbookRMSprop``, ε sqrt(1e-7)); momentum on PyTorch's buffer
    (:class:`TorchMomentum`, its state converted as the PyTorch twin converts its own:
    :func:`benchmarks.twins.pytorch.momentum_scale`); SGD is Keras' rule."""

    def __init__(self, config, weights, n_train: int):
        from benchmarks.twins.pytorch import ADAM_EPSILON, RMSPROP_EPSILON
        from scratch.optimizers import TextbookAdam, TextbookRMSprop

        super().__init__(config, weights, n_train)
        lr = self.optimizer._learning_rate  # the same schedule, float or callable
        if config.optimizer == "adam":
            self.optimizer = TextbookAdam(lr, beta_1=0.9, beta_2=0.999, epsilon=ADAM_EPSILON)
        elif config.optimizer == "rmsprop":
            self.optimizer = TextbookRMSprop(lr, rho=0.9, epsilon=RMSPROP_EPSILON)
        elif config.optimizer == "momentum":
            self.optimizer = TorchMomentum(lr, momentum=config.momentum)

    def _scale(self, iterations: int) -> float:
        from benchmarks.twins.pytorch import momentum_scale

        lr = self.optimizer._learning_rate
        return momentum_scale(lambda s: float(lr(s)) if callable(lr) else float(lr), iterations)

    def get_state(self) -> dict:
        state = super().get_state()
        if self.config.optimizer == "momentum":  # PyTorch's buffer b as Keras' v = −lr·b
            k = self._scale(state["iterations"])
            state["slots"]["momentum"] = [-k * np.asarray(b, np.float64)
                                          for b in state["slots"]["momentum"]]
        return state

    def set_state(self, state: dict) -> None:
        if self.config.optimizer == "momentum":
            k = self._scale(state["iterations"])
            state = {**state, "slots": {"momentum": [-np.asarray(v, np.float64) / k
                                                     for v in state["slots"]["momentum"]]}}
        super().set_state(state)
