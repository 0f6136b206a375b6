"""The course report's sections of the three small experiments — ``blobs``, ``moons`` and
``sleep-study`` — as blocks of the shared document model; the fashion notebook's section is
:mod:`benchmarks.course.report_fashion`.

A section is a function of the experiment's summary (its ``<name>.json``, untrusted: strings
through :func:`~benchmarks.report.document.text`, numbers through :mod:`benchmarks.report.fmt`)
and of ``figure(name, caption)``, which makes the block of one of its image files.
"""

from __future__ import annotations

from benchmarks.report.document import Heading, Para, Table, text
from benchmarks.report.fmt import (
    finite,
    fmt_count,
    fmt_decimal,
    fmt_loss,
    fmt_number,
    fmt_sci,
    fmt_seconds,
)


def count(n, noun: str) -> str:
    """``10000, "epoch" → "10,000 epochs"``."""
    return f"{fmt_count(n)} {noun}" + ("" if int(n) == 1 else "s")


def smoke_run(summary) -> bool:
    """A run at a reduced budget (``--quick``): it shows the experiment runs, nothing more."""
    return budget_of(summary) < 1


def budget_of(summary) -> float:
    """The run's budget (1: the course's own); an edited summary's non-number: as run."""
    budget = summary.get("budget", 1.0)
    return float(budget) if finite(budget) else 1.0


def budget_note(summary) -> list:
    budget = budget_of(summary)
    if budget >= 1:
        return []
    return [Para(f"**Smoke run: budget ×{fmt_number(budget)}** (`--quick` or a test): fewer "
                 "epochs/steps than the course, so the figures below are NOT comparable with "
                 "the course's, and no conclusion is drawn from them.")]


def blobs_section(s: dict, figure) -> list:
    t, f = s.get("twins"), s["final"]
    blocks = [
        Heading(2, "1. `blobs` — logistic regression and its decision boundary"),
        *budget_note(s),
        Para(f"{fmt_count(int(s['n_train']) + int(s['n_test']))} points from `make_blobs` (2 "
             f"clusters, standard deviation 2, `random_state=42`), split 80/20 "
             f"({fmt_count(s['n_train'])} / {fmt_count(s['n_test'])}); w and b drawn from a "
             "standard normal (`RandomState(0)`); full-batch gradient descent with the course's "
             f"step (dW = Xᵀ(ŷ − y) summed, db = mean(ŷ − y)), learning rate "
             f"{fmt_number(s['learning_rate'])}, {count(s['epochs'], 'epoch')}. The course "
             "printed no numbers for this experiment, only plots; they are regenerated below."),
        Table(["figure", "measured now"], [
            ["test accuracy, initial weights", fmt_decimal(s["initial"]["test_acc"], 3)],
            [f"test accuracy after {count(s['epochs'], 'epoch')} (course step)",
             fmt_decimal(f["test_acc"], 3)],
            ["training loss of the last epoch (course step)", fmt_loss(f["train_loss"])],
            ["final w, b", f"({fmt_decimal(f['w1'])}, {fmt_decimal(f['w2'])}), "
                           f"{fmt_decimal(f['b'])}"],
            ["training time of the course loop", fmt_seconds(s["course_seconds"])],
        ]),
    ]
    if t is not None:
        blocks += [
            Para("Beside it, the logreg twins (scratch `LogisticRegression` and Keras "
                 "`Dense(1, sigmoid)`), from the same initial weights, with mean-gradient SGD "
                 f"at lr {fmt_number(t['learning_rate'])} = 0.001 × n_train, which is the "
                 "course's w step exactly (only the bias step differs: the course's db is "
                 "already a mean)."),
            Table(["twin", "test accuracy", "last epoch's loss", "training time"], [
                ["scratch", fmt_decimal(t["scratch_test_acc"], 3),
                 fmt_loss(t["scratch_final_loss"]), fmt_seconds(t["scratch_seconds"])],
                ["keras", fmt_decimal(t["keras_test_acc"], 3), fmt_loss(t["keras_final_loss"]),
                 fmt_seconds(t["keras_seconds"])
                 + " (per-epoch `fit`, first-epoch tracing included)"],
            ]),
            Para("Step parity of scratch against Keras (docs/parity.md: from Keras' state, "
                 f"one step on the same batch): {fmt_sci(t.get('step_parity'), 2)}. Largest "
                 "per-epoch loss gap between the twins (the runner's `max_loss_diff`): "
                 f"{fmt_sci(t['max_loss_diff'], 2)}."),
        ]
    p = s["plots"]
    return blocks + [
        figure(p["data"], "The data: train (dots) and test (crosses)."),
        figure(p["boundaries"], "The decision boundary over the points, epoch by epoch."),
        figure(p["animation"], "The same, animated (matplotlib's Pillow writer)."),
        figure(p["loss"], "Loss per epoch: the course's step and the two twins."),
    ]


