"""Scratch twins with another framework's update rules: what a twin whose rule differs from
Keras' (a registry entry's ``rule_twin``) is held to step parity against, so that "a different
rule" and "that rule, applied right" are two separate facts in a report.

Built like :class:`benchmarks.harness.twins.ScratchTwin` from the same config (same model,
batches and learning-rate schedule); only the optimizer is the other framework's rule.
"""

from __future__ import annotations

from benchmarks.harness.twins import ScratchTwin


class TorchRuleTwin(ScratchTwin):
    """The scratch twin with ``torch.optim``'s rules as the PyTorch twin configures them
    (:func:`benchmarks.harness.torch_twin.torch_optimizer`): Adam with ε outside the
    bias-corrected root (``scratch.optimizers.TextbookAdam``, ε 1e-7), RMSprop with ε outside
    the root (``TextbookRMSprop``, ε sqrt(1e-7)); SGD and momentum are Keras' rules, which
    PyTorch's equal step for step (its momentum buffer is Keras' velocity over −lr)."""

    def __init__(self, config, weights, n_train: int):
        from benchmarks.harness.torch_twin import ADAM_EPSILON, RMSPROP_EPSILON
        from scratch.optimizers import TextbookAdam, TextbookRMSprop

        super().__init__(config, weights, n_train)
        lr = self.optimizer._learning_rate  # the same schedule, float or callable
        if config.optimizer == "adam":
            self.optimizer = TextbookAdam(lr, beta_1=0.9, beta_2=0.999, epsilon=ADAM_EPSILON)
        elif config.optimizer == "rmsprop":
            self.optimizer = TextbookRMSprop(lr, rho=0.9, epsilon=RMSPROP_EPSILON)
