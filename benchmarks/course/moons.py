"""``moons``: the course's optimizer comparison, reproduced, then the same data through the twins.

Part 1 — the course, exactly. ``np.random.seed(3)``; ``make_moons(n_samples=900, noise=0.2)``;
a [2, 5, 2, 1] net (relu, relu, sigmoid) with He weights drawn under ``np.random.seed(3)``
(``scratch.initialize_parameters``); each epoch the mini-batches of 64 from
``scratch.random_mini_batches`` with seeds 11, 12, ...; per batch the course's forward and
backward pass and update (``update_parameters_with_gd`` / ``_momentum`` / ``_adam``, the
textbook rules); cost of an epoch = summed cross-entropy over its batches / m. A decay sets the
rate of epoch i + 1 to ``decay(lr0, i, rate)`` after epoch i, from the initial rate, as the
course's ``model`` did. Every formula is the ``scratch`` course API's; this file only loops.

Part 2 — the twins. The same data (as rows, float32) through the harness' own ``scratch`` and
``keras`` twins (:mod:`benchmarks.twins`), built from one ``ExperimentConfig`` of the [5, 2]
relu net (two hidden layers): the course's initial weights (W transposed into Keras' (in, out)
kernels), the course's batch order (the permutations of ``random_mini_batches``, seeds 11, 12,
...), Keras' exact SGD, momentum (``v = βv − lr·g``) and Adam (ε = 1e-7) on both sides, Keras
through its real ``fit``, one call per epoch.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.atomic import write_csv
from benchmarks.course.common import new_figure, save_png, scaled, write_summary

NAME = "moons"
N_SAMPLES = 900
NOISE = 0.2
DATA_SEED = 3
LAYER_DIMS = (2, 5, 2, 1)
MINI_BATCH_SIZE = 64
FIRST_BATCH_SEED = 11  # the course's ``seed = 10`` incremented before each epoch
#: the course's printed cost after epoch 0 of run 1 (``print("Cost after epoch %i: %f")``)
COURSE_EPOCH0_COST = 0.708957
#: a run reproduces the course when its training accuracy is within this of the course's
ACCURACY_TOLERANCE = 0.005


@dataclass(frozen=True)
class CourseRun:
    """One of the course's seven training runs and the training accuracy it printed."""

    run: int
    optimizer: str  # "gd", "momentum" or "adam"
    learning_rate: float
    epochs: int
    decay: str | None  # None, "update_lr" or "schedule_lr_decay"
    course_accuracy: float
    decay_rate: float = 1.0
    time_interval: int = 1000
    beta: float = 0.9  # momentum
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8

    @property
    def label(self) -> str:
        decay = f", {self.decay}" if self.decay else ""
        return f"{self.run}: {self.optimizer} lr={self.learning_rate:g}{decay}"


#: the course's runs (issue 8, table in section 2)
COURSE_RUNS = (
    CourseRun(1, "gd", 0.0001, 10000, None, 0.6967),
    CourseRun(2, "momentum", 0.001, 10000, None, 0.8711),
    CourseRun(3, "adam", 0.0001, 10000, None, 0.9689),
    CourseRun(4, "gd", 0.5, 5000, "update_lr", 0.8733),
    CourseRun(5, "gd", 0.01, 10000, "schedule_lr_decay", 0.9667),
    CourseRun(6, "momentum", 0.01, 5000, "schedule_lr_decay", 0.9667),
    CourseRun(7, "adam", 0.001, 5000, "schedule_lr_decay", 0.9678),
)


@dataclass(frozen=True)
class TwinSetup:
    """One optimizer of the twin comparison: the kvsbench name, Keras' class and arguments."""

    optimizer: str
    class_name: str
    kwargs: tuple  # ((name, value), ...) besides learning_rate
    learning_rate: float


#: Keras' exact optimizers on both twins. The rates are chosen so that each optimizer makes
#: visible progress within the twin budget (the course's own rates, e.g. gd at 1e-4, barely
#: move the loss in a few hundred epochs, which would make the parity check trivial).
TWIN_SETUPS = (
    TwinSetup("sgd", "SGD", (), 0.1),
    TwinSetup("momentum", "SGD", (("momentum", 0.9),), 0.01),
    TwinSetup("adam", "Adam", (), 0.01),
)
TWIN_EPOCHS = 300


