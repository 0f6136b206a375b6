"""``fashion``: the course's Fashion-MNIST notebook, step by step, on the real data.

1. Read the images (``--data-dir`` / ``FASHION_MNIST_DIR`` / Keras cache, as everywhere in
   kvsbench), pixels / 255, each image a 784-vector, and a pandas view of them
   (``benchmarks.data.to_dataframe``).
2. A 2-D map of all ten classes: standardised pixels → PCA (50 components) → t-SNE
   (scikit-learn, perplexity 30, ``random_state=0``) on at most 10,000 images (train and test
   files together, a seeded sample when there are more), coloured by class. The same map for
   Trouser vs Ankle boot and for Pullover vs Coat (t-SNE of each pair's images alone). How
   mixed a map is, is measured: the 5-nearest-neighbour accuracy of the class in the 2-D map
   (5-fold cross-validated).
3. The course's logistic regression (``scratch.logistic_regression``: bias trick, zeros,
   full-batch gradient descent, lr 0.05, 100 steps, the ``seed`` split) on both pairs, timed,
   with its loss and accuracy curves; test accuracy of the final weights on the split's test
   part.
4. The Keras net Input → Dense(100, relu) → Dense(1, sigmoid) and its scratch twin on Pullover
   vs Coat (``benchmarks.harness.runner.run_experiment``: the same split, weights and batches; Adam,
   lr 0.001, batch 32, 20 epochs), and the logreg twins under the very same training, so that
   "the network" and "the training" can be told apart.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.atomic import write_csv
from benchmarks.course.common import new_figure, save_png, scaled, write_summary
from benchmarks.twins.registry import DEFAULT_TWINS

NAME = "fashion"
PAIRS = (("trouser", "ankle-boot"), ("pullover", "coat"))
NET_PAIR = ("pullover", "coat")
LR_LEARNING_RATE = 0.05
LR_STEPS = 100
TSNE_MAX_SAMPLES = 10_000
TSNE_PERPLEXITY = 30.0
PCA_COMPONENTS = 50
#: OpenMP threads of t-SNE's gradient. One: on a shared two-core machine two threads were
#: slower (8,226 images: 96 s against 66 s; 300 images: ~15 s against 1.4 s, spin-waiting).
TSNE_THREADS = 1
NET_EPOCHS = 20
NET_SETUP = {"optimizer": "adam", "learning_rate": 0.001, "batch_size": 32, "seed": 0,
             "protocol": "seed"}
SAMPLE_SEED = 0


# ------------------------------------------------------------------------------- data


def load_images(data_dir=None):
    """All images as 784-vectors of pixels / 255 and their labels, train file then test file.

    Returns
    -------
    X_train (n_train, 784) float32, y_train (n_train,) int, X_test, y_test, source str
    """
    from benchmarks.data import load_fashion_mnist_with_source

    ((x_train, y_train), (x_test, y_test)), source = load_fashion_mnist_with_source(data_dir)

    def flat(images):
        return images.reshape(len(images), -1).astype(np.float32) / 255.0

    labels_train, labels_test = y_train.astype(np.int64), y_test.astype(np.int64)
    return flat(x_train), labels_train, flat(x_test), labels_test, str(source)


def dataframe_view(X: np.ndarray, y: np.ndarray) -> dict:
    """The notebook's DataFrame of the training images: shape, a few columns of its head, and
    the images per class."""
    from benchmarks.data import to_dataframe

    frame = to_dataframe(X, y)
    columns = ["z0", "z1", "z406", "z407", "z783", "label", "class"]
    head = frame[columns].head(5)
    counts = frame["class"].value_counts().reindex(pd.unique(frame.sort_values("label")["class"]))
    return {
        "shape": list(frame.shape),
        "columns": columns,
        "head": head.round(3).astype(object).values.tolist(),
        "class_counts": {str(k): int(v) for k, v in counts.items()},
        "pixel_min": float(X.min()),
        "pixel_max": float(X.max()),
    }


# ------------------------------------------------------------------------------- maps


def tsne_map(X: np.ndarray, y: np.ndarray, max_samples: int) -> dict:
    """Standardise → PCA(50) → t-SNE(2) on at most ``max_samples`` rows (seeded sample).

    Returns a dict with the embedding (m, 2), the labels (m,), the sample size, the seconds of
    PCA and of t-SNE, and the 5-NN accuracy of the labels in the 2-D map.
    """
    from sklearn.manifold import TSNE
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from threadpoolctl import threadpool_limits

    from benchmarks.data.toy import project_pair_2d

    n = len(X)
    m = min(n, max_samples)
    components = min(PCA_COMPONENTS, m, X.shape[1])
    t0 = time.perf_counter()
    projection = project_pair_2d(X, y, n_components=components, seed=SAMPLE_SEED, max_samples=m)
    pca_seconds = time.perf_counter() - t0
    perplexity = min(TSNE_PERPLEXITY, (m - 1) / 3)  # t-SNE needs perplexity < n_samples
    t0 = time.perf_counter()
    with threadpool_limits(TSNE_THREADS, user_api="openmp"):
        embedding = TSNE(n_components=2, perplexity=perplexity, random_state=0, init="pca",
                         learning_rate="auto").fit_transform(projection.Z)
    tsne_seconds = time.perf_counter() - t0
    labels = projection.y
    folds = int(min(5, np.bincount(np.unique(labels, return_inverse=True)[1]).min()))
    knn = (float(np.mean(cross_val_score(KNeighborsClassifier(5), embedding, labels, cv=folds)))
           if folds >= 2 else float("nan"))
    return {"embedding": embedding, "labels": labels, "n": int(m), "n_available": int(n),
            "pca_components": int(components), "perplexity": float(perplexity),
            "pca_seconds": pca_seconds, "tsne_seconds": tsne_seconds, "knn5_accuracy": knn,
            "explained_variance": float(np.sum(projection.explained_variance_ratio))}


def plot_map(result: dict, classes, title: str, path: Path) -> str:
    from matplotlib import colormaps

    from benchmarks.data import CLASS_NAMES

    fig = new_figure(8, 6.5 if len(classes) > 2 else 5.5)
    ax = fig.add_subplot()
    cmap = colormaps["tab10"]
    emb, labels = result["embedding"], result["labels"]
    for c in classes:
        mask = labels == c
        ax.scatter(emb[mask, 0], emb[mask, 1], s=3 if len(classes) > 2 else 5, color=cmap(c),
                   label=f"{c} {CLASS_NAMES[c]} ({int(mask.sum())})", alpha=0.7)
    ax.set(title=f"{title}\n{result['n']} images, PCA({result['pca_components']}) of "
                 f"standardised pixels → t-SNE (perplexity {result['perplexity']:g}); "
                 f"5-NN accuracy in the map {result['knn5_accuracy']:.3f}",
           xlabel="t-SNE dimension 1 (arbitrary units)",
           ylabel="t-SNE dimension 2 (arbitrary units)")
    ax.title.set_fontsize(10)
    ax.legend(markerscale=4, fontsize=8, loc="best")
    return save_png(fig, path)


def plot_samples(X: np.ndarray, y: np.ndarray, path: Path) -> str:
    from benchmarks.data import CLASS_NAMES

    fig = new_figure(10, 4.6)
    axes = fig.subplots(2, 5).ravel()
    for c, ax in enumerate(axes):
        index = np.flatnonzero(y == c)
        if len(index):
            ax.imshow(X[index[0]].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{c} {CLASS_NAMES[c]}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Fashion-MNIST: the first training image of each class (28 × 28 pixels, "
                 "pixel / 255 from 0 white to 1 black)")
    return save_png(fig, path)


# ------------------------------------------------------------------------------- models


def pair_pool(X: np.ndarray, y: np.ndarray, first: int, second: int):
    """The pair's training images in file order (X float64, y 1.0 for ``second``) — what the
    notebook handed to ``logistic_regression``, which splits it itself (seed 42)."""
    index = np.flatnonzero((y == first) | (y == second))
    return X[index].astype(np.float64), (y[index] == second).astype(np.float64)


def course_logistic_regression(X: np.ndarray, y: np.ndarray, steps: int) -> dict:
    """The notebook's logistic regression, timed; test accuracy of the final weights."""
    from scratch import accuracy, bias_trick, logistic_regression, train_test_validation_split
    from scratch.activations import sigmoid

    Xb = bias_trick(X)
    t0 = time.perf_counter()
    theta, train_loss, train_acc, val_loss, val_acc = logistic_regression(
        Xb, y, LR_LEARNING_RATE, steps
    )
    seconds = time.perf_counter() - t0
    X_train, X_test, X_val, _, y_test, _ = train_test_validation_split(Xb, y)
    test_acc = accuracy(y_test, sigmoid(X_test @ theta))
    return {"steps": steps, "seconds": seconds, "train_loss": train_loss, "train_acc": train_acc,
            "val_loss": val_loss, "val_acc": val_acc, "test_acc": float(test_acc),
            "n_train": len(X_train), "n_val": len(X_val), "n_test": len(y_test)}


