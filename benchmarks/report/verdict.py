"""The verdict: per model and twin, does it match the reference (step parity against
:data:`benchmarks.harness.step_parity.STEP_PARITY_TOLERANCE`; result directories from before
step parity: the free-running loss gap against :data:`benchmarks.harness.runner.
PARITY_TOLERANCE`), how far apart the test accuracies are, and how much faster it is; as
sentences and as the verdict table."""

from __future__ import annotations

import math

from benchmarks.harness.runner import PARITY_TOLERANCE
from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE
from benchmarks.report.document import Table, code, text
from benchmarks.report.fmt import (
    finite,
    fmt_pct,
    fmt_pp,
    fmt_ratio,
    fmt_sci,
    fmt_value,
    plural,
    speed_words,
)
from benchmarks.report.summary import models_of, others, pair_title, twin_text
from benchmarks.twins.registry import label, rule_note, twins_of


def verdict_items(runs, summary) -> list[str]:
    """The verdict: one sentence per model and twin, then one per failed run."""
    impls, reference = twins_of(summary)
    return [verdict for m in models_of(summary)
            for verdict in model_verdicts(summary[summary["model"] == m], m, impls, reference)
            ] + failure_notes(runs)


def _has_step_parity(summary, impls, reference) -> bool:
    return any(f"{i}_step_parity" in summary and summary[f"{i}_step_parity"].notna().any()
               for i in others(impls, reference))


def parity_of(rows, impl: str, reference: str, step: bool) -> tuple[float, str, str]:
    """(figure, verdict word, the known rule difference or "") of twin ``impl`` over ``rows``:
    step parity when ``step`` (a twin whose rule differs from the reference's for a stated
    reason and that matches the scratch twin of its own rule is "different rule"), else the
    free-running loss gap of an older result directory."""
    notes = [n for o in dict.fromkeys(rows["optimizer"])
             for n in [rule_note(impl, o) or rule_note(reference, o)] if n]
    if not step:
        parity = rows[f"{impl}_max_loss_diff"].max()
        if not finite(parity):
            return parity, "—", ""
        if parity <= PARITY_TOLERANCE:
            return parity, "matches", ""
        return parity, "DOES NOT MATCH", "; ".join(dict.fromkeys(notes))
    parity = rows[f"{impl}_step_parity"].max()
    if not finite(parity):
        return parity, "—", ""
    if parity <= STEP_PARITY_TOLERANCE:
        return parity, "matches", ""
    own = rows[f"{impl}_rule_step_parity"].max() if f"{impl}_rule_step_parity" in rows else None
    if notes and finite(own) and own <= STEP_PARITY_TOLERANCE:
        return parity, notes[0].split(" (")[0], "; ".join(dict.fromkeys(notes))
    return parity, "DOES NOT MATCH", "; ".join(dict.fromkeys(notes))


def verdict_table(summary, timing_only: bool = False) -> Table:
    """The verdict in one table: per model and twin, against the reference, the parity
    figure, both test accuracies (mean over experiments, labelled so when there are several;
    ``timing_only``: marked as no accuracy of Fashion-MNIST), the time ratio per epoch at the
    run's data size (a range when the pairs differ in size) and per optimizer step (geometric
    means over the experiments), and the diverged / failed runs."""
    impls, reference = twins_of(summary)
    size = _size_text(summary)
    size = f" at {size} images" if size else ""
    ref = twin_text(reference) if reference else "—"
    by_step = _has_step_parity(summary, impls, reference)
    parity_head = (f"step parity (≤ {STEP_PARITY_TOLERANCE:g})" if by_step
                   else f"parity (≤ {PARITY_TOLERANCE:g})")
    per_model = summary.groupby("model").size().max() if len(summary) else 0
    marks = [f"mean of {per_model}"] if per_model > 1 else []
    marks += ["timing-only"] if timing_only else []
    acc = f" ({', '.join(marks)})" if marks else ""
    headers = ["model", "twin", parity_head, f"twin test acc{acc}",
               f"{ref} test acc{acc}", f"speed per epoch{size}", "speed per step",
               "diverged / failed"]
    rows = []
    for model in models_of(summary):
        part = summary[summary["model"] == model]
        for impl in others(impls, reference):
            parity, word, _ = parity_of(part, impl, reference, by_step)
            epoch, _ = _geomean(part[f"{impl}_steady_time_ratio_mean"])
            step, _ = _geomean(part[f"{impl}_step_time_ratio_mean"])
            bad = [f"{twin_text(i)} {int(part[f'{i}_diverged'].sum())} / "
                   f"{int(part[f'{i}_failed'].sum())}" for i in (impl, reference)
                   if int(part[f"{i}_diverged"].sum()) or int(part[f"{i}_failed"].sum())]
            rows.append([
                text(model), twin_text(impl), f"{fmt_sci(parity)} {word}",
                fmt_pct(part[f"{impl}_test_acc_mean"].mean()),
                fmt_pct(part[f"{reference}_test_acc_mean"].mean()),
                speed_words(epoch) if finite(epoch) else "—",
                speed_words(step) if finite(step) else "—",
                ", ".join(bad) or "none",
            ])
    return Table(headers, rows, "llrrrrrl")