# ------------------------------------------------------------------------------- data


def load_moons() -> tuple[np.ndarray, np.ndarray]:
    """The course's data: ``np.random.seed(3)``, then ``make_moons(n_samples=900, noise=0.2)``.

    Returns
    -------
    X : ndarray of shape (2, 900), float64 — examples as COLUMNS, as the course
    Y : ndarray of shape (1, 900), float64
    """
    from sklearn.datasets import make_moons

    np.random.seed(DATA_SEED)
    X, y = make_moons(n_samples=N_SAMPLES, noise=NOISE)  # draws from NumPy's global state
    return X.T, y.reshape(1, -1).astype(np.float64)


def epoch_order(m: int, epoch: int) -> np.ndarray:
    """The example order of ``epoch`` (0-based): the course's ``random_mini_batches`` with seed
    ``11 + epoch``, batches concatenated — the permutation it drew."""
    from scratch import random_mini_batches

    index = np.arange(m, dtype=np.float64).reshape(1, m)
    batches = random_mini_batches(index, index, MINI_BATCH_SIZE, FIRST_BATCH_SEED + epoch)
    return np.concatenate([bx[0] for bx, _ in batches]).astype(np.int64)


# ------------------------------------------------------------------------------- the course


@dataclass
class CourseResult:
    """What one course run produced."""

    run: CourseRun
    epochs: int
    costs: list  # cost of each epoch (summed cross-entropy / m)
    learning_rates: list  # the rate each epoch trained with
    parameters: dict
    train_accuracy: float
    seconds: float


def _decay_function(name: str | None):
    """The course API's decay function named ``name`` (None: no decay)."""
    if name is None:
        return None
    import scratch

    return getattr(scratch, name)


def train_course_run(
    X: np.ndarray, Y: np.ndarray, run: CourseRun, epochs: int, lean: bool = True
) -> CourseResult:
    """The course's ``model(X, Y, layers_dims, optimizer, ...)`` loop for ``epochs`` epochs.

    Parameters
    ----------
    X : ndarray of shape (2, m); Y : ndarray of shape (1, m)
    run : CourseRun
    epochs : int
        The course's ``num_epochs`` (``run.epochs``) or fewer on a reduced budget.
    lean : bool, default True
        Update the parameter arrays in place with the core's step functions
        (``sgd_step``, ``moving_average_momentum_step``, ``textbook_adam_step``) — the very
        functions the course API's ``update_parameters_with_*`` wrap after copying every array.
        ``lean=False`` calls the course API's update functions; both give identical numbers
        (a test checks it), the lean loop saves the copies of ~150,000 tiny steps per run.
    """
    from scratch import (
        backward_propagation,
        compute_cost,
        forward_propagation,
        initialize_adam,
        initialize_parameters,
        initialize_velocity,
        predict_dec,
        random_mini_batches,
    )

    decay = _decay_function(run.decay)
    step = _lean_step(run) if lean else _course_api_step(run)
    m = X.shape[1]
    state = {"parameters": initialize_parameters(list(LAYER_DIMS)), "t": 0}
    if run.optimizer == "momentum":
        state["v"] = initialize_velocity(state["parameters"])
    elif run.optimizer == "adam":
        state["v"], state["s"] = initialize_adam(state["parameters"])
    learning_rate = run.learning_rate
    costs, rates = [], []
    start = time.perf_counter()
    for i in range(epochs):
        cost_total = 0.0
        for batch_X, batch_Y in random_mini_batches(X, Y, MINI_BATCH_SIZE, FIRST_BATCH_SEED + i):
            a3, caches = forward_propagation(batch_X, state["parameters"])
            cost_total += compute_cost(a3, batch_Y)
            grads = backward_propagation(batch_X, batch_Y, caches)
            step(state, grads, learning_rate)
        costs.append(cost_total / m)
        rates.append(learning_rate)
        if decay is not None:  # after epoch i, from the initial rate (the course's ``model``)
            learning_rate = (
                decay(run.learning_rate, i, run.decay_rate, run.time_interval)
                if run.decay == "schedule_lr_decay"
                else decay(run.learning_rate, i, run.decay_rate)
            )
    seconds = time.perf_counter() - start
    parameters = state["parameters"]
    accuracy = float(np.mean(predict_dec(parameters, X) == (Y > 0.5)))
    return CourseResult(run, epochs, costs, rates, parameters, accuracy, seconds)


