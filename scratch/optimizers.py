"""Optimizers with Keras 3's names, defaults and exact update rules, plus the course's variants.

Two layers:

* pure per-array step functions (``sgd_step``, ``rmsprop_step``, ``adam_step``,
  ``moving_average_momentum_step``, ``textbook_adam_step``) that update ``w`` and the slot
  arrays IN PLACE; the course API wraps these;
* small optimizer classes (``SGD``, ``RMSprop``, ``Adam``, ``MovingAverageMomentum``,
  ``TextbookAdam``) that keep the slots per variable and call the step functions, with Keras'
  ``apply_gradients(grads_and_vars)``, ``iterations``, ``build`` and ``get_config``.

Keras' rules (``keras/src/optimizers/{sgd,rmsprop,adam}.py``), ``t`` counted from 1::

    SGD       v = momentum v - lr g;  w = w + v   (nesterov: w = w + momentum v - lr g)
    RMSprop   s = rho s + (1 - rho) g^2;  w = w - lr g / sqrt(s + eps)
    Adam      m += (g - m)(1 - b1);  v += (g^2 - v)(1 - b2);
              alpha = lr sqrt(1 - b2^t) / (1 - b1^t);  w = w - (m alpha) / (sqrt(v) + eps)

The course's rules::

    moving-average momentum   v = beta v + (1 - beta) g;  w = w - lr v
    textbook Adam             m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
                              m^ = m / (1 - b1^t);  v^ = v / (1 - b2^t);
                              w = w - lr m^ / (sqrt(v^) + eps)

Every step function takes an optional keyword ``work``: a preallocated array of ``w``'s shape and
dtype used for temporaries, so that a step allocates nothing (without it, one such array is
allocated per call); ``adam_step`` takes a second one, ``work2``. ``w`` may be of any shape, 0-d
included. Scalars (``lr``, betas) are applied in the variable's dtype, as Keras casts them.
"""

from __future__ import annotations

import copy
import math
from numbers import Real

import numpy as np

from scratch.fpmode import flush_subnormals

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adam",
    "MovingAverageMomentum",
    "Optimizer",
    "RMSprop",
    "TextbookAdam",
    "adam_step",
    "get",
    "moving_average_momentum_step",
    "rmsprop_step",
    "sgd_step",
    "textbook_adam_step",
]


# ---------------------------------------------------------------------------------------------
# pure step functions
# ---------------------------------------------------------------------------------------------


def sgd_step(w, g, lr, velocity=None, momentum=0.0, nesterov=False, *, work=None):
    """One Keras SGD step, in place.

    ``momentum == 0``: ``w -= lr g``. Otherwise ``v = momentum v - lr g`` then ``w += v``,
    or with ``nesterov`` ``w += momentum v - lr g``.

    Parameters
    ----------
    w : ndarray of any shape
        Parameter, updated in place.
    g : ndarray of the shape of ``w``
        Gradient.
    lr : float
        Learning rate.
    velocity : ndarray of the shape of ``w``, optional
        Momentum slot (Keras' ``momentum`` variable), updated in place; required when
        ``momentum != 0``.
    momentum : float, default 0.0
    nesterov : bool, default False
    work : ndarray of the shape and dtype of ``w``, optional
        Scratch buffer.

    Returns
    -------
    ndarray
        ``w``.
    """
    if work is None:
        work = np.empty_like(w)
    step = np.multiply(g, lr, out=work)  # lr g
    if momentum == 0:
        w -= step
        return w
    if velocity is None:
        raise ValueError("Argument `velocity` is required when momentum != 0. Received: None")
    velocity *= momentum
    velocity -= step
    if nesterov:
        np.subtract(np.multiply(velocity, momentum), step, out=step)
        w += step
    else:
        w += velocity
    return w


