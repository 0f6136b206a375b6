"""``kvsbench compare BASELINE CURRENT``: did accuracy, parity or relative speed regress?

Both result directories are read (``runs.csv``, and ``env.json`` for the header and
``--same-machine``), each is aggregated by :func:`benchmarks.report.summary.summarize`, and their
experiments are matched by ``experiment_id`` (a hash of the config without the seed). Per
matched experiment:

==========================  ======================================================================
figure                      fails when
==========================  ======================================================================
``<impl> test_acc``         the current mean is more than ``acc_tol`` percentage points below the
                            baseline mean; when BOTH sides have >= 3 seeds, instead: the current
                            mean is below the low end of the baseline's 95 % Student-t interval of
                            its mean (:func:`benchmarks.report.summary.confidence_interval` of the
                            baseline's per-seed test accuracies)
``<impl> diverged``         the current side has more diverged runs than the baseline
``max_loss_diff``           it exceeds ``parity_tol``, or cannot be computed (only when both
                            twins were run; :func:`benchmarks.harness.runner.loss_gap`)
``time_ratio``              reference/twin speed measured inside each run fell by more than
                            ``ratio_tol`` AND outside the noise (:mod:`benchmarks.ci.speedcheck`:
                            fastest epochs, bootstrap interval; without curves.csv the fixed
                            gate on ``time_ratio_mean``), or there is no current figure (no run
                            of both twins finished ok); only when both twins were run
``<impl> steady_epoch_s``   ``--same-machine`` only: current > baseline × (1 + ``time_tol``)
``n_train/n_test``          the split sizes differ (the two were made on different data)
==========================  ======================================================================

Absolute times differ from machine to machine, so they are compared only with
``--same-machine``, which is refused when the two ``env.json`` fingerprints
(:data:`benchmarks.harness.envinfo.FINGERPRINT_KEYS`) differ. Experiments found on one side only are
listed and fail only with ``--strict``; when NO experiment of the baseline is in the current
directory, that is bad input (exit 2), never a pass. A figure of the current side that cannot
be computed is a failure of its experiment, never "n/a". Exit status: 0 nothing regressed, 1
something did, 2 bad input (:class:`benchmarks.errors.ResultsError`, printed as one line by
the CLI): a missing or damaged directory, a runs.csv cut mid-row, a run recorded twice.

What is printed from the two directories (experiment ids, twin names, env.json values) is one
line of text each (:func:`benchmarks.report.document.one_line`), and in the Markdown format literal
text (:func:`benchmarks.report.document.text`): a result file can neither drive the terminal nor put
a link into a CI job summary.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.errors import ConfigError, ResultsError
from benchmarks.harness.runner import PARITY_TOLERANCE
from benchmarks.report.document import code, one_line

FORMATS = ("text", "markdown")
#: a float comparison's slack, so that a drop of exactly the tolerance does not fail
_EPS = 1e-12


@dataclass(frozen=True)
class Tolerances:
    """What counts as a regression (see the module docstring for the exact rules)."""

    acc_pp: float = 1.0
    ratio: float = 0.25
    parity: float = PARITY_TOLERANCE
    time: float = 0.25
    strict: bool = False
    same_machine: bool = False

    def __post_init__(self):
        for name, value in (("acc-tol", self.acc_pp), ("parity-tol", self.parity),
                            ("time-tol", self.time)):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ConfigError(f"Argument `--{name}` must be >= 0. Received: --{name}={value!r}")
        if not (isinstance(self.ratio, (int, float)) and 0 <= self.ratio < 1):
            raise ConfigError(
                f"Argument `--ratio-tol` must be in [0, 1). Received: --ratio-tol={self.ratio!r}"
            )


@dataclass
class Row:
    """One compared figure of one experiment."""

    experiment: str
    figure: str
    kind: str  # how to print the values: acc, count, loss, ratio, seconds, text
    baseline: object
    current: object
    verdict: str
    failed: bool = False


@dataclass
class ResultDir:
    """A result directory as compare needs it."""

    path: Path
    runs: object  # pandas.DataFrame (runs.csv)
    summary: object  # pandas.DataFrame (benchmarks.report.summary.summarize(runs))
    env: dict | None
    #: per-epoch times (curves.csv; None when absent: speed then falls back to the fixed gate)
    curves: object = None
    sweep: dict | None = None

    def label(self) -> str:
        """One line naming the directory and its machine (env.json values are untrusted)."""
        env = self.env or {}
        commit = str(env.get("git_commit") or "?")[:12]
        cpu = env.get("cpu_model") or "?"
        blas = f"{env.get('blas_library') or '?'} {env.get('blas_kernel') or ''}".strip()
        return one_line(f"{self.path} (commit {commit}; {cpu}, {env.get('logical_cores', '?')} "
                        f"cores; BLAS {blas} x{env.get('blas_threads', '?')})")


@dataclass
class Comparison:
    """Everything ``kvsbench compare`` found."""

    baseline: ResultDir
    current: ResultDir
    tolerances: Tolerances
    rows: list[Row] = field(default_factory=list)
    matched: int = 0
    only_baseline: list[str] = field(default_factory=list)
    only_current: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if r.failed]

    @property
    def regressed(self) -> bool:
        return bool(self.failures)


# ----------------------------------------------------------------------------- reading
def _needed_columns() -> tuple[str, ...]:
    from benchmarks.report.summary import EXPERIMENT_COLUMNS, TWIN_FIGURES

    return tuple(dict.fromkeys((
        *EXPERIMENT_COLUMNS, "run_id", "seed", "impl", "reference", "status", *TWIN_FIGURES,
        "time_ratio", "step_time_ratio", "max_loss_diff", "max_weight_rel_diff",
        "pred_agreement", "n_train", "n_test", "epoch_time_spread", "slow_epochs",
    )))


def load_result_dir(path) -> ResultDir:
    """Read and summarise one result directory; :class:`ResultsError` if it is not one."""
    from benchmarks.harness.records import read_runs
    from benchmarks.report.summary import summarize

    path = Path(path)
    hint = "give a directory made by `kvsbench run --out`"
    if not path.exists():
        raise ResultsError(f"{path} does not exist: {hint}.")
    if not path.is_dir():
        raise ResultsError(f"{path} is not a directory: {hint}.")
    if not (path / "runs.csv").is_file():
        raise ResultsError(
            f"{path} is not a kvsbench result directory (it has no runs.csv); "
            "make one with `kvsbench run --out DIR`."
        )
    runs = read_runs(path / "runs.csv", _needed_columns())
    if runs.empty:
        raise ResultsError(
            f"{path / 'runs.csv'} holds no runs; re-run `kvsbench run --out {path}`."
        )
    env = None
    env_path = path / "env.json"
    if env_path.is_file():
        try:
            env = json.loads(env_path.read_text())
        except (OSError, ValueError) as exc:
            raise ResultsError(f"{env_path} is not readable JSON ({exc}).") from None
        if not isinstance(env, dict):
            raise ResultsError(f"{env_path} is not a kvsbench env.json (not a JSON object).")
    try:
        summary = summarize(runs)
    except KeyError as exc:
        raise ResultsError(
            f"{path / 'runs.csv'} lacks the column {exc}: it is not a kvsbench result file."
        ) from None
    return ResultDir(path, runs, summary, env, _read_curves(path), _read_sweep(path))


def _read_curves(path: Path):
    """curves.csv's per-epoch times, or None when the directory has none."""
    from benchmarks.harness.records import read_csv

    if not (path / "curves.csv").is_file():
        return None
    return read_csv(path / "curves.csv",
                    ("experiment_id", "impl", "seed", "epoch", "epoch_seconds"))


