"""The checks of ``kvsbench compare``: two result directories matched experiment by experiment
(by ``experiment_id``, a hash of the config without the seed), one :class:`Row` per compared
figure with its verdict. Per matched experiment:

==========================  ======================================================================
figure                      fails when
==========================  ======================================================================
``<impl> test_acc``         the current mean is more than ``acc_tol`` percentage points below the
                            baseline mean; when BOTH sides have >= 3 seeds, instead: the current
                            mean is below the low end of the baseline's 95 % Student-t interval of
                            its mean (:func:`benchmarks.report.summary.confidence_interval` of the
                            baseline's per-seed test accuracies)
``<impl> diverged``         the current side has more diverged runs than the baseline
``step_parity``             it exceeds ``step_parity_tol`` (only when both twins were run;
                            :mod:`benchmarks.harness.step_parity`) — unless the twin's rule
                            differs from the reference's for a stated reason (registry
                            ``rule_notes``) and it matches the scratch twin of its own rule
``max_loss_diff``           the free-running loss gap: information beside step parity; the
                            verdict only for runs without a step-parity figure,
                            where it fails above ``parity_tol`` or when it cannot be computed
                            (:func:`benchmarks.harness.runner.loss_gap`)
``time_ratio``              reference/twin speed measured inside each run fell by more than
                            ``ratio_tol`` AND outside the noise (``speedcheck.py``: fastest
                            epochs, bootstrap interval; without curves.csv the fixed gate on
                            ``time_ratio_mean``), or there is no current figure (no run
                            of both twins finished ok); only when both twins were run
``<impl> steady_epoch_s``   ``--same-machine`` only: current > baseline × (1 + ``time_tol``)
``<reference> twin``        the baseline's reference twin has no runs in the current directory
                            (its parity and speed rows would otherwise vanish unseen)
==========================  ======================================================================

Two directories made on different data (other split sizes, another kind of data, another
fingerprint: :mod:`benchmarks.regressions.data_check`) are not comparable: bad input
(:class:`benchmarks.errors.ResultsError`), never a regression. Two timing-only stand-ins made
from different files compare in speed; their accuracies are shown, not judged.

Absolute times differ from machine to machine, so they are compared only with
``--same-machine``, which is refused when the two ``env.json`` fingerprints
(:data:`benchmarks.results.hosts.FINGERPRINT_KEYS`) differ. Experiments found on one side only
are listed and fail only with ``--strict``; when NO experiment of the baseline is in the
current directory, that is bad input (:class:`benchmarks.errors.ResultsError`), never a pass. A
figure of the current side that cannot be computed is a failure of its experiment, never "n/a".
A figure outside its valid range (an accuracy of 5, a parity figure of -5) never gets this far:
the result file is refused on reading (:data:`benchmarks.results.schema.RANGES`).

A sweep run on several hosts (``kvsbench run --scheduler``, :mod:`benchmarks.results.hosts`)
has one fingerprint per host: ``--same-machine`` is refused unless they are all one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from benchmarks.errors import ConfigError, ResultsError
from benchmarks.harness.runner import PARITY_TOLERANCE
from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE
from benchmarks.regressions.data_check import check_same_data
from benchmarks.regressions.result_dirs import ResultDir, check_same_machine, load_result_dir

#: a float comparison's slack, so that a drop of exactly the tolerance does not fail
_EPS = 1e-12


@dataclass(frozen=True)
class Tolerances:
    """What counts as a regression (see the module docstring for the exact rules)."""

    acc_pp: float = 1.0
    ratio: float = 0.25
    parity: float = PARITY_TOLERANCE
    time: float = 0.25
    step_parity: float = STEP_PARITY_TOLERANCE
    strict: bool = False
    same_machine: bool = False

    def __post_init__(self):
        for name, value in (("acc-tol", self.acc_pp), ("parity-tol", self.parity),
                            ("time-tol", self.time), ("step-parity-tol", self.step_parity)):
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
class Comparison:
    """Everything ``kvsbench compare`` found."""

    baseline: ResultDir
    current: ResultDir
    tolerances: Tolerances
    rows: list[Row] = field(default_factory=list)
    matched: int = 0
    only_baseline: list[str] = field(default_factory=list)
    only_current: list[str] = field(default_factory=list)
    #: False when both sides are timing-only stand-ins made from different files
    accuracy_compares: bool = True

    @property
    def failures(self) -> list[Row]:
        return [r for r in self.rows if r.failed]

    @property
    def regressed(self) -> bool:
        return bool(self.failures)



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
    out.accuracy_compares = check_same_data(base, cur, _matched_ids(base, cur))
    b_ids = list(base.summary["experiment_id"])
    c_ids = list(cur.summary["experiment_id"])
    for exp_id in b_ids:
        if exp_id not in c_ids:
            out.only_baseline.append(exp_id)
            out.rows.append(_missing_row(exp_id, "only in baseline", tol.strict))
            continue
        out.matched += 1
        out.rows.extend(_compare_experiment(exp_id, base, cur, tol, out.accuracy_compares))
    for exp_id in c_ids:
        if exp_id not in b_ids:
            out.only_current.append(exp_id)
            out.rows.append(_missing_row(exp_id, "only in current", tol.strict))
    if out.matched == 0:
        raise ResultsError(no_match_message(base, cur))
    return out


def _matched_ids(base: ResultDir, cur: ResultDir) -> list[str]:
    c_ids = set(cur.summary["experiment_id"])
    return [e for e in base.summary["experiment_id"] if e in c_ids]


def no_match_message(base: ResultDir, cur: ResultDir) -> str:
    """One line: nothing of the baseline is in the current results, why, and what to run."""
    why = ""
    if base.sweep and cur.sweep:
        b, c = _settings(base.sweep), _settings(cur.sweep)
        diff = [f"{k} {b.get(k)!r} vs {c.get(k)!r}" for k in sorted(set(b) | set(c))
                if b.get(k) != c.get(k)]
        if diff:
            why = f" (settings differ: {'; '.join(diff)})"
    n = len(base.summary)
    return (f"none of the {n} experiment(s) of the baseline {base.path} is in {cur.path}"
            f"{why}: nothing was compared; make a matching run with `kvsbench run --like "
            f"{base.path} --out DIR` and compare with DIR, or a matching baseline with "
            f"`kvsbench run --like {cur.path} --out BASELINE`.")


def _settings(sweep: dict) -> dict:
    """sweep.json's settings, or {} when the (untrusted) file holds something else there."""
    settings = sweep.get("settings")
    return settings if isinstance(settings, dict) else {}


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


