"""The course's training loop of the moons net (its ``model(X, Y, layers_dims, optimizer)``).

Each epoch takes the mini-batches of 64 of :func:`~scratch.course.optim.random_mini_batches`
with seed ``first_seed + epoch`` (the course incremented ``seed = 10`` before each epoch), and
per batch the forward pass, the summed cost, the backward pass and one update. An epoch's cost
is its summed cross-entropy over all batches / m. A decay sets the rate of epoch i + 1 to
``decay(lr0, i, decay_rate)`` after epoch i, from the initial rate, as the course did.
"""

from __future__ import annotations

import numpy as np

from scratch.course.moons_net import backward_propagation, compute_cost, forward_propagation
from scratch.course.optim import (
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    param_grad_keys,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)
from scratch.optimizers import moving_average_momentum_step, sgd_step, textbook_adam_step

__all__ = ["OPTIMIZERS", "DECAYS", "train"]

OPTIMIZERS = ("gd", "momentum", "adam")
DECAYS = {"update_lr": update_lr, "schedule_lr_decay": schedule_lr_decay}


def train(
    X: np.ndarray,
    Y: np.ndarray,
    layer_dims,
    optimizer: str,
    learning_rate: float,
    num_epochs: int,
    *,
    mini_batch_size: int = 64,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    decay: str | None = None,
    decay_rate: float = 1.0,
    time_interval: int = 1000,
    first_seed: int = 11,
    lean: bool = True,
) -> tuple[dict, list, list]:
    """Train the net of ``layer_dims`` (He weights under seed 3) on ``X`` (n_x, m), ``Y`` (1, m).

    ``optimizer`` is one of ``OPTIMIZERS`` (textbook momentum and Adam), ``decay`` None or a
    name of ``DECAYS`` (``time_interval`` goes to ``schedule_lr_decay``). ``lean`` updates the
    arrays in place with the core's step functions, the very ones the course API's
    ``update_parameters_with_*`` apply after copying every array: the same numbers (a test
    checks it) without ~150,000 copies per course run. Returns ``(parameters, costs,
    learning_rates)``, the last two one per epoch.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"Argument `optimizer` must be one of {OPTIMIZERS}. Received: optimizer={optimizer!r}"
        )
    if decay is not None and decay not in DECAYS:
        raise ValueError(f"Argument `decay` must be None or one of {tuple(DECAYS)}. "
                         f"Received: decay={decay!r}")
    hyper = {"beta": beta, "beta1": beta1, "beta2": beta2, "epsilon": epsilon}
    state = {"parameters": initialize_parameters(list(layer_dims)), "t": 0}
    if lean:
        step = _lean_step(optimizer, hyper, list(param_grad_keys(state["parameters"])))
    else:
        step = _course_api_step(optimizer, hyper)
    if optimizer == "momentum":
        state["v"] = initialize_velocity(state["parameters"])
    elif optimizer == "adam":
        state["v"], state["s"] = initialize_adam(state["parameters"])
    m = X.shape[1]
    rate = learning_rate
    costs, rates = [], []
    for i in range(num_epochs):
        cost_total = 0.0
        for batch_X, batch_Y in random_mini_batches(X, Y, mini_batch_size, first_seed + i):
            a3, caches = forward_propagation(batch_X, state["parameters"])
            cost_total += compute_cost(a3, batch_Y)
            grads = backward_propagation(batch_X, batch_Y, caches)
            step(state, grads, rate)
        costs.append(cost_total / m)
        rates.append(rate)
        if decay == "schedule_lr_decay":
            rate = schedule_lr_decay(learning_rate, i, decay_rate, time_interval)
        elif decay is not None:
            rate = DECAYS[decay](learning_rate, i, decay_rate)
    return state["parameters"], costs, rates


def _course_api_step(optimizer: str, hyper: dict):
    """One update through the course API (new dicts every step)."""

    def step(state, grads, lr):
        if optimizer == "gd":
            state["parameters"] = update_parameters_with_gd(state["parameters"], grads, lr)
        elif optimizer == "momentum":
            state["parameters"], state["v"] = update_parameters_with_momentum(
                state["parameters"], grads, state["v"], hyper["beta"], lr
            )
        else:
            state["t"] += 1
            state["parameters"], state["v"], state["s"], _, _ = update_parameters_with_adam(
                state["parameters"], grads, state["v"], state["s"], state["t"], lr,
                hyper["beta1"], hyper["beta2"], hyper["epsilon"],
            )

    return step


def _lean_step(optimizer: str, hyper: dict, keys: list):
    """The same update, in place, with the core step functions the course API wraps."""

    def step(state, grads, lr):
        p = state["parameters"]
        if optimizer == "gd":
            for key, gkey in keys:
                sgd_step(p[key], grads[gkey], lr)
        elif optimizer == "momentum":
            v = state["v"]
            for key, gkey in keys:
                moving_average_momentum_step(p[key], grads[gkey], v[gkey], lr, hyper["beta"])
        else:
            state["t"] += 1
            v, s, t = state["v"], state["s"], state["t"]
            for key, gkey in keys:
                textbook_adam_step(p[key], grads[gkey], v[gkey], s[gkey], t, lr,
                                   hyper["beta1"], hyper["beta2"], hyper["epsilon"])

    return step