def twins_on_pair(first: str, second: str, epochs: int, data_dir) -> dict:
    """The MLP and logreg twins (scratch and Keras) under the notebook net's training set-up."""
    from benchmarks.config import ExperimentConfig
    from benchmarks.data import load_pair, pair_slug
    from benchmarks.harness.runner import run_experiment

    pair = load_pair(first, second, protocol=NET_SETUP["protocol"], data_dir=data_dir)
    out = {}
    for model in ("mlp", "logreg"):
        config = ExperimentConfig(
            model=model, pair=pair_slug((first, second)), optimizer=NET_SETUP["optimizer"],
            learning_rate=NET_SETUP["learning_rate"], batch_size=NET_SETUP["batch_size"],
            epochs=epochs, seed=NET_SETUP["seed"], protocol=NET_SETUP["protocol"],
        )
        results = run_experiment(config, pair)
        out[model] = {
            impl: {"test_acc": r.test_acc, "test_loss": r.test_loss, "fit_seconds": r.fit_seconds,
                   "val_acc": r.curves["val_acc"], "train_loss": r.curves["train_loss"],
                   "status": r.status, "max_loss_diff": r.max_loss_diff,
                   "step_parity": r.step_parity,
                   "pred_agreement": r.pred_agreement}
            for impl, r in results.items()
        }
    out["sizes"] = pair.sizes
    return out


