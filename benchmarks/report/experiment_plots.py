"""The report's figures, drawn with matplotlib's object API on the Agg canvas (no pyplot, no
display, no global figure state), each returned as PNG bytes.

- :func:`experiment_figure` — one experiment (pair × model): loss curves, accuracy curves
  (train and validation, one line style per twin, from :mod:`benchmarks.twins.registry`) and
  epoch-time bars with the speed-up against the reference twin.
- the class-by-class heatmaps of a large sweep are :mod:`benchmarks.report.heatmaps`.
- :func:`pair_figure` — a pair's training images projected to 2-D by PCA, coloured by class,
  and a grid of sample images of both classes.

Callers write the bytes with :func:`benchmarks.atomic.write_bytes_atomic`. Strings that come
from a result file (titles, model and twin names) go through :func:`mpl_text`: one short line,
never matplotlib's ``$…$`` maths (a malformed formula would stop the drawing).
"""

from __future__ import annotations

import functools
import io
import math
import sys
import warnings

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # never switch the backend under a live pyplot
    matplotlib.use("Agg")  # no display: every figure is rendered to PNG bytes

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from benchmarks.report.fmt import fmt_seconds, fmt_sig  # noqa: E402

#: line style of a twin missing from the registry (e.g. read from an older result file), and
#: what a plug-in's class does not state of its ``style``
_DEFAULT_LINE = {"ls": ":", "lw": 1.8, "alpha": 0.9, "marker": "s", "color": "#7a5c99"}
#: colour per split in the curve panels
SPLIT_COLOR = {"train": "tab:blue", "val": "tab:orange"}
SPLIT_LABEL = {"train": "train", "val": "validation"}
_HATCHES = ("", "///", "...", "xxx", "\\\\", "++")
DPI = 80
EMPTY_CELL = "#e6e6e6"
DIAGONAL = "#555555"


def without_warnings(draw):
    """Draw without warnings on the terminal: numbers at float's edge in a result file (a loss
    of 1e308) make NumPy and matplotlib's tickers warn, and a name in a script the font lacks
    makes matplotlib warn once per glyph; the figure is drawn all the same."""
    @functools.wraps(draw)
    def drawn(*args, **kwargs):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from",
                                    category=UserWarning)
            return draw(*args, **kwargs)
    return drawn


#: the largest magnitude drawn; a value beyond (a result file may hold 1e308) is left out as
#: NaN is: matplotlib's tickers overflow on ranges near float's limit
PLOT_LIMIT = 1e100


def plottable(values) -> np.ndarray:
    """``values`` as a float array with what cannot be drawn (non-finite, or beyond
    :data:`PLOT_LIMIT`) as NaN, i.e. a gap."""
    v = np.array(values, dtype=float)
    with np.errstate(invalid="ignore"):
        v[~(np.abs(v) <= PLOT_LIMIT)] = np.nan
    return v


def mpl_text(value, limit: int = 80) -> str:
    """A string from a result file as matplotlib text: one line (control characters blanked),
    at most ``limit`` characters, every ``$`` escaped so that it is never parsed as maths."""
    from benchmarks.errors import one_line

    s = one_line(value)
    if len(s) > limit:
        s = s[:limit - 1] + "…"
    return s.replace("$", r"\$")


def twin_line(impl: str) -> dict:
    """The twin's line style (registry): the first twin wide and light under the others, so
    all stay visible where they agree (which is the point of parity)."""
    from benchmarks.twins.registry import TWINS

    entry = TWINS.get(impl)
    return {**_DEFAULT_LINE, **(entry.style if entry is not None else {})}


def _bar_style(impl: str, j: int) -> dict:
    """Bars of the time panel: the first twin filled, the next ones hatched."""
    color = twin_line(impl).get("color", "#4c6a8a")
    if j == 0:
        return {"color": color, "edgecolor": color}
    return {"color": "white", "edgecolor": color, "hatch": _HATCHES[j % len(_HATCHES)]}


def to_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes (Agg)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