def _read_sweep(path: Path) -> dict | None:
    try:
        sweep = json.loads((path / "sweep.json").read_text())
    except (OSError, ValueError):
        return None
    return sweep if isinstance(sweep, dict) else None


def check_same_machine(baseline: ResultDir, current: ResultDir) -> None:
    """Refuse ``--same-machine`` unless both fingerprints exist and agree (ResultsError)."""
    from benchmarks.harness.envinfo import FINGERPRINT_KEYS, fingerprint

    for side in (baseline, current):
        if side.env is None:
            raise ResultsError(
                f"--same-machine refused: {side.path} has no env.json, so its machine is unknown; "
                "compare without --same-machine."
            )
    fb, fc = fingerprint(baseline.env), fingerprint(current.env)
    diff = [f"{k} {fb[k]!r} vs {fc[k]!r}" for k in FINGERPRINT_KEYS if fb[k] != fc[k]]
    if diff:
        raise ResultsError(
            f"--same-machine refused: the env.json fingerprints differ ({'; '.join(diff)}); "
            "absolute times are not comparable, compare without --same-machine."
        )


# ----------------------------------------------------------------------------- comparing
def compare_dirs(baseline, current, tolerances: Tolerances | None = None) -> Comparison:
    """Compare two result directories experiment by experiment (see the module docstring)."""
    import numpy as np

    tol = tolerances or Tolerances()
    with np.errstate(all="ignore"):  # figures at float's edge overflow to inf, quietly
        return _compare(baseline, current, tol)


