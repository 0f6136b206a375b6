"""The comparison report of a result directory: ``summary.csv``, ``plots/*.png``, ``report.md``
and ``report.html``, rebuilt from the CSVs alone (``kvsbench report DIR``), no training.

The report is composed ONCE as a list of blocks (headings, paragraphs, tables, figures) and
rendered twice: to Markdown (figures as relative links into ``plots/``) and to one
self-contained HTML file (every figure embedded as a base64 ``data:`` URI, so it can be
attached to a CI job or mailed). It opens with the verdict per model, then the summary table,
the plots, the config and the environment.

Every file is written whole (temp file + rename), all of them only once everything is
composed, under the result directory's lock (:mod:`benchmarks.harness.resultdir`). A result
directory is untrusted input: a plot's file name made from its data is
:func:`benchmarks.harness.resultdir. safe_name` and checked to lie inside it, and every string from
it enters the report as text (:mod:`benchmarks.report.document`), never as a link or markup.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.errors import DataError, ResultsError
from benchmarks.harness.registry import label, rule_note, twins_of
from benchmarks.report.document import code, one_line, plain, text, to_html

#: the parity figure (largest per-epoch train-loss difference, relative where the loss is
#: above 1: :func:`benchmarks.harness.runner.loss_gap`) up to which the twins "match";
#: tests/test_parity.py holds the twins to it on every optimizer
PARITY_TOLERANCE = 1e-3
#: up to this many pairs every per-experiment and per-pair figure is shown in the report; with
#: more, a telling selection is shown and the rest are linked (they are all in plots/)
SHOW_ALL_MAX_PAIRS = 12
#: class-by-class heatmaps are drawn for a sweep over at least this many pairs
HEATMAP_MIN_PAIRS = 3
MODEL_ORDER = ("logreg", "mlp")


def others(impls, reference) -> list[str]:
    """The twins measured against the reference (none without one)."""
    return [i for i in impls if reference is not None and i != reference]


# ============================================================================ command line
def add_parser(sub) -> None:
    """Register ``kvsbench report DIR [--data-dir D]``."""
    p = sub.add_parser(
        "report",
        help="rebuild summary.csv, plots and report.md/report.html of a result directory",
        description="Rebuild summary.csv, plots/*.png, report.md and report.html from the CSVs "
        "of a kvsbench result directory, without training. The per-pair image plots read "
        "Fashion-MNIST (--data-dir, FASHION_MNIST_DIR or the Keras cache; never downloaded) "
        "and are left out when no copy is found.",
    )
    p.add_argument("dir", type=Path, metavar="DIR", help="a directory written by kvsbench run")
    p.add_argument("--data-dir", default=None,
                   help="directory with the four Fashion-MNIST files (for the image plots)")
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    built = build_report(args.dir, data_dir=args.data_dir)
    size_kb = built["report_html"].stat().st_size / 1024
    print(one_line(f"kvsbench: report written to {built['report_html']} ({size_kb:,.0f} KiB) "
                   f"and {built['report_md']}; {len(built['plots'])} plot(s) in "
                   f"{args.dir / 'plots'}"))
    return 0


# ============================================================================ reading
@dataclass
class Results:
    """The files of one result directory."""

    out_dir: Path
    runs: object  # pandas.DataFrame, runs.csv
    curves: object  # pandas.DataFrame, curves.csv
    env: dict | None
    sweep: dict | None


def load_results(out_dir) -> Results:
    """Read runs.csv, curves.csv, env.json and sweep.json of ``out_dir``.

    Raises
    ------
    ResultsError
        ``out_dir`` is missing, lacks runs.csv or curves.csv, or they are not kvsbench CSVs.
    """
    from benchmarks.harness.records import read_curves, read_runs

    out_dir = _check_result_dir(out_dir)
    runs = read_runs(out_dir / "runs.csv")
    curves = read_curves(out_dir / "curves.csv")
    if runs.empty:
        raise ResultsError(f"{out_dir / 'runs.csv'} holds no runs yet: run kvsbench run first.")
    return Results(out_dir, runs, curves, _read_json(out_dir / "env.json"),
                   _read_json(out_dir / "sweep.json"))


def _check_result_dir(out_dir) -> Path:
    """``out_dir`` if it is a directory with runs.csv and curves.csv (ResultsError if not)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ResultsError(
            f"{out_dir} is not a directory: give the --out directory of a kvsbench run."
        )
    for name in ("runs.csv", "curves.csv"):
        if not (out_dir / name).is_file():
            raise ResultsError(
                f"{out_dir} has no {name}: it is not a kvsbench result directory "
                f"(kvsbench run --out {out_dir} writes one)."
            )
    return out_dir