def rmsprop_step(
    w,
    g,
    velocity,
    lr,
    rho=0.9,
    epsilon=1e-7,
    momentum_buf=None,
    momentum=0.0,
    centered=False,
    average_grad=None,
    *,
    work=None,
):
    """One Keras RMSprop step, in place.

    ``s = rho s + (1 - rho) g^2``; ``increment = lr g / sqrt(s + eps)`` (eps inside the root);
    centered: ``a = rho a + (1 - rho) g`` and ``increment = lr g / sqrt(s - a^2 + eps)``;
    with momentum: ``mom = momentum mom + increment; w -= mom``, else ``w -= increment``.

    Parameters
    ----------
    w : ndarray of any shape
        Parameter, updated in place.
    g : ndarray of the shape of ``w``
        Gradient.
    velocity : ndarray of the shape of ``w``
        Mean-square slot ``s``, updated in place.
    lr : float
    rho : float, default 0.9
    epsilon : float, default 1e-7
    momentum_buf : ndarray of the shape of ``w``, optional
        Momentum slot; required when ``momentum > 0``.
    momentum : float, default 0.0
    centered : bool, default False
    average_grad : ndarray of the shape of ``w``, optional
        Mean-gradient slot ``a``; required when ``centered``.
    work : ndarray of the shape and dtype of ``w``, optional
        Scratch buffer.

    Returns
    -------
    ndarray
        ``w``.
    """
    if work is None:
        work = np.empty_like(w)
    velocity *= rho
    tmp = np.square(g, out=work)
    tmp *= 1 - rho
    velocity += tmp
    if centered:
        if average_grad is None:
            raise ValueError("Argument `average_grad` is required when centered=True.")
        average_grad *= rho
        np.multiply(g, 1 - rho, out=tmp)
        average_grad += tmp
        np.square(average_grad, out=tmp)
        np.subtract(velocity, tmp, out=tmp)
        tmp += epsilon
    else:
        np.add(velocity, epsilon, out=tmp)
    np.sqrt(tmp, out=tmp)
    np.divide(g, tmp, out=tmp)
    tmp *= lr  # increment = lr g / sqrt(denominator)
    if momentum > 0:
        if momentum_buf is None:
            raise ValueError("Argument `momentum_buf` is required when momentum > 0.")
        momentum_buf *= momentum
        momentum_buf += tmp
        w -= momentum_buf
    else:
        w -= tmp
    return w


def adam_step(
    w, g, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, v_hat=None, *, work=None, work2=None
):
    """One Keras Adam step, in place (``v_hat`` given: AMSGrad).

    ``m += (g - m)(1 - b1)``; ``v += (g^2 - v)(1 - b2)``;
    ``alpha = lr sqrt(1 - b2^t) / (1 - b1^t)``; ``w -= (m alpha) / (sqrt(v) + eps)``, in that
    order, as Keras (AMSGrad: ``v_hat = max(v_hat, v)`` is used in place of ``v``).

    Parameters
    ----------
    w : ndarray of any shape
        Parameter, updated in place.
    g : ndarray of the shape of ``w``
        Gradient.
    m, v : ndarray of the shape of ``w``
        First- and second-moment slots, updated in place.
    t : int
        Step number, counted from 1.
    lr : float
    beta_1 : float, default 0.9
    beta_2 : float, default 0.999
    epsilon : float, default 1e-7
    v_hat : ndarray of the shape of ``w``, optional
        AMSGrad slot (running maximum of ``v``), updated in place.
    work, work2 : ndarray of the shape and dtype of ``w``, optional
        Scratch buffers (Keras' order needs two).

    Returns
    -------
    ndarray
        ``w``.
    """
    if t < 1:
        raise ValueError(f"Argument `t` must be >= 1 (steps count from 1). Received: t={t}")
    dt = w.dtype.type  # Keras computes the bias correction in the variable's dtype
    one = dt(1)
    alpha = dt(lr) * np.sqrt(one - dt(beta_2) ** dt(t)) / (one - dt(beta_1) ** dt(t))

    if work is None:
        work = np.empty_like(w)
    if work2 is None:
        work2 = np.empty_like(w)
    tmp = np.subtract(g, m, out=work)
    tmp *= 1 - beta_1
    m += tmp
    np.square(g, out=tmp)
    tmp -= v
    tmp *= 1 - beta_2
    v += tmp
    if v_hat is not None:
        np.maximum(v_hat, v, out=v_hat)
        v = v_hat
    denominator = np.sqrt(v, out=tmp)
    denominator += epsilon
    step = np.multiply(m, alpha, out=work2)
    step /= denominator
    w -= step
    return w


