"""``sleep-study``: the course's 2-3-1 network trained by BFGS, against GD and Adam.

Three students: (hours of sleep, hours of study) = (3, 5), (5, 1), (10, 2) scored 75, 82, 93.
Inputs are divided by their column maxima, scores by 100. The network, its gradient, its check
and its first-order training are :mod:`scratch.course.sleep_study`'s; this file runs them and
BFGS, records and plots.

The analytic gradient is checked against central differences (``scratch.gradcheck``), then
``scipy.optimize.minimize(method="BFGS", jac=True, options={"maxiter": 200})`` trains it,
a callback recording the cost at every iteration. Plain gradient descent and Adam (Keras' rule,
``scratch.optimizers.Adam``) then train from the same initial weights until they reach the
cost BFGS ended at, for a few learning rates each.

The course drew the initial weights with an unseeded ``np.random.randn``; here they come from
``numpy.random.default_rng(seed)`` (seed 0), and a table over seeds 0–9 shows how much BFGS's
iteration count depends on that draw.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.atomic import write_csv
from benchmarks.course.common import new_figure, save_png, scaled, write_summary
from scratch.course.sleep_study import (
    SleepStudyNet,
    gradient_check,
    initial_weights,
    train_first_order,
)

NAME = "sleep-study"
HOURS = np.array([[3.0, 5.0], [5.0, 1.0], [10.0, 2.0]])  # (sleep, study)
SCORES = np.array([[75.0], [82.0], [93.0]])
BFGS_OPTIONS = {"maxiter": 200}
#: what the course printed
COURSE_RELATIVE_ERROR = 1e-10
COURSE_BFGS_ITERATIONS = 80
COURSE_BFGS_EVALUATIONS = 86
#: learning rates tried for the first-order optimizers
GD_RATES = (0.5, 2.0, 10.0)
ADAM_RATES = (0.001, 0.01, 0.1)
MAX_STEPS = 100_000
SEEDS_TABLE = tuple(range(10))


def normalised_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (3, 2) / column maxima, y (3, 1) / 100, the column maxima (2,))."""
    maxima = HOURS.max(axis=0)
    return HOURS / maxima, SCORES / 100.0, maxima


def train_bfgs(net: SleepStudyNet, w0: np.ndarray) -> dict:
    """BFGS as the course ran it; ``costs[k]`` is the cost after iteration k + 1 (callback)."""
    from scipy.optimize import minimize

    costs = []
    start = time.perf_counter()
    res = minimize(
        net.cost_and_gradient, w0.copy(), jac=True, method="BFGS", options=dict(BFGS_OPTIONS),
        callback=lambda wk: costs.append(net.cost(wk)),
    )
    return {
        "iterations": int(res.nit), "evaluations": int(res.nfev), "gradient_evaluations":
        int(res.njev), "final_cost": float(res.fun), "success": bool(res.success),
        "message": str(res.message), "costs": costs, "weights": res.x,
        "seconds": time.perf_counter() - start,
    }


def seeds_table(net: SleepStudyNet, seeds=SEEDS_TABLE) -> list[dict]:
    """BFGS from several initial draws: iterations, evaluations, final cost."""
    rows = []
    for seed in seeds:
        r = train_bfgs(net, initial_weights(seed))
        rows.append({"seed": seed, "iterations": r["iterations"], "evaluations": r["evaluations"],
                     "final_cost": r["final_cost"]})
    return rows


# ------------------------------------------------------------------------------- plots