def _read_json(path: Path) -> dict | None:
    """A JSON object file, or None when it is missing, unreadable or not an object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


# ============================================================================ building
@dataclass
class Plot:
    """One PNG of the report: where it is (relative to the result directory) and its bytes."""

    path: str
    caption: str
    png: bytes = field(repr=False)


@dataclass
class Figures:
    heatmaps: list = field(default_factory=list)
    experiments: dict = field(default_factory=dict)  # experiment_id → Plot
    pairs: dict = field(default_factory=dict)  # pair → Plot
    pair_note: str = ""


def build_report(out_dir, data_dir=None, progress=None) -> dict:
    """Write summary.csv, plots/*.png, report.md and report.html of ``out_dir``.

    Parameters
    ----------
    out_dir : path
        A directory written by ``kvsbench run`` (runs.csv, curves.csv; env.json, sweep.json).
    data_dir : path, optional
        Fashion-MNIST for the per-pair image plots; default FASHION_MNIST_DIR, then the Keras
        cache. Never downloaded: without a copy those plots are left out and the report says so.
    progress : callable ``(done, total, what)``, optional
        Told after each figure and file written (drawing a large sweep's figures takes tens
        of seconds): ``done`` of ``total`` steps, ``what`` the file just written.

    Returns
    -------
    dict with the paths written: ``summary``, ``report_md``, ``report_html``, ``plots`` (list);
    ``verdict`` (the verdict sentences as plain text), ``verdict_table`` (a :class:`Table`)
    and ``failures`` (one plain line per failed run).

    Raises
    ------
    ResultsError
        ``out_dir`` is not a kvsbench result directory, or its files are damaged.
    WriteError
        ``out_dir`` cannot be written (nothing is changed then).
    """
    import numpy as np

    from benchmarks.atomic import csv_bytes, write_files_atomic
    from benchmarks.harness.resultdir import check_writable, clean_stale_temps, inside, locked
    from benchmarks.report.summary import summarize

    out_dir = _check_result_dir(out_dir)
    check_writable(out_dir, "kvsbench report")
    # read and write with no other kvsbench writing here; numbers at float's edge in the
    # files overflow to inf quietly (and show as "—"), without NumPy warnings
    with locked(out_dir), np.errstate(all="ignore"):
        clean_stale_temps(out_dir)
        results = load_results(out_dir)
        summary = _ordered(summarize(results.runs))
        tick = _Ticker(progress, n_figures(summary, data_dir) + 2)
        figures = draw_figures(results, summary, data_dir, tick=tick)
        blocks = compose(results, summary, figures)
        plots = [p for p in (*figures.heatmaps, *figures.experiments.values(),
                             *figures.pairs.values())]
        files = {out_dir / "summary.csv": csv_bytes(summary)}
        files.update({inside(out_dir, *p.path.split("/")): p.png for p in plots})
        files[out_dir / "report.md"] = render_markdown(blocks).encode("utf-8")
        tick("report.md")
        files[out_dir / "report.html"] = render_html(blocks, _title(results)).encode("utf-8")
        tick("report.html")
        write_files_atomic(files)
        remove_stale_plots(out_dir, {p.path for p in plots})
    return {
        "summary": out_dir / "summary.csv",
        "report_md": out_dir / "report.md",
        "report_html": out_dir / "report.html",
        "plots": [out_dir / p.path for p in plots],
        "verdict": [plain(v) for v in verdict_items(results.runs, summary)],
        "verdict_table": verdict_table(summary),
        "failures": [plain(f) for f in failure_notes(results.runs)],
    }


class _Ticker:
    """Counts the report's steps and tells ``progress`` (if any) after each."""

    def __init__(self, progress, total: int):
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, what: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, max(self.total, self.done), what)


def n_figures(summary, data_dir=None) -> int:
    """How many PNGs :func:`draw_figures` will draw at most (for a progress total)."""
    impls, reference = twins_of(summary)
    n_pairs = summary["pair"].nunique()
    heatmaps = 2 * len(others(impls, reference)) if n_pairs >= HEATMAP_MIN_PAIRS else 0
    return len(summary) + heatmaps + n_pairs


def remove_stale_plots(out_dir: Path, kept: set) -> list[Path]:
    """Delete the ``plots/*.png`` this report did not draw (e.g. a pair figure of an earlier
    build, when the images are now left out): a figure in ``plots/`` is always this report's.
    Returns the files removed."""
    removed = []
    for path in sorted((Path(out_dir) / "plots").glob("*.png")):
        if f"plots/{path.name}" not in kept:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _pair_key(pair: str) -> tuple[int, int]:
    from benchmarks.data import parse_pair

    try:
        return parse_pair(pair)
    except DataError:
        return (99, 99)


def _ordered(summary):
    """Summary rows by model, then pair in class-index order."""
    if summary.empty:
        return summary
    key = summary.apply(
        lambda r: (MODEL_ORDER.index(r["model"]) if r["model"] in MODEL_ORDER else 9,
                   _pair_key(r["pair"]), r["experiment_id"]), axis=1)
    return summary.loc[key.sort_values().index].reset_index(drop=True)


def pair_title(pair: str) -> str:
    """``"trouser:ankle-boot"`` → ``"Trouser vs Ankle boot"``."""
    from benchmarks.data import CLASS_NAMES

    a, b = _pair_key(pair)
    if a == 99:
        return pair
    return f"{CLASS_NAMES[a]} vs {CLASS_NAMES[b]}"


def _settings_text(row, with_seeds: bool = True) -> str:
    """The training settings of a summary row in a few words (for plot titles)."""
    text = (f"{row['optimizer']}, lr {float(row['lr']):g}, batch {row['batch_size']}, "
            f"{_plural(int(row['epochs']), 'epoch')}")
    return text + (f", {_plural(int(row['n_seeds']), 'seed')}" if with_seeds else "")


# ---------------------------------------------------------------------------- figures
def draw_figures(results: Results, summary, data_dir=None, tick=None) -> Figures:
    """Draw every PNG of the report (in memory; :func:`build_report` writes them to
    ``plots/``; ``tick(name)`` after each). A file name made from the data is
    :func:`~benchmarks.harness.resultdir.safe_name`; a caption is markup, with every string from the
    data as text."""
    from benchmarks.harness.resultdir import safe_name
    from benchmarks.report import plots

    figures = Figures()

    def save(stem: str, caption: str, png: bytes) -> Plot:
        plot = Plot(f"plots/{safe_name(stem, '.png')}", caption, png)
        if tick is not None:
            tick(plot.path)
        return plot

    curves_by_id = dict(tuple(results.curves.groupby("experiment_id", sort=False)))
    for _, row in summary.iterrows():
        exp_id = row["experiment_id"]
        curves = curves_by_id.get(exp_id, results.curves.iloc[:0])
        title = f"{row['model']} · {pair_title(row['pair'])} — {_settings_text(row)}"
        figures.experiments[exp_id] = save(
            exp_id, f"{text(row['model'])} on {text(pair_title(row['pair']))}: loss, accuracy "
            f"and epoch time ({code(exp_id)})", plots.experiment_figure(curves, row, title))

    pairs = list(dict.fromkeys(summary["pair"]))
    if len(pairs) >= HEATMAP_MIN_PAIRS:
        figures.heatmaps = _heatmaps(summary, save)
    figures.pairs, figures.pair_note = _pair_plots(results, pairs, data_dir, save)
    return figures


def _heatmaps(summary, save) -> list[Plot]:
    import numpy as np

    from benchmarks.data import CLASS_NAMES
    from benchmarks.report import plots

    impls, reference = twins_of(summary)
    subtitle = _settings_text(summary.iloc[0])
    out = []
    for impl in others(impls, reference):
        acc, ratio = {}, {}
        for model in _models(summary):
            rows = summary[summary["model"] == model]
            a_grid, r_grid = np.full((10, 10), np.nan), np.full((10, 10), np.nan)
            for _, row in rows.iterrows():
                a, b = _pair_key(row["pair"])
                if a == 99:
                    continue
                lo, hi = min(a, b), max(a, b)
                a_grid[lo, hi] = row[f"{impl}_test_acc_mean"]
                a_grid[hi, lo] = row[f"{reference}_test_acc_mean"]
                r_grid[lo, hi] = r_grid[hi, lo] = row[f"{impl}_steady_time_ratio_mean"]
            acc[model], ratio[model] = a_grid, r_grid
        names = {"twin": label(impl), "reference": label(reference)}
        twin, ref = _twin(impl), _twin(reference)
        suffix = "" if len(impls) == 2 else f"_{impl}"
        if any(np.isfinite(g).any() for g in acc.values()):
            out.append(save(f"heatmap_test_acc{suffix}",
                            f"Test accuracy of every pair: {twin} above the diagonal, {ref} below",
                            plots.accuracy_heatmap(acc, CLASS_NAMES, subtitle, **names)))
        if any(np.isfinite(g).any() for g in ratio.values()):
            out.append(save(f"heatmap_time_ratio{suffix}",
                            f"{ref} / {twin} steady-state epoch time of every pair (> 1: {twin} "
                            "faster)",
                            plots.time_ratio_heatmap(ratio, CLASS_NAMES, subtitle, **names)))
    return out


def _pair_plots(results: Results, pairs, data_dir, save) -> tuple[dict, str]:
    """One figure per pair (PCA projection and sample images), or a note saying why not."""
    from benchmarks.config import SPLIT_SEED_BASE
    from benchmarks.data import load_pair, resolve_data_dir
    from benchmarks.report import plots

    try:
        source = resolve_data_dir(data_dir, download=False)
    except DataError as exc:
        explicit = data_dir is not None or os.environ.get("FASHION_MNIST_DIR")
        reason = (str(exc) if explicit else "no Fashion-MNIST copy was found in --data-dir, "
                  "FASHION_MNIST_DIR or the Keras cache (a report never downloads)")
        return {}, (f"The per-pair image plots are left out: {text(reason)}. Rebuild with "
                    "`kvsbench report DIR --data-dir D` to add them.")
    runs = results.runs
    protocol = str(runs["protocol"].iloc[0])
    seed = SPLIT_SEED_BASE + int(runs["seed"].min())
    out, failed = {}, []
    for pair in pairs:
        a, b = _pair_key(pair)
        try:
            data = load_pair(a, b, protocol=protocol, data_dir=source.directory, seed=seed)
            png = plots.pair_figure(data)
        except (DataError, ValueError) as exc:
            failed.append(f"{text(pair)} ({text(exc)})")
            continue
        slug = pair.replace(":", "-vs-")
        out[pair] = save(f"pair_{slug}",
                         f"{text(pair_title(pair))}: training images projected to 2-D by PCA, "
                         "and sample images", png)
    note = f"Images read from {text(source)} (training split, split seed {seed})."
    if failed:
        note += " Not drawn: " + "; ".join(failed) + "."
    return out, note


def _models(summary) -> list[str]:
    models = list(dict.fromkeys(summary["model"]))
    return sorted(models, key=lambda m: MODEL_ORDER.index(m) if m in MODEL_ORDER else 9)


# ============================================================================ formatting
def _finite(x) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def fmt_pct(x, std=None) -> str:
    """Accuracy as a percentage: ``0.99625 → "99.62 %"``, with ``± std`` when given."""
    if not _finite(x):
        return "—"
    if std is not None and _finite(std):
        return f"{100 * float(x):.2f} ± {100 * float(std):.2f} %"
    return f"{100 * float(x):.2f} %"


def fmt_pp(x) -> str:
    """A difference of accuracies in percentage points, signed: ``0.0123 → "+1.23 pp"``."""
    if not _finite(x):
        return "—"
    v = round(100 * float(x), 2)
    return "0.00 pp" if v == 0 else f"{v:+.2f} pp"


def fmt_loss(x) -> str:
    return f"{float(x):.4g}" if _finite(x) else "—"


def fmt_sci(x) -> str:
    return f"{float(x):.1e}" if _finite(x) else "—"


def fmt_seconds(x) -> str:
    """A duration: ``0.0123 → "12.3 ms"``, ``4.56 → "4.56 s"``, ``4000 → "1 h 07 min"``."""
    if not _finite(x):
        return "—"
    s = float(x)
    if s < 1:
        return f"{s * 1e3:.3g} ms"
    if s < 100:
        return f"{s:.3g} s"
    if s < 3600:
        return f"{s:.0f} s" if s < 600 else f"{s // 60:.0f} min {s % 60:02.0f} s"
    return f"{s // 3600:.0f} h {(s % 3600) // 60:02.0f} min"


def fmt_ratio(x) -> str:
    """A time ratio to 3 significant digits: ``2.5 → "2.50×"``, ``44.43 → "44.4×"``."""
    if not _finite(x):
        return "—"
    v = float(x)
    return f"{v:.2f}×" if v < 10 else f"{v:.3g}×" if v < 1000 else f"{v:.0f}×"


def speed_words(ratio) -> str:
    """Keras/scratch time ratio as words: ``2.5 → "2.50× faster"``, ``0.5 → "2.00× slower"``."""
    if not _finite(ratio) or float(ratio) <= 0:
        return "of unknown speed"
    r = float(ratio)
    return f"{fmt_ratio(r)} faster" if r >= 1 else f"{fmt_ratio(1 / r)} slower"


# ============================================================================ the document
@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str  # inline markup: **bold**, `code`, [text](href)


@dataclass
class Bullets:
    items: list


@dataclass
class Table:
    headers: list
    rows: list
    align: str = ""  # one letter per column: l(eft) or r(ight); default all left
    row_ids: list | None = None


@dataclass
class Image:
    plot: Plot


@dataclass
class Contents:
    """A table of contents: links to the level-2 headings named."""

    headings: list


def anchor(text: str) -> str:
    """A heading's anchor as GitHub makes it (lower case, spaces → ``-``, punctuation gone);
    the HTML report gives its headings the same ids, so one link works in both."""
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def version_text(env: dict | None) -> str:
    """Which kvsbench measured the runs (env.json) and which built this report."""
    from benchmarks import __version__

    measured = (env or {}).get("kvsbench_version")
    if measured in (None, __version__):
        return f"Made with kvsbench {__version__}."
    return f"Measured with kvsbench {measured}; report built by kvsbench {__version__}."


def compose(results: Results, summary, figures: Figures) -> list:
    """The report as blocks: verdict, summary table, plots, config, environment, files."""
    runs = results.runs
    impls, reference = twins_of(summary)
    n_pairs = summary["pair"].nunique()
    seeds = sorted(int(s) for s in runs["seed"].unique())
    ref_text = f" (reference: {_twin(reference)})" if reference else ""
    blocks: list = [Heading(1, text(_title(results)))]
    blocks.append(Para(
        f"{_plural(len(summary), 'experiment')} — {_plural(n_pairs, 'pair')} × "
        f"{_plural(len(_models(summary)), 'model')} ({text(', '.join(_models(summary)))}), "
        f"{_plural(len(seeds), 'seed')} each — twins: "
        f"{', '.join(_twin(i) for i in impls)}{ref_text}, each trained in its own process. "
        f"{text(_settings_text(summary.iloc[0], with_seeds=False).capitalize())} per run; "
        f"total training time {fmt_seconds(runs['fit_seconds'].sum())}. Result directory "
        f"{code(results.out_dir)}; rebuild this report with "
        f"{code(f'kvsbench report {results.out_dir}')}. " + version_text(results.env)))

    data = (results.env or {}).get("data") or {}
    if isinstance(data, dict) and data.get("timing_only"):
        blocks.append(Para(
            "**TIMING-ONLY DATA.** These runs trained on a stand-in of the real size built by "
            "repeating a subset's images (`kvsbench standin`, read from "
            f"{code(_plain(data.get('data_dir')))}): the times and the time ratios are real-size "
            "figures; the accuracies are NOT Fashion-MNIST accuracies and must not be quoted."))
    contents = Contents([])  # filled in below, from the level-2 headings
    blocks.append(contents)
    blocks += [Heading(2, "Verdict")]
    if reference is not None:
        blocks.append(verdict_table(summary))
    blocks.append(Bullets(verdict_items(runs, summary)))
    if reference is not None:
        blocks.append(Para(
            f"*Parity figure*: the largest per-epoch difference of the training loss between a "
            f"twin and {_twin(reference)} (same data, same initial weights, same batch order), "
            f"relative to the loss where the loss is above 1; they match when it is at most "
            f"{PARITY_TOLERANCE:g}. *Speed*: {_twin(reference)}'s epoch time over the twin's, "
            f"epochs after the first (Keras traces its graph in the first), so > 1 means the "
            f"twin is faster — at this run's data size; *per step* is the same ratio of one "
            f"optimizer step, which is what the ratio approaches on a large data set (an epoch "
            f"costs a fixed part plus its steps); runs that diverged or failed, and one-epoch "
            f"runs, have no speed figure. *Drift*: epochs (after the first) more than 1.5× "
            f"slower than the fastest."))

    blocks += [Heading(2, "Summary"), Para(
        "One row per experiment; means over seeds (± standard deviation with several seeds). "
        "Δ acc is a twin's test accuracy minus the reference's, with its 95 % t-interval from "
        "3 seeds on. Every figure is in `summary.csv` (columns documented in docs/results.md).")]
    blocks.append(summary_table(summary))

    blocks += [Heading(2, "Twins"), Para(
        "Each twin trained in a worker process of its own, one twin at a time; what each one "
        "really ran with. Peak memory is the worker's own peak resident memory, its libraries "
        "included; start-up (interpreter and imports) never counts in an epoch.")]
    blocks.append(twins_table(summary, results.env))

    blocks += [Heading(2, "Plots")]
    blocks += _plot_blocks(summary, figures)

    blocks += [Heading(2, "Config")] + config_blocks(results, summary, impls)
    blocks += [Heading(2, "Environment")] + env_blocks(results.env)
    blocks += [Heading(2, "Files"), Bullets([
        "[runs.csv](runs.csv) — one row per run (twin × experiment × seed)",
        "[curves.csv](curves.csv) — one row per run per epoch",
        "[summary.csv](summary.csv) — one row per experiment, every twin side by side",
        "[env.json](env.json) — where the figures were measured",
        "[sweep.json](sweep.json) — the training settings of this directory",
        "`plots/` — every figure as PNG",
    ])]
    contents.headings = [b.text for b in blocks if isinstance(b, Heading) and b.level == 2]
    return blocks


def _twin(impl) -> str:
    """A twin's name as report text (a name read from a result file is untrusted)."""
    return text(label(impl))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _title(results: Results) -> str:
    return f"kvsbench report — {results.out_dir.resolve().name}"


def verdict_items(runs, summary) -> list[str]:
    """The verdict: one sentence per model and twin, then one per failed run."""
    impls, reference = twins_of(summary)
    return [verdict for m in _models(summary)
            for verdict in model_verdicts(summary[summary["model"] == m], m, impls, reference)
            ] + failure_notes(runs)


def verdict_table(summary) -> Table:
    """The verdict in one table: per model and twin, against the reference, the parity
    figure, both test accuracies (mean over experiments), the time ratio per epoch at the
    run's data size and per optimizer step (geometric means over the experiments), and the
    diverged / failed runs."""
    impls, reference = twins_of(summary)
    n_train = summary["n_train"].dropna() if "n_train" in summary else []
    size = f" at {int(n_train.median()):,} images" if len(n_train) else ""
    ref = _twin(reference) if reference else "—"
    headers = ["model", "twin", f"parity (≤ {PARITY_TOLERANCE:g})", "twin test acc",
               f"{ref} test acc", f"speed per epoch{size}", "speed per step",
               "diverged / failed"]
    rows = []
    for model in _models(summary):
        part = summary[summary["model"] == model]
        for impl in others(impls, reference):
            parity = part[f"{impl}_max_loss_diff"].max()
            word = ("—" if not _finite(parity) else "matches" if parity <= PARITY_TOLERANCE
                    else "DOES NOT MATCH")
            epoch, _ = _geomean(part[f"{impl}_steady_time_ratio_mean"])
            step, _ = _geomean(part[f"{impl}_step_time_ratio_mean"])
            bad = [f"{_twin(i)} {int(part[f'{i}_diverged'].sum())} / "
                   f"{int(part[f'{i}_failed'].sum())}" for i in (impl, reference)
                   if int(part[f"{i}_diverged"].sum()) or int(part[f"{i}_failed"].sum())]
            rows.append([
                text(model), _twin(impl), f"{fmt_sci(parity)} {word}",
                fmt_pct(part[f"{impl}_test_acc_mean"].mean()),
                fmt_pct(part[f"{reference}_test_acc_mean"].mean()),
                speed_words(epoch) if _finite(epoch) else "—",
                speed_words(step) if _finite(step) else "—",
                ", ".join(bad) or "none",
            ])
    return Table(headers, rows, "llrrrrrl")


def render_text_table(t: Table) -> str:
    """A :class:`Table` for a terminal: columns padded to their widest cell, inline
    markup dropped."""
    cells = [[plain_text(str(c)) for c in row] for row in [t.headers, *t.rows]]
    widths = [max(len(row[k]) for row in cells) for k in range(len(t.headers))]
    align = (t.align or "").ljust(len(t.headers), "l")
    lines = ["  ".join(c.rjust(w) if a == "r" else c.ljust(w)
                       for c, w, a in zip(row, widths, align)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def plain_text(markup: str) -> str:
    """A report sentence for a terminal: markers dropped, escapes resolved."""
    return plain(markup)


def failure_notes(runs) -> list[str]:
    """One bullet per failed run (its worker died, hung or raised), with the reason."""
    failed = runs[runs["status"] == "failed"]
    return [f"**failed**: {code(r['run_id'])} — {text(_plain(r['failure']))}"
            for _, r in failed.iterrows()]


def _geomean(values):
    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return (float(np.exp(np.log(v).mean())), v) if len(v) else (math.nan, v)


def model_verdicts(rows, model: str, impls, reference) -> list[str]:
    """One sentence per model and twin: does it match the reference, by how much, how fast."""
    if reference is None:
        return [f"**{text(model)}**: only the {_twin(impls[0])} twin ran — nothing to compare."]
    return [twin_verdict(rows, model, impl, reference) for impl in others(impls, reference)]


def twin_verdict(rows, model: str, impl: str, reference: str) -> str:
    """Does twin ``impl`` match ``reference`` on ``model``'s experiments, and how fast is it."""
    twin, ref, model = _twin(impl), _twin(reference), text(model)
    n = len(rows)
    parity = rows[f"{impl}_max_loss_diff"].max()
    if not _finite(parity):
        head = (f"**{model}: no parity figure for {twin}** (no epoch in which both twins' "
                "losses were finite)")
    elif parity <= PARITY_TOLERANCE:
        head = (f"**{model}: {twin} matches {ref}** — parity figure {fmt_sci(parity)} "
                f"(≤ {PARITY_TOLERANCE:g})")
    else:
        head = (f"**{model}: {twin} does NOT match {ref}** — parity figure {fmt_sci(parity)} "
                f"(> {PARITY_TOLERANCE:g})")
        notes = [n for o in dict.fromkeys(rows["optimizer"])
                 for n in [rule_note(impl, o) or rule_note(reference, o)] if n]
        if notes:
            head += " — a known difference of the rules: " + "; ".join(dict.fromkeys(notes))
    p = f"{impl}_"
    diffs = rows[p + "acc_diff_mean"].dropna()
    if n == 1:
        r = rows.iloc[0]
        acc = f"test accuracy difference ({twin} − {ref}) {fmt_pp(r[p + 'acc_diff_mean'])}"
        if _finite(r[p + "acc_diff_ci_low"]):
            acc += (f", 95 % CI [{fmt_pp(r[p + 'acc_diff_ci_low'])}, "
                    f"{fmt_pp(r[p + 'acc_diff_ci_high'])}] over {int(r['n_seeds'])} seeds")
        else:
            acc += f" ({_plural(int(r['n_seeds']), 'seed')}: no interval below 3 seeds)"
    else:
        if len(diffs) and (diffs == 0).all():
            acc = f"identical test accuracy in all {len(diffs)} experiments (difference 0.00 pp"
        else:
            acc = (f"test accuracy difference ({twin} − {ref}) {fmt_pp(diffs.mean())} on "
                   f"average over {len(diffs)} experiments (from {fmt_pp(diffs.min())} to "
                   f"{fmt_pp(diffs.max())}")
        ci = rows.dropna(subset=[p + "acc_diff_ci_low", p + "acc_diff_ci_high"])
        if len(ci):
            covers = int(((ci[p + "acc_diff_ci_low"] <= 0)
                          & (ci[p + "acc_diff_ci_high"] >= 0)).sum())
            acc += f"; its 95 % interval contains 0 in {covers} of {len(ci)})"
        else:
            acc += "; no intervals below 3 seeds)"
    gm, ratios = _geomean(rows[p + "steady_time_ratio_mean"])
    if len(ratios):
        speed = f"{twin} is **{speed_words(gm)}** than {ref} per epoch after the first"
        if len(ratios) > 1:
            speed += (f" (geometric mean over {len(ratios)} experiments; {ref}/{twin} from "
                      f"{fmt_ratio(ratios.min())} to {fmt_ratio(ratios.max())})")
        n_train = rows["n_train"].iloc[0] if "n_train" in rows else None
        if n_train is not None and _finite(n_train):
            speed += f" at this data size ({int(n_train):,} training images)"
        step_gm, _ = _geomean(rows[p + "step_time_ratio_mean"])
        if _finite(step_gm):
            speed += (f"; per optimizer step, what a large data set approaches, "
                      f"{speed_words(step_gm)}")
        if int(rows["epochs"].max()) == 2:
            speed += " (with 2 epochs this rests on one epoch per run: a noisy figure)"
        first, _ = _geomean(rows[f"{reference}_first_epoch_seconds_mean"]
                            / rows[f"{impl}_first_epoch_seconds_mean"])
        if _finite(first):
            speed += (f"; in the first epoch, where Keras traces its graph, {ref}/{twin} "
                      f"{fmt_ratio(first)}")
    elif int(rows["epochs"].max()) == 1:
        speed = ("no speed figure (one epoch: there is no epoch after the first to time, and "
                 "the first holds Keras' graph tracing)")
    else:
        speed = "no speed figure (no run of both twins finished ok with 2 epochs or more)"
    sentence = f"{head}; {acc}; {speed}."
    bad = {_twin(i): (int(rows[f"{i}_diverged"].sum()), int(rows[f"{i}_failed"].sum()))
           for i in (impl, reference) if f"{i}_failed" in rows}
    if any(d or f for d, f in bad.values()):
        sentence += " Diverged / failed runs: " + ", ".join(
            f"{name} {d} / {f}" for name, (d, f) in bad.items()) + "."
    drift = [f"{_twin(i)} on {text(pair_title(r['pair']))} ({text(r[f'{i}_slow_epochs'])})"
             for i in (impl, reference) for _, r in rows.iterrows()
             if isinstance(r.get(f"{i}_slow_epochs"), str) and r[f"{i}_slow_epochs"]]
    if drift:
        sentence += (" **Epoch times drifted** (epochs > 1.5× the fastest, by > 5 ms): "
                     + "; ".join(dict.fromkeys(drift)) + ".")
    return sentence


def summary_table(summary) -> Table:
    """Two twins side by side; with more, one row per experiment and twin (a table as wide as
    five twins side by side is not one a person reads)."""
    impls, reference = twins_of(summary)
    if len(impls) > 2:
        return _long_summary_table(summary, impls, reference)
    rest = others(impls, reference)
    target = summary["target_acc"].dropna()
    headers = ["model", "pair", "seeds"]
    headers += [f"{_twin(i)} test acc" for i in impls]
    for i in rest:
        vs = "" if len(rest) == 1 else f" {_twin(i)}"
        headers += [f"Δ acc{vs} (95 % CI)", f"parity{vs}"]
    headers += ["val loss " + " / ".join(_twin(i) for i in impls)]
    headers += [f"{_twin(i)} epoch" for i in impls]
    headers += [f"speed {_twin(i)}" for i in rest]
    if len(target):
        headers += [f"{_twin(i)} → {fmt_pct(target.iloc[0])}" for i in impls]
    headers.append("experiment id")
    rows = []
    for _, r in summary.iterrows():
        cells = [text(r["model"]), text(pair_title(r["pair"])), str(int(r["n_seeds"]))]
        for impl in impls:
            cell = fmt_pct(r[f"{impl}_test_acc_mean"], r[f"{impl}_test_acc_std"])
            for what in ("diverged", "failed"):
                if r.get(f"{impl}_{what}", 0):
                    cell += f" ({int(r[f'{impl}_{what}'])} {what})"
            cells.append(cell)
        for impl in rest:
            p = f"{impl}_"
            diff = fmt_pp(r[p + "acc_diff_mean"])
            if _finite(r[p + "acc_diff_ci_low"]):
                low, high = fmt_pp(r[p + "acc_diff_ci_low"]), fmt_pp(r[p + "acc_diff_ci_high"])
                diff += f" [{low}, {high}]"
            cells += [diff, fmt_sci(r[p + "max_loss_diff"])]
        cells.append(" / ".join(fmt_loss(r[f"{i}_val_loss_mean"]) for i in impls))
        cells += [fmt_seconds(r[f"{i}_steady_epoch_seconds_mean"]) for i in impls]
        for impl in rest:
            ratio = r[f"{impl}_steady_time_ratio_mean"]
            cells.append(speed_words(ratio) if _finite(ratio) else "—")
        if len(target):
            for impl in impls:
                reached = int(r[f"{impl}_reached_target"])
                cells.append(f"{fmt_seconds(r[f'{impl}_time_to_target_seconds_mean'])} "
                             f"({reached}/{int(r['n_seeds'])})" if reached else "never")
        cells.append(code(r["experiment_id"]))
        rows.append(cells)
    align = "llr" + "r" * (len(headers) - 4) + "l"
    return Table(headers, rows, align, row_ids=list(summary["experiment_id"]))


def _long_summary_table(summary, impls, reference) -> Table:
    ref = _twin(reference)
    headers = ["model", "pair", "twin", "test acc", f"Δ acc vs {ref} (95 % CI)",
               "parity", "val loss", "epoch", f"speed vs {ref}", "experiment id"]
    rows, ids = [], []
    for _, r in summary.iterrows():
        for impl in impls:
            p = f"{impl}_"
            acc = fmt_pct(r[p + "test_acc_mean"], r[p + "test_acc_std"])
            for what in ("diverged", "failed"):
                if r.get(p + what, 0):
                    acc += f" ({int(r[p + what])} {what})"
            if impl == reference:
                diff = parity = speed = "reference"
            else:
                diff = fmt_pp(r[p + "acc_diff_mean"])
                if _finite(r[p + "acc_diff_ci_low"]):
                    low, high = fmt_pp(r[p + "acc_diff_ci_low"]), fmt_pp(r[p + "acc_diff_ci_high"])
                    diff += f" [{low}, {high}]"
                parity = fmt_sci(r[p + "max_loss_diff"])
                ratio = r[p + "steady_time_ratio_mean"]
                speed = speed_words(ratio) if _finite(ratio) else "—"
            rows.append([text(r["model"]), text(pair_title(r["pair"])), _twin(impl), acc,
                         diff, parity, fmt_loss(r[p + "val_loss_mean"]),
                         fmt_seconds(r[p + "steady_epoch_seconds_mean"]), speed,
                         code(r["experiment_id"])])
            ids.append(f"{r['experiment_id']}-{impl}")
    return Table(headers, rows, "lllrrrrrrl", row_ids=ids)


def twins_table(summary, env: dict | None) -> Table:
    """Per twin: threads, peak memory, epoch time per step and fixed, start-up, runtime."""
    impls, reference = twins_of(summary)
    info = (env or {}).get("twins")
    info = info if isinstance(info, dict) else {}
    rows = []
    for impl in impls:
        i = info.get(impl) if isinstance(info.get(impl), dict) else {}
        runtime = ", ".join(f"{text(k)} {text(_plain(i.get(k)))}" for k in (
            "keras_backend", "blas_library", "blas_kernel", "tf_intra_op_threads",
            "torch_version", "torch_threads", "xla_cpu_threads", "subnormals") if i.get(k))
        rows.append([
            _twin(impl) + (" (reference)" if impl == reference else ""),
            _plain_number(summary[f"{impl}_threads_mean"].max()),
            f"{summary[f'{impl}_peak_rss_mb_mean'].max():,.0f} MiB"
            if _finite(summary[f"{impl}_peak_rss_mb_mean"].max()) else "—",
            fmt_seconds(summary[f"{impl}_step_seconds_mean"].median()),
            fmt_seconds(summary[f"{impl}_epoch_fixed_seconds_mean"].median()),
            fmt_seconds(i.get("startup_seconds")),
            runtime or "—",
        ])
    return Table(["twin", "threads", "peak memory", "one step (median)",
                  "fixed per epoch (median)", "worker start-up", "runtime"], rows, "lrrrrrl")


def _plain_number(x) -> str:
    return f"{float(x):g}" if _finite(x) else "—"


def _plot_blocks(summary, figures: Figures) -> list:
    blocks: list = []
    if figures.heatmaps:
        blocks += [Heading(3, "Across pairs")] + [Image(p) for p in figures.heatmaps]
    n_pairs = summary["pair"].nunique()
    show_all = n_pairs <= SHOW_ALL_MAX_PAIRS
    shown = ([(i, "") for i in figures.experiments] if show_all
             else _telling_experiments(summary))
    blocks.append(Heading(3, "Per experiment"))
    if show_all:
        blocks.append(Para("Loss and accuracy per epoch (train and validation; one line "
                           "style per twin, named in each legend) and the epoch times."))
    else:
        blocks.append(Para(
            f"{len(figures.experiments)} experiments: shown are, per model, the hardest and the "
            "easiest pair (lowest and highest test accuracy) and the one with the largest "
            "parity figure; the others are linked below (all in `plots/`, next to this file)."))
    for exp_id, why in shown:
        if why:
            blocks.append(Para(f"**{why}**"))
        blocks.append(Image(figures.experiments[exp_id]))
    if not show_all:
        blocks.append(Bullets(_links(summary, figures)))
    blocks.append(Heading(3, "The data"))
    if figures.pairs:
        # the course's easy and hard pair are always shown when they were run
        from benchmarks.config import DEFAULT_PAIRS

        shown_pairs = list(figures.pairs) if show_all else list(dict.fromkeys([
            *(p for p in DEFAULT_PAIRS if p in figures.pairs),
            *summary.set_index("experiment_id").loc[
                [i for i, why in shown if "hardest" in why or "easiest" in why], "pair"]]))
        blocks.append(Para(
            "Each pair's training images projected to 2-D by PCA (a hard pair's classes "
            "overlap, an easy pair's lie apart), and sample images of both classes. "
            + figures.pair_note))
        blocks += [Image(figures.pairs[p]) for p in shown_pairs if p in figures.pairs]
        rest = [p for p in figures.pairs if p not in shown_pairs]
        if rest:
            blocks.append(Para("Other pairs: " + " · ".join(
                f"[{text(pair_title(p))}]({figures.pairs[p].path})" for p in rest)))
    else:
        blocks.append(Para(figures.pair_note))
    return blocks


def _telling_experiments(summary) -> list[tuple[str, str]]:
    """(experiment_id, why) of the experiments worth showing in a large sweep."""
    import pandas as pd

    chosen: dict = {}
    for model in _models(summary):
        rows = summary[summary["model"] == model]
        impls, reference = twins_of(summary)
        acc = rows[[f"{i}_test_acc_mean" for i in impls]].mean(axis=1)
        loss = rows[[f"{i}_val_loss_mean" for i in impls]].mean(axis=1)
        parity = rows[[f"{i}_max_loss_diff" for i in others(impls, reference)]].max(axis=1)
        picks = []
        if acc.notna().any():  # ties (several pairs at 100 %) go by validation loss
            order = pd.DataFrame({"acc": acc, "loss": loss}).dropna(subset=["acc"])
            order = order.sort_values(["acc", "loss"], ascending=[True, False])
            picks += [(order.index[0], "hardest pair"), (order.index[-1], "easiest pair")]
        if parity.notna().any():
            picks.append((parity.idxmax(), "largest parity figure"))
        for idx, why in picks:
            exp_id = summary.loc[idx, "experiment_id"]
            title = f"{text(model)}, {why}: {text(pair_title(summary.loc[idx, 'pair']))}"
            chosen[exp_id] = f"{chosen[exp_id]}; {why}" if exp_id in chosen else title
    return list(chosen.items())


def _links(summary, figures: Figures) -> list[str]:
    items = []
    for model in _models(summary):
        rows = summary[summary["model"] == model]
        links = " · ".join(
            f"[{text(pair_title(r['pair']))}]({figures.experiments[r['experiment_id']].path})"
            for _, r in rows.iterrows())
        items.append(f"{text(model)}: {links}")
    return items


def config_blocks(results: Results, summary, impls) -> list:
    sweep = results.sweep or {}
    settings = sweep.get("settings")
    settings = dict(settings) if isinstance(settings, dict) else {}
    if not settings:  # an older directory: read the settings off the runs
        from benchmarks.harness.records import CONFIG_COLUMNS

        runs = results.runs
        settings = {c: ", ".join(map(str, runs[c].unique())) for c in CONFIG_COLUMNS
                    if c not in ("pair", "model", "seed")}
    rows = [[text(k), code(_plain(v))] for k, v in sorted(settings.items())]
    pairs = [pair_title(p) for p in dict.fromkeys(summary["pair"])]
    rows += [
        ["pairs", f"{len(pairs)}: " + text(", ".join(pairs))],
        ["models", text(", ".join(_models(summary)))],
        ["seeds", ", ".join(f"{s:g}" for s in sorted(results.runs["seed"].unique()))],
        ["twins", text(", ".join(impls))],
    ]
    return [Table(["setting", "value"], rows, "ll")]


def env_blocks(env: dict | None) -> list:
    if not env:
        return [Para("`env.json` is missing: where these figures were measured is not recorded.")]
    rows = []
    for k, v in env.items():
        if isinstance(v, dict):
            shown = ", ".join(f"{kk} {_plain(vv)}" for kk, vv in v.items() if vv is not None)
            rows.append([text(k), text(shown or "—")])
        else:
            rows.append([text(k), text(_plain(v))])
    return [Table(["key", "value"], rows, "ll")]


def _plain(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and math.isnan(v):
        return "—"
    return str(v)


# ============================================================================ rendering
def render_markdown(blocks) -> str:
    """The report as GitHub-flavoured Markdown; figures link to ``plots/*.png``."""
    out = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            out.append(b.text)
        elif isinstance(b, Bullets):
            out.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, Table):
            out.append(_markdown_table(b))
        elif isinstance(b, Image):
            out.append(f"![{text(plain(b.plot.caption))}]({b.plot.path})\n\n"
                       f"*{b.plot.caption}*")
        elif isinstance(b, Contents):
            out.append("Contents: " + " · ".join(f"[{h}](#{anchor(h)})" for h in b.headings))
    return "\n\n".join(out) + "\n"


def _markdown_table(t: Table) -> str:
    def cells(row):
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"

    align = (t.align or "l" * len(t.headers)).ljust(len(t.headers), "l")
    rule = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    return "\n".join([cells(t.headers), rule, *(cells(r) for r in t.rows)])


_CSS = """
body{font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#1b1f24;margin:0;background:#fafafa}
main{max-width:1400px;margin:0 auto;padding:1.5em 2em;background:#fff}
h1{font-size:1.7em;border-bottom:2px solid #ddd;padding-bottom:.3em}
h2{font-size:1.35em;border-bottom:1px solid #e4e4e4;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em;margin-top:1.5em}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f2f2f2;
padding:0 .25em;border-radius:3px}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:13px;margin:.6em 0}
th,td{border:1px solid #ddd;padding:.25em .55em;vertical-align:top}
th{background:#f3f5f7;text-align:left}
td.r{text-align:right;white-space:nowrap}
tr:nth-child(even) td{background:#fbfbfb}
figure{margin:1em 0}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:13px;color:#555}
ul li{margin:.35em 0}
nav{margin:.8em 0;padding:.4em .7em;background:#f3f5f7;border-radius:4px;font-size:14px}
"""


def render_html(blocks, title: str) -> str:
    """The report as ONE self-contained HTML file: CSS inline, figures as data: URIs."""
    body = []
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f'<h{b.level} id="{html.escape(anchor(b.text), quote=True)}">'
                        f"{to_html(b.text)}</h{b.level}>")
        elif isinstance(b, Contents):
            body.append('<nav aria-label="Contents"><strong>Contents:</strong> ' + " · ".join(
                f'<a href="#{anchor(h)}">{html.escape(h)}</a>' for h in b.headings) + "</nav>")
        elif isinstance(b, Para):
            body.append(f"<p>{to_html(b.text)}</p>")
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{to_html(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            body.append(_html_table(b))
        elif isinstance(b, Image):
            data = base64.b64encode(b.plot.png).decode("ascii")
            alt = html.escape(plain(b.plot.caption), quote=True)
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{alt}">'
                f"<figcaption>{to_html(b.plot.caption)} — "
                f'<a href="{html.escape(b.plot.path, quote=True)}">{html.escape(b.plot.path)}'
                "</a></figcaption></figure>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(one_line(title))}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def _html_table(t: Table) -> str:
    align = (t.align or "l" * len(t.headers)).ljust(len(t.headers), "l")
    head = "".join(f"<th>{to_html(h)}</th>" for h in t.headers)
    rows = []
    for k, row in enumerate(t.rows):
        rid = f' id="{html.escape(one_line(t.row_ids[k]), quote=True)}"' if t.row_ids else ""
        tds = "".join(
            f'<td class="r">{to_html(str(c))}</td>' if a == "r" else f"<td>{to_html(str(c))}</td>"
            for c, a in zip(row, align, strict=True))
        rows.append(f"<tr{rid}>{tds}</tr>")
    return (f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>'
            + "".join(rows) + "</tbody></table></div>")
