"""The course report's section of the Fashion-MNIST notebook (``kvsbench course fashion``):
the data, the t-SNE maps, the course's logistic regression, the network on one pair, and the
notebook's questions answered from these numbers — as blocks of the shared document model.
Every string of the summary (class names, pair titles, the data source, DataFrame cells) is
untrusted text (:func:`~benchmarks.report.document.text`)."""

from __future__ import annotations

from benchmarks.course.report_sections import budget_note, count, smoke_run
from benchmarks.report.document import Heading, Para, Table, text
from benchmarks.report.fmt import (
    fmt_count,
    fmt_decimal,
    fmt_number,
    fmt_pct,
    fmt_pp,
    fmt_sci,
    fmt_seconds,
)
from benchmarks.twins.registry import DEFAULT_TWINS


def fashion_section(s: dict, figure) -> list:
    view, maps, lr = s["dataframe"], s["maps"], s["logistic_regression"]
    titles = s["pair_titles"]
    easy_slug, hard_slug = list(titles)
    net_pair, setup, m = text(s["net_pair"]), s["net_setup"], maps["all"]
    mlp, logreg = s["net"]["mlp"], s["net"]["logreg"]
    return [
        Heading(2, "4. `fashion` — the Fashion-MNIST notebook"),
        *budget_note(s),
        Para(f"Data: {text(s['source'])} — {fmt_count(s['n_train_images'])} training and "
             f"{fmt_count(s['n_test_images'])} test images, pixels / 255 (range "
             f"{fmt_number(view['pixel_min'])}–{fmt_number(view['pixel_max'])}), each image a "
             "784-vector. The notebook's DataFrame of the training images has shape "
             f"{fmt_count(view['shape'][0])} × {fmt_count(view['shape'][1])} (784 pixel columns "
             "z0…z783, `label`, `class`); a few of its columns:"),
        Table([text(c) for c in view["columns"]],
              [[_cell(v) for v in row] for row in view["head"]]),
        Table(["class", "training images"],
              [[text(k), fmt_count(v)] for k, v in view["class_counts"].items()]),
        figure(s["plots"]["samples"], "One image per class."),
        Heading(3, "The maps"),
        Para(f"Standardised pixels → PCA ({fmt_count(m['pca_components'])} components, "
             f"{fmt_pct(m['explained_variance'])} of the variance) → t-SNE (scikit-learn, "
             f"perplexity {fmt_number(m['perplexity'])}, `random_state=0`). The all-classes map "
             f"uses {fmt_count(m['n'])} of {fmt_count(m['n_available'])} images; t-SNE took "
             f"{fmt_seconds(m['tsne_seconds'])} (PCA {fmt_seconds(m['pca_seconds'])}). How "
             "mixed a map is, is measured by the 5-nearest-neighbour accuracy of the class in "
             "the 2-D map (5-fold cross-validated)."),
        Table(["map", "images", "t-SNE time", "5-NN accuracy in the map"],
              [["all ten classes", fmt_count(m["n"]), fmt_seconds(m["tsne_seconds"]),
                fmt_decimal(m["knn5_accuracy"], 3)]]
              + [[text(titles[k]), fmt_count(maps[k]["n"]), fmt_seconds(maps[k]["tsne_seconds"]),
                  fmt_decimal(maps[k]["knn5_accuracy"], 3)] for k in titles]),
        figure(s["plots"]["map_all"], "All ten classes."),
        figure(s["plots"][f"map_{easy_slug}"], text(titles[easy_slug])),
        figure(s["plots"][f"map_{hard_slug}"], text(titles[hard_slug])),
        Heading(3, "The course's logistic regression"),
        Para("Bias trick, zeros, full-batch gradient descent, lr 0.05, the `seed` split "
             "(shuffle with seed 42, 60 / 20 / 20 train / test / validation); test accuracy of "
             "the final weights on the test part."),
        Table(["pair", "steps", "train acc", "validation acc", "test acc", "training time"],
              [[text(title), fmt_count(r["steps"]), fmt_decimal(r["final_train_acc"]),
                fmt_decimal(r["final_val_acc"]), fmt_decimal(r["test_acc"]),
                fmt_seconds(r["seconds"])] for title, r in lr.items()]),
        figure(s["plots"]["lr_curves"], "Loss and accuracy per step, both pairs."),
        Heading(3, f"The network on {net_pair}"),
        Para("Keras' Input → Dense(100, relu) → Dense(1, sigmoid) and its scratch twin, "
             "trained by `kvsbench`'s paired runner (same split, weights and batches): Adam, lr "
             f"{fmt_number(setup['learning_rate'])}, batch {fmt_count(setup['batch_size'])}, "
             f"{count(setup['epochs'], 'epoch')}; and the logreg twins under the same "
             "training."),
        Table(["model", "twin", "test acc", "training time", "step parity against Keras",
               "max per-epoch loss gap of the twins"],
              [[label, impl, fmt_decimal(res[impl]["test_acc"]),
                fmt_seconds(res[impl]["fit_seconds"]), fmt_sci(res[impl].get("step_parity"), 2),
                fmt_sci(res[impl]["max_loss_diff"], 2)]
               for label, res in (("MLP 100", mlp), ("logreg", logreg))
               for impl in DEFAULT_TWINS]),
        figure(s["plots"]["net_vs_lr"], "Test accuracy of every model, and validation "
                                        "accuracy per epoch of the twins."),
        Heading(3, "The notebook's questions, answered from these numbers"),
        *(_fashion_answers(s, easy_slug, hard_slug) if not smoke_run(s) else [Para(
            "A smoke run: its few steps answer none of them (`kvsbench course fashion` "
            "without `--quick` does).")]),
    ]