def _size_text(rows) -> str:
    """The training images of ``rows``' experiments: "7,200", or "1,105–1,170" when the pairs
    differ (a mean of two sizes is the size of no run)."""
    n = rows["n_train"].dropna() if "n_train" in rows else []
    if not len(n):
        return ""
    low, high = int(n.min()), int(n.max())
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def verdict_notes(summary) -> list[str]:
    """Plain lines for the terminal: why a cell of :func:`verdict_table` is "—" or "DOES NOT
    MATCH" (the report's sentences say it; a table cell alone does not)."""
    impls, reference = twins_of(summary)
    by_step = _has_step_parity(summary, impls, reference)
    lines = []
    for model in models_of(summary):
        part = summary[summary["model"] == model]
        for impl in others(impls, reference):
            who = f"{label(impl)} on {model}"
            parity, word, notes = parity_of(part, impl, reference, by_step)
            if not finite(parity):
                lines.append(f"{who}: parity —: " + (
                    "the twin has no state methods or every check failed (report.md says which)"
                    if by_step else "no epoch in which both twins' losses were finite"))
            elif word == "DOES NOT MATCH":
                why = notes or ("no known difference of the rules: a bug in one twin; the report "
                                "names the tensor, the optimizer and the size of the difference"
                                if by_step else "no known difference of the rules: a bug in one "
                                "twin, or float32 chaos; the report's curves show where they part")
                lines.append(f"{who}: DOES NOT MATCH: {why}")
            elif word != "matches":
                lines.append(f"{who}: {word}: {notes}; it matches the scratch twin of its own "
                             "rule (docs/parity.md)")
            epoch, _ = _geomean(part[f"{impl}_steady_time_ratio_mean"])
            step, _ = _geomean(part[f"{impl}_step_time_ratio_mean"])
            if not finite(epoch):
                lines.append(f"{who}: speed per epoch —: " + (
                    "one epoch per run (no epoch after the first to time)"
                    if _max_epochs(part) == 1 else "no run of both twins finished ok"))
            if not finite(step):
                full = "batch_size" in part and (part["batch_size"].astype(str) == "full").all()
                lines.append(f"{who}: speed per step —: " + (
                    "full batch (one step per epoch: nothing between steps to time)" if full
                    else "too few timed calls per epoch to time one step (a twin that runs "
                    "several steps per call — Keras (XLA): steps_per_execution — needs 3 calls "
                    "or more per epoch; more data or a smaller batch gives them)"
                    if finite(epoch) else "no run of both twins finished ok"))
    return lines


def failure_notes(runs) -> list[str]:
    """One bullet per failed run (its worker died, hung or raised), with the reason."""
    failed = runs[runs["status"] == "failed"]
    return [f"**failed**: {code(r['run_id'])} — {text(fmt_value(r['failure']))}"
            for _, r in failed.iterrows()]


def _geomean(values):
    import numpy as np

    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return (float(np.exp(np.log(v).mean())), v) if len(v) else (math.nan, v)


def model_verdicts(rows, model: str, impls, reference) -> list[str]:
    """One sentence per model and twin: does it match the reference, by how much, how fast."""
    if reference is None:
        return [f"**{text(model)}**: only the {twin_text(impls[0])} twin ran — nothing to compare."]
    return [twin_verdict(rows, model, impl, reference) for impl in others(impls, reference)]