def _moons_run_row(r: dict, smoke: bool = False) -> list:
    if smoke:
        reproduced = "— (smoke run)"
    elif r["epochs"] != r["course_epochs"]:
        reproduced = "— (fewer epochs)"
    else:
        reproduced = "yes" if r["reproduced"] else "**no**"
    return [fmt_count(r["run"]), text(r["optimizer"]), fmt_number(r["lr"]),
            fmt_count(r["epochs"]), text(r["decay"] or "—"), fmt_decimal(r["course_accuracy"]),
            f"{fmt_decimal(r['train_accuracy'])} ({text(r.get('train_correct', '?'))}/900)",
            f"{float(r['difference']):+.5f}", reproduced, fmt_loss(r["final_cost"]),
            fmt_seconds(r["seconds"])]


def _moons_twin_row(t: dict) -> list:
    return [text(t["optimizer"]), fmt_number(t["learning_rate"]), fmt_sci(t.get("step_parity"), 2),
            fmt_sci(t["max_loss_diff"], 2), fmt_sci(t["max_weight_rel_diff"], 2),
            f"{fmt_decimal(t['scratch_final_loss'])} / {fmt_decimal(t['keras_final_loss'])}",
            f"{fmt_decimal(t['scratch_final_acc'])} / {fmt_decimal(t['keras_final_acc'])}",
            f"{fmt_seconds(t['scratch_seconds'])} / {fmt_seconds(t['keras_seconds'])}"]


def _moons_verdict(s: dict) -> Para:
    if smoke_run(s):
        return Para("A smoke run: no run is judged reproduced or not (the course's accuracies "
                    "need the course's epochs: `kvsbench course moons` without `--quick`).")
    misses = [r for r in s["runs"] if not r["reproduced"]]
    if not misses:
        return Para(f"All {len(s['runs'])} runs reproduce the course's accuracy to the four "
                    "digits it printed (the differences are the course's rounding): the "
                    "course's data, weights, batches and update rules are reproduced exactly.")
    short = [r for r in misses if r["epochs"] < r["course_epochs"]]
    runs = ", ".join(f"run {fmt_count(r['run'])} ({float(r['difference']):+.4f})"
                     for r in misses)
    reason = (" They ran fewer epochs than the course (reduced budget), which explains them."
              if len(short) == len(misses) else " See the note below for why.")
    return Para(f"Not reproduced within {fmt_number(s['accuracy_tolerance'])}: {runs}.{reason}")


def moons_section(s: dict, figure) -> list:
    p = s["plots"]
    return [
        Heading(2, "2. `moons` — optimizers compared"),
        *budget_note(s),
        Para("The course's set-up, exactly: `np.random.seed(3)`; `make_moons(n_samples=900, "
             "noise=0.2)`; a [2, 5, 2, 1] net (relu, relu, sigmoid), He weights under "
             "`np.random.seed(3)`; mini-batches of 64 from `random_mini_batches` with seeds 11, "
             "12, …; cost = summed cross-entropy over the epoch / m; the course's (textbook) "
             "momentum and Adam; a decay sets the next epoch's rate from the initial one after "
             "each epoch. Accuracy is on the 900 training points, as the course printed it."),
        Table(["figure", "course", "measured now"], [
            ["cost after epoch 0 of run 1", "0.708957", fmt_decimal(s["epoch0_cost_run1"], 6)],
        ]),
        Table(["run", "optimizer", "lr", "epochs", "decay", "course's accuracy", "accuracy now",
               "difference", f"within {fmt_number(s['accuracy_tolerance'])}", "final cost",
               "time"], [_moons_run_row(r, smoke_run(s)) for r in s["runs"]]),
        _moons_verdict(s),
        Para(f"The course runs took {fmt_seconds(s.get('course_runs_seconds'))} in all, "
             f"{fmt_count(s.get('workers', 1))} worker process(es); each run's time is its own "
             "loop's wall time (the course API's forward/backward and the core's in-place "
             "update steps)."),
        figure(p["data"], "The moons data."),
        figure(p["costs"], "Cost per epoch of all runs."),
        figure(p["boundaries"], "Decision boundary of each run."),
        Heading(3, "The same data through the twins"),
        Para("An MLP with hidden layers [5, 2] (relu) → Dense(1, sigmoid) in scratch and in "
             "Keras, from the course's initial weights (W transposed into Keras' (in, out) "
             "kernels), on the course's batches (the permutations of `random_mini_batches`, "
             "seeds 11, 12, …), with Keras' exact SGD, momentum (v = βv − lr·g, β = 0.9) and "
             f"Adam (ε = 1e-7) on both sides, float32, {fmt_count(s['twin_epochs'])} epochs. "
             "Each twin trains in a worker process of its own, as `kvsbench run` trains; "
             "Keras through its real `fit`, one call per epoch on the course's order, so its "
             "per-epoch loss (the batch-size-weighted running mean) is the scratch twin's. "
             "Parity is judged as `kvsbench run` judges it: step parity, and the runner's "
             "loss gap beside it. The rates are not the course's: those "
             "barely move the loss in a few hundred epochs, which would make the parity check "
             "trivial."),
        Table(["optimizer", "lr", "step parity", "max per-epoch loss gap", "max weight rel. diff",
               "final loss scratch / keras", "final accuracy scratch / keras",
               "time scratch / keras"], [_moons_twin_row(t) for t in s["twins"]]),
        figure(p["twins"], "Parity per optimizer: both twins' loss per epoch and their "
                           "difference."),
    ]


