"""The class-by-class heatmaps of a sweep of many pairs, drawn like the other figures
(:mod:`benchmarks.report.experiment_plots`: the Agg canvas, PNG bytes, strings through
``mpl_text``):

- :func:`accuracy_heatmap` — a 10 × 10 grid of test accuracy per model, a twin above the
  diagonal, the reference below.
- :func:`time_ratio_heatmap` — the reference/twin steady-state epoch-time ratio per pair, on a
  colour scale fitted to the ratios measured (:func:`ratio_scale`), every label in one format
  (:func:`ratio_label`).
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from benchmarks.report.experiment_plots import (
    DIAGONAL,
    EMPTY_CELL,
    mpl_text,
    to_png,
    without_warnings,
)
from benchmarks.report.fmt import fmt_sig


def _class_grid(ax, class_names) -> None:
    n = len(class_names)
    ax.set_xticks(range(n), class_names, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(n), class_names, fontsize=8)
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel("class")
    ax.set_ylabel("class")


def _annotate_cells(ax, grid, norm, cmap, fmt) -> None:
    for (i, j), v in np.ndenumerate(grid):
        if math.isfinite(v):
            r, g, b, _ = cmap(norm(v))
            dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
            ax.text(j, i, fmt(v), ha="center", va="center", fontsize=6.5,
                    color="white" if dark else "black")


def _heatmap_panel(ax, grid, cmap_name, norm):
    """Draw ``grid`` (NaN cells light grey, the diagonal dark grey); returns (image, cmap)."""
    cmap = matplotlib.colormaps[cmap_name].with_extremes(bad=EMPTY_CELL)
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, aspect="equal")
    for k in range(grid.shape[0]):  # the diagonal: a class with itself is no pair
        ax.add_patch(Rectangle((k - 0.5, k - 0.5), 1, 1, color=DIAGONAL))
    return image, cmap


def _panels(grids: dict, class_names, cmap_name, norm, label, title):
    """A figure of one panel per model: ``grid`` coloured, every cell labelled by ``label``,
    titled ``title(model)``; returns (figure, axes, the last panel's image for a colour bar)."""
    fig = Figure(figsize=(5.6 * len(grids) + 1.4, 6.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(grids)))
    image = None
    for ax, (model, grid) in zip(axes, grids.items(), strict=True):
        image, cmap = _heatmap_panel(ax, grid, cmap_name, norm)
        _annotate_cells(ax, grid, norm, cmap, label)
        _class_grid(ax, class_names)
        ax.set_title(title(mpl_text(model)), fontsize=10)
    return fig, axes, image


@without_warnings
def accuracy_heatmap(grids: dict, class_names, subtitle: str = "", twin: str = "scratch",
                     reference: str = "Keras") -> bytes:
    """Test accuracy of every pair, one 10 × 10 panel per model.

    Parameters
    ----------
    grids : dict model → ndarray of shape (10, 10)
        Test accuracy in [0, 1]: ``grid[a, b]`` (a < b, above the diagonal) is ``twin``'s on
        the pair (a, b), ``grid[b, a]`` (below) the ``reference``'s. NaN: not run.
    class_names : sequence of 10 str
    subtitle : str
        The training settings, appended to the title.
    """
    import matplotlib.colors as mcolors

    subtitle, twin, reference = mpl_text(subtitle, 160), mpl_text(twin), mpl_text(reference)
    grids = {model: np.where((g >= 0) & (g <= 1), g, np.nan) for model, g in grids.items()}
    values = np.concatenate([g[np.isfinite(g)] for g in grids.values()]) * 100
    low = float(np.floor(values.min())) if values.size else 50.0
    norm = mcolors.Normalize(vmin=min(low, 99.0), vmax=100.0)
    fig, axes, image = _panels(
        {model: grid * 100 for model, grid in grids.items()}, class_names, "viridis", norm,
        lambda v: f"{v:.1f}",
        lambda model: f"{model}: test accuracy (%)\nabove the diagonal {twin}, below {reference}")
    fig.colorbar(image, ax=list(axes), shrink=0.75, label="test accuracy (%)")
    _grid_legend(fig, [
        Line2D([], [], ls="", marker="$\u25E5$", ms=11, color="black",
               label=f"above the diagonal: {twin}"),
        Line2D([], [], ls="", marker="$\u25E3$", ms=11, color="black",
               label=f"below the diagonal: {reference}"),
        Patch(facecolor=DIAGONAL, label="same class"),
        Patch(facecolor=EMPTY_CELL, label="pair not run"),
    ])
    fig.suptitle("Test accuracy per class pair" + (f" — {subtitle}" if subtitle else ""),
                 fontsize=12)
    return to_png(fig)


@without_warnings
def time_ratio_heatmap(grids: dict, class_names, subtitle: str = "", twin: str = "scratch",
                       reference: str = "Keras") -> bytes:
    """``reference`` / ``twin`` steady-state epoch time of every pair, one panel per model.

    Parameters
    ----------
    grids : dict model → ndarray of shape (10, 10)
        Symmetric: ``grid[a, b] == grid[b, a]`` is the ratio on the pair (a, b), so each row
        reads as "every pair with this class". NaN: not run. > 1: ``twin`` is faster.
    class_names : sequence of 10 str
    subtitle : str
        The training settings, appended to the title.
    """

    subtitle, twin, reference = mpl_text(subtitle, 160), mpl_text(twin), mpl_text(reference)
    grids = {model: np.where((g >= 1e-6) & (g <= 1e6), g, np.nan) for model, g in grids.items()}
    norm, cmap_name = ratio_scale(np.concatenate([g.ravel() for g in grids.values()]))
    fig, axes, image = _panels(
        grids, class_names, cmap_name, norm, ratio_label,
        lambda model: f"{model}: {reference} / {twin} epoch time (×)\n> 1: {twin} faster")
    bar = fig.colorbar(image, ax=list(axes), shrink=0.75,
                       label=f"{reference} / {twin} epoch time, epochs after the first "
                       "(×, log scale)")
    ticks = ratio_ticks(norm.vmin, norm.vmax)
    bar.set_ticks(ticks, labels=[ratio_label(t) for t in ticks])
    bar.minorticks_off()
    sides = []  # only the sides of 1 the data are on
    if norm.vmax > 1:
        sides.append(Patch(facecolor=matplotlib.colormaps[cmap_name](0.85),
                           label=f"> 1: {twin} faster"))
    if norm.vmin < 1:
        sides.append(Patch(facecolor=matplotlib.colormaps[cmap_name](0.15),
                           label=f"< 1: {reference} faster"))
    _grid_legend(fig, [
        *sides,
        Patch(facecolor=DIAGONAL, label="same class"),
        Patch(facecolor=EMPTY_CELL, label="pair not run"),
    ])
    fig.suptitle("Speed per class pair (mean over seeds)"
                 + (f" — {subtitle}" if subtitle else ""), fontsize=12)
    return to_png(fig)


def ratio_scale(values):
    """The colour scale of time ratios, fitted to the data: a log scale from the smallest to
    the largest ratio (a little margin), blue where the twin is faster (> 1), red where the
    reference is; diverging around 1 only when the data lie on both sides of it.

    Returns (norm, colormap name)."""
    import matplotlib.colors as mcolors

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    low, high = (float(v.min()), float(v.max())) if v.size else (0.8, 1.25)
    if high / low < 1.5:  # a flat field still gets a readable scale
        mid = math.sqrt(low * high)
        low, high = mid / 1.25, mid * 1.25
    low, high = low / 1.1, high * 1.1
    if low >= 1:
        return mcolors.LogNorm(vmin=low, vmax=high), "Blues"
    if high <= 1:
        return mcolors.LogNorm(vmin=low, vmax=high), "Reds_r"
    spread = max(-math.log(low), math.log(high))
    return mcolors.LogNorm(vmin=math.exp(-spread), vmax=math.exp(spread)), "RdBu"


def ratio_label(v: float) -> str:
    """One format for every time ratio in a figure: 2 significant digits, never an exponent
    (``0.25``, ``2.5``, ``29``, ``180``)."""
    return fmt_sig(v, 2)


def ratio_ticks(vmin: float, vmax: float) -> list[float]:
    """Colour-bar ticks of a log scale from ``vmin`` to ``vmax``: 1-2-5 steps inside it
    (finer ones when that gives fewer than three)."""
    for mantissas in ((1, 2, 5), (1, 1.5, 2, 3, 5, 7)):  # finer steps for a narrow scale
        ticks = [m * 10.0**e for e in range(-4, 5) for m in mantissas]
        inside = [float(f"{t:.3g}") for t in ticks if vmin <= t <= vmax]
        if len(inside) >= 3:
            return inside
    return inside or [math.sqrt(vmin * vmax)]


def _grid_legend(fig, handles) -> None:
    fig.legend(handles=handles, loc="outside lower center", ncol=len(handles), fontsize=9,
               frameon=False)