def twin_verdict(rows, model: str, impl: str, reference: str) -> str:
    """Does twin ``impl`` match ``reference`` on ``model``'s experiments, and how fast is it."""
    twin, ref, model = twin_text(impl), twin_text(reference), text(model)
    n = len(rows)
    if f"{impl}_step_parity" in rows and rows[f"{impl}_step_parity"].notna().any():
        head = step_parity_head(rows, model, impl, reference)
    else:
        head = _loss_gap_head(rows, model, impl, reference)
    p = f"{impl}_"
    diffs = rows[p + "acc_diff_mean"].dropna()
    if n == 1:
        r = rows.iloc[0]
        acc = f"test accuracy difference ({twin} − {ref}) {fmt_pp(r[p + 'acc_diff_mean'])}"
        if finite(r[p + "acc_diff_ci_low"]):
            acc += (f", 95 % CI [{fmt_pp(r[p + 'acc_diff_ci_low'])}, "
                    f"{fmt_pp(r[p + 'acc_diff_ci_high'])}] over {int(r['n_seeds'])} seeds")
        else:
            acc += f" ({plural(int(r['n_seeds']), 'seed')}: no interval below 3 seeds)"
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
        size = _size_text(rows)
        if size:
            per = " per pair" if "–" in size else ""
            speed += f" at this data size ({size} training images{per})"
        step_gm, _ = _geomean(rows[p + "step_time_ratio_mean"])
        if finite(step_gm):
            speed += (f"; per optimizer step, what a large data set approaches, "
                      f"{speed_words(step_gm)}")
        if _max_epochs(rows) == 2:
            speed += " (with 2 epochs this rests on one epoch per run: a noisy figure)"
        first, _ = _geomean(rows[f"{reference}_first_epoch_seconds_mean"]
                            / rows[f"{impl}_first_epoch_seconds_mean"])
        if finite(first):
            speed += (f"; in the first epoch, where Keras traces its graph, {ref}/{twin} "
                      f"{fmt_ratio(first)}")
    elif _max_epochs(rows) == 1:
        speed = ("no speed figure (one epoch: there is no epoch after the first to time, and "
                 "the first holds Keras' graph tracing)")
    else:
        speed = "no speed figure (no run of both twins finished ok with 2 epochs or more)"
    sentence = f"{head}; {acc}; {speed}."
    bad = {twin_text(i): (int(rows[f"{i}_diverged"].sum()), int(rows[f"{i}_failed"].sum()))
           for i in (impl, reference) if f"{i}_failed" in rows}
    if any(d or f for d, f in bad.values()):
        sentence += " Diverged / failed runs: " + ", ".join(
            f"{name} {d} / {f}" for name, (d, f) in bad.items()) + "."
    drift = [f"{twin_text(i)} on {text(pair_title(r['pair']))} ({text(r[f'{i}_slow_epochs'])})"
             for i in (impl, reference) for _, r in rows.iterrows()
             if isinstance(r.get(f"{i}_slow_epochs"), str) and r[f"{i}_slow_epochs"]]
    if drift:
        sentence += (" **Epoch times drifted** (epochs > 1.5× the fastest, by > 5 ms): "
                     + "; ".join(dict.fromkeys(drift)) + ".")
    return sentence


def step_parity_head(rows, model: str, impl: str, reference: str) -> str:
    """The verdict from step parity, naming the tensor, optimizer and size of a mismatch, and
    the free-running gap beside it as information."""
    twin, ref = twin_text(impl), twin_text(reference)
    parity, word, notes = parity_of(rows, impl, reference, True)
    tol = f"{STEP_PARITY_TOLERANCE:g}"
    worst = rows.loc[rows[f"{impl}_step_parity"].idxmax()]
    where = (f"on {code(worst[f'{impl}_step_parity_tensor'])} under "
             f"{text(worst['optimizer'])}")
    if word == "matches":
        head = f"**{model}: {twin} matches {ref}** — step parity {fmt_sci(parity)} (≤ {tol})"
    elif word == "DOES NOT MATCH":
        head = (f"**{model}: {twin} does NOT match {ref}** — step parity {fmt_sci(parity)} "
                f"{where} (> {tol})")
        if notes:
            head += " — a known difference of the rules: " + text(notes)
    else:
        own = rows[f"{impl}_rule_step_parity"].max()
        head = (f"**{model}: {twin} applies a different rule from {ref}** — {text(notes)}: "
                f"step parity {fmt_sci(parity)} {where} (> {tol}); held to the scratch twin "
                f"of its own rule it matches, step parity {fmt_sci(own)} (≤ {tol})")
    gap = rows[f"{impl}_max_loss_diff"].max()
    if finite(gap):
        head += f"; free-running loss gap {fmt_sci(gap)} (information, not the verdict"
        parted = rows.get(f"{impl}_bifurcation_epoch")
        if parted is not None and parted.notna().any():
            head += f": the curves part in epoch {int(parted.min())}"
        head += ")"
    return head


def _loss_gap_head(rows, model: str, impl: str, reference: str) -> str:
    """The verdict of runs without a step-parity figure (a twin without the state commands,
    or a check that could not run): the free-running gap."""
    twin, ref = twin_text(impl), twin_text(reference)
    parity = rows[f"{impl}_max_loss_diff"].max()
    if not finite(parity):
        return (f"**{model}: no parity figure for {twin}** (no epoch in which both twins' "
                "losses were finite)")
    if parity <= PARITY_TOLERANCE:
        return (f"**{model}: {twin} matches {ref}** — parity figure {fmt_sci(parity)} "
                f"(≤ {PARITY_TOLERANCE:g})")
    head = (f"**{model}: {twin} does NOT match {ref}** — parity figure {fmt_sci(parity)} "
            f"(> {PARITY_TOLERANCE:g})")
    notes = [n for o in dict.fromkeys(rows["optimizer"])
             for n in [rule_note(impl, o) or rule_note(reference, o)] if n]
    if notes:
        head += " — a known difference of the rules: " + "; ".join(dict.fromkeys(notes))
    return head


def _max_epochs(rows) -> int | None:
    """The most epochs of the rows' runs (None when a damaged file leaves none readable)."""
    epochs = rows["epochs"].max()
    return int(epochs) if finite(epochs) else None