def moving_average_momentum_step(w, g, v, lr, beta, *, work=None):
    """One step of the course's momentum, in place: ``v = beta v + (1 - beta) g; w -= lr v``.

    Parameters
    ----------
    w : ndarray of any shape
        Parameter, updated in place.
    g : ndarray of the shape of ``w``
        Gradient.
    v : ndarray of the shape of ``w``
        Velocity (an exponential moving average of the gradients), updated in place.
    lr : float
    beta : float
    work : ndarray of the shape and dtype of ``w``, optional
        Scratch buffer.

    Returns
    -------
    ndarray
        ``w``.
    """
    if work is None:
        work = np.empty_like(w)
    v *= beta
    tmp = np.multiply(g, 1 - beta, out=work)
    v += tmp
    np.multiply(v, lr, out=tmp)
    w -= tmp
    return w


def textbook_adam_step(w, g, m, v, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-8, *, work=None):
    """One step of the course's Adam, in place; epsilon OUTSIDE the bias-corrected root.

    ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``; ``m^ = m / (1 - b1^t)``;
    ``v^ = v / (1 - b2^t)``; ``w -= lr m^ / (sqrt(v^) + eps)``.

    Parameters
    ----------
    w : ndarray of any shape
        Parameter, updated in place.
    g : ndarray of the shape of ``w``
        Gradient.
    m, v : ndarray of the shape of ``w``
        First- and second-moment slots, updated in place.
    t : int
        Step number, counted from 1.
    lr : float
    beta_1 : float, default 0.9
    beta_2 : float, default 0.999
    epsilon : float, default 1e-8
    work : ndarray of the shape and dtype of ``w``, optional
        Scratch buffer.

    Returns
    -------
    m_corrected, v_corrected : ndarray of the shape of ``w``
        The bias-corrected moments ``m^`` and ``v^`` (new arrays).
    """
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


# ---------------------------------------------------------------------------------------------
# argument checks (Keras wording)
# ---------------------------------------------------------------------------------------------


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


def _check_in_range(value, name, upper_closed=True):
    """``value`` must be a number in [0, 1] (or [0, 1) when not ``upper_closed``)."""
    ok = _is_number(value) and 0 <= value and (value <= 1 if upper_closed else value < 1)
    if not ok:
        interval = "[0, 1]" if upper_closed else "[0, 1)"
        raise ValueError(
            f"Argument `{name}` must be a float in {interval}. Received: {name}={value}"
        )
    return float(value)


def _check_epsilon(epsilon):
    if not (_is_number(epsilon) and epsilon >= 0):
        raise ValueError(f"Argument `epsilon` must be >= 0. Received: epsilon={epsilon}")
    return float(epsilon)


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"Argument `{name}` must be a bool. Received: {name}={value!r}")
    return bool(value)


# ---------------------------------------------------------------------------------------------
# optimizer classes
# ---------------------------------------------------------------------------------------------