def _cell(v) -> str:
    return fmt_decimal(v, 3) if isinstance(v, float) else text(v)


def _fashion_answers(s, easy_slug, hard_slug) -> list:
    titles, maps, lr = s["pair_titles"], s["maps"], s["logistic_regression"]
    le, lh = lr[titles[easy_slug]], lr[titles[hard_slug]]
    easy, hard = text(titles[easy_slug]), text(titles[hard_slug])
    knn_easy, knn_hard = maps[easy_slug]["knn5_accuracy"], maps[hard_slug]["knn5_accuracy"]
    mlp, logreg = s["net"]["mlp"], s["net"]["logreg"]
    course_net = lr[s["net_pair"]]
    mlp_acc, logreg_acc = mlp["scratch"]["test_acc"], logreg["scratch"]["test_acc"]
    follows = le["test_acc"] > lh["test_acc"]
    accs = f"{fmt_pct(le['test_acc'])} against {fmt_pct(lh['test_acc'])}"
    return [
        Para(f"**What accuracy did each pair reach, and how long did it take?** The course's "
             f"logistic regression reached {fmt_pct(le['test_acc'])} test accuracy on {easy} "
             f"and {fmt_pct(lh['test_acc'])} on {hard}, after "
             f"{count(le['steps'], 'full-batch step')} that took {fmt_seconds(le['seconds'])} "
             f"and {fmt_seconds(lh['seconds'])} ({fmt_count(le['n_train'])} and "
             f"{fmt_count(lh['n_train'])} training images)."),
        Para(f"**Why do the two pairs differ?** Look at the maps. In the {easy} map a point's 5 "
             f"nearest neighbours share its class {fmt_pct(knn_easy)} of the time, in the "
             f"{hard} map {fmt_pct(knn_hard)}. " + _map_reading(knn_easy, knn_hard, easy, hard)
             + (f" The linear model follows the maps: {accs}." if follows else
                f" Here the linear model does not follow the maps ({accs}).")),
        Para(f"**What did the network change?** On {text(s['net_pair'])} the MLP reached "
             f"{fmt_pct(mlp_acc)} test accuracy (Keras twin {fmt_pct(mlp['keras']['test_acc'])}) "
             f"against the course's logistic regression's {fmt_pct(course_net['test_acc'])}: "
             f"{fmt_pp(mlp_acc - course_net['test_acc'])}, at "
             f"{fmt_seconds(mlp['scratch']['fit_seconds'])} of training (scratch; Keras "
             f"{fmt_seconds(mlp['keras']['fit_seconds'])}) instead of "
             f"{fmt_seconds(course_net['seconds'])}. Part of that is the training, not the "
             "network: logistic regression trained the same way (Adam, mini-batches of 32) "
             f"reached {fmt_pct(logreg_acc)} ({fmt_pp(logreg_acc - course_net['test_acc'])} over "
             f"the course's {count(course_net['steps'], 'gradient step')}); the hidden layer of "
             f"100 relu units adds {fmt_pp(mlp_acc - logreg_acc)} on top."),
    ]


def _map_reading(knn_easy: float, knn_hard: float, easy: str, hard: str) -> str:
    """One sentence reading the two pair maps from their 5-NN accuracies (``easy`` and
    ``hard`` are markup already)."""
    if knn_easy > knn_hard + 0.05:
        return (f"Trousers and ankle boots have different silhouettes and light up different "
                f"pixels, so the {easy} map shows two separate islands; pullovers and coats are "
                f"both long-sleeved tops of similar shape and brightness, told apart by details "
                f"(buttons, zips, collars), so in the {hard} map the two classes overlap in one "
                f"cloud and no straight cut through pixel space separates them well.")
    return (f"The two maps are about equally separated here (the sample may be too small to "
            f"show the difference the notebook saw between {easy} and {hard}).")
