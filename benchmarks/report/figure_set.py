"""The run report's figures: the heatmaps over pairs, one figure per experiment and one per
pair, drawn by :mod:`benchmarks.report.experiment_plots`. A plot's file name made from a result
directory's data is :func:`benchmarks.results.place.safe_name` and checked to lie inside
it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from benchmarks.errors import DataError
from benchmarks.report.document import Plot, code, text
from benchmarks.report.parallel_drawing import draw_all
from benchmarks.report.summary import (
    models_of,
    others,
    pair_key,
    pair_title,
    settings_text,
    twin_text,
)
from benchmarks.results.directory import ResultDirectory
from benchmarks.twins.registry import label, twins_of

#: class-by-class heatmaps are drawn for a sweep over at least this many pairs
HEATMAP_MIN_PAIRS = 3


@dataclass
class Figures:
    heatmaps: list = field(default_factory=list)
    experiments: dict = field(default_factory=dict)  # experiment_id → Plot
    pairs: dict = field(default_factory=dict)  # pair → Plot
    pair_note: str = ""


def n_figures(summary, data_dir=None) -> int:
    """How many PNGs :func:`draw_figures` will draw at most (for a progress total)."""
    impls, reference = twins_of(summary)
    n_pairs = summary["pair"].nunique()
    heatmaps = 2 * len(others(impls, reference)) if n_pairs >= HEATMAP_MIN_PAIRS else 0
    return len(summary) + heatmaps + n_pairs


def draw_figures(results: ResultDirectory, summary, data_dir=None, tick=None) -> Figures:
    """Draw every PNG of the report (in memory; :func:`build_report` writes them to
    ``plots/``; ``tick(name)`` after each). A file name made from the data is
    :func:`~benchmarks.results.place.safe_name`; a caption is markup, with every string from
    the data as text."""
    from benchmarks.report import experiment_plots
    from benchmarks.results.place import safe_name

    figures = Figures()

    def save(stem: str, caption: str, png: bytes) -> Plot:
        plot = Plot(f"plots/{safe_name(stem, '.png')}", caption, png)
        if tick is not None:
            tick(plot.path)
        return plot

    # the per-experiment and per-pair figures are most of a large report: drawn together,
    # in worker processes when there are many (benchmarks.report.parallel_drawing)
    curves_by_id = dict(tuple(results.curves.groupby("experiment_id", sort=False)))
    jobs, plotted = [], []  # plotted: (kind, key, path, caption) of each job
    for _, row in summary.iterrows():
        exp_id = row["experiment_id"]
        curves = curves_by_id.get(exp_id, results.curves.iloc[:0])
        title = f"{row['model']} · {pair_title(row['pair'])} — {settings_text(row)}"
        jobs.append((experiment_plots.experiment_figure, (curves, row, title)))
        plotted.append(("experiment", exp_id, f"plots/{safe_name(exp_id, '.png')}",
                        f"{text(row['model'])} on {text(pair_title(row['pair']))}: loss, "
                        f"accuracy and epoch time ({code(exp_id)})"))
    pairs = list(dict.fromkeys(summary["pair"]))
    pair_jobs, figures.pair_note = _pair_jobs(results, pairs, data_dir)
    for pair, job in pair_jobs:
        jobs.append(job)
        plotted.append(("pair", pair, f"plots/{safe_name(_pair_stem(pair), '.png')}",
                        f"{text(pair_title(pair))}: training images projected to 2-D by PCA, "
                        "and sample images"))

    drawn = draw_all(jobs, done=None if tick is None else lambda i: tick(plotted[i][2]))
    failed = []
    for (kind, key, path, caption), png in zip(plotted, drawn):
        if kind == "pair" and isinstance(png, (DataError, ValueError)):
            failed.append(f"{text(key)} ({text(png)})")
        elif isinstance(png, BaseException):
            raise png
        else:
            (figures.experiments if kind == "experiment" else figures.pairs)[key] = Plot(
                path, caption, png)
    if failed:
        figures.pair_note += " Not drawn: " + "; ".join(failed) + "."
    if len(pairs) >= HEATMAP_MIN_PAIRS:
        figures.heatmaps = _heatmaps(summary, save)
    return figures


def _heatmaps(summary, save) -> list[Plot]:
    import numpy as np

    from benchmarks.data import CLASS_NAMES
    from benchmarks.report import heatmaps

    impls, reference = twins_of(summary)
    subtitle = settings_text(summary.iloc[0])
    out = []
    for impl in others(impls, reference):
        acc, ratio = {}, {}
        for model in models_of(summary):
            rows = summary[summary["model"] == model]
            a_grid, r_grid = np.full((10, 10), np.nan), np.full((10, 10), np.nan)
            for _, row in rows.iterrows():
                a, b = pair_key(row["pair"])
                if a == 99:
                    continue
                lo, hi = min(a, b), max(a, b)
                a_grid[lo, hi] = row[f"{impl}_test_acc_mean"]
                a_grid[hi, lo] = row[f"{reference}_test_acc_mean"]
                r_grid[lo, hi] = r_grid[hi, lo] = row[f"{impl}_steady_time_ratio_mean"]
            acc[model], ratio[model] = a_grid, r_grid
        names = {"twin": label(impl), "reference": label(reference)}
        twin, ref = twin_text(impl), twin_text(reference)
        suffix = "" if len(impls) == 2 else f"_{impl}"
        if any(np.isfinite(g).any() for g in acc.values()):
            out.append(save(f"heatmap_test_acc{suffix}",
                            f"Test accuracy of every pair: {twin} above the diagonal, {ref} below",
                            heatmaps.accuracy_heatmap(acc, CLASS_NAMES, subtitle, **names)))
        if any(np.isfinite(g).any() for g in ratio.values()):
            out.append(save(f"heatmap_time_ratio{suffix}",
                            f"{ref} / {twin} steady-state epoch time of every pair (> 1: {twin} "
                            "faster)",
                            heatmaps.time_ratio_heatmap(ratio, CLASS_NAMES, subtitle, **names)))
    return out


def _pair_stem(pair: str) -> str:
    return f"pair_{pair.replace(':', '-vs-')}"


def pair_png(first: int, second: int, protocol: str, directory: str, seed: int) -> bytes:
    """One pair's figure (PCA projection and sample images), its data read here: a worker
    process reads the files itself rather than receiving the arrays."""
    from benchmarks.data import load_pair
    from benchmarks.report import experiment_plots

    return experiment_plots.pair_figure(load_pair(first, second, protocol=protocol,
                                                  data_dir=directory, seed=seed))


def _pair_jobs(results: ResultDirectory, pairs, data_dir) -> tuple[list, str]:
    """The per-pair figures to draw as ``(pair, (pair_png, args))``, and the note under them
    (where the images come from, or why there are none)."""
    from benchmarks.config import SPLIT_SEED_BASE
    from benchmarks.data import resolve_data_dir

    try:
        source = resolve_data_dir(data_dir, download=False)
    except DataError as exc:
        explicit = data_dir is not None or os.environ.get("FASHION_MNIST_DIR")
        reason = (str(exc) if explicit else "no Fashion-MNIST copy was found in --data-dir, "
                  "FASHION_MNIST_DIR or the Keras cache (a report never downloads)")
        return [], (f"The per-pair image plots are left out: {text(reason)}. Rebuild with "
                    "`kvsbench report DIR --data-dir D` to add them.")
    runs = results.runs
    protocol = str(runs["protocol"].iloc[0])
    seed = SPLIT_SEED_BASE + int(runs["seed"].min())
    jobs = [(pair, (pair_png, (*pair_key(pair), protocol, str(source.directory), seed)))
            for pair in pairs]
    note = f"Images read from {text(source)} (training split, split seed {seed})."
    return jobs, note