def _compare(baseline, current, tol: Tolerances) -> Comparison:
    base, cur = load_result_dir(baseline), load_result_dir(current)
    if tol.same_machine:
        check_same_machine(base, cur)
    out = Comparison(base, cur, tol)
    b_ids = list(base.summary["experiment_id"])
    c_ids = list(cur.summary["experiment_id"])
    for exp_id in b_ids:
        if exp_id not in c_ids:
            out.only_baseline.append(exp_id)
            out.rows.append(_missing_row(exp_id, "only in baseline", tol.strict))
            continue
        out.matched += 1
        out.rows.extend(_compare_experiment(exp_id, base, cur, tol))
    for exp_id in c_ids:
        if exp_id not in b_ids:
            out.only_current.append(exp_id)
            out.rows.append(_missing_row(exp_id, "only in current", tol.strict))
    if out.matched == 0:
        raise ResultsError(no_match_message(base, cur))
    return out


def no_match_message(base: ResultDir, cur: ResultDir) -> str:
    """One line: nothing of the baseline is in the current results, why, and what to run."""
    why = ""
    if base.sweep and cur.sweep:
        b, c = base.sweep.get("settings") or {}, cur.sweep.get("settings") or {}
        diff = [f"{k} {b.get(k)!r} vs {c.get(k)!r}" for k in sorted(set(b) | set(c))
                if b.get(k) != c.get(k)]
        if diff:
            why = f" (settings differ: {'; '.join(diff)})"
    n = len(base.summary)
    return (f"none of the {n} experiment(s) of the baseline {base.path} is in {cur.path}"
            f"{why}: nothing was compared; make a matching run with `kvsbench run --like "
            f"{base.path} --out DIR` and compare with DIR, or a matching baseline with "
            f"`kvsbench run --like {cur.path} --out BASELINE`.")


def _missing_row(exp_id: str, where: str, strict: bool) -> Row:
    verdict = f"{where.upper()} (--strict)" if strict else where
    return Row(exp_id, "experiment", "text",
               "present" if where.endswith("baseline") else "-",
               "present" if where.endswith("current") else "-", verdict, failed=strict)


def _summary_row(side: ResultDir, exp_id: str):
    s = side.summary
    return s[s["experiment_id"] == exp_id].iloc[0]


def _impls(side: ResultDir, exp_id: str) -> set[str]:
    r = side.runs
    return set(r.loc[r["experiment_id"] == exp_id, "impl"])


def _ok_test_accs(side: ResultDir, exp_id: str, impl: str):
    r = side.runs
    sel = (r["experiment_id"] == exp_id) & (r["impl"] == impl) & (r["status"] == "ok")
    return r.loc[sel, "test_acc"].astype(float).to_numpy()


def _compare_experiment(exp_id: str, base: ResultDir, cur: ResultDir, tol: Tolerances) -> list[Row]:
    from benchmarks.harness.registry import ordered, twins_of

    b, c = _summary_row(base, exp_id), _summary_row(cur, exp_id)
    b_impls, c_impls = _impls(base, exp_id), _impls(cur, exp_id)
    rows = _data_rows(exp_id, base, cur)
    _, b_ref = twins_of(base.summary)
    _, reference = twins_of(cur.summary)
    for impl in ordered(b_impls | c_impls):
        if impl not in b_impls | c_impls:
            continue
        if impl not in b_impls or impl not in c_impls:
            where = "only in baseline" if impl in b_impls else "only in current"
            verdict = f"{where.upper()} (--strict)" if tol.strict else where
            rows.append(Row(exp_id, f"{impl} twin", "text", "run" if impl in b_impls else "-",
                            "run" if impl in c_impls else "-", verdict, failed=tol.strict))
            continue
        rows.append(_acc_row(exp_id, impl, base, cur, b, c, tol))
        for what in ("diverged", "failed"):
            bd, cd = int(b.get(f"{impl}_{what}", 0) or 0), int(c.get(f"{impl}_{what}", 0) or 0)
            if bd or cd:
                failed = cd > bd
                rows.append(Row(exp_id, f"{impl} {what} runs", "count", bd, cd,
                                f"REGRESSED (new {what} runs)" if failed else
                                ("improved" if cd < bd else "same"), failed))
        if tol.same_machine:
            rows.append(_time_row(exp_id, impl, b, c, tol))
    if reference is None or reference not in c_impls:
        return rows
    for impl in ordered(c_impls - {reference}):
        same_ref = b_ref == reference and {impl, reference} <= b_impls
        rows.append(_parity_row(exp_id, impl, reference, b, c, tol, same_ref))
        if same_ref:
            rows.append(_ratio_row(exp_id, impl, reference, base, cur, b, c, tol))
    return rows


