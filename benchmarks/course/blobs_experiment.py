"""``blobs``: the course's logistic regression on two Gaussian blobs, and its decision boundary.

500 points, 2 features, 2 clusters of standard deviation 2 (``benchmarks.data.toy
.make_blobs_data``, ``random_state=42``); an 80/20 split (``scratch.splits.split_indices``,
seed 42); weights and bias drawn from a standard normal (``numpy.random.RandomState(0)``);
15 epochs of full-batch gradient descent at learning rate 0.001 with the course's step (dw
summed, db averaged: :mod:`scratch.course.blobs`, whose loop this file runs, records and plots).

Beside it, the logreg twins (``scratch.LogisticRegression`` and Keras' ``Dense(1, sigmoid)``)
train on the same split from the same initial weights with mean-gradient SGD (Keras'
``SGD``), full batch. Their rate is ``lr · n_train`` = 0.4: the mean gradient of ``w`` is the
course's summed one divided by n_train, so the twins take the course's ``w`` step exactly (only
the bias step differs: the course's ``db`` is already a mean, and the twins move it n_train
times further).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.atomic import write_csv
from benchmarks.course.common import new_figure, save_gif, save_png, scaled, write_summary
from scratch.activations import sigmoid
from scratch.course.blobs import initial_weights
from scratch.course.blobs import train as train_course_loop

NAME = "blobs"
N_SAMPLES = 500
CLUSTER_STD = 2.0
DATA_SEED = 42
SPLIT_SEED = 42
INIT_SEED = 0
TEST_SIZE = 0.2
LEARNING_RATE = 0.001
EPOCHS = 15


def load_split():
    """(X_train, y_train, X_test, y_test), float64, X of shape (n, 2), y of shape (n,)."""
    from benchmarks.data.toy import make_blobs_data
    from scratch.splits import split_indices

    data = make_blobs_data(N_SAMPLES, seed=DATA_SEED, cluster_std=CLUSTER_STD)
    X, y = data.X.astype(np.float64), data.y.astype(np.float64)
    train, test, _ = split_indices(len(X), test_size=TEST_SIZE, validation_size=0.0,
                                   seed=SPLIT_SEED)
    return X[train], y[train], X[test], y[test]


def train_course(X, y, X_test, y_test, epochs: int, learning_rate: float = LEARNING_RATE):
    """The course's loop (:func:`scratch.course.blobs.train`) from the course's initial weights
    → ``(history, seconds)``."""
    w, b = initial_weights(INIT_SEED)
    return train_course_loop(X, y, X_test, y_test, w, b, epochs, learning_rate)


def train_twins(X, y, X_test, y_test, epochs: int, learning_rate: float) -> dict:
    """The logreg twins, full-batch mean-gradient SGD (Keras' rule), float32, same weights.

    The harness' own twins (:mod:`benchmarks.twins`), each in its worker process
    (:mod:`benchmarks.course.twins`), trained epoch by epoch on the blobs in their given order,
    from the course's initial weights.
    """
    from benchmarks.config import ExperimentConfig
    from benchmarks.course.twins import train_in_workers

    w, b = initial_weights(INIT_SEED)
    weights = [w.reshape(2, 1).astype(np.float32), np.array([b], np.float32)]
    config = ExperimentConfig(model="logreg", optimizer="sgd", learning_rate=learning_rate,
                              batch_size=None, epochs=epochs)
    orders = [np.arange(len(X))] * epochs  # the blobs in their given order, every epoch
    out = {"learning_rate": learning_rate,
           **train_in_workers(config, weights, X, y, X_test, y_test, orders,
                              test_each_epoch=True)}
    for impl in ("scratch", "keras"):
        out[impl]["weights"] = [np.asarray(a).tolist() for a in out[impl]["weights"]]
    # the harness' figures of scratch against Keras (benchmarks.course.twins)
    out["max_loss_diff"] = out["scratch"]["max_loss_diff"]
    out["step_parity"] = out["scratch"]["step_parity"]
    return out


# ------------------------------------------------------------------------------- plots

_COLORS = ("tab:red", "tab:blue")


def _limits(X):
    pad = 1.0
    return (X[:, 0].min() - pad, X[:, 0].max() + pad), (X[:, 1].min() - pad, X[:, 1].max() + pad)


def _scatter(ax, X, y, marker="o", label_prefix="", size=12):
    for cls in (0, 1):
        mask = y == cls
        ax.scatter(X[mask, 0], X[mask, 1], s=size, c=_COLORS[cls], marker=marker,
                   label=f"{label_prefix}class {cls}")


def _draw_boundary(ax, state, X_all, y_all, xlim, ylim):
    """Probability shading and the line w·x + b = 0 of one epoch's state."""
    xx, yy = np.meshgrid(np.linspace(*xlim, 120), np.linspace(*ylim, 120))
    w = np.array([state["w1"], state["w2"]])
    p = sigmoid(np.c_[xx.ravel(), yy.ravel()] @ w + state["b"]).reshape(xx.shape)
    ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.35)
    ax.contour(xx, yy, p, levels=[0.5], colors="black", linewidths=1.5)
    ax.scatter(X_all[:, 0], X_all[:, 1], s=5, c=np.where(y_all > 0.5, *_COLORS[::-1]))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


