"""``kvsbench history DIR… --out OUT``: accuracy, parity and speed across commits.

Takes result directories made from successive commits (CI artifacts, or
``results/history/<commit>/``) and writes into OUT:

- ``history.html`` — one self-contained page (the report's renderer,
  :func:`benchmarks.report.render_html`): per experiment a trend plot of every twin's test
  accuracy, each twin's parity figure and time ratio against the reference, over the commits;
  the steps found; the commits and machines. ``history.md`` is the same in Markdown.
- ``history.csv`` — the figures behind it, one row per directory × experiment × twin × figure.
- ``plots/history_<n>.png`` — the trend plots (also embedded in history.html).

**Order.** Directories are put in the order of their ``env.json`` ``created`` time (when the
run started; directories without it keep their place at the end), or as given with
``--as-given``.

**Machines.** Each directory's machine is its ``env.json`` fingerprint
(:data:`benchmarks.results.hosts.FINGERPRINT_KEYS`). A series is cut where the fingerprint
changes: the plot's line breaks there (a dotted vertical line marks it), and steps are looked for
within each machine's stretch only, never across one.

**Steps** — where a figure moved for good within one machine's stretch — are found by
:mod:`benchmarks.regressions.changepoints` (the rule is there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.errors import ConfigError, ResultsError
from benchmarks.regressions.changepoints import (
    change_text,
    detect,
    find_steps,
    step_change,
    stretches,
)

__all__ = ["FIGURES", "Point", "Series", "add_parser", "collect_series", "compose", "detect",
           "find_steps", "history_table", "load_points", "trend_figure", "write_history"]

#: figures tracked per experiment: (key, label, unit of change, log scale?)
FIGURES = ("test_acc", "max_loss_diff", "time_ratio")
_LABEL = {"test_acc": "test accuracy", "max_loss_diff": "parity (max |Δ loss|)",
          "time_ratio": "time ratio"}


@dataclass
class Point:
    """One result directory: a commit's figures."""

    path: Path
    commit: str
    created: str
    machine: tuple
    summary: object  # pandas.DataFrame (benchmarks.report.summary.summarize)
    index: int = 0  # position in the history
    machine_no: int = 0

    @property
    def short(self) -> str:
        """``<position> <commit's first 8 characters>`` (the directory's name without one)."""
        name = self.commit[:8] if self.commit not in ("", "unknown", "?") else self.path.name
        return f"{self.index + 1}:{name}"


@dataclass
class Series:
    """One figure of one twin of one experiment over the history (NaN: not measured there)."""

    experiment: str
    twin: str
    figure: str
    values: list
    steps: list = field(default_factory=list)  # indices where a step starts


# ----------------------------------------------------------------------------- reading
def load_points(dirs, as_given: bool = False) -> list[Point]:
    """Read every directory (:func:`benchmarks.regressions.result_dirs.load_result_dir`), put
    them in order and number the machines (1, 2, … in order of first appearance)."""
    from benchmarks.regressions.result_dirs import load_result_dir
    from benchmarks.results.hosts import machine_fingerprint

    if not dirs:
        raise ConfigError("kvsbench history needs at least one result directory.")
    points = []
    for d in dirs:
        side = load_result_dir(d)
        env = side.env or {}
        points.append(Point(Path(d), str(env.get("git_commit") or "unknown"),
                            str(env.get("created") or ""),
                            tuple(sorted(machine_fingerprint(env).items())) if env else (),
                            side.summary))
    if not as_given:
        dated = sorted((p for p in points if p.created), key=lambda p: p.created)
        points = dated + [p for p in points if not p.created]
    machines: dict = {}
    for i, p in enumerate(points):
        p.index = i
        p.machine_no = machines.setdefault(p.machine, len(machines) + 1)
    return points


def collect_series(points: list[Point]) -> list[Series]:
    """Every (experiment, twin, figure) series, experiments in order of first appearance."""
    from benchmarks.twins.registry import ordered, twins_of

    experiments: dict = {}
    for p in points:
        for exp_id in p.summary["experiment_id"]:
            experiments.setdefault(exp_id, None)
    out = []
    for exp_id in experiments:
        twins: set = set()
        refs = set()
        for p in points:
            impls, ref = twins_of(p.summary)
            if exp_id in set(p.summary["experiment_id"]):
                twins |= set(impls)
                refs.add(ref)
        for twin in ordered(twins):
            for figure in FIGURES:
                if figure != "test_acc" and twin in refs:
                    continue
                values = [_value(p, exp_id, twin, figure) for p in points]
                if any(math.isfinite(v) for v in values):
                    out.append(Series(exp_id, twin, figure, values))
    return out