def _data_rows(exp_id: str, base: ResultDir, cur: ResultDir) -> list[Row]:
    """A failing row when the two sides were made on splits of different sizes."""
    def sizes(side):
        r = side.runs[side.runs["experiment_id"] == exp_id].iloc[0]
        return f"{int(r['n_train'])}/{int(r['n_test'])}"

    bs, cs = sizes(base), sizes(cur)
    if bs == cs:
        return []
    return [Row(exp_id, "n_train/n_test", "text", bs, cs,
                "REGRESSED (different data: not comparable)", True)]


def _acc_row(exp_id, impl, base, cur, b, c, tol: Tolerances) -> Row:
    from benchmarks.report.summary import confidence_interval

    bm, cm = float(b[f"{impl}_test_acc_mean"]), float(c[f"{impl}_test_acc_mean"])
    figure = f"{impl} test_acc"
    if math.isnan(bm):
        return Row(exp_id, figure, "acc", bm, cm, "n/a (no baseline accuracy)")
    if math.isnan(cm):
        return Row(exp_id, figure, "acc", bm, cm, "REGRESSED (no accuracy)", True)
    limit, rule = bm - tol.acc_pp / 100, f"-{tol.acc_pp:g} pp"
    if int(b["n_seeds"]) >= 3 and int(c["n_seeds"]) >= 3:
        low, _ = confidence_interval(_ok_test_accs(base, exp_id, impl))
        if math.isfinite(low):
            limit, rule = low, "below baseline 95 % CI"
    if cm < limit - _EPS:
        verdict, failed = f"REGRESSED (limit {100 * limit:.2f} %, {rule})", True
    else:
        verdict, failed = _direction(cm - bm, higher_is_better=True), False
    return Row(exp_id, figure, "acc", bm, cm, verdict, failed)


def _parity_row(exp_id, impl, reference, b, c, tol: Tolerances, same_ref: bool) -> Row:
    key = f"{impl}_max_loss_diff"
    figure = f"max_loss_diff {impl}/{reference}"
    bv = float(b.get(key, math.nan)) if same_ref else math.nan
    cv = float(c[key])
    if math.isnan(cv):
        return Row(exp_id, figure, "loss", bv, cv,
                   "REGRESSED (no parity figure: no epoch where both twins' losses are finite)",
                   True)
    if cv > tol.parity:
        return Row(exp_id, figure, "loss", bv, cv,
                   f"REGRESSED (parity broken: > {tol.parity:g})", True)
    return Row(exp_id, figure, "loss", bv, cv, f"ok (<= {tol.parity:g})")


def _ratio_row(exp_id, impl, reference, base, cur, b, c, tol: Tolerances) -> Row:
    """The speed verdict from both sides' per-epoch times (:mod:`benchmarks.ci.speedcheck`);
    the fixed gate on the runs' time_ratio medians when a side has no per-epoch times."""
    from benchmarks.ci.speedcheck import median_change, sampled_change, speed_verdict

    key = f"{impl}_time_ratio_mean"
    figure = f"time_ratio {reference}/{impl}"
    bv, cv = float(b.get(key, math.nan)), float(c[key])
    if not math.isfinite(cv):
        return Row(exp_id, figure, "ratio", bv, cv,
                   "REGRESSED (no time ratio: no run of both twins finished ok)", True)
    if not math.isfinite(bv) or bv <= 0:
        return Row(exp_id, figure, "ratio", bv, cv, "n/a (no baseline figure)")
    ch = None
    if base.curves is not None and cur.curves is not None:
        ch = sampled_change(_epoch_times(base, exp_id, impl, reference),
                            _epoch_times(cur, exp_id, impl, reference))
    if ch is None:
        ch = median_change(bv, cv)
    verdict, failed = speed_verdict(ch, tol.ratio)
    return Row(exp_id, figure, "ratio", ch.baseline, ch.current, verdict, failed)


