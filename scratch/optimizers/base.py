"""What every optimizer shares: the learning rate, the step count, the slots, Keras' wording.

A subclass names its slots in ``_slot_names()`` and implements ``update_step(gradient,
variable, learning_rate, slots)``: the rule itself, or its file's step function where the
course API applies the same rule to bare arrays. Either updates ``w`` and the slots IN PLACE
(``w`` of any shape, 0-d included: the course keeps scalar biases as 0-d arrays) and uses
``work``, a preallocated array of ``w``'s shape and dtype, for its temporaries, so that a
training step allocates nothing; the classes keep one per variable beside its slots. Scalars
(``lr``, betas) are applied in the variable's dtype, as Keras casts them.
"""

from __future__ import annotations

import copy
import math
from numbers import Real

import numpy as np

from scratch.fpmode import flush_subnormals

__all__ = ["Optimizer", "check_bool", "check_epsilon", "check_in_range"]


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _check_learning_rate(learning_rate):
    if callable(learning_rate):
        return learning_rate
    if not _is_number(learning_rate):
        raise ValueError(
            "Argument `learning_rate` should be a float, or a callable that takes the "
            "0-based iteration and returns the learning rate. "
            f"Received: learning_rate={learning_rate!r}"
        )
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(
            f"Argument `learning_rate` must be > 0. Received: learning_rate={learning_rate}"
        )
    return float(learning_rate)


def check_in_range(value, name, upper_closed=True):
    """``value`` as a float in [0, 1] (or [0, 1) when not ``upper_closed``), else ValueError."""
    ok = _is_number(value) and 0 <= value and (value <= 1 if upper_closed else value < 1)
    if not ok:
        interval = "[0, 1]" if upper_closed else "[0, 1)"
        raise ValueError(
            f"Argument `{name}` must be a float in {interval}. Received: {name}={value}"
        )
    return float(value)


def check_epsilon(epsilon):
    if not (_is_number(epsilon) and epsilon >= 0):
        raise ValueError(f"Argument `epsilon` must be >= 0. Received: epsilon={epsilon}")
    return float(epsilon)


def check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Argument `{name}` must be a bool. Received: {name}={value!r}")
    return bool(value)


class Optimizer:
    """Learning rate (a float > 0, or a schedule: a callable of the 0-based ``iterations``, as in
    Keras), ``iterations`` (``apply_gradients`` calls so far) and per-variable slots.

    Slots are zeros created the first time a variable is seen, keyed by ``id(var)``; the
    optimizer keeps a reference to the variable so that the id stays unique.
    """

    _work_names = ("work",)  # scratch buffers kept beside the slots (not the algorithm's state)
    _config_names = ()  # the hyperparameters, by Keras' names, that get_config reports

    def __init__(self, learning_rate, name=None):
        self._learning_rate = _check_learning_rate(learning_rate)
        self.name = name if name is not None else type(self).__name__.lower()
        self.iterations = 0
        self._slots = {}  # id(var) -> (var, {slot name: ndarray})

    # ------------------------------------------------------------------ learning rate

    @property
    def current_learning_rate(self):
        """The learning rate of the next step (the schedule at ``iterations``), as a float."""
        lr = self._learning_rate
        return float(lr(self.iterations)) if callable(lr) else lr

    @property
    def learning_rate(self):
        """Like Keras: the current value, settable to a new float or schedule."""
        return self.current_learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = _check_learning_rate(value)

    # ------------------------------------------------------------------ slots

    def _slot_names(self):
        return ()

    def _slots_for(self, var):
        entry = self._slots.get(id(var))
        if entry is None or entry[0] is not var:
            slots = {name: np.zeros_like(var) for name in self._slot_names()}
            for name in self._work_names:
                slots[name] = np.empty_like(var)
            entry = self._slots[id(var)] = (var, slots)
        return entry[1]

    def __deepcopy__(self, memo):
        """Re-key the slots to the copied variables: copy the model and the optimizer together
        (``copy.deepcopy((model, optimizer))``) and the copy keeps its state for the copy's
        parameters."""
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            if key != "_slots":
                setattr(new, key, copy.deepcopy(value, memo))
        new._slots = {}
        for var, slots in self._slots.values():
            new_var = copy.deepcopy(var, memo)
            new._slots[id(new_var)] = (new_var, copy.deepcopy(slots, memo))
        return new

    def build(self, var_list):
        """Create the slots of every variable now (otherwise on first use)."""
        for var in var_list:
            self._slots_for(var)

    def get_slot(self, var, name):
        """The slot array ``name`` (e.g. ``"momentum"``, ``"velocity"``) of ``var``."""
        return self._slots_for(var)[name]

    def flush_subnormal_slots(self):
        """Zero the subnormal values of every slot, in place: the ``"explicit"`` means of
        :mod:`scratch.fpmode`, called after each step where the CPU cannot flush them, so that
        decaying slots (Adam's ``m`` where the gradient stays 0) do not linger there."""
        for _, slots in self._slots.values():
            for name in self._slot_names():
                flush_subnormals(slots[name], work=slots["work"])

    # ------------------------------------------------------------------ update

    def apply_gradients(self, grads_and_vars):
        """One step on each ``(gradient, variable)`` pair, then ``iterations += 1``.

        A variable is a float ndarray updated in place; its gradient an array-like of its shape,
        cast to its dtype; a None gradient is skipped. Returns the new ``iterations``.
        """
        lr = self.current_learning_rate
        for grad, var in grads_and_vars:
            if grad is None:
                continue
            if not isinstance(var, np.ndarray) or var.dtype.kind != "f":
                raise ValueError(
                    "Each variable must be a float numpy array updated in place. "
                    f"Received: {type(var).__name__} of dtype {getattr(var, 'dtype', None)}"
                )
            grad = np.asarray(grad)
            if grad.dtype != var.dtype:
                grad = grad.astype(var.dtype)
            if grad.shape != var.shape:
                raise ValueError(
                    f"Gradient shape {grad.shape} does not match variable shape {var.shape}."
                )
            self.update_step(grad, var, lr, self._slots_for(var))
        self.iterations += 1
        return self.iterations

    def update_step(self, gradient, variable, learning_rate, slots):
        raise NotImplementedError

    # ------------------------------------------------------------------ config

    def get_config(self):
        """Hyperparameters by Keras' names; a schedule as ``{class_name, config}``."""
        lr = self._learning_rate
        if callable(lr):
            if hasattr(lr, "get_config"):
                lr = {"class_name": type(lr).__name__, "config": lr.get_config()}
            else:
                lr = getattr(lr, "__name__", repr(lr))
        return {
            "name": self.name,
            "learning_rate": lr,
            **{name: getattr(self, name) for name in self._config_names},
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from scratch import schedules

            config["learning_rate"] = getattr(schedules, lr["class_name"])(**lr["config"])
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"