def _compare_experiment(exp_id: str, base: ResultDir, cur: ResultDir, tol: Tolerances,
                        accuracy_compares: bool = True) -> list[Row]:
    from benchmarks.twins.registry import ordered, twins_of

    b, c = _summary_row(base, exp_id), _summary_row(cur, exp_id)
    b_impls, c_impls = _impls(base, exp_id), _impls(cur, exp_id)
    rows = []
    _, b_ref = twins_of(base.summary)
    _, reference = twins_of(cur.summary)
    for impl in ordered(b_impls | c_impls):
        if impl not in b_impls | c_impls:
            continue
        if impl not in b_impls or impl not in c_impls:
            where = "only in baseline" if impl in b_impls else "only in current"
            verdict = f"{where.upper()} (--strict)" if tol.strict else where
            failed = tol.strict
            if impl == b_ref and impl not in c_impls:  # its parity and speed rows would vanish
                verdict, failed = ("REGRESSED (the reference twin has no runs here: parity and "
                                   "speed cannot be checked)"), True
            rows.append(Row(exp_id, f"{impl} twin", "text", "run" if impl in b_impls else "-",
                            "run" if impl in c_impls else "-", verdict, failed=failed))
            continue
        row = _acc_row(exp_id, impl, base, cur, b, c, tol)
        if not accuracy_compares:
            row.verdict, row.failed = "n/a (stand-ins made from other files)", False
        rows.append(row)
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
        rows.extend(_parity_rows(exp_id, impl, reference, b, c, tol, same_ref))
        if same_ref:
            rows.append(_ratio_row(exp_id, impl, reference, base, cur, b, c, tol))
    return rows


def _acc_row(exp_id, impl, base, cur, b, c, tol: Tolerances) -> Row:
    from benchmarks.report.summary import confidence_interval

    bm, cm = float(b[f"{impl}_test_acc_mean"]), float(c[f"{impl}_test_acc_mean"])
    figure = f"{impl} test_acc"
    if math.isnan(bm):
        return Row(exp_id, figure, "acc", bm, cm, "n/a (no baseline accuracy)")
    if math.isnan(cm):
        return Row(exp_id, figure, "acc", bm, cm, "REGRESSED (no accuracy)", True)
    r = cur.runs
    empty = r[(r["experiment_id"] == exp_id) & (r["impl"] == impl) & (r["status"] == "ok")
              & r["test_acc"].isna()]
    if len(empty):  # a mean over the other seeds would hide it
        return Row(exp_id, figure, "acc", bm, cm, f"REGRESSED (seed {int(empty['seed'].iloc[0])}"
                   " finished ok without a test accuracy)", True)
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


def _parity_rows(exp_id, impl, reference, b, c, tol: Tolerances, same_ref: bool) -> list[Row]:
    """Step parity (the verdict) and the free-running gap (information), or, for current
    runs without a step-parity figure, the free-running gap as the verdict."""
    cv = float(c.get(f"{impl}_step_parity", math.nan))
    if math.isnan(cv):
        return [_parity_row(exp_id, impl, reference, b, c, tol, same_ref)]
    bv = float(b.get(f"{impl}_step_parity", math.nan)) if same_ref else math.nan
    figure = f"step_parity {impl}/{reference}"
    if cv <= tol.step_parity + _EPS:
        row = Row(exp_id, figure, "loss", bv, cv, f"ok (<= {tol.step_parity:g})")
    else:
        from benchmarks.twins.registry import rule_note

        note = rule_note(impl, str(c.get("optimizer", "")))
        own = float(c.get(f"{impl}_rule_step_parity", math.nan))
        if note and own <= tol.step_parity + _EPS:
            row = Row(exp_id, figure, "loss", bv, cv,
                      f"ok ({note.split(' (')[0]}; its own rule: {own:.1e})")
        else:
            tensor = c.get(f"{impl}_step_parity_tensor", "") or "?"
            row = Row(exp_id, figure, "loss", bv, cv,
                      f"REGRESSED (step parity broken on {tensor}: > {tol.step_parity:g})", True)
    key = f"{impl}_max_loss_diff"
    gap = Row(exp_id, f"max_loss_diff {impl}/{reference}", "loss",
              float(b.get(key, math.nan)) if same_ref else math.nan, float(c[key]),
              "information (free-running gap; the verdict is step parity)")
    return [row, gap]


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
    """The speed verdict from both sides' per-epoch times
    (:mod:`benchmarks.regressions.speedcheck`); the fixed gate on the runs' time_ratio medians
    when a side has no per-epoch times."""
    from benchmarks.regressions.speedcheck import median_change, sampled_change, speed_verdict

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
    from benchmarks.regressions.speedcheck import epoch_times

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