def _epoch_times(side: ResultDir, exp_id: str, impl: str, reference: str):
    from benchmarks.ci.speedcheck import epoch_times

    return epoch_times(side.curves, exp_id, impl, reference)


def _time_row(exp_id, impl, b, c, tol: Tolerances) -> Row:
    key = f"{impl}_steady_epoch_seconds_mean"
    bv, cv = float(b[key]), float(c[key])
    figure = f"{impl} steady_epoch_s"
    if not (math.isfinite(bv) and math.isfinite(cv)) or bv <= 0:
        return Row(exp_id, figure, "seconds", bv, cv, "n/a")
    limit = bv * (1 + tol.time)
    if cv > limit + _EPS:
        return Row(exp_id, figure, "seconds", bv, cv,
                   f"REGRESSED (limit {limit:.4g} s, +{100 * tol.time:g} %)", True)
    return Row(exp_id, figure, "seconds", bv, cv,
               _direction((bv - cv) / bv, higher_is_better=True, within=True))


def _direction(delta: float, higher_is_better: bool, within: bool = True) -> str:
    if delta == 0:
        return "same"
    better = (delta > 0) == higher_is_better
    return "improved" if better else ("worse, within tolerance" if within else "worse")


# ----------------------------------------------------------------------------- printing
def _value(kind: str, v) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return {
        "acc": lambda x: f"{100 * x:.2f} %",
        "count": lambda x: f"{int(x)}",
        "loss": lambda x: f"{x:.2e}",
        "ratio": lambda x: f"{x:.2f}x",
        "seconds": lambda x: f"{x:.4g} s",
    }.get(kind, str)(v)


def _change(row: Row) -> str:
    b, c = row.baseline, row.current
    if not (isinstance(b, (int, float)) and isinstance(c, (int, float))):
        return ""
    if math.isnan(b) or math.isnan(c):
        return ""
    if row.kind == "acc":
        return f"{100 * (c - b):+.2f} pp"
    if row.kind == "count":
        return f"{int(c) - int(b):+d}"
    if row.kind in ("ratio", "seconds") and b:
        return f"{100 * (c - b) / b:+.1f} %"
    return ""


HEADER = ("experiment", "figure", "baseline", "current", "change", "verdict")


def _cells(row: Row) -> tuple[str, ...]:
    return tuple(one_line(v) for v in (
        row.experiment, row.figure, _value(row.kind, row.baseline),
        _value(row.kind, row.current), _change(row), row.verdict))


def matched_text(cmp: Comparison) -> str:
    """How many of the baseline's experiments were found and compared."""
    return (f"{cmp.matched} of {cmp.matched + len(cmp.only_baseline)} baseline experiment(s) "
            "compared")


def verdict_line(cmp: Comparison, quote=one_line) -> str:
    """The one-line outcome printed under the table; ``quote`` renders the experiment ids and
    figure names, which come from the files (Markdown: :func:`benchmarks.report.document.code`)."""
    parts = [matched_text(cmp)]
    if cmp.only_baseline:
        parts.append(f"{len(cmp.only_baseline)} only in baseline")
    if cmp.only_current:
        parts.append(f"{len(cmp.only_current)} only in current")
    fails = cmp.failures
    if not fails:
        return f"kvsbench compare: {', '.join(parts)}; no regression."
    by_exp: dict[str, list[str]] = {}
    for r in fails:
        by_exp.setdefault(r.experiment, []).append(r.figure)
    named = "; ".join(f"{quote(exp)}: {', '.join(map(quote, figs))}"
                      for exp, figs in by_exp.items())
    return f"kvsbench compare: {', '.join(parts)}; {len(fails)} REGRESSION(S): {named}"


def _tolerance_line(tol: Tolerances) -> str:
    text = (f"tolerances: test accuracy -{tol.acc_pp:g} pp (with >= 3 seeds on both sides: the "
            f"baseline's 95 % CI), parity max_loss_diff <= {tol.parity:g}, time ratio "
            f"-{100 * tol.ratio:g} % and outside the noise (fastest fifth of the epochs; 95 % "
            "bootstrap CI below 1)")
    if tol.same_machine:
        text += f", absolute epoch time +{100 * tol.time:g} % (--same-machine)"
    return text + ("; experiments on one side only fail (--strict)" if tol.strict else "")