# ------------------------------------------------------------------------ one experiment
@without_warnings
def experiment_figure(curves, summary_row, title: str) -> bytes:
    """Loss, accuracy and epoch time of one experiment, every twin.

    Parameters
    ----------
    curves : pandas.DataFrame
        The experiment's curves.csv rows (all seeds, both twins). With several seeds each line
        is the mean over seeds and the band ± one standard deviation.
    summary_row : mapping
        The experiment's summary.csv row (first and steady-state epoch times per twin).
    title : str
        The figure's title, e.g. ``"logreg · Trouser vs Ankle boot"``.
    """
    fig = Figure(figsize=(14, 4.1), layout="constrained")
    ax_loss, ax_acc, ax_time = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 0.85]})
    from benchmarks.twins.registry import label, ordered

    impls = ordered(curves["impl"].unique())
    for impl in impls:
        by_epoch = curves[curves["impl"] == impl].groupby("epoch")
        for split in ("train", "val"):
            for ax, key, scale in ((ax_loss, "loss", 1.0), (ax_acc, "acc", 100.0)):
                stats = by_epoch[f"{split}_{key}"].agg(["mean", "std"])
                x = stats.index.to_numpy() + 1
                mean = plottable(stats["mean"].to_numpy(dtype=float) * scale)
                line = twin_line(impl)
                ax.plot(x, mean, ls=line["ls"], color=SPLIT_COLOR[split], lw=line["lw"],
                        alpha=line["alpha"], marker=line["marker"] if len(x) <= 12 else None,
                        ms=5, label=f"{mpl_text(label(impl))} {SPLIT_LABEL[split]}")
                std = plottable(stats["std"].to_numpy(dtype=float) * scale)
                if np.isfinite(std).any():
                    ax.fill_between(x, mean - std, mean + std, color=SPLIT_COLOR[split],
                                    alpha=0.12, lw=0)
    n_epochs = int(curves["epoch"].max()) + 1 if len(curves) else 1
    for ax, what, ylabel in ((ax_loss, "loss", "binary cross-entropy (nats)"),
                             (ax_acc, "accuracy", "accuracy (%)")):
        ax.set_title(f"{what} per epoch")
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.set_xticks(_epoch_ticks(n_epochs))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    _time_bars(ax_time, summary_row, impls)
    fig.suptitle(mpl_text(title, 160), fontsize=12)
    return to_png(fig)


def _epoch_ticks(n_epochs: int) -> list[int]:
    step = max(1, math.ceil(n_epochs / 10))
    return list(range(1, n_epochs + 1, step))


def _time_bars(ax, row, impls) -> None:
    """Grouped bars: first epoch and steady-state epoch (median of the later ones), per twin,
    each labelled with its time; with two twins, above each group the reference/twin ratio."""
    from benchmarks.twins.registry import label

    groups = (("first", "first epoch\n(Keras traces)"), ("steady", "later epochs\n(median)"))
    width = 0.76 / max(1, len(impls))
    means, tops = [], []
    for j, impl in enumerate(impls):
        values = list(plottable([_get(row, f"{impl}_{g}_epoch_seconds_mean") * 1e3
                                 for g, _ in groups]))
        errors = list(plottable([_get(row, f"{impl}_{g}_epoch_seconds_std") * 1e3
                                 for g, _ in groups]))
        x = np.arange(len(groups)) + (j - (len(impls) - 1) / 2) * width
        bars = ax.bar(x, values, width, label=mpl_text(label(impl)), lw=1.2,
                      yerr=[e if math.isfinite(e) else 0 for e in errors], capsize=3,
                      **_bar_style(impl, j))
        heights = [v + (e if math.isfinite(e) else 0) for v, e in zip(values, errors, strict=True)]
        for bar, v, h in zip(bars, values, heights, strict=True):
            if math.isfinite(v):
                ax.annotate(fmt_seconds(v / 1e3), (bar.get_x() + bar.get_width() / 2, h),
                            xytext=(0, 2), textcoords="offset points", ha="center",
                            va="bottom", fontsize=8)
        means.append(values)
        tops.append(heights)
    reference = str(row.get("reference", "")) if hasattr(row, "get") else ""
    if len(impls) == 2 and reference in impls:
        r, o = impls.index(reference), 1 - impls.index(reference)
        for g in range(len(groups)):
            ref, other = means[r][g], means[o][g]
            if math.isfinite(ref) and math.isfinite(other) and other > 0:
                top = max(h for h in (tops[0][g], tops[1][g]) if math.isfinite(h))
                ax.annotate(speedup_text(ref / other, mpl_text(label(impls[o]))), (g, top),
                            xytext=(0, 14),
                            textcoords="offset points", ha="center", va="bottom",
                            fontsize=9, fontweight="bold")
    finite = [v for vs in tops for v in vs if math.isfinite(v) and v > 0]
    log = bool(finite) and max(finite) / min(finite) > 30  # bars 30× apart: a log axis
    if log:
        ax.set_yscale("log")
        ax.set_ylim(min(finite) / 2, max(finite) * 4)
    elif finite:
        ax.set_ylim(0, max(finite) * 1.4)
    ax.set_xticks(range(len(groups)), [label for _, label in groups])
    ax.set_ylabel("training time per epoch (ms" + (", log scale)" if log else ")"))
    ax.set_xlabel("epoch")
    n_seeds = _get(row, "n_seeds")
    ax.set_title("epoch time" + (f" (mean ± std, {n_seeds:.0f} seeds)" if n_seeds > 1 else ""))
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="y", alpha=0.3)