def plot_data(X, y, X_test, y_test, path: Path) -> str:
    fig = new_figure(6, 4.5)
    ax = fig.add_subplot()
    _scatter(ax, X, y, "o", "train, ")
    _scatter(ax, X_test, y_test, "x", "test, ", size=20)
    ax.set(title=f"Blobs: {N_SAMPLES} points, 2 clusters, std {CLUSTER_STD:g}, 80/20 split",
           xlabel="x₁ (arbitrary units)", ylabel="x₂ (arbitrary units)")
    ax.legend(fontsize=8)
    return save_png(fig, path)


def plot_boundaries(history, X_all, y_all, path: Path) -> str:
    epochs = history  # the initial weights (epoch 0), then after each epoch
    cols = 4
    rows = -(-len(epochs) // cols)
    xlim, ylim = _limits(X_all)
    fig = new_figure(3.2 * cols, 2.8 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, state in zip(axes, epochs, strict=False):
        _draw_boundary(ax, state, X_all, y_all, xlim, ylim)
        when = "initial weights" if state["epoch"] == 0 else f"after epoch {state['epoch']}"
        ax.set_title(f"{when}: test acc {state['test_acc']:.2f}", fontsize=9)
        ax.set_xlabel("x₁ (a.u.)", fontsize=8)
        ax.set_ylabel("x₂ (a.u.)", fontsize=8)
    for ax in axes[len(epochs):]:
        ax.set_axis_off()
    fig.suptitle("Blobs: decision boundary (black, p = 0.5) and P(class 1) shading, epoch by "
                 "epoch — points: red class 0, blue class 1 (train and test)")
    return save_png(fig, path)


def save_animation(history, X_all, y_all, path: Path) -> str:
    xlim, ylim = _limits(X_all)
    fig = new_figure(5, 4)
    ax = fig.add_subplot()

    def draw(i):
        ax.clear()
        state = history[i]
        _draw_boundary(ax, state, X_all, y_all, xlim, ylim)
        ax.set(title=f"Blobs, epoch {state['epoch']}: test accuracy {state['test_acc']:.2f}",
               xlabel="x₁ (arbitrary units)", ylabel="x₂ (arbitrary units)")

    return save_gif(fig, range(len(history)), draw, path, fps=2)


def plot_loss(history, twins, path: Path) -> str:
    fig = new_figure(7, 4.5)
    ax = fig.add_subplot()
    epochs = np.arange(1, len(history))
    ax.plot(epochs, [h["train_loss"] for h in history[1:]], "o-", label=
            f"course step (summed dw, mean db), lr {LEARNING_RATE:g}")
    if twins is not None:
        ax.plot(epochs, twins["scratch"]["train_loss"], lw=3, alpha=0.5,
                label=f"scratch twin, mean-gradient SGD, lr {twins['learning_rate']:g}")
        ax.plot(epochs, twins["keras"]["train_loss"], "k--", lw=1,
                label=f"keras twin, mean-gradient SGD, lr {twins['learning_rate']:g}")
    ax.set_yscale("log")
    ax.set(title="Blobs: training loss per epoch (each epoch's forward pass, before its update)",
           xlabel="epoch", ylabel="binary cross-entropy (nats / example, log scale)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_png(fig, path)


# ------------------------------------------------------------------------------- the experiment


def run(out_dir: Path, budget: float = 1.0, twins: bool = True, log=print) -> dict:
    """Train the course's logistic regression (and the twins); write CSV, plots, GIF and
    ``blobs.json``. ``budget`` scales the 15 epochs."""
    out_dir = Path(out_dir)
    start = time.perf_counter()
    X, y, X_test, y_test = load_split()
    epochs = scaled(EPOCHS, budget)
    history, course_seconds = train_course(X, y, X_test, y_test, epochs)
    log(f"blobs course step: {epochs} epochs, test accuracy {history[-1]['test_acc']:.3f}")
    twin = train_twins(X, y, X_test, y_test, epochs, LEARNING_RATE * len(X)) if twins else None
    if twin is not None:
        log(f"blobs twins: step parity {twin['step_parity']:.1e}, max |Δloss| "
            f"{twin['max_loss_diff']:.2e}, test accuracy scratch "
            f"{twin['scratch']['test_acc'][-1]:.3f}, keras {twin['keras']['test_acc'][-1]:.3f}")

    rows = [{"impl": "course", **h} for h in history]
    if twin is not None:
        for impl in ("scratch", "keras"):
            t = twin[impl]
            rows += [{"impl": impl, "epoch": e + 1, "train_loss": t["train_loss"][e],
                      "train_acc": t["train_acc"][e], "test_acc": t["test_acc"][e]}
                     for e in range(epochs)]
    write_csv(out_dir / "blobs_epochs.csv", pd.DataFrame(rows))
    X_all, y_all = np.vstack([X, X_test]), np.concatenate([y, y_test])
    plots = {
        "data": plot_data(X, y, X_test, y_test, out_dir / "blobs_data.png"),
        "boundaries": plot_boundaries(history, X_all, y_all, out_dir / "blobs_boundaries.png"),
        "animation": save_animation(history, X_all, y_all, out_dir / "blobs_boundary.gif"),
        "loss": plot_loss(history, twin, out_dir / "blobs_loss.png"),
    }
    summary = {
        "name": NAME,
        "budget": budget,
        "seconds": time.perf_counter() - start,
        "epochs": epochs,
        "n_train": len(X),
        "n_test": len(X_test),
        "learning_rate": LEARNING_RATE,
        "initial": history[0],
        "final": history[-1],
        "course_seconds": course_seconds,
        "test_acc_per_epoch": [h["test_acc"] for h in history],
        "twins": None if twin is None else {
            "learning_rate": twin["learning_rate"],
            "max_loss_diff": twin["max_loss_diff"],
            "step_parity": twin["step_parity"],
            "scratch_test_acc": twin["scratch"]["test_acc"][-1],
            "keras_test_acc": twin["keras"]["test_acc"][-1],
            "scratch_final_loss": twin["scratch"]["train_loss"][-1],
            "keras_final_loss": twin["keras"]["train_loss"][-1],
            "scratch_seconds": twin["scratch"]["seconds"],
            "keras_seconds": twin["keras"]["seconds"],
        },
        "plots": plots,
        "csv": ["blobs_epochs.csv"],
    }
    write_summary(out_dir, NAME, summary)
    return summary