def _coverage_line(cmp: Comparison) -> str:
    text = f"experiments: {matched_text(cmp)}"
    missing = len(cmp.only_baseline)
    if missing:
        text += (f"; {missing} not in current (`kvsbench run --like {cmp.baseline.path}` "
                 "makes a run with all of them)")
    return text


def format_text(cmp: Comparison) -> str:
    cells = [HEADER, *(_cells(r) for r in cmp.rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(HEADER))]
    lines = [f"baseline: {cmp.baseline.label()}", f"current:  {cmp.current.label()}",
             _tolerance_line(cmp.tolerances), _coverage_line(cmp), ""]
    for i, row in enumerate(cells):
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", verdict_line(cmp)]
    return "\n".join(lines)


def format_markdown(cmp: Comparison) -> str:
    """The comparison as a Markdown job summary; every string from the two directories is
    literal text (a code span, :func:`benchmarks.report.document.code`, or escaped,
    :func:`benchmarks.report.document.text`); values and verdicts are kvsbench's own words."""
    def esc(v: str) -> str:
        return v.replace("|", "\\|")

    outcome = "regression" if cmp.regressed else "no regression"
    lines = [f"### kvsbench compare: {outcome}", "",
             f"- baseline: {esc(code(cmp.baseline.label()))}",
             f"- current: {esc(code(cmp.current.label()))}",
             f"- {_tolerance_line(cmp.tolerances)}", f"- {_coverage_line(cmp)}", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for r in cmp.rows:  # ids and figure names (twins' names) come from the files: code spans
        experiment, figure, *cells = _cells(r)
        cells = [esc(code(experiment)), esc(code(figure)), *map(esc, cells)]
        if r.failed:
            cells[-1] = f"**{cells[-1]}**"
        lines.append("| " + " | ".join(cells) + " |")
    verdict = verdict_line(cmp, quote=code)
    lines += ["", f"**{verdict}**" if cmp.regressed else verdict]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- CLI
def add_parser(sub) -> None:
    p = sub.add_parser(
        "compare",
        help="compare two result directories; exit 1 on an accuracy, parity or speed regression",
        description="Compare CURRENT with BASELINE experiment by experiment (matched by config): "
        "test accuracy, keras/scratch loss parity, the keras/scratch time ratio measured inside "
        "each run, and with --same-machine absolute epoch times. Exit 0: no regression; "
        "1: a regression; 2: bad input.",
    )
    p.add_argument("baseline", type=Path, help="the reference result directory")
    p.add_argument("current", type=Path, help="the result directory to judge")
    p.add_argument("--acc-tol", type=float, default=1.0, metavar="PP",
                   help="allowed drop of mean test accuracy, percentage points (default 1); with "
                   ">= 3 seeds on both sides the baseline's 95%% CI is used instead")
    p.add_argument("--ratio-tol", type=float, default=0.25, metavar="FRAC",
                   help="allowed relative fall of the reference/twin speed (default 0.25); a "
                   "larger fall is a regression only when outside the noise (docs/ci.md)")
    p.add_argument("--parity-tol", type=float, default=PARITY_TOLERANCE, metavar="LOSS",
                   help="largest allowed per-epoch train-loss difference of the twins "
                   f"(default {PARITY_TOLERANCE:g})")
    p.add_argument("--time-tol", type=float, default=0.25, metavar="FRAC",
                   help="with --same-machine: allowed relative slow-down of the steady epoch "
                   "time (default 0.25)")
    p.add_argument("--same-machine", action="store_true",
                   help="also compare absolute epoch times (refused unless both env.json "
                   "fingerprints agree on CPU, cores, BLAS and its threads)")
    p.add_argument("--strict", action="store_true",
                   help="fail on experiments or twins present on one side only")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="plain text table (default) or markdown (a CI job summary)")
    p.set_defaults(func=cmd_compare)


def cmd_compare(args) -> int:
    tol = Tolerances(acc_pp=args.acc_tol, ratio=args.ratio_tol, parity=args.parity_tol,
                     time=args.time_tol, strict=args.strict, same_machine=args.same_machine)
    cmp = compare_dirs(args.baseline, args.current, tol)
    print(format_markdown(cmp) if args.format == "markdown" else format_text(cmp))
    return 1 if cmp.regressed else 0
