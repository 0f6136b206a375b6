"""Measure ``kvsbench compare``'s speed gate on repeated identical runs (docs/ci.md quotes it).

    python tools/speed_noise_check.py RUN_DIR RUN_DIR ... [--factor 1.5] [--work DIR]

Every ordered pair (baseline i, current j), i != j, of the given result directories (identical
``kvsbench run``s) is compared twice: as they are (every alarm is a false alarm), and with the
current run's scratch twin slowed down by ``--factor`` in its result files (every planted
slowdown should be caught). Each comparison is judged by

* the old gate: ``time_ratio_mean`` fell by more than 25 % (a fixed gate on one median), and
* ``kvsbench compare`` itself (:func:`benchmarks.regressions.checks.compare_dirs`, default
  tolerances).

Rates are given per comparison (does compare exit 1?) and per speed row (experiment × twin).
"""

from __future__ import annotations

import argparse
import itertools
import math
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.atomic import write_csv
from benchmarks.regressions.checks import Tolerances, compare_dirs
from benchmarks.regressions.result_dirs import load_result_dir
from benchmarks.results.rows import config_from_row
from benchmarks.results.schema import CONFIG_COLUMNS, CURVE_COLUMNS, RUN_COLUMNS
from benchmarks.results.tables import read_csv

OLD_TOL = 0.25


def plant_slowdown(src: Path, dst: Path, factor: float, impl: str = "scratch") -> Path:
    """Copy result directory ``src`` to ``dst`` with every epoch of ``impl`` ``factor`` times
    slower: curves.csv's epoch, step and cumulative seconds, and every runs.csv figure derived
    from them (recomputed by the runner's formulas:
    :class:`benchmarks.harness.runner.RunResult`)."""
    shutil.copytree(src, dst)
    curves = read_csv(dst / "curves.csv", CURVE_COLUMNS)
    runs = read_csv(dst / "runs.csv", RUN_COLUMNS)
    sel = curves["impl"] == impl
    for col in ("epoch_seconds", "step_seconds", "cumulative_seconds"):
        curves.loc[sel, col] = curves.loc[sel, col].astype(float) * factor
    for i, row in runs[runs["impl"] == impl].iterrows():
        c = curves[curves["run_id"] == row["run_id"]].sort_values("epoch")
        t = c["epoch_seconds"].to_numpy(float)
        steps = c["step_seconds"].to_numpy(float)[1:]
        steps = steps[np.isfinite(steps)]
        fit, steady = float(t.sum()), float(np.median(t[1:])) if len(t) > 1 else float(t[0])
        step = float(np.median(steps)) if len(steps) else math.nan
        n_steps = config_from_row(row[list(CONFIG_COLUMNS)]).steps_per_epoch(int(row["n_train"]))
        runs.loc[i, "fit_seconds"] = fit
        runs.loc[i, "first_epoch_seconds"] = float(t[0])
        runs.loc[i, "steady_epoch_seconds"] = steady
        runs.loc[i, "step_seconds"] = step
        runs.loc[i, "epoch_fixed_seconds"] = (max(0.0, steady - n_steps * step)
                                              if math.isfinite(step) else math.nan)
        runs.loc[i, "samples_per_second"] = int(row["n_train"]) * len(t) / fit
        if math.isfinite(float(row["time_to_target_seconds"])):
            runs.loc[i, "time_to_target_seconds"] = float(row["time_to_target_seconds"]) * factor
        ref = str(row["reference"])
        rc = curves[curves["run_id"] == row["run_id"].rsplit(".", 1)[0] + "." + ref]
        rt = rc.sort_values("epoch")["epoch_seconds"].to_numpy(float)
        m = min(len(rt), len(t))
        runs.loc[i, "time_ratio"] = float(np.median(rt[:m] / t[:m]))
        ref_step = runs.loc[runs["run_id"] == rc["run_id"].iloc[0], "step_seconds"].astype(float)
        runs.loc[i, "step_time_ratio"] = float(ref_step.iloc[0]) / step
    write_csv(dst / "curves.csv", curves[list(CURVE_COLUMNS)])
    write_csv(dst / "runs.csv", runs[list(RUN_COLUMNS)])
    return dst


def old_gate(base: Path, cur: Path) -> list[bool]:
    """Per experiment × twin: did the fixed gate (time_ratio_mean −25 %) fail?"""
    b, c = load_result_dir(base).summary, load_result_dir(cur).summary
    out = []
    for col in [k for k in b.columns if k.endswith("_time_ratio_mean")
                and not k.endswith("steady_time_ratio_mean")
                and not k.endswith("step_time_ratio_mean")]:
        for exp_id in b["experiment_id"]:
            bv = float(b.loc[b["experiment_id"] == exp_id, col].iloc[0])
            cv = float(c.loc[c["experiment_id"] == exp_id, col].iloc[0])
            if math.isfinite(bv) and math.isfinite(cv):
                out.append(cv < bv * (1 - OLD_TOL) - 1e-12)
    return out


def new_gate(base: Path, cur: Path) -> tuple[bool, list[bool], list[str]]:
    """(compare exits 1?, per speed row failed?, the failing rows' text)."""
    cmp = compare_dirs(base, cur, Tolerances())
    speed = [r for r in cmp.rows if r.figure.startswith("time_ratio")]
    return (cmp.regressed, [r.failed for r in speed],
            [f"{r.experiment} {r.figure}: {r.verdict}" for r in cmp.failures])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dirs", nargs="+", type=Path)
    p.add_argument("--factor", type=float, default=1.5)
    p.add_argument("--work", type=Path, default=None, help="where the slowed copies go")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="kvsbench-noise-"))
    slowed = {}
    for d in args.dirs:
        slowed[d] = plant_slowdown(d, work / f"{d.name}.slow", args.factor)
    pairs = list(itertools.permutations(args.dirs, 2))
    tally = {k: [0, 0, 0, 0] for k in ("identical", "slowed")}  # old cmp, old rows, new cmp, new
    rows_total = {"identical": 0, "slowed": 0}
    for b, c in pairs:
        for kind, cur in (("identical", c), ("slowed", slowed[c])):
            old = old_gate(b, cur)
            regressed, new, text = new_gate(b, cur)
            t = tally[kind]
            t[0] += any(old)
            t[1] += sum(old)
            t[2] += regressed
            t[3] += sum(new)
            rows_total[kind] += len(new)
            if args.verbose and ((kind == "identical") == regressed):
                print(f"{kind} {b.name} -> {cur.name}: {'; '.join(text) or 'no regression'}")
    n = len(pairs)
    print(f"{len(args.dirs)} runs, {n} ordered pairs; planted slowdown x{args.factor:g} of scratch")
    for kind, what in (("identical", "false alarms"), ("slowed", "detections")):
        t, rows = tally[kind], rows_total[kind]
        print(f"{kind:9s} old gate: {what} {t[0]}/{n} comparisons, {t[1]}/{rows} speed rows; "
              f"kvsbench compare: {what} {t[2]}/{n} comparisons, {t[3]}/{rows} speed rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
