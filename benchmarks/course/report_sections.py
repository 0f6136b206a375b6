"""The course report: ``course.md`` and a self-contained ``course.html`` from the summaries.

Every experiment's section is a list of blocks — headings, paragraphs, tables, images — built
from its ``<name>.json`` summary; the blocks are rendered twice: as Markdown (images linked
by file name, next to the report) and as HTML (every PNG and GIF embedded as a ``data:`` URI, so
the one file can be mailed or attached to a CI run). Wherever the course printed a number, the
table puts it beside the number measured now.
"""

from __future__ import annotations

import base64
import html
import math
import re
from pathlib import Path

from benchmarks.atomic import write_atomic
from benchmarks.course import EXPERIMENTS
from benchmarks.course.common import read_summary
from benchmarks.harness.registry import DEFAULT_TWINS

# ------------------------------------------------------------------------------- blocks


def _h(level, text):
    return ("h", level, text)


def _p(text):
    return ("p", text)


def _table(headers, rows):
    return ("table", list(headers), [list(r) for r in rows])


def _img(file, caption):
    return ("img", file, caption)


def _items(items):
    return ("list", list(items))


def _f(value, digits=4):
    """A number for a table: fixed digits, scientific when tiny, '—' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if value != 0 and abs(value) < 10 ** (-digits + 1):
        return f"{value:.2e}"
    return f"{value:.{digits}f}"


def _n(count, noun):
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _s(seconds):
    """Seconds for a table: '1.2 s', or '340 ms' / '0.39 ms' under a second."""
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.1f} s"
    return f"{seconds * 1e3:.0f} ms" if seconds >= 0.01 else f"{seconds * 1e3:.2f} ms"


def _budget_note(summary):
    budget = summary.get("budget", 1.0)
    if budget >= 1:
        return []
    return [_p(f"**Reduced budget ×{budget:g}** (`--quick` or a test): fewer epochs/steps than "
               "the course, so the figures below are NOT comparable with the course's.")]


# ------------------------------------------------------------------------------- sections


def blobs_section(s: dict) -> list:
    t = s.get("twins")
    blocks = [
        _h(2, "1. `blobs` — logistic regression and its decision boundary"),
        *_budget_note(s),
        _p(f"{s['n_train'] + s['n_test']} points from `make_blobs` (2 clusters, standard "
           f"deviation 2, `random_state=42`), split 80/20 ({s['n_train']} / {s['n_test']}); w and "
           "b drawn from a standard normal (`RandomState(0)`); full-batch gradient descent with "
           f"the course's step (dW = Xᵀ(ŷ − y) summed, db = mean(ŷ − y)), learning rate "
           f"{s['learning_rate']:g}, {_n(s['epochs'], 'epoch')}. The course printed no numbers for "
           "this experiment, only plots; they are regenerated below."),
        _table(["figure", "measured now"], [
            ["test accuracy, initial weights", _f(s["initial"]["test_acc"], 3)],
            [f"test accuracy after {_n(s['epochs'], 'epoch')} (course step)",
             _f(s["final"]["test_acc"], 3)],
            ["training loss of the last epoch (course step)", _f(s["final"]["train_loss"])],
            ["final w, b", f"({s['final']['w1']:.4f}, {s['final']['w2']:.4f}), "
                           f"{s['final']['b']:.4f}"],
            ["training time of the course loop", _s(s["course_seconds"])],
        ]),
    ]
    if t is not None:
        blocks += [
            _p(f"Beside it, the logreg twins (scratch `LogisticRegression` and Keras "
               f"`Dense(1, sigmoid)`), from the same initial weights, with mean-gradient SGD at "
               f"lr {t['learning_rate']:g} = 0.001 × n_train, which is the course's w step "
               "exactly (only the bias step differs: the course's db is already a mean)."),
            _table(["twin", "test accuracy", "last epoch's loss", "training time"], [
                ["scratch", _f(t["scratch_test_acc"], 3), _f(t["scratch_final_loss"]),
                 _s(t["scratch_seconds"])],
                ["keras", _f(t["keras_test_acc"], 3), _f(t["keras_final_loss"]),
                 _s(t["keras_seconds"]) + " (per-epoch `fit`, first-epoch tracing included)"],
            ]),
            _p(f"Largest per-epoch loss difference between the twins: "
               f"{t['max_loss_diff']:.2e}."),
        ]
    p = s["plots"]
    blocks += [
        _img(p["data"], "The data: train (dots) and test (crosses)."),
        _img(p["boundaries"], "The decision boundary over the points, epoch by epoch."),
        _img(p["animation"], "The same, animated (matplotlib's Pillow writer)."),
        _img(p["loss"], "Loss per epoch: the course's step and the two twins."),
    ]
    return blocks


def moons_section(s: dict) -> list:
    rows = []
    for r in s["runs"]:
        rows.append([
            r["run"], r["optimizer"], f"{r['lr']:g}", f"{r['epochs']:,}", r["decay"] or "—",
            _f(r["course_accuracy"]),
            f"{r['train_accuracy']:.4f} ({r.get('train_correct', '?')}/900)",
            f"{r['difference']:+.5f}",
            ("yes" if r["reproduced"] else "**no**") if r["epochs"] == r["course_epochs"]
            else "— (fewer epochs)",
            _f(r["final_cost"]), _s(r["seconds"]),
        ])
    e0 = s["epoch0_cost_run1"]
    blocks = [
        _h(2, "2. `moons` — optimizers compared"),
        *_budget_note(s),
        _p("The course's set-up, exactly: `np.random.seed(3)`; `make_moons(n_samples=900, "
           "noise=0.2)`; a [2, 5, 2, 1] net (relu, relu, sigmoid), He weights under "
           "`np.random.seed(3)`; mini-batches of 64 from `random_mini_batches` with seeds 11, 12, "
           "…; cost = summed cross-entropy over the epoch / m; the course's (textbook) momentum "
           "and Adam; a decay sets the next epoch's rate from the initial one after each epoch. "
           "Accuracy is on the 900 training points, as the course printed it."),
        _table(["figure", "course", "measured now"], [
            ["cost after epoch 0 of run 1", "0.708957", "—" if e0 is None else f"{e0:.6f}"],
        ]),
        _table(["run", "optimizer", "lr", "epochs", "decay", "course's accuracy",
                "accuracy now", "difference", f"within {s['accuracy_tolerance']:g}",
                "final cost", "time"], rows),
    ]
    misses = [r for r in s["runs"] if not r["reproduced"]]
    if not misses:
        blocks.append(_p(f"All {len(s['runs'])} runs reproduce the course's accuracy to the "
                         "four digits it printed (the differences are the course's rounding): "
                         "the course's data, weights, batches and update rules are reproduced "
                         "exactly."))
    else:
        short = [r for r in misses if r["epochs"] < r["course_epochs"]]
        text = ", ".join(f"run {r['run']} ({r['difference']:+.4f})" for r in misses)
        reason = (" They ran fewer epochs than the course (reduced budget), which explains them."
                  if len(short) == len(misses) else
                  " See the note below for why.")
        blocks.append(_p(f"Not reproduced within {s['accuracy_tolerance']:g}: {text}.{reason}"))
    p = s["plots"]
    blocks += [
        _p(f"The course runs took {_s(s.get('course_runs_seconds'))} in all, "
           f"{s.get('workers', 1)} worker process(es); each run's time is its own loop's wall "
           "time (the course API's forward/backward and the core's in-place update steps)."),
        _img(p["data"], "The moons data."),
        _img(p["costs"], "Cost per epoch of all runs."),
        _img(p["boundaries"], "Decision boundary of each run."),
        _h(3, "The same data through the twins"),
        _p(f"An MLP with hidden layers [5, 2] (relu) → Dense(1, sigmoid) in scratch and in Keras, "
           f"from the course's initial weights (W transposed into Keras' (in, out) kernels), on "
           f"the course's batches (the permutations of `random_mini_batches`, seeds 11, 12, …), "
           f"with Keras' exact SGD, momentum (v = βv − lr·g, β = 0.9) and Adam (ε = 1e-7) on both "
           f"sides, float32, {s['twin_epochs']} epochs. Keras trains through one real `fit` per "
           "optimizer: a `tf.data` pipeline yields the course's batches epoch after epoch and "
           "`steps_per_epoch` = 15 cuts the stream into the same epochs, so its per-epoch loss "
           "(the batch-size-weighted running mean) is the scratch twin's. The rates are not the "
           "course's: those barely move the loss in a few hundred epochs, which would make the "
           "parity check trivial."),
        _table(["optimizer", "lr", "max per-epoch |Δloss|", "max weight rel. diff",
                "final loss scratch / keras", "final accuracy scratch / keras",
                "time scratch / keras"],
               [[t["optimizer"], f"{t['learning_rate']:g}", _f(t["max_loss_diff"]),
                 _f(t["max_weight_rel_diff"]),
                 f"{t['scratch_final_loss']:.4f} / {t['keras_final_loss']:.4f}",
                 f"{t['scratch_final_acc']:.4f} / {t['keras_final_acc']:.4f}",
                 f"{_s(t['scratch_seconds'])} / {_s(t['keras_seconds'])}"]
                for t in s["twins"]]),
        _img(p["twins"], "Parity per optimizer: both twins' loss per epoch and their difference."),
    ]
    return blocks


def sleep_study_section(s: dict) -> list:
    c, b, g = s["course"], s["bfgs"], s["gradient_check"]

    def steps(r):
        if r is None:
            return f"not reached in {s['max_steps']:,} steps"
        return f"{r['steps']:,} steps (lr {r['lr']:g})"

    blocks = [
        _h(2, "3. `sleep-study` — a 2-3-1 network trained by BFGS"),
        *_budget_note(s),
        _p("Inputs (hours of sleep, hours of study) [[3, 5], [5, 1], [10, 2]] divided by their "
           "column maxima, scores [75, 82, 93] by 100; a 2-3-1 sigmoid network without biases, "
           "cost ½·Σ(y − ŷ)²; initial weights from a standard normal "
           f"(`default_rng({s['seed']})`; the course's draw was unseeded)."),
        _table(["figure", "course", "measured now"], [
            ["gradient check, relative error", f"about {c['relative_error']:.0e}",
             f"{g['relative_error']:.2e} (‖a − n‖ / (‖a‖ + ‖n‖)); "
             f"{g['course_relative_error']:.2e} (‖a − n‖ / ‖a + n‖)"],
            ["BFGS iterations", str(c["bfgs_iterations"]), str(b["iterations"])],
            ["BFGS function evaluations", str(c["bfgs_evaluations"]), str(b["evaluations"])],
            ["BFGS final cost", "≈ 0", f"{b['final_cost']:.3e}"],
            ["gradient descent: steps to BFGS's final cost", "—", steps(s["best_gd"])],
            ["Adam: steps to BFGS's final cost", "—", steps(s["best_adam"])],
        ]),
        _p("The iteration count depends on the initial draw (table of seeds below); the course's "
           "80 / 86 came from its own unseeded draw."),
        _table(["optimizer", "lr", "steps to BFGS's final cost", "cost at the end", "time"],
               [[r["optimizer"], f"{r['lr']:g}",
                 "—" if r["steps"] is None else f"{r['steps']:,}", f"{r['final_cost']:.3e}",
                 _s(r["seconds"])] for r in s["first_order"]]),
        _table(["student (sleep h, study h)", "score", "predicted after BFGS"],
               [[f"({h0:g}, {h1:g})", f"{score:g}", f"{pred:.3f}"]
                for (h0, h1), score, pred in zip([(3, 5), (5, 1), (10, 2)], s["scores"],
                                                 s["predicted_scores"], strict=True)]),
        _table(["initial draw (seed)", "BFGS iterations", "evaluations", "final cost"],
               [[r["seed"], r["iterations"], r["evaluations"], f"{r['final_cost']:.2e}"]
                for r in s["seeds"]]),
        _img(s["plots"]["costs"], "Cost per iteration: BFGS, gradient descent and Adam."),
        _img(s["plots"]["contour"], "The trained network's predicted score over 0–10 h of sleep "
                                    "× 0–5 h of study, with the three training points."),
    ]
    return blocks


def fashion_section(s: dict) -> list:
    view, maps, lr = s["dataframe"], s["maps"], s["logistic_regression"]
    titles = s["pair_titles"]
    easy_slug, hard_slug = list(titles)
    easy, hard = titles[easy_slug], titles[hard_slug]
    net_pair = s["net_pair"]
    mlp, logreg = s["net"]["mlp"], s["net"]["logreg"]
    blocks = [
        _h(2, "4. `fashion` — the Fashion-MNIST notebook"),
        *_budget_note(s),
        _p(f"Data: {s['source']} — {s['n_train_images']:,} training and {s['n_test_images']:,} "
           f"test images, pixels / 255 (range {view['pixel_min']:g}–{view['pixel_max']:g}), each "
           f"image a 784-vector. The notebook's DataFrame of the training images has shape "
           f"{view['shape'][0]:,} × {view['shape'][1]} (784 pixel columns z0…z783, `label`, "
           "`class`); a few of its columns:"),
        _table(view["columns"], [[_cell(v) for v in row] for row in view["head"]]),
        _table(["class", "training images"], list(view["class_counts"].items())),
        _img(s["plots"]["samples"], "One image per class."),
        _h(3, "The maps"),
        _p(f"Standardised pixels → PCA ({maps['all']['pca_components']} components, "
           f"{maps['all']['explained_variance']:.0%} of the variance) → t-SNE (scikit-learn, "
           f"perplexity {maps['all']['perplexity']:g}, `random_state=0`). The all-classes map "
           f"uses {maps['all']['n']:,} of {maps['all']['n_available']:,} images; t-SNE took "
           f"{_s(maps['all']['tsne_seconds'])} (PCA {_s(maps['all']['pca_seconds'])}). How mixed "
           "a map is, is measured by the 5-nearest-neighbour accuracy of the class in the 2-D map "
           "(5-fold cross-validated)."),
        _table(["map", "images", "t-SNE time", "5-NN accuracy in the map"],
               [["all ten classes", f"{maps['all']['n']:,}", _s(maps["all"]["tsne_seconds"]),
                 _f(maps["all"]["knn5_accuracy"], 3)]]
               + [[titles[k], f"{maps[k]['n']:,}", _s(maps[k]["tsne_seconds"]),
                   _f(maps[k]["knn5_accuracy"], 3)] for k in titles]),
        _img(s["plots"]["map_all"], "All ten classes."),
        _img(s["plots"][f"map_{easy_slug}"], easy),
        _img(s["plots"][f"map_{hard_slug}"], hard),
        _h(3, "The course's logistic regression"),
        _p("Bias trick, zeros, full-batch gradient descent, lr 0.05, the `seed` split (shuffle "
           "with seed 42, 60 / 20 / 20 train / test / validation); test accuracy of the final "
           "weights on the test part."),
        _table(["pair", "steps", "train acc", "validation acc", "test acc", "training time"],
               [[title, r["steps"], _f(r["final_train_acc"]), _f(r["final_val_acc"]),
                 _f(r["test_acc"]), _s(r["seconds"])] for title, r in lr.items()]),
        _img(s["plots"]["lr_curves"], "Loss and accuracy per step, both pairs."),
        _h(3, f"The network on {net_pair}"),
        _p(f"Keras' Input → Dense(100, relu) → Dense(1, sigmoid) and its scratch twin, trained "
           f"by `kvsbench`'s paired runner (same split, weights and batches): Adam, lr "
           f"{s['net_setup']['learning_rate']:g}, batch {s['net_setup']['batch_size']}, "
           f"{s['net_setup']['epochs']} epochs; and the logreg twins under the same training."),
        _table(["model", "twin", "test acc", "training time", "max per-epoch |Δloss| of the twins"],
               [[label, impl, _f(res[impl]["test_acc"]), _s(res[impl]["fit_seconds"]),
                 _f(res[impl]["max_loss_diff"])]
                for label, res in (("MLP 100", mlp), ("logreg", logreg))
                for impl in DEFAULT_TWINS]),
        _img(s["plots"]["net_vs_lr"], "Test accuracy of every model, and validation accuracy "
                                      "per epoch of the twins."),
        _h(3, "The notebook's questions, answered from these numbers"),
        *_fashion_answers(s, easy_slug, hard_slug),
    ]
    return blocks


def _cell(v):
    return _f(v, 3) if isinstance(v, float) else str(v)


def _fashion_answers(s, easy_slug, hard_slug) -> list:
    titles, maps, lr = s["pair_titles"], s["maps"], s["logistic_regression"]
    easy, hard = titles[easy_slug], titles[hard_slug]
    le, lh = lr[easy], lr[hard]
    mlp, logreg = s["net"]["mlp"], s["net"]["logreg"]
    course_net = lr[s["net_pair"]]
    mlp_acc = mlp["scratch"]["test_acc"]
    gain = mlp_acc - course_net["test_acc"]
    gain_training = logreg["scratch"]["test_acc"] - course_net["test_acc"]
    gain_hidden = mlp_acc - logreg["scratch"]["test_acc"]
    return [
        _p(f"**What accuracy did each pair reach, and how long did it take?** The course's "
           f"logistic regression reached {le['test_acc']:.1%} test accuracy on {easy} and "
           f"{lh['test_acc']:.1%} on {hard}, after {_n(le['steps'], 'full-batch step')} that took "
           f"{_s(le['seconds'])} and {_s(lh['seconds'])} "
           f"({le['n_train']:,} and {lh['n_train']:,} training images)."),
        _p(f"**Why do the two pairs differ?** Look at the maps. In the {easy} map a point's 5 "
           f"nearest neighbours share its class {maps[easy_slug]['knn5_accuracy']:.1%} of the "
           f"time, in the {hard} map {maps[hard_slug]['knn5_accuracy']:.1%}. "
           + _map_reading(maps[easy_slug]["knn5_accuracy"], maps[hard_slug]["knn5_accuracy"],
                          easy, hard)
           + (f" The linear model follows the maps: {le['test_acc']:.1%} against "
              f"{lh['test_acc']:.1%}." if le["test_acc"] > lh["test_acc"] else
              f" Here the linear model does not follow the maps ({le['test_acc']:.1%} against "
              f"{lh['test_acc']:.1%}).")),
        _p(f"**What did the network change?** On {s['net_pair']} the MLP reached "
           f"{mlp_acc:.1%} test accuracy (Keras twin {mlp['keras']['test_acc']:.1%}) against "
           f"the course's logistic regression's {course_net['test_acc']:.1%}: "
           f"{gain * 100:+.1f} points, at {mlp['scratch']['fit_seconds']:.1f} s of training "
           f"(scratch; Keras {mlp['keras']['fit_seconds']:.1f} s) instead of "
           f"{_s(course_net['seconds'])}. Part of that is the training, not the "
           f"network: logistic regression trained the same way (Adam, mini-batches of 32) "
           f"reached {logreg['scratch']['test_acc']:.1%} ({gain_training * 100:+.1f} points over "
           f"the course's {course_net['steps']} gradient steps); the hidden layer of 100 relu "
           f"units adds "
           f"{gain_hidden * 100:+.1f} points on top."),
    ]


def _map_reading(knn_easy: float, knn_hard: float, easy: str, hard: str) -> str:
    """One sentence reading the two pair maps from their 5-NN accuracies."""
    if knn_easy > knn_hard + 0.05:
        return (f"Trousers and ankle boots have different silhouettes and light up different "
                f"pixels, so the {easy} map shows two separate islands; pullovers and coats are "
                f"both long-sleeved tops of similar shape and brightness, told apart by details "
                f"(buttons, zips, collars), so in the {hard} map the two classes overlap in one "
                f"cloud and no straight cut through pixel space separates them well.")
    return (f"The two maps are about equally separated here (the sample may be too small to "
            f"show the difference the notebook saw between {easy} and {hard}).")


SECTIONS = {
    "blobs": blobs_section,
    "moons": moons_section,
    "sleep-study": sleep_study_section,
    "fashion": fashion_section,
}


def build_blocks(out_dir: Path, skipped: dict | None = None) -> tuple[list, list]:
    """(blocks, names of the experiments found) of the report of ``out_dir``."""
    summaries = {name: read_summary(out_dir, name) for name in EXPERIMENTS}
    found = [name for name in EXPERIMENTS if summaries[name] is not None]
    skipped = skipped or {}
    overview = []
    for name in EXPERIMENTS:
        s = summaries[name]
        if s is not None:
            overview.append([f"`{name}`", "done" if s.get("budget", 1) >= 1 else
                             f"done, budget ×{s['budget']:g}", _s(s["seconds"])])
        elif name in skipped:
            overview.append([f"`{name}`", f"skipped: {skipped[name]}", "—"])
        else:
            overview.append([f"`{name}`", "not run (`kvsbench course " + name + " --out DIR`)",
                             "—"])
    blocks = [
        _h(1, "The course experiments, reproduced"),
        _p("kvsbench grew out of a from-scratch neural-network course. `kvsbench course` reruns "
           "the course's experiments with the `scratch` course API, puts every number the course "
           "printed beside the one measured now, and trains the Keras twin beside the scratch "
           "one. Records: the CSV files next to this report."),
        _table(["experiment", "status", "time"], overview),
    ]
    for name in found:
        blocks += SECTIONS[name](summaries[name])
        csvs = summaries[name].get("csv", [])
        if csvs:
            blocks.append(_p("Records: " + ", ".join(f"`{c}`" for c in csvs) + "."))
    return blocks, found


# ------------------------------------------------------------------------------- rendering


def to_markdown(blocks) -> str:
    out = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            out.append("#" * block[1] + " " + block[2])
        elif kind == "p":
            out.append(block[1])
        elif kind == "list":
            out.append("\n".join(f"- {item}" for item in block[1]))
        elif kind == "table":
            headers, rows = block[1], block[2]
            lines = ["| " + " | ".join(_md_cell(h) for h in headers) + " |",
                     "|" + "---|" * len(headers)]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            out.append("\n".join(lines))
        elif kind == "img":
            out.append(f"![{block[2]}]({block[1]})\n\n*{block[2]}*")
    return "\n\n".join(out) + "\n"


def _md_cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


_INLINE_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*([^*]+)\*(?![*\w])")


def _inline_html(text: str) -> str:
    text = html.escape(str(text), quote=False)
    text = _INLINE_CODE.sub(r"<code>\1</code>", text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


_MIME = {".png": "image/png", ".gif": "image/gif"}

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       line-height: 1.45; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-style: italic; color: #555; }
code { background: #f5f5f5; padding: 0 0.2em; }
"""