def _course_api_step(run: CourseRun):
    """One update through the course API (new dicts every step)."""
    from scratch import (
        update_parameters_with_adam,
        update_parameters_with_gd,
        update_parameters_with_momentum,
    )

    def step(state, grads, lr):
        if run.optimizer == "gd":
            state["parameters"] = update_parameters_with_gd(state["parameters"], grads, lr)
        elif run.optimizer == "momentum":
            state["parameters"], state["v"] = update_parameters_with_momentum(
                state["parameters"], grads, state["v"], run.beta, lr
            )
        else:
            state["t"] += 1
            state["parameters"], state["v"], state["s"], _, _ = update_parameters_with_adam(
                state["parameters"], grads, state["v"], state["s"], state["t"], lr,
                run.beta1, run.beta2, run.epsilon,
            )

    return step


def _lean_step(run: CourseRun):
    """The same update, in place, with the core step functions the course API wraps."""
    from scratch.optimizers import moving_average_momentum_step, sgd_step, textbook_adam_step

    keys = [(f"{kind}{l}", f"d{kind}{l}") for l in range(1, len(LAYER_DIMS)) for kind in "Wb"]

    def step(state, grads, lr):
        p = state["parameters"]
        if run.optimizer == "gd":
            for key, gkey in keys:
                sgd_step(p[key], grads[gkey], lr)
        elif run.optimizer == "momentum":
            v = state["v"]
            for key, gkey in keys:
                moving_average_momentum_step(p[key], grads[gkey], v[gkey], lr, run.beta)
        else:
            state["t"] += 1
            v, s, t = state["v"], state["s"], state["t"]
            for key, gkey in keys:
                textbook_adam_step(p[key], grads[gkey], v[gkey], s[gkey], t, lr,
                                   run.beta1, run.beta2, run.epsilon)

    return step


def train_course_runs(X, Y, runs, budget: float, workers: int = 1, log=print) -> list:
    """Every course run in ``runs`` (``scaled(run.epochs, budget)`` epochs each), in order.

    With ``workers`` > 1 the runs go to that many worker processes (spawned, NumPy only); each
    run's ``seconds`` is still its own loop's wall time, measured in its worker.
    """
    jobs = [(run, scaled(run.epochs, budget)) for run in runs]
    if workers <= 1 or len(jobs) <= 1:
        results = []
        for run, epochs in jobs:
            results.append(train_course_run(X, Y, run, epochs))
            _log_run(results[-1], log)
        return results
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # longest runs first, so the two workers finish together
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i][1])
    results = [None] * len(jobs)
    context = multiprocessing.get_context("spawn")  # never fork a process that holds TensorFlow
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {i: pool.submit(train_course_run, X, Y, *jobs[i]) for i in order}
        for i in range(len(jobs)):
            results[i] = futures[i].result()
            _log_run(results[i], log)
    return results


def _log_run(res: CourseResult, log) -> None:
    log(f"moons run {res.run.run}: {res.epochs} epochs, train accuracy "
        f"{res.train_accuracy:.4f} (course {res.run.course_accuracy}), {res.seconds:.1f} s")


# ------------------------------------------------------------------------------- the twins