def _value(p: Point, exp_id: str, twin: str, figure: str) -> float:
    s = p.summary
    rows = s[s["experiment_id"] == exp_id]
    key = {"test_acc": f"{twin}_test_acc_mean", "max_loss_diff": f"{twin}_max_loss_diff",
           "time_ratio": f"{twin}_time_ratio_mean"}[figure]
    if rows.empty or key not in rows:
        return math.nan
    try:
        return float(rows.iloc[0][key])
    except (TypeError, ValueError):
        return math.nan


# ----------------------------------------------------------------------------- output
def history_table(points: list[Point], series: list[Series]):
    """history.csv as a DataFrame: one row per directory × experiment × twin × figure."""
    import pandas as pd

    rows = []
    for s in series:
        for p in points:
            v = s.values[p.index]
            if not math.isfinite(v):
                continue
            step = ""
            if p.index in s.steps:
                step = change_text(s.figure, step_change(s, p.index, points))
            rows.append({"order": p.index, "commit": p.commit, "created": p.created,
                         "machine": p.machine_no, "dir": str(p.path), "experiment_id":
                         s.experiment, "twin": s.twin, "figure": s.figure, "value": v,
                         "step": step})
    return pd.DataFrame(rows, columns=["order", "commit", "created", "machine", "dir",
                                       "experiment_id", "twin", "figure", "value", "step"])


def trend_figure(exp_id: str, series: list[Series], points: list[Point]) -> bytes:
    """One experiment: a panel per figure, one line per twin, x = the commits in order; lines
    break where the machine changes (dotted vertical line), steps are marked in red."""
    from matplotlib.figure import Figure

    from benchmarks.report.experiment_plots import mpl_text, to_png, twin_line
    from benchmarks.twins.registry import label

    figures = [f for f in FIGURES if any(s.figure == f for s in series)]
    fig = Figure(figsize=(4.2 * len(figures), 3.4), layout="constrained")
    axes = fig.subplots(1, len(figures), squeeze=False)[0]
    x = np.arange(len(points))
    parts = stretches(points)
    for ax, figure in zip(axes, figures):
        for s in (s for s in series if s.figure == figure):
            style = twin_line(s.twin)
            y = np.asarray(s.values, dtype=float) * (100 if figure == "test_acc" else 1)
            for n, part in enumerate(parts):
                ax.plot(x[part], y[part], **{**style, "ls": style.get("ls", "-") or "-"},
                        label=mpl_text(label(s.twin)) if n == 0 else None)
            for i in s.steps:
                ax.axvline(i - 0.5, color="tab:red", lw=1.2, alpha=0.8)
                ax.annotate(change_text(figure, step_change(s, i, points)), (i - 0.5, 1),
                            xycoords=("data", "axes fraction"), color="tab:red", fontsize=8,
                            ha="left", va="top", rotation=90)
        for part in parts[1:]:
            ax.axvline(part[0] - 0.5, color="0.3", ls=":", lw=1.5)
            ax.annotate(f"machine {points[part[0]].machine_no}", (part[0] - 0.45, 0.02),
                        xycoords=("data", "axes fraction"), fontsize=8, color="0.3")
        if figure != "test_acc":
            ax.set_yscale("log")
        ax.set_title(_LABEL[figure], fontsize=10)
        ax.set_ylabel({"test_acc": "test accuracy (%)", "max_loss_diff": "max |Δ train loss|",
                       "time_ratio": "reference / twin epoch time (×)"}[figure])
        ax.set_xlabel("commit (oldest → newest)")
        ax.set_xticks(x, [mpl_text(p.short, 24) for p in points], rotation=60, fontsize=7)
        ax.set_xlim(-0.5, len(points) - 0.5)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(mpl_text(exp_id, 160), fontsize=10)
    return to_png(fig)