def plot_costs(bfgs: dict, first_order: list[dict], target: float, path: Path) -> str:
    fig = new_figure(8, 5)
    ax = fig.add_subplot()
    ax.plot(np.arange(1, len(bfgs["costs"]) + 1), bfgs["costs"], "k-o", ms=3, lw=2,
            label=f"BFGS: {bfgs['iterations']} iterations, {bfgs['evaluations']} evaluations")
    styles = {"gd": "-", "adam": "--"}
    for r in first_order:
        costs = np.asarray(r["costs"])
        reached = f"{r['steps']} steps" if r["steps"] is not None else f"> {r['max_steps']} steps"
        ax.plot(np.arange(1, len(costs) + 1), costs, styles[r["optimizer"]], lw=1.2,
                label=f"{'GD' if r['optimizer'] == 'gd' else 'Adam'} lr={r['lr']:g}: {reached}")
    ax.axhline(target, color="grey", lw=0.8, ls=":", label=f"BFGS's final cost {target:.2g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set(title="Sleep study: cost per iteration (BFGS) / per step (GD, Adam)",
           xlabel="iteration or step (log scale)", ylabel="cost J = ½Σ(y − ŷ)² (log scale)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return save_png(fig, path)


def plot_contour(net: SleepStudyNet, w: np.ndarray, maxima: np.ndarray, path: Path) -> str:
    sleep = np.linspace(0, 10, 101)
    study = np.linspace(0, 5, 101)
    ss, tt = np.meshgrid(sleep, study)
    grid = np.c_[ss.ravel(), tt.ravel()] / maxima
    score = 100 * net.forward(w, grid)[1].reshape(ss.shape)
    fig = new_figure(7, 4.8)
    ax = fig.add_subplot()
    filled = ax.contourf(ss, tt, score, levels=20, cmap="viridis")
    lines = ax.contour(ss, tt, score, levels=10, colors="white", linewidths=0.5)
    ax.clabel(lines, fmt="%.0f", fontsize=7)
    fig.colorbar(filled, ax=ax, label="predicted test score (points of 100)")
    predicted = 100 * net.forward(w)[1].ravel()
    ax.scatter(HOURS[:, 0], HOURS[:, 1], c="red", edgecolors="white", s=60, zorder=3,
               clip_on=False, label="the three training points")
    for (h_sleep, h_study), s, p in zip(HOURS, SCORES.ravel(), predicted, strict=True):
        ax.annotate(f"score {s:.0f}, predicted {p:.2f}", (h_sleep, h_study), xytext=(-8, -14),
                    textcoords="offset points", ha="right", color="white", fontsize=8)
    ax.set(title="Sleep study: predicted score of the BFGS-trained 2-3-1 network",
           xlabel="hours of sleep (h)", ylabel="hours of study (h)")
    ax.legend(loc="lower right", fontsize=8)
    return save_png(fig, path)


# ------------------------------------------------------------------------------- the experiment


def _thin(costs: list) -> list[tuple[int, float]]:
    """(index, cost) at every index up to 1000, then every 100th, and the last."""
    n = len(costs)
    return [(k, costs[k]) for k in range(n) if k <= 1000 or k % 100 == 0 or k == n - 1]


def run(out_dir: Path, budget: float = 1.0, seed: int = 0, log=print) -> dict:
    """Gradient check, BFGS, GD and Adam; write CSVs, plots and ``sleep_study.json``.

    ``budget`` scales only the first-order optimizers' step limit (``MAX_STEPS``); the gradient
    check and BFGS always run as the course ran them.
    """
    out_dir = Path(out_dir)
    start = time.perf_counter()
    X, y, maxima = normalised_data()
    net = SleepStudyNet(X, y)
    w0 = initial_weights(seed)
    check = gradient_check(net, w0)
    log(f"sleep-study gradient check: relative error {check['relative_error']:.2e}")
    bfgs = train_bfgs(net, w0)
    log(f"sleep-study BFGS: {bfgs['iterations']} iterations, {bfgs['evaluations']} evaluations, "
        f"final cost {bfgs['final_cost']:.3g}")
    target = bfgs["final_cost"]
    max_steps = scaled(MAX_STEPS, budget)
    first_order = [
        train_first_order(net, w0, name, lr, target, max_steps)
        for name, rates in (("gd", GD_RATES), ("adam", ADAM_RATES)) for lr in rates
    ]
    for r in first_order:
        log(f"sleep-study {r['optimizer']} lr={r['lr']:g}: steps to BFGS's cost "
            f"{r['steps'] if r['steps'] is not None else f'> {max_steps}'}, {r['seconds']:.1f} s")
    seeds = seeds_table(net)

    rows = [{"optimizer": "bfgs", "lr": float("nan"), "iteration": k + 1, "cost": c}
            for k, c in enumerate(bfgs["costs"])]
    rows += [{"optimizer": r["optimizer"], "lr": r["lr"], "iteration": k, "cost": c}
             for r in first_order for k, c in _thin(r["costs"])]
    write_csv(out_dir / "sleep_study_costs.csv", pd.DataFrame(rows))
    write_csv(out_dir / "sleep_study_seeds.csv", pd.DataFrame(seeds))
    plots = {
        "costs": plot_costs(bfgs, first_order, target, out_dir / "sleep_study_costs.png"),
        "contour": plot_contour(net, bfgs["weights"], maxima, out_dir / "sleep_study_contour.png"),
    }
    predicted = (100 * net.forward(bfgs["weights"])[1].ravel()).tolist()

    def best(name):
        reached = [r for r in first_order if r["optimizer"] == name and r["steps"] is not None]
        return min(reached, key=lambda r: r["steps"]) if reached else None

    summary = {
        "name": NAME,
        "budget": budget,
        "seconds": time.perf_counter() - start,
        "seed": seed,
        "initial_weights": w0.tolist(),
        "gradient_check": check,
        "course": {"relative_error": COURSE_RELATIVE_ERROR,
                   "bfgs_iterations": COURSE_BFGS_ITERATIONS,
                   "bfgs_evaluations": COURSE_BFGS_EVALUATIONS},
        "bfgs": {k: v for k, v in bfgs.items() if k not in ("costs", "weights")},
        "bfgs_weights": bfgs["weights"].tolist(),
        "predicted_scores": predicted,
        "scores": SCORES.ravel().tolist(),
        "target_cost": target,
        "max_steps": max_steps,
        "first_order": [{k: v for k, v in r.items() if k != "costs"} for r in first_order],
        "best_gd": None if best("gd") is None else {k: v for k, v in best("gd").items()
                                                    if k != "costs"},
        "best_adam": None if best("adam") is None else {k: v for k, v in best("adam").items()
                                                        if k != "costs"},
        "seeds": seeds,
        "plots": plots,
        "csv": ["sleep_study_costs.csv", "sleep_study_seeds.csv"],
    }
    write_summary(out_dir, NAME, summary)
    return summary
