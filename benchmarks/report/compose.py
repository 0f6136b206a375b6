"""The run report as blocks of :mod:`benchmarks.report.document`: the verdict per model, the
summary table, the plots, the config and the environment.

A result directory is untrusted input: every string from it enters the report through
:func:`benchmarks.report.document.text` or ``code``, never as a link or markup.
"""

from __future__ import annotations

from benchmarks.harness.runner import PARITY_TOLERANCE
from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE
from benchmarks.report.datanote import data_kind_of, data_note
from benchmarks.report.document import (
    Bullets,
    Contents,
    Heading,
    Image,
    Para,
    Table,
    code,
    text,
)
from benchmarks.report.figure_set import Figures
from benchmarks.report.fmt import (
    finite,
    fmt_loss,
    fmt_number,
    fmt_pct,
    fmt_pp,
    fmt_sci,
    fmt_seconds,
    fmt_value,
    plural,
    speed_words,
)
from benchmarks.report.host_section import hosts_blocks, hosts_of_summary
from benchmarks.report.run_settings import config_blocks, env_blocks, version_text
from benchmarks.report.summary import (
    models_of,
    others,
    pair_title,
    settings_text,
    twin_text,
)
from benchmarks.report.verdict import verdict_items, verdict_table
from benchmarks.results.directory import ResultDirectory
from benchmarks.twins.registry import twins_of

#: up to this many pairs every per-experiment and per-pair figure is shown in the report; with
#: more, a telling selection is shown and the rest are linked (they are all in plots/)
SHOW_ALL_MAX_PAIRS = 12