class Optimizer:
    """Base class: learning rate (float or schedule), iteration count and per-variable slots.

    Parameters
    ----------
    learning_rate : float or callable
        A float > 0, or a schedule: a callable of the 0-based iteration count returning the
        learning rate (e.g. :class:`scratch.schedules.InverseTimeDecay`), as in Keras.
    name : str, optional
        Defaults to the lower-case class name.

    Attributes
    ----------
    iterations : int
        Number of ``apply_gradients`` calls so far (starts at 0).

    Notes
    -----
    Slots (momenta etc.) are zeros arrays created the first time a variable is seen, keyed by
    the variable's identity (``id(var)``; the optimizer keeps a reference so the id stays
    unique). A subclass lists its slot names in ``_slot_names()`` and implements
    ``update_step(gradient, variable, learning_rate, slots)``; ``slots`` also holds the scratch
    buffers named in ``_work_names`` (not slots of the algorithm).
    """

    _work_names = ("work",)

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
        """Like Keras: the current learning-rate value (settable to a new float or schedule)."""
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
            for name in self._work_names:  # scratch buffers for the step's temporaries
                slots[name] = np.empty_like(var)
            entry = self._slots[id(var)] = (var, slots)
        return entry[1]

    def __deepcopy__(self, memo):
        """Deep copy whose slots are re-keyed to the copied variables.

        Copy the model and the optimizer together (``copy.deepcopy((model, optimizer))``) so
        that the copied optimizer keeps its state for the copied model's parameters.
        """
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
        """Create the slots of every variable in ``var_list`` now (otherwise on first use)."""
        for var in var_list:
            self._slots_for(var)

    def get_slot(self, var, name):
        """The slot array ``name`` (e.g. ``"momentum"``, ``"velocity"``) of variable ``var``."""
        return self._slots_for(var)[name]

    def flush_subnormal_slots(self):
        """Set the subnormal values of every slot to zero, in place.

        The ``"explicit"`` means of :mod:`scratch.fpmode`, for platforms where the CPU cannot
        flush them: called after each step, it keeps decaying slots (Adam's ``m`` shrinks by
        ``beta_1`` per step where the gradient is 0) from lingering in the subnormal range.
        """
        for _, slots in self._slots.values():
            for name in self._slot_names():
                flush_subnormals(slots[name], work=slots["work"])

    # ------------------------------------------------------------------ update

    def apply_gradients(self, grads_and_vars):
        """Apply one step to each variable, in place, then increment ``iterations``.

        Parameters
        ----------
        grads_and_vars : iterable of (gradient, variable)
            ``variable`` is a float ndarray (float32 or float64) updated in place; ``gradient``
            an array-like of the same shape (cast to the variable's dtype). Pairs whose
            gradient is None are skipped.

        Returns
        -------
        int
            The new ``iterations``.
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
        """Update ``variable`` in place from ``gradient`` (implemented by subclasses)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ config

    def get_config(self):
        """Hyperparameters by Keras' names; a schedule is given as ``{class_name, config}``."""
        lr = self._learning_rate
        if callable(lr):
            if hasattr(lr, "get_config"):
                lr = {"class_name": type(lr).__name__, "config": lr.get_config()}
            else:
                lr = getattr(lr, "__name__", repr(lr))
        return {"name": self.name, "learning_rate": lr}

    @classmethod
    def from_config(cls, config):
        """Rebuild an optimizer from ``get_config()`` output (schedules included)."""
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from scratch import schedules

            config["learning_rate"] = getattr(schedules, lr["class_name"])(**lr["config"])
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, as Keras.

    ``v = momentum v - lr g``; ``w = w + v`` (nesterov: ``w = w + momentum v - lr g``);
    with ``momentum=0``: ``w = w - lr g``.

    Parameters
    ----------
    learning_rate : float or callable, default 0.01
    momentum : float in [0, 1], default 0.0
    nesterov : bool, default False
    name : str, optional
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None):
        super().__init__(learning_rate, name)
        self.momentum = _check_in_range(momentum, "momentum")
        self.nesterov = _check_bool(nesterov, "nesterov")

    def _slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def update_step(self, gradient, variable, learning_rate, slots):
        sgd_step(
            variable,
            gradient,
            learning_rate,
            slots.get("momentum"),
            self.momentum,
            self.nesterov,
            work=slots["work"],
        )

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """RMSprop, as Keras: ``s = rho s + (1 - rho) g^2``; ``w = w - lr g / sqrt(s + eps)``.

    Centered: ``a = rho a + (1 - rho) g`` and the root is ``sqrt(s - a^2 + eps)``. With
    momentum: ``mom = momentum mom + lr g / sqrt(...)``; ``w = w - mom``.

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    rho : float in [0, 1], default 0.9
    momentum : float in [0, 1], default 0.0
    epsilon : float >= 0, default 1e-7
    centered : bool, default False
    name : str, optional
    """

    def __init__(
        self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, name=None
    ):
        super().__init__(learning_rate, name)
        self.rho = _check_in_range(rho, "rho")
        self.momentum = _check_in_range(momentum, "momentum")
        self.epsilon = _check_epsilon(epsilon)
        self.centered = _check_bool(centered, "centered")

    def _slot_names(self):
        names = ["velocity"]
        if self.momentum > 0:
            names.append("momentum")
        if self.centered:
            names.append("average_gradient")
        return tuple(names)

    def update_step(self, gradient, variable, learning_rate, slots):
        rmsprop_step(
            variable,
            gradient,
            slots["velocity"],
            learning_rate,
            self.rho,
            self.epsilon,
            slots.get("momentum"),
            self.momentum,
            self.centered,
            slots.get("average_gradient"),
            work=slots["work"],
        )

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adam(Optimizer):
    """Adam, as Keras (epsilon added to ``sqrt(v)``, bias correction folded into ``alpha``).

    ``m += (g - m)(1 - b1)``; ``v += (g^2 - v)(1 - b2)``;
    ``alpha = lr sqrt(1 - b2^t) / (1 - b1^t)``; ``w = w - (m alpha) / (sqrt(v) + eps)``,
    with ``t = iterations + 1``. AMSGrad uses ``v_hat = max(v_hat, v)`` in place of ``v``.

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    beta_1 : float in [0, 1), default 0.9
    beta_2 : float in [0, 1), default 0.999
    epsilon : float >= 0, default 1e-7
    amsgrad : bool, default False
    name : str, optional
    """

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
        self.beta_1 = _check_in_range(beta_1, "beta_1", upper_closed=False)
        self.beta_2 = _check_in_range(beta_2, "beta_2", upper_closed=False)
        self.epsilon = _check_epsilon(epsilon)
        self.amsgrad = _check_bool(amsgrad, "amsgrad")

    _work_names = ("work", "work2")

    def _slot_names(self):
        return (
            ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")
        )

    def update_step(self, gradient, variable, learning_rate, slots):
        adam_step(
            variable,
            gradient,
            slots["momentum"],
            slots["velocity"],
            self.iterations + 1,
            learning_rate,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            slots.get("velocity_hat"),
            work=slots["work"],
            work2=slots["work2"],
        )

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