def keras_weights(parameters: dict) -> list[np.ndarray]:
    """The course's ``{"W1": (n_1, n_0), "b1": (n_1, 1), ...}`` as Keras' layer-order list
    ``[kernel (n_0, n_1), bias (n_1,), ...]`` in float32."""
    weights = []
    for l in range(1, len(parameters) // 2 + 1):
        weights.append(np.ascontiguousarray(parameters[f"W{l}"].T, dtype=np.float32))
        weights.append(parameters[f"b{l}"].reshape(-1).astype(np.float32))
    return weights


@dataclass
class TwinResult:
    """Both twins' per-epoch curves for one optimizer."""

    setup: TwinSetup
    scratch_loss: list
    scratch_acc: list
    keras_loss: list
    keras_acc: list
    scratch_seconds: float
    keras_seconds: float
    max_loss_diff: float
    max_weight_rel_diff: float


def twin_config(setup: TwinSetup, epochs: int):
    """The moons twins' experiment as the harness' one config: the [5, 2] relu net (two hidden
    layers), batches of 64, Keras' rule of ``setup`` at its rate."""
    from benchmarks.config import ExperimentConfig

    return ExperimentConfig(
        model="mlp", pair="moons", optimizer=setup.optimizer, learning_rate=setup.learning_rate,
        batch_size=MINI_BATCH_SIZE, epochs=epochs, hidden_units=tuple(LAYER_DIMS[1:-1]),
        activation="relu", momentum=dict(setup.kwargs).get("momentum", 0.9),
    )


def _train_twin(impl: str, config, weights, X, y, orders):
    """One twin through the harness' twin interface (:mod:`benchmarks.twins`), in this process,
    epoch by epoch on the course's batch orders → (losses, accuracies, seconds, weights)."""
    from benchmarks.harness.registry import TWINS

    twin = TWINS[impl].load()(config, weights, len(X))
    losses, accs, seconds = [], [], 0.0
    for epoch, order in enumerate(orders):
        ep = twin.train_epoch(X[order], y[order], epoch)  # the order, outside the timed region
        losses.append(ep.loss)
        accs.append(ep.accuracy)
        seconds += ep.seconds
    return losses, accs, seconds, twin.get_weights()


def train_twins(X: np.ndarray, Y: np.ndarray, setup: TwinSetup, epochs: int) -> TwinResult:
    """Train both twins of ``setup`` for ``epochs`` epochs from the course's initial weights and
    batches (X as rows, float32)."""
    from scratch import initialize_parameters

    weights = keras_weights(initialize_parameters(list(LAYER_DIMS)))
    X_rows = np.ascontiguousarray(X.T, dtype=np.float32)
    y_rows = Y.reshape(-1).astype(np.float32)
    orders = [epoch_order(X.shape[1], e) for e in range(epochs)]
    config = twin_config(setup, epochs)
    s_loss, s_acc, s_sec, s_w = _train_twin("scratch", config, weights, X_rows, y_rows, orders)
    k_loss, k_acc, k_sec, k_w = _train_twin("keras", config, weights, X_rows, y_rows, orders)
    diff = float(np.max(np.abs(np.asarray(s_loss) - np.asarray(k_loss))))
    weight_diff = max(
        float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12))
        for a, b in zip(s_w, k_w, strict=True)
    )
    return TwinResult(setup, s_loss, s_acc, k_loss, k_acc, s_sec, k_sec, diff, weight_diff)


# ------------------------------------------------------------------------------- plots


def _grid(X: np.ndarray, step: float = 0.01):
    x_min, x_max = X[0].min() - 0.5, X[0].max() + 0.5
    y_min, y_max = X[1].min() - 0.5, X[1].max() + 0.5
    xx, yy = np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))
    return xx, yy


def plot_data(X, Y, path: Path) -> str:
    fig = new_figure(5.5, 4)
    ax = fig.add_subplot()
    for label, color in ((0, "tab:red"), (1, "tab:blue")):
        mask = Y[0] == label
        ax.scatter(X[0, mask], X[1, mask], s=10, c=color, label=f"class {label}")
    ax.set(title=f"Moons: make_moons(n_samples={N_SAMPLES}, noise={NOISE})\n"
                 f"under np.random.seed({DATA_SEED})",
           xlabel="x₁ (arbitrary units)", ylabel="x₂ (arbitrary units)")
    ax.legend(loc="upper right")
    return save_png(fig, path)


