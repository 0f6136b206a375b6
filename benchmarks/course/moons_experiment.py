"""``moons``: the course's optimizer comparison, reproduced, then the same data through the twins.

Part 1 — the course, exactly. ``np.random.seed(3)``; ``make_moons(n_samples=900, noise=0.2)``;
the course's seven runs of its [2, 5, 2, 1] net (relu, relu, sigmoid) through the course's own
training loop, :func:`scratch.course.moons.train` (He weights under ``np.random.seed(3)``,
mini-batches of 64 with seeds 11, 12, ..., the textbook rules, the course's decays). Every
formula is the ``scratch`` course API's; this file runs, records and plots.

Part 2 — the twins. The same data (as rows, float32) through the harness' own ``scratch`` and
``keras`` twins (:mod:`benchmarks.twins`), built from one ``ExperimentConfig`` of the [5, 2]
relu net (two hidden layers): the course's initial weights (W transposed into Keras' (in, out)
kernels), the course's batch order (the permutations of ``random_mini_batches``, seeds 11, 12,
...), Keras' exact SGD, momentum (``v = βv − lr·g``) and Adam (ε = 1e-7) on both sides, Keras
through its real ``fit``, one call per epoch.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.atomic import write_csv
from benchmarks.course.common import scaled, write_summary
from benchmarks.course.moons_plots import plot_boundaries, plot_costs, plot_data, plot_twins
from scratch.course.moons import train as train_course_loop
from scratch.course.moons_net import predict_dec
from scratch.course.optim import initialize_parameters, random_mini_batches

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
    """One optimizer of the twin comparison: its kvsbench name (Keras' exact rule) and rate."""

    optimizer: str
    learning_rate: float


#: Keras' exact optimizers on both twins. The rates are chosen so that each optimizer makes
#: visible progress within the twin budget (the course's own rates, e.g. gd at 1e-4, barely
#: move the loss in a few hundred epochs, which would make the parity check trivial).
TWIN_SETUPS = (
    TwinSetup("sgd", 0.1),
    TwinSetup("momentum", 0.01),  # β 0.9, the config's default
    TwinSetup("adam", 0.01),
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


def train_course_run(
    X: np.ndarray, Y: np.ndarray, run: CourseRun, epochs: int, lean: bool = True
) -> CourseResult:
    """Course run ``run`` for ``epochs`` epochs (``run.epochs`` or fewer on a reduced budget)
    through the course's loop (:func:`scratch.course.moons.train`; ``lean`` as there)."""
    start = time.perf_counter()
    parameters, costs, rates = train_course_loop(
        X, Y, LAYER_DIMS, run.optimizer, run.learning_rate, epochs,
        mini_batch_size=MINI_BATCH_SIZE, beta=run.beta, beta1=run.beta1, beta2=run.beta2,
        epsilon=run.epsilon, decay=run.decay, decay_rate=run.decay_rate,
        time_interval=run.time_interval, first_seed=FIRST_BATCH_SEED, lean=lean,
    )
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(predict_dec(parameters, X) == (Y > 0.5)))
    return CourseResult(run, epochs, costs, rates, parameters, accuracy, seconds)


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
    #: the runner's free-running gap, scratch against Keras (``runner.loss_gap``)
    max_loss_diff: float
    max_weight_rel_diff: float
    #: the harness' verdict: step parity of scratch against Keras (``step_parity``)
    step_parity: float


def twin_config(setup: TwinSetup, epochs: int):
    """The moons twins' experiment as the harness' one config: the [5, 2] relu net (two hidden
    layers), batches of 64, Keras' rule of ``setup`` at its rate."""
    from benchmarks.config import ExperimentConfig

    return ExperimentConfig(
        model="mlp", pair="moons", optimizer=setup.optimizer, learning_rate=setup.learning_rate,
        batch_size=MINI_BATCH_SIZE, epochs=epochs, hidden_units=tuple(LAYER_DIMS[1:-1]),
        activation="relu",
    )


def train_twins(X: np.ndarray, Y: np.ndarray, setup: TwinSetup, epochs: int) -> TwinResult:
    """Train both twins of ``setup`` for ``epochs`` epochs from the course's initial weights and
    batches (X as rows, float32), each in its own worker process
    (:mod:`benchmarks.course.twins`)."""
    weights = keras_weights(initialize_parameters(list(LAYER_DIMS)))
    X_rows = np.ascontiguousarray(X.T, dtype=np.float32)
    y_rows = Y.reshape(-1).astype(np.float32)
    orders = [epoch_order(X.shape[1], e) for e in range(epochs)]
    config = twin_config(setup, epochs)
    from benchmarks.course.twins import train_in_workers

    runs = train_in_workers(config, weights, X_rows, y_rows, X_rows, y_rows, orders)
    s, k = runs["scratch"], runs["keras"]
    return TwinResult(setup, s["train_loss"], s["train_acc"], k["train_loss"], k["train_acc"],
                      s["seconds"], k["seconds"], s["max_loss_diff"], s["max_weight_rel_diff"],
                      s["step_parity"])


# ------------------------------------------------------------------------------- the experiment


def _twin_summary(tw: TwinResult, epochs: int) -> dict:
    class_name, kwargs = twin_config(tw.setup, epochs).optimizer_spec()
    return {
        "optimizer": tw.setup.optimizer, "class_name": class_name, "kwargs": kwargs,
        "learning_rate": tw.setup.learning_rate,
        "max_loss_diff": tw.max_loss_diff, "max_weight_rel_diff": tw.max_weight_rel_diff,
        "step_parity": tw.step_parity,
        "scratch_final_loss": tw.scratch_loss[-1], "keras_final_loss": tw.keras_loss[-1],
        "scratch_final_acc": tw.scratch_acc[-1], "keras_final_acc": tw.keras_acc[-1],
        "scratch_seconds": tw.scratch_seconds, "keras_seconds": tw.keras_seconds,
    }



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
        log(f"moons twins {setup.optimizer}: step parity {tw.step_parity:.1e}, "
            f"max |Δloss| {tw.max_loss_diff:.2e}, "
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
    data_title = (f"Moons: make_moons(n_samples={N_SAMPLES}, noise={NOISE})\n"
                  f"under np.random.seed({DATA_SEED})")
    plots = {
        "data": plot_data(X, Y, data_title, out_dir / "moons_data.png"),
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
        "twins": [_twin_summary(tw, twin_epochs) for tw in twins],
        "plots": plots,
        "csv": ["moons_runs.csv", "moons_costs.csv", "moons_twins.csv"],
    }
    write_summary(out_dir, NAME, summary)
    return summary