def to_html(blocks, out_dir: Path) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>kvsbench — the course experiments</title>", f"<style>{_CSS}</style>",
           "</head><body>"]
    for block in blocks:
        kind = block[0]
        if kind == "h":
            out.append(f"<h{block[1]}>{_inline_html(block[2])}</h{block[1]}>")
        elif kind == "p":
            out.append(f"<p>{_inline_html(block[1])}</p>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in block[1])
                       + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{_inline_html(h)}</th>" for h in block[1])
            body = "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in row)
                           + "</tr>" for row in block[2])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "img":
            path = Path(out_dir) / block[1]
            mime = _MIME.get(path.suffix.lower(), "application/octet-stream")
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            alt = html.escape(block[2])
            out.append(f'<figure><img alt="{alt}" src="data:{mime};base64,{data}">'
                       f"<figcaption>{_inline_html(block[2])}</figcaption></figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def build_course_report(out_dir: Path, skipped: dict | None = None) -> tuple[Path, Path]:
    """Write ``course.md`` and ``course.html`` for the experiments summarised in ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        A ``kvsbench course`` result directory.
    skipped : dict name → reason, optional
        Experiments asked for but skipped (e.g. ``fashion`` without data).

    Returns
    -------
    (Path, Path)
        The Markdown and HTML reports.
    """
    out_dir = Path(out_dir)
    blocks, _ = build_blocks(out_dir, skipped)
    md_path, html_path = out_dir / "course.md", out_dir / "course.html"
    write_atomic(md_path, to_markdown(blocks))
    write_atomic(html_path, to_html(blocks, out_dir))
    return md_path, html_path