def sleep_study_section(s: dict, figure) -> list:
    c, b, g = s["course"], s["bfgs"], s["gradient_check"]

    def steps(r):
        if r is None:
            return f"not reached in {count(s['max_steps'], 'step')}"
        return f"{count(r['steps'], 'step')} (lr {fmt_number(r['lr'])})"

    predicted = zip([(3, 5), (5, 1), (10, 2)], s["scores"], s["predicted_scores"], strict=True)
    return [
        Heading(2, "3. `sleep-study` — a 2-3-1 network trained by BFGS"),
        *budget_note(s),
        Para("Inputs (hours of sleep, hours of study) [[3, 5], [5, 1], [10, 2]] divided by "
             "their column maxima, scores [75, 82, 93] by 100; a 2-3-1 sigmoid network without "
             "biases, cost ½·Σ(y − ŷ)²; initial weights from a standard normal "
             f"(`default_rng({fmt_count(s['seed'])})`; the course's draw was unseeded)."),
        Table(["figure", "course", "measured now"], [
            ["gradient check, relative error", f"about {fmt_sci(c['relative_error'], 0)}",
             f"{fmt_sci(g['relative_error'], 2)} (‖a − n‖ / (‖a‖ + ‖n‖)); "
             f"{fmt_sci(g['course_relative_error'], 2)} (‖a − n‖ / ‖a + n‖)"],
            ["BFGS iterations", fmt_count(c["bfgs_iterations"]), fmt_count(b["iterations"])],
            ["BFGS function evaluations", fmt_count(c["bfgs_evaluations"]),
             fmt_count(b["evaluations"])],
            ["BFGS final cost", "≈ 0", fmt_sci(b["final_cost"], 3)],
            ["gradient descent: steps to BFGS's final cost", "—", steps(s["best_gd"])],
            ["Adam: steps to BFGS's final cost", "—", steps(s["best_adam"])],
        ]),
        Para("The iteration count depends on the initial draw (table of seeds below); the "
             "course's 80 / 86 came from its own unseeded draw."),
        Table(["optimizer", "lr", "steps to BFGS's final cost", "cost at the end", "time"],
              [[text(r["optimizer"]), fmt_number(r["lr"]),
                "—" if r["steps"] is None else fmt_count(r["steps"]),
                fmt_sci(r["final_cost"], 3), fmt_seconds(r["seconds"])]
               for r in s["first_order"]]),
        Table(["student (sleep h, study h)", "score", "predicted after BFGS"],
              [[f"({h0:g}, {h1:g})", fmt_number(score), fmt_decimal(pred, 3)]
               for (h0, h1), score, pred in predicted]),
        Table(["initial draw (seed)", "BFGS iterations", "evaluations", "final cost"],
              [[fmt_count(r["seed"]), fmt_count(r["iterations"]), fmt_count(r["evaluations"]),
                fmt_sci(r["final_cost"], 2)] for r in s["seeds"]]),
        figure(s["plots"]["costs"], "Cost per iteration: BFGS, gradient descent and Adam."),
        figure(s["plots"]["contour"], "The trained network's predicted score over 0–10 h of "
                                      "sleep × 0–5 h of study, with the three training points."),
    ]