def speedup_text(ratio: float, twin: str = "scratch") -> str:
    """Reference time / twin time as words on a bar: ``2.5 → "scratch 2.5× faster"``."""
    if not math.isfinite(ratio) or ratio <= 0:
        return "—"
    if ratio >= 1:
        return f"{twin} {fmt_sig(ratio, 3)}× faster"
    return f"{twin} {fmt_sig(1 / ratio, 3)}× slower"


def _get(row, key) -> float:
    try:
        v = float(row[key])
    except (KeyError, TypeError, ValueError):
        return math.nan
    return v


# ------------------------------------------------------------------------ one pair's images
@without_warnings
def pair_figure(pair, max_points: int = 1500, n_samples: int = 12, seed: int = 0) -> bytes:
    """A pair's training images: a 2-D PCA projection coloured by class, and sample images.

    Parameters
    ----------
    pair : benchmarks.data.Pair
        X_train (n, 784) float32 in [0, 1], y_train (n,) 0/1, class_names.
    max_points : int
        Project at most this many images (a seeded sample).
    n_samples : int
        Sample images shown per class, in two rows.
    seed : int
        Seed of the PCA sample and of the sample images.
    """
    from benchmarks.data.toy import project_pair_2d

    proj = project_pair_2d(pair.X_train, pair.y_train, seed=seed, max_samples=max_points)
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    ax_pca, ax_img = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
    colors = ("tab:blue", "tab:red")
    for label in (0, 1):
        z = proj.Z[proj.y == label]
        ax_pca.scatter(z[:, 0], z[:, 1], s=6, alpha=0.45, color=colors[label], lw=0,
                       label=f"{pair.class_names[label]} (label {label}, n={len(z)})")
    # a few standardised outliers would squeeze the cloud into a corner: show 99 % of points
    for axis, (lo, hi) in zip("xy", np.percentile(proj.Z, [0.5, 99.5], axis=0).T, strict=True):
        pad = 0.08 * (hi - lo)
        getattr(ax_pca, f"set_{axis}lim")(lo - pad, hi + pad)
    evr = proj.explained_variance_ratio * 100
    ax_pca.set_xlabel(f"PC 1 of standardised pixels ({evr[0]:.0f} % of variance)")
    ax_pca.set_ylabel(f"PC 2 ({evr[1]:.0f} % of variance)")
    ax_pca.set_title("training images projected to 2-D (PCA)")
    ax_pca.legend(fontsize=8, markerscale=3, loc="best")
    ax_pca.grid(alpha=0.3)

    rng = np.random.default_rng(seed)
    per_row = math.ceil(n_samples / 2)
    blank = np.full((30, 30), np.nan, np.float32)  # a missing tile (a class with few images)
    bands = []
    for label in (0, 1):  # each class: two rows of per_row images, 1 px white frame each
        idx = np.flatnonzero(pair.y_train == label)
        pick = rng.choice(idx, size=min(2 * per_row, len(idx)), replace=False)
        tiles = [np.pad(pair.X_train[i].reshape(28, 28), 1, constant_values=np.nan)
                 for i in pick]
        tiles += [blank] * (2 * per_row - len(tiles))
        bands.append(np.concatenate([np.concatenate(tiles[r * per_row:(r + 1) * per_row], axis=1)
                                     for r in (0, 1)], axis=0))
    gap = np.full((6, bands[0].shape[1]), np.nan, np.float32)  # a gap between the classes
    mosaic = np.concatenate([bands[0], gap, bands[1]], axis=0)
    # as stored and as the course showed them: a light garment on black (0 = black)
    cmap = matplotlib.colormaps["gray"].with_extremes(bad="white")
    image = ax_img.imshow(np.ma.masked_invalid(mosaic), cmap=cmap, vmin=0, vmax=1,
                          interpolation="nearest")
    ax_img.set_yticks([30, 60 + 6 + 30], [f"{pair.class_names[0]}\n(label 0)",
                                          f"{pair.class_names[1]}\n(label 1)"])
    ax_img.set_xticks([])
    ax_img.set_xlabel(f"{2 * per_row} random training images per class (28 × 28 px each)")
    ax_img.set_title("sample images")
    fig.colorbar(image, ax=ax_img, shrink=0.6, label="pixel value / 255")
    fig.suptitle(f"{pair.class_names[0]} vs {pair.class_names[1]}: the data", fontsize=12)
    return to_png(fig)