# ------------------------------------------------------------------------------- plots


def plot_lr_curves(lr_results: dict, path: Path) -> str:
    fig = new_figure(11, 4.2)
    ax_loss, ax_acc = fig.subplots(1, 2)
    for (title, res), color in zip(lr_results.items(), ("tab:green", "tab:purple"),
                                   strict=False):
        steps = np.arange(1, res["steps"] + 1)
        for key, style in (("train", "-"), ("val", "--")):
            ax_loss.plot(steps, res[f"{key}_loss"], style, color=color, label=f"{title}, {key}")
            ax_acc.plot(steps, res[f"{key}_acc"], style, color=color, label=f"{title}, {key}")
    ax_loss.set(title="Course logistic regression: loss per step", xlabel="gradient step",
                ylabel="binary cross-entropy (nats / image)")
    ax_acc.set(title="Course logistic regression: accuracy per step", xlabel="gradient step",
               ylabel="accuracy (fraction correct)")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return save_png(fig, path)


def plot_net_vs_lr(net: dict, course_lr: dict, title: str, path: Path) -> str:
    fig = new_figure(11, 4.4)
    ax_bar, ax_curve = fig.subplots(1, 2)
    bars = [(f"course LR\n(GD, {course_lr['steps']} steps)", course_lr["test_acc"],
             course_lr["seconds"])]
    for model, label in (("logreg", "logreg"), ("mlp", "MLP 100")):
        for impl in DEFAULT_TWINS:
            r = net[model][impl]
            bars.append((f"{label}\n{impl}", r["test_acc"], r["fit_seconds"]))
    xs = np.arange(len(bars))
    colors = ["tab:gray", "tab:blue", "tab:blue", "tab:orange", "tab:orange"]
    ax_bar.bar(xs, [b[1] for b in bars], color=colors[: len(bars)])
    for x, (_, acc, sec) in zip(xs, bars, strict=True):
        took = f"{sec:.1f} s" if sec >= 1 else f"{sec * 1e3:.0f} ms"
        ax_bar.text(x, acc + 0.005, f"{acc:.3f}\n{took}", ha="center", fontsize=8)
    low = min(b[1] for b in bars)
    ax_bar.set_ylim(max(0.0, low - 0.08), 1.02)
    ax_bar.set_xticks(xs, [b[0] for b in bars], fontsize=8)
    ax_bar.set(title=f"{title}: test accuracy (label: accuracy, training time)",
               ylabel="test accuracy (fraction correct)")
    ax_bar.title.set_fontsize(10)
    for model, color in (("logreg", "tab:blue"), ("mlp", "tab:orange")):
        for impl, style in (("scratch", "-"), ("keras", "--")):
            acc = net[model][impl]["val_acc"]
            ax_curve.plot(np.arange(1, len(acc) + 1), acc, style, color=color,
                          label=f"{model} {impl}")
    ax_curve.axhline(course_lr["val_acc"][-1], color="tab:gray", lw=1,
                     label=f"course LR after {course_lr['steps']} steps")
    ax_curve.set(title=f"{title}: validation accuracy per epoch\n(twins: Adam, lr "
                       f"{NET_SETUP['learning_rate']:g}, batch {NET_SETUP['batch_size']})",
                 xlabel="epoch", ylabel="validation accuracy (fraction correct)")
    ax_curve.title.set_fontsize(10)
    ax_curve.grid(alpha=0.3)
    ax_curve.legend(fontsize=8)
    return save_png(fig, path)