def plot_costs(results: list[CourseResult], path: Path) -> str:
    fig = new_figure(8, 5)
    ax = fig.add_subplot()
    for res in results:
        ax.plot(np.arange(res.epochs), res.costs, lw=1.2, label=res.run.label)
    ax.set_yscale("log")
    ax.set(title="Moons: cost per epoch of the course's seven runs", xlabel="epoch",
           ylabel="cost (cross-entropy / example, nats; log scale)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return save_png(fig, path)


def plot_boundaries(X, Y, results: list[CourseResult], path: Path) -> str:
    from scratch import predict_dec

    xx, yy = _grid(X)
    grid = np.c_[xx.ravel(), yy.ravel()].T
    cols = 4
    rows = math.ceil(len(results) / cols)
    fig = new_figure(4 * cols, 3.2 * rows)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, res in zip(axes, results, strict=False):
        Z = predict_dec(res.parameters, grid).reshape(xx.shape)
        ax.contourf(xx, yy, Z, levels=[-0.5, 0.5, 1.5], colors=["#f4b6b6", "#b6c8f4"], alpha=0.8)
        ax.scatter(X[0], X[1], c=np.where(Y[0] > 0.5, "tab:blue", "tab:red"), s=4)
        ax.set_title(
            f"run {res.run.label}\ntrain acc {res.train_accuracy:.4f} "
            f"(course {res.run.course_accuracy:.4f})",
            fontsize=9,
        )
        ax.set_xlabel("x₁ (a.u.)")
        ax.set_ylabel("x₂ (a.u.)")
    for ax in axes[len(results):]:
        ax.set_axis_off()
    if len(results) < len(axes):
        from matplotlib.patches import Patch

        axes[-1].legend(
            handles=[Patch(color="#f4b6b6", label="predicted 0"),
                     Patch(color="#b6c8f4", label="predicted 1"),
                     Patch(color="tab:red", label="class 0 point"),
                     Patch(color="tab:blue", label="class 1 point")],
            loc="center",
        )
    fig.suptitle("Moons: decision boundaries after training, one panel per course run")
    return save_png(fig, path)


def plot_twins(twins: list[TwinResult], path: Path) -> str:
    fig = new_figure(5 * len(twins), 4.2)
    axes = fig.subplots(1, len(twins), squeeze=False)[0]
    for ax, tw in zip(axes, twins, strict=True):
        epochs = np.arange(len(tw.scratch_loss))
        ax.plot(epochs, tw.scratch_loss, lw=2.5, alpha=0.6, label="scratch")
        ax.plot(epochs, tw.keras_loss, lw=1, ls="--", color="black", label="keras")
        ax.set(title=f"{tw.setup.optimizer}, lr={tw.setup.learning_rate:g}: "
                     f"max |Δloss| = {tw.max_loss_diff:.1e}",
               xlabel="epoch", ylabel="train loss (cross-entropy, nats)")
        diff = np.abs(np.asarray(tw.scratch_loss) - np.asarray(tw.keras_loss))
        ax2 = ax.twinx()
        ax2.semilogy(epochs, np.maximum(diff, 1e-12), color="tab:red", lw=0.8,
                     label="|scratch − keras|")
        ax2.set_ylabel("|Δloss| (nats, log scale)", color="tab:red")
        lines = ax.get_legend_handles_labels()
        lines2 = ax2.get_legend_handles_labels()
        ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper right", fontsize=8)
    fig.suptitle("Moons through the twins: [5, 2] relu MLP, same weights and batches, float32")
    return save_png(fig, path)


# ------------------------------------------------------------------------------- the experiment


def run(out_dir: Path, budget: float = 1.0, twin_epochs: int | None = None,
        runs=COURSE_RUNS, workers: int | None = None, log=print) -> dict:
    """Run the seven course runs and the twins; write CSVs, plots and ``moons.json``.

    Parameters
    ----------
    out_dir : Path
    budget : float in (0, 1]
        Fraction of each run's epochs (and of the twins' ``TWIN_EPOCHS``) to train.
    twin_epochs : int, optional
        Overrides the twins' epochs.
    runs : sequence of CourseRun
        Which course runs (all seven by default).
    workers : int, optional
        Processes for the course runs; default ``min(2, os.cpu_count())``.
    log : callable
        Progress lines.
    """
    out_dir = Path(out_dir)
    start = time.perf_counter()
    if workers is None:
        workers = min(2, os.cpu_count() or 1)
    X, Y = load_moons()
    course_start = time.perf_counter()
    results = train_course_runs(X, Y, runs, budget, workers, log)
    course_seconds = time.perf_counter() - course_start
    twin_epochs = twin_epochs or scaled(TWIN_EPOCHS, budget, minimum=2)
    twins_start = time.perf_counter()
    twins = []
    for setup in TWIN_SETUPS:
        tw = train_twins(X, Y, setup, twin_epochs)
        twins.append(tw)
        log(f"moons twins {setup.optimizer}: max |Δloss| {tw.max_loss_diff:.2e}, "
            f"scratch {tw.scratch_seconds:.1f} s, keras {tw.keras_seconds:.1f} s")

    twins_seconds = time.perf_counter() - twins_start
    runs_rows = []
    for res in results:
        r = res.run
        full = res.epochs == r.epochs
        runs_rows.append({
            "run": r.run, "optimizer": r.optimizer, "lr": r.learning_rate, "epochs": res.epochs,
            "course_epochs": r.epochs, "decay": r.decay or "", "decay_rate": r.decay_rate,
            "epoch0_cost": res.costs[0], "final_cost": res.costs[-1],
            "final_lr": res.learning_rates[-1],
            "train_accuracy": res.train_accuracy,
            "train_correct": int(round(res.train_accuracy * N_SAMPLES)),
            "course_accuracy": r.course_accuracy,
            "difference": res.train_accuracy - r.course_accuracy,
            "reproduced": bool(full and abs(res.train_accuracy - r.course_accuracy)
                               <= ACCURACY_TOLERANCE),
            "seconds": res.seconds,
        })
    write_csv(out_dir / "moons_runs.csv", pd.DataFrame(runs_rows))
    write_csv(out_dir / "moons_costs.csv", pd.DataFrame([
        {"run": res.run.run, "epoch": e, "cost": c, "learning_rate": lr}
        for res in results
        for e, (c, lr) in enumerate(zip(res.costs, res.learning_rates, strict=True))
    ]))
    write_csv(out_dir / "moons_twins.csv", pd.DataFrame([
        {"optimizer": tw.setup.optimizer, "lr": tw.setup.learning_rate, "epoch": e,
         "scratch_loss": tw.scratch_loss[e], "keras_loss": tw.keras_loss[e],
         "abs_loss_diff": abs(tw.scratch_loss[e] - tw.keras_loss[e]),
         "scratch_acc": tw.scratch_acc[e], "keras_acc": tw.keras_acc[e]}
        for tw in twins for e in range(len(tw.scratch_loss))
    ]))
    plots = {
        "data": plot_data(X, Y, out_dir / "moons_data.png"),
        "costs": plot_costs(results, out_dir / "moons_costs.png"),
        "boundaries": plot_boundaries(X, Y, results, out_dir / "moons_boundaries.png"),
        "twins": plot_twins(twins, out_dir / "moons_twins.png"),
    }
    run1 = next((res for res in results if res.run.run == 1), None)
    summary = {
        "name": NAME,
        "budget": budget,
        "seconds": time.perf_counter() - start,
        "course_epoch0_cost": COURSE_EPOCH0_COST,
        "epoch0_cost_run1": None if run1 is None else run1.costs[0],
        "accuracy_tolerance": ACCURACY_TOLERANCE,
        "workers": workers,
        "course_runs_seconds": course_seconds,
        "twins_seconds": twins_seconds,
        "runs": runs_rows,
        "twin_epochs": twin_epochs,
        "twins": [
            {**asdict(tw.setup), "kwargs": dict(tw.setup.kwargs),
             "max_loss_diff": tw.max_loss_diff, "max_weight_rel_diff": tw.max_weight_rel_diff,
             "scratch_final_loss": tw.scratch_loss[-1], "keras_final_loss": tw.keras_loss[-1],
             "scratch_final_acc": tw.scratch_acc[-1], "keras_final_acc": tw.keras_acc[-1],
             "scratch_seconds": tw.scratch_seconds, "keras_seconds": tw.keras_seconds}
            for tw in twins
        ],
        "plots": plots,
        "csv": ["moons_runs.csv", "moons_costs.csv", "moons_twins.csv"],
    }
    write_summary(out_dir, NAME, summary)
    return summary