def compose(results: ResultDirectory, summary, figures: Figures) -> list:
    """The report as blocks: verdict, summary table, plots, config, environment, files."""
    runs = results.runs
    impls, reference = twins_of(summary)
    n_pairs = summary["pair"].nunique()
    seeds = sorted(int(s) for s in runs["seed"].unique())
    ref_text = f" (reference: {twin_text(reference)})" if reference else ""
    blocks: list = [Heading(1, text(report_title(results)))]
    blocks.append(Para(
        f"{plural(len(summary), 'experiment')} — {plural(n_pairs, 'pair')} × "
        f"{plural(len(models_of(summary)), 'model')} ({text(', '.join(models_of(summary)))}), "
        f"{plural(len(seeds), 'seed')} each — twins: "
        f"{', '.join(twin_text(i) for i in impls)}{ref_text}, each trained in its own process. "
        f"{text(settings_text(summary.iloc[0], with_seeds=False).capitalize())} per run; "
        f"total training time {fmt_seconds(runs['fit_seconds'].sum())}. Result directory "
        f"{code(results.path)}; rebuild this report with "
        f"{code(f'kvsbench report {results.path}')}. " + version_text(results.env)))

    data = (results.env or {}).get("data") or {}
    timing_only = data_kind_of(results.env) == "standin"
    note = data_note(results.env, protocol_of(summary))
    if note and not timing_only:
        blocks.append(Para(f"**{text(note)}.**"))
    if timing_only:
        blocks.append(Para(
            "**TIMING-ONLY DATA.** These runs trained on a stand-in of the real size built by "
            "repeating a subset's images (`kvsbench standin`, read from "
            f"{code(fmt_value(data.get('data_dir')))}): the times and the time ratios are "
            "real-size figures; the accuracies are NOT Fashion-MNIST accuracies and must not be "
            "quoted."))
    contents = Contents([])  # filled in below, from the level-2 headings
    blocks.append(contents)
    blocks += [Heading(2, "Verdict")]
    if reference is not None:
        blocks.append(verdict_table(summary, timing_only=timing_only))
    blocks.append(Bullets(verdict_items(runs, summary)))
    if reference is not None:
        blocks.append(Para(
            f"*Step parity* (the verdict; docs/parity.md): from {twin_text(reference)}'s exact "
            f"state (weights, optimizer slots, iteration), each twin takes one step on the same "
            f"batch, at steps spread over every epoch; the largest difference of the updates, "
            f"per tensor and slot, relative to {twin_text(reference)}'s update; they match when "
            f"it is at most {STEP_PARITY_TOLERANCE:g}. *Free-running gap* (information): the "
            f"largest per-epoch difference of the training loss of the freely running twins, "
            f"relative where the loss is above 1 (the verdict of result directories from before "
            f"step parity, ≤ {PARITY_TOLERANCE:g}); a single ReLU gate flipping at ±1e-7 makes "
            f"correct twins part. *Speed*: {twin_text(reference)}'s epoch time over the twin's, "
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
    blocks += hosts_blocks(runs, results.env)

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


def protocol_of(summary):
    """The split protocol of the runs (one per directory: sweep.json pins it), or None."""
    if "protocol" not in summary or not len(summary):
        return None
    return summary["protocol"].iloc[0]


def report_title(results: ResultDirectory) -> str:
    return f"kvsbench report — {results.path.resolve().name}"


def summary_table(summary) -> Table:
    """Two twins side by side; with more, one row per experiment and twin (a table as wide as
    five twins side by side is not one a person reads)."""
    impls, reference = twins_of(summary)
    if len(impls) > 2:
        return _long_summary_table(summary, impls, reference)
    rest = others(impls, reference)
    target = summary["target_acc"].dropna()
    headers = ["model", "pair", "seeds"]
    headers += [f"{twin_text(i)} test acc" for i in impls]
    for i in rest:
        vs = "" if len(rest) == 1 else f" {twin_text(i)}"
        headers += [f"Δ acc{vs} (95 % CI)", f"parity{vs}"]
    headers += ["val loss " + " / ".join(twin_text(i) for i in impls)]
    headers += [f"{twin_text(i)} epoch" for i in impls]
    headers += [f"speed {twin_text(i)}" for i in rest]
    if len(target):
        headers += [f"{twin_text(i)} → {fmt_pct(target.iloc[0])}" for i in impls]
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
            if finite(r[p + "acc_diff_ci_low"]):
                low, high = fmt_pp(r[p + "acc_diff_ci_low"]), fmt_pp(r[p + "acc_diff_ci_high"])
                diff += f" [{low}, {high}]"
            cells += [diff, parity_cell(r, p)]
        cells.append(" / ".join(fmt_loss(r[f"{i}_val_loss_mean"]) for i in impls))
        cells += [fmt_seconds(r[f"{i}_steady_epoch_seconds_mean"]) for i in impls]
        for impl in rest:
            ratio = r[f"{impl}_steady_time_ratio_mean"]
            cells.append(speed_words(ratio) if finite(ratio) else "—")
        if len(target):
            for impl in impls:
                reached = int(r[f"{impl}_reached_target"])
                cells.append(f"{fmt_seconds(r[f'{impl}_time_to_target_seconds_mean'])} "
                             f"({reached}/{int(r['n_seeds'])})" if reached else "never")
        cells.append(code(r["experiment_id"]))
        rows.append(cells)
    align = "llr" + "r" * (len(headers) - 4) + "l"
    return Table(headers, rows, align, row_ids=list(summary["experiment_id"]))


def parity_cell(r, p: str) -> str:
    """A summary row's parity of twin prefix ``p``: step parity and the free-running gap
    (``step 9.9e-06 · gap 1.1e-03``), or the gap alone in a directory from before step
    parity."""
    gap = fmt_sci(r[p + "max_loss_diff"])
    step = r.get(p + "step_parity")
    return f"step {fmt_sci(step)} · gap {gap}" if finite(step) else gap


def _long_summary_table(summary, impls, reference) -> Table:
    ref = twin_text(reference)
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
                if finite(r[p + "acc_diff_ci_low"]):
                    low, high = fmt_pp(r[p + "acc_diff_ci_low"]), fmt_pp(r[p + "acc_diff_ci_high"])
                    diff += f" [{low}, {high}]"
                parity = parity_cell(r, p)
                ratio = r[p + "steady_time_ratio_mean"]
                speed = speed_words(ratio) if finite(ratio) else "—"
            rows.append([text(r["model"]), text(pair_title(r["pair"])), twin_text(impl), acc,
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
    # absolute times of several machines are never pooled: per host, in the Hosts table
    per_host = len(hosts_of_summary(summary)) > 1
    rows = []
    for impl in impls:
        i = info.get(impl) if isinstance(info.get(impl), dict) else {}
        runtime = ", ".join(f"{text(k)} {text(fmt_value(i.get(k)))}" for k in (
            "keras_backend", "blas_library", "blas_kernel", "tf_intra_op_threads",
            "torch_version", "torch_threads", "xla_cpu_threads", "subnormals") if i.get(k))
        rows.append([
            twin_text(impl) + (" (reference)" if impl == reference else ""),
            fmt_number(summary[f"{impl}_threads_mean"].max()),
            f"{summary[f'{impl}_peak_rss_mb_mean'].max():,.0f} MiB"
            if finite(summary[f"{impl}_peak_rss_mb_mean"].max()) else "—",
            "per host" if per_host else fmt_seconds(summary[f"{impl}_step_seconds_mean"].median()),
            "per host" if per_host else fmt_seconds(
                summary[f"{impl}_epoch_fixed_seconds_mean"].median()),
            fmt_seconds(i.get("startup_seconds")),
            runtime or "—",
        ])
    return Table(["twin", "threads", "peak memory", "one step (median)",
                  "fixed per epoch (median)", "worker start-up", "runtime"], rows, "lrrrrrl")


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
    for model in models_of(summary):
        rows = summary[summary["model"] == model]
        impls, reference = twins_of(summary)
        acc = rows[[f"{i}_test_acc_mean" for i in impls]].mean(axis=1)
        loss = rows[[f"{i}_val_loss_mean" for i in impls]].mean(axis=1)
        figure = ("step_parity" if any(f"{i}_step_parity" in rows
                                       and rows[f"{i}_step_parity"].notna().any()
                                       for i in others(impls, reference)) else "max_loss_diff")
        parity = rows[[f"{i}_{figure}" for i in others(impls, reference)]].max(axis=1)
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
    for model in models_of(summary):
        rows = summary[summary["model"] == model]
        links = " · ".join(
            f"[{text(pair_title(r['pair']))}]({figures.experiments[r['experiment_id']].path})"
            for _, r in rows.iterrows())
        items.append(f"{text(model)}: {links}")
    return items
