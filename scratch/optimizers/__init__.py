"""Optimizers with Keras 3's names, defaults and exact update rules, and the course's variants.

In the manner of ``keras/src/optimizers/``: one file per optimizer, its rule stated in that
file's docstring, its class (slots per variable, ``apply_gradients``, ``iterations``, ``build``,
``get_config``; ``update_step`` the rule), and :mod:`.base` for what they share. The rules the
course API also applies to bare arrays (SGD, the moving-average momentum, textbook Adam) are a
step function (pure, in place) beside the class, which both call; Keras' Adam and RMSprop,
which only the classes use, are their ``update_step``. Where the course's textbook rules
differ from Keras':

============================ ================================= =================================
Keras' rule (the twins)      the course's rule                 the difference
============================ ================================= =================================
:mod:`.sgd`, momentum        :mod:`.moving_average_momentum`   Keras' velocity sums ``-lr g``;
                                                               the course's averages ``g`` and
                                                               the step scales it by ``lr``
:mod:`.adam`                 :mod:`.textbook_adam`             Keras: eps 1e-7 beside
                                                               ``sqrt(v)``, bias correction in
                                                               the step size; course: eps 1e-8
                                                               beside ``sqrt(v^)``
:mod:`.rmsprop`              :mod:`.textbook_rmsprop`          Keras: eps inside the root;
                                                               textbook (PyTorch): eps beside
                                                               ``sqrt(s)``
============================ ================================= =================================

The formulas side by side, with the loss and the epoch figures: docs/twins.md, "Keras' exact
rules".
"""

from scratch.optimizers.adam import Adam
from scratch.optimizers.base import Optimizer
from scratch.optimizers.moving_average_momentum import (
    MovingAverageMomentum,
    moving_average_momentum_step,
)
from scratch.optimizers.rmsprop import RMSprop
from scratch.optimizers.sgd import SGD, sgd_step
from scratch.optimizers.textbook_adam import TextbookAdam, textbook_adam_step
from scratch.optimizers.textbook_rmsprop import TextbookRMSprop, textbook_rmsprop_step

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "TWIN_OPTIMIZERS",
    "Adam",
    "MovingAverageMomentum",
    "Optimizer",
    "RMSprop",
    "TextbookAdam",
    "TextbookRMSprop",
    "get",
    "moving_average_momentum_step",
    "sgd_step",
    "textbook_adam_step",
    "textbook_rmsprop_step",
]

OPTIMIZERS = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adam": Adam,
    "moving_average_momentum": MovingAverageMomentum,
    "textbook_adam": TextbookAdam,
    "textbook_rmsprop": TextbookRMSprop,
}

#: kvsbench's optimizer names (``--optimizer``, ``ExperimentConfig.optimizer``): the class each
#: builds, here and by the same name in ``keras.optimizers``, and the arguments it sets
#: (the config passes its own momentum β)
TWIN_OPTIMIZERS = {
    "sgd": ("SGD", {}),
    "momentum": ("SGD", {"momentum": 0.9}),
    "rmsprop": ("RMSprop", {}),
    "adam": ("Adam", {}),
}


def get(name, **kwargs):
    """An optimizer by its name in ``OPTIMIZERS`` or ``TWIN_OPTIMIZERS`` (any case), built
    with ``kwargs``; an :class:`Optimizer` is returned as it is."""
    if isinstance(name, Optimizer):
        return name
    key = name.lower() if isinstance(name, str) else name
    if key in TWIN_OPTIMIZERS:
        class_name, preset = TWIN_OPTIMIZERS[key]
        key, kwargs = class_name.lower(), {**preset, **kwargs}
    if key not in OPTIMIZERS:
        raise ValueError(
            f"Argument `optimizer` must be one of {sorted({*OPTIMIZERS, *TWIN_OPTIMIZERS})}. "
            f"Received: optimizer={name!r}"
        )
    return OPTIMIZERS[key](**kwargs)