def compose(points: list[Point], series: list[Series], plots: dict) -> list:
    """The history page as the report's blocks (:mod:`benchmarks.report`)."""
    from benchmarks.report.document import Bullets, Heading, Image, Para, Table, code, text

    n_machines = len({p.machine for p in points})
    blocks: list = [Heading(1, "kvsbench history"), Para(
        f"{len(points)} result directories, oldest first (by `env.json` `created`), on "
        f"{n_machines} machine(s); per experiment every twin's test accuracy and, against the "
        "reference, its parity figure and time ratio. A line breaks where the machine "
        "changes; a red line marks a step: the medians before and after differ by more than "
        "compare's tolerance (25 % time ratio, 1 pp accuracy, ×10 parity) and the two sides "
        "do not overlap.")]
    # ids, twins, commits, paths and env.json values come from the directories: code()/text()
    steps = [f"{code(s.experiment)} {text(s.twin)} {_LABEL[s.figure]}: step "
             f"{change_text(s.figure, step_change(s, i, points))} at commit "
             f"{code(points[i].short)} (after {code(points[i - 1].short)})"
             for s in series for i in s.steps]
    blocks += [Heading(2, "Steps"), Bullets(steps) if steps else Para("No step found.")]
    blocks += [Heading(2, "Commits"), Table(
        ["#", "commit", "created", "machine", "directory"],
        [[str(p.index + 1), code(p.commit), text(p.created or "—"), str(p.machine_no),
          code(p.path)] for p in points], align="r")]
    machines = {}
    for p in points:
        machines.setdefault(p.machine_no, dict(p.machine))
    blocks.append(Table(["machine", *(text(k) for k in next(iter(machines.values()), {}))],
                        [[str(n), *map(text, m.values())] for n, m in machines.items()]))
    blocks.append(Heading(2, "Trends"))
    for exp_id, plot in plots.items():
        blocks += [Heading(3, code(exp_id)), Image(plot)]
    return blocks


def write_history(dirs, out_dir, as_given: bool = False) -> dict:
    """Write history.html, history.md, history.csv and plots/ into ``out_dir``."""
    from benchmarks.atomic import write_files_atomic
    from benchmarks.report.document import Plot, code
    from benchmarks.report.render import render_html, render_markdown
    from benchmarks.results.place import inside, prepare
    from benchmarks.spreadsheet import spreadsheet_csv_bytes

    points = load_points(dirs, as_given)
    series = collect_series(points)
    if not series:
        raise ResultsError("the result directories hold no figures to track.")
    detect(series, points)
    out_dir = prepare(Path(out_dir))
    plots = {}
    for n, exp_id in enumerate(dict.fromkeys(s.experiment for s in series), start=1):
        png = trend_figure(exp_id, [s for s in series if s.experiment == exp_id], points)
        plots[exp_id] = Plot(f"plots/history_{n}.png",
                             f"{code(exp_id)} over {len(points)} commits", png)
    blocks = compose(points, series, plots)
    # written as one set, and only inside --out (a `plots` link out of it is refused)
    files = {inside(out_dir, *p.path.split("/")): p.png for p in plots.values()}
    files[inside(out_dir, "history.csv")] = spreadsheet_csv_bytes(history_table(points, series))
    files[inside(out_dir, "history.md")] = render_markdown(blocks).encode("utf-8")
    files[inside(out_dir, "history.html")] = render_html(
        blocks, title="kvsbench history").encode("utf-8")
    write_files_atomic(files)
    return {"html": out_dir / "history.html", "csv": out_dir / "history.csv",
            "steps": sum(len(s.steps) for s in series), "points": len(points)}


# ----------------------------------------------------------------------------- CLI
def add_parser(sub) -> None:
    p = sub.add_parser(
        "history",
        help="trend of accuracy, parity and time ratio over result directories of successive "
        "commits (HTML + CSV)",
        description="Read result directories from successive commits (CI artifacts, or "
        "results/history/<commit>/) and write OUT/history.html (self-contained), "
        "history.md, history.csv and plots/: per experiment and twin, test accuracy, parity and "
        "time ratio over the commits, the steps found, machine changes marked.",
    )
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR",
                   help="result directories written by kvsbench run")
    p.add_argument("--out", type=Path, required=True, help="directory to write into")
    p.add_argument("--as-given", action="store_true",
                   help="keep the order of DIR… (default: env.json's created time)")
    p.set_defaults(func=cmd_history)


def cmd_history(args) -> int:
    built = write_history(args.dirs, args.out, args.as_given)
    print(f"kvsbench history: {built['points']} commit(s), {built['steps']} step(s) found; "
          f"{built['html']} and {built['csv']}")
    return 0
