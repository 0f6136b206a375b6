"""The moons experiment's figures: the data, the course runs' costs and decision boundaries
(``results``: :class:`benchmarks.course.moons_experiment.CourseResult`), the twins' parity
(``twins``: :class:`benchmarks.course.moons_experiment.TwinResult`)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from benchmarks.course.common import new_figure, save_png
from scratch.course.moons_net import predict_dec


def _grid(X: np.ndarray, step: float = 0.01):
    x_min, x_max = X[0].min() - 0.5, X[0].max() + 0.5
    y_min, y_max = X[1].min() - 0.5, X[1].max() + 0.5
    xx, yy = np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))
    return xx, yy


def plot_data(X, Y, title: str, path: Path) -> str:
    fig = new_figure(5.5, 4)
    ax = fig.add_subplot()
    for label, color in ((0, "tab:red"), (1, "tab:blue")):
        mask = Y[0] == label
        ax.scatter(X[0, mask], X[1, mask], s=10, c=color, label=f"class {label}")
    ax.set(title=title, xlabel="x₁ (arbitrary units)", ylabel="x₂ (arbitrary units)")
    ax.legend(loc="upper right")
    return save_png(fig, path)


def plot_costs(results: list, path: Path) -> str:
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


def plot_boundaries(X, Y, results: list, path: Path) -> str:
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


def plot_twins(twins: list, path: Path) -> str:
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