# ------------------------------------------------------------------------------- the experiment


def run(out_dir: Path, budget: float = 1.0, data_dir=None, tsne_samples: int | None = None,
        log=print) -> dict:
    """The notebook's steps; writes CSVs, plots and ``fashion.json``.

    ``budget`` scales the logistic regression's 100 steps, the nets' 20 epochs and the t-SNE
    sample (10,000 images); ``tsne_samples`` overrides the latter.

    Raises
    ------
    benchmarks.errors.DataError
        Fashion-MNIST not found (one line naming where it looked).
    """
    from benchmarks.data import CLASS_NAMES, class_index

    out_dir = Path(out_dir)
    start = time.perf_counter()
    X_train, y_train, X_test, y_test, source = load_images(data_dir)
    log(f"fashion: {len(X_train)} training and {len(X_test)} test images from {source}")
    view = dataframe_view(X_train, y_train)
    X_all, y_all = np.vstack([X_train, X_test]), np.concatenate([y_train, y_test])
    max_samples = tsne_samples or scaled(TSNE_MAX_SAMPLES, budget, minimum=100)

    plots = {"samples": plot_samples(X_train, y_train, out_dir / "fashion_samples.png")}
    maps = {}
    all_map = tsne_map(X_all, y_all, max_samples)
    log(f"fashion: t-SNE of {all_map['n']} images in {all_map['tsne_seconds']:.1f} s")
    plots["map_all"] = plot_map(all_map, range(10), "Fashion-MNIST, all ten classes",
                                out_dir / "fashion_map_all.png")
    maps["all"] = all_map
    lr_results, pair_titles = {}, {}
    for first, second in PAIRS:
        a, b = class_index(first), class_index(second)
        title = f"{CLASS_NAMES[a]} vs {CLASS_NAMES[b]}"
        slug = f"{first}_{second}"
        pair_titles[slug] = title
        mask = (y_all == a) | (y_all == b)
        maps[slug] = tsne_map(X_all[mask], y_all[mask], max_samples)
        plots[f"map_{slug}"] = plot_map(maps[slug], (a, b), f"Fashion-MNIST, {title}",
                                        out_dir / f"fashion_map_{slug}.png")
        X_pool, y_pool = pair_pool(X_train, y_train, a, b)
        lr_results[title] = course_logistic_regression(X_pool, y_pool,
                                                       scaled(LR_STEPS, budget, minimum=2))
        log(f"fashion: course LR on {title}: test accuracy {lr_results[title]['test_acc']:.4f} "
            f"in {lr_results[title]['seconds']:.2f} s; 5-NN in the map "
            f"{maps[slug]['knn5_accuracy']:.3f}")
    plots["lr_curves"] = plot_lr_curves(lr_results, out_dir / "fashion_lr_curves.png")

    net_title = " vs ".join(CLASS_NAMES[class_index(c)] for c in NET_PAIR)
    net_epochs = scaled(NET_EPOCHS, budget, minimum=2)
    net = twins_on_pair(*NET_PAIR, net_epochs, data_dir)
    log(f"fashion: MLP on {net_title}: test accuracy scratch "
        f"{net['mlp']['scratch']['test_acc']:.4f}, keras {net['mlp']['keras']['test_acc']:.4f}")
    plots["net_vs_lr"] = plot_net_vs_lr(net, lr_results[net_title], net_title,
                                        out_dir / "fashion_net_vs_lr.png")

    curve_rows = [
        {"pair": title, "model": "course_logreg", "impl": "scratch", "step": k + 1,
         "train_loss": r["train_loss"][k], "train_acc": r["train_acc"][k],
         "val_loss": r["val_loss"][k], "val_acc": r["val_acc"][k]}
        for title, r in lr_results.items() for k in range(r["steps"])
    ]
    curve_rows += [
        {"pair": net_title, "model": model, "impl": impl, "step": e + 1,
         "train_loss": net[model][impl]["train_loss"][e], "train_acc": float("nan"),
         "val_loss": float("nan"), "val_acc": net[model][impl]["val_acc"][e]}
        for model in ("mlp", "logreg") for impl in DEFAULT_TWINS
        for e in range(len(net[model][impl]["val_acc"]))
    ]
    write_csv(out_dir / "fashion_curves.csv", pd.DataFrame(curve_rows))
    map_rows = []
    for key, m in maps.items():
        map_rows += [{"map": key, "x": float(p[0]), "y": float(p[1]), "label": int(c)}
                     for p, c in zip(m["embedding"], m["labels"], strict=True)]
    write_csv(out_dir / "fashion_maps.csv", pd.DataFrame(map_rows))

    summary = {
        "name": NAME,
        "budget": budget,
        "seconds": time.perf_counter() - start,
        "source": source,
        "n_train_images": len(X_train),
        "n_test_images": len(X_test),
        "dataframe": view,
        "maps": {k: {kk: vv for kk, vv in m.items() if kk not in ("embedding", "labels")}
                 for k, m in maps.items()},
        "pair_titles": pair_titles,
        "logistic_regression": {
            title: {k: v for k, v in r.items() if k not in ("train_loss", "val_loss",
                                                              "train_acc", "val_acc")}
            | {"final_train_acc": r["train_acc"][-1], "final_val_acc": r["val_acc"][-1],
               "final_train_loss": r["train_loss"][-1], "final_val_loss": r["val_loss"][-1]}
            for title, r in lr_results.items()
        },
        "net_pair": net_title,
        "net_setup": {**NET_SETUP, "epochs": net_epochs, "hidden_units": 100,
                      "activation": "relu"},
        "net": {model: {impl: {k: v for k, v in r.items() if k not in ("val_acc", "train_loss")}
                        | {"final_val_acc": r["val_acc"][-1] if r["val_acc"] else None}
                        for impl, r in net[model].items()}
                for model in ("mlp", "logreg")},
        "net_sizes": net["sizes"],
        "plots": plots,
        "csv": ["fashion_curves.csv", "fashion_maps.csv"],
    }
    write_summary(out_dir, NAME, summary)
    return summary