class MovingAverageMomentum(Optimizer):
    """The course's momentum: ``v = beta v + (1 - beta) g``; ``w = w - lr v``.

    Parameters
    ----------
    learning_rate : float or callable, default 0.01
    beta : float in [0, 1], default 0.9
    name : str, optional
    """

    def __init__(self, learning_rate=0.01, beta=0.9, name=None):
        super().__init__(learning_rate, name)
        self.beta = _check_in_range(beta, "beta")

    def _slot_names(self):
        return ("velocity",)

    def update_step(self, gradient, variable, learning_rate, slots):
        moving_average_momentum_step(
            variable, gradient, slots["velocity"], learning_rate, self.beta, work=slots["work"]
        )

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


class TextbookAdam(Optimizer):
    """The course's Adam: bias-corrected moments, epsilon (1e-8) outside the root.

    ``m = b1 m + (1 - b1) g``; ``v = b2 v + (1 - b2) g^2``; ``m^ = m / (1 - b1^t)``;
    ``v^ = v / (1 - b2^t)``; ``w = w - lr m^ / (sqrt(v^) + eps)``, ``t = iterations + 1``.

    Parameters
    ----------
    learning_rate : float or callable, default 0.001
    beta_1 : float in [0, 1), default 0.9
    beta_2 : float in [0, 1), default 0.999
    epsilon : float >= 0, default 1e-8
    name : str, optional
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, name=None):
        super().__init__(learning_rate, name)
        self.beta_1 = _check_in_range(beta_1, "beta_1", upper_closed=False)
        self.beta_2 = _check_in_range(beta_2, "beta_2", upper_closed=False)
        self.epsilon = _check_epsilon(epsilon)

    def _slot_names(self):
        return ("momentum", "velocity")

    def update_step(self, gradient, variable, learning_rate, slots):
        textbook_adam_step(
            variable,
            gradient,
            slots["momentum"],
            slots["velocity"],
            self.iterations + 1,
            learning_rate,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            work=slots["work"],
        )

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }


OPTIMIZERS = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adam": Adam,
    "moving_average_momentum": MovingAverageMomentum,
    "textbook_adam": TextbookAdam,
}


def get(name, **kwargs):
    """Build an optimizer by name: one of ``OPTIMIZERS``, or ``"momentum"``.

    ``"momentum"`` (the kvsbench optimizer name) is Keras' ``SGD`` with ``momentum=0.9``
    unless ``momentum`` is passed. An :class:`Optimizer` instance is returned as is.

    Parameters
    ----------
    name : str
        Case-insensitive.
    **kwargs
        Constructor arguments (``learning_rate``, ``beta_1`` ...).

    Returns
    -------
    Optimizer
    """
    if isinstance(name, Optimizer):
        return name
    key = name.lower() if isinstance(name, str) else name
    if key == "momentum":
        return SGD(**{"momentum": 0.9, **kwargs})
    if key not in OPTIMIZERS:
        raise ValueError(
            f"Argument `optimizer` must be one of {sorted([*OPTIMIZERS, 'momentum'])}. "
            f"Received: optimizer={name!r}"
        )
    return OPTIMIZERS[key](**kwargs)
