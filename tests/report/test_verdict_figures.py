"""Figures that cannot lie: the parity figure is relative where the loss is large, a diverged
or one-epoch run gets no speed verdict, and overflow in such runs stays off the terminal."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from benchmarks.config import ExperimentConfig
from benchmarks.harness.runner import RunResult, compare_with_reference, loss_gap
from benchmarks.report.summary import summarize
from benchmarks.report.verdict import verdict_items
from benchmarks.results.schema import RUN_COLUMNS


# ---------------------------------------------------------------------------- the parity figure
@pytest.mark.parametrize("loss, ref, gap", [
    (0.3005, 0.3, 5e-4),  # small losses: absolute
    (1.0, 1.002, 2e-3 / 1.002),  # at 1 the two rules meet
    (1.6e22, 1.6e22 * (1 + 1e-7), 1e-7),  # huge losses: relative
    (-5.0, 5.0, 2.0),
    (math.nan, 0.3, math.nan),
    (math.inf, math.inf, math.nan),
])
def test_loss_gap_is_absolute_below_1_and_relative_above(loss, ref, gap):
    got = float(loss_gap(loss, ref))
    if math.isnan(gap):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(gap, rel=1e-6)


def _result(impl, losses, seconds, status="ok", weights=None) -> RunResult:
    r = RunResult(impl, ExperimentConfig(epochs=len(losses)), 100, status=status)
    r.curves["train_loss"] = list(losses)
    r.curves["epoch_seconds"] = list(seconds)
    r.curves["step_seconds"] = [0.001] * len(losses)
    r.final_weights = weights or [np.ones(3, np.float32)]
    return r


def test_twins_that_agree_to_1e7_on_huge_losses_match():
    """The issue's --lr 1e6 case: losses near 1.6e22, the twins 1e-7 apart relatively."""
    keras = _result("keras", [1.6e22, 3.1e21, 1.2e5], [0.7, 0.05, 0.05])
    scratch = _result("scratch", [1.6e22 * (1 + 1e-7), 3.1e21 * (1 - 2e-7), 1.2e5 + 0.01],
                      [0.01, 0.01, 0.01])
    compare_with_reference(scratch, keras, {})
    assert scratch.max_loss_diff == pytest.approx(2e-7, rel=1e-3)
    assert scratch.max_loss_diff <= 1e-3


def test_a_diverged_run_has_a_parity_figure_from_its_finite_epochs_but_no_speed():
    keras = _result("keras", [0.7, math.nan], [0.7, 0.05], status="diverged")
    scratch = _result("scratch", [0.7001, math.nan], [0.001, 0.001], status="diverged")
    compare_with_reference(scratch, keras, {})
    assert scratch.max_loss_diff == pytest.approx(1e-4)
    assert math.isnan(scratch.time_ratio) and math.isnan(scratch.step_time_ratio)


def test_huge_weights_make_no_numpy_warning():
    big = [np.full(784, 3e30, np.float32)]  # float32 norm overflows: x.dot(x) > 3.4e38
    keras = _result("keras", [1e22, 1e22], [0.1, 0.1], weights=big)
    scratch = _result("scratch", [1e22, 1e22], [0.01, 0.01], weights=[big[0] * 1.0000001])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_with_reference(scratch, keras, {})
    assert scratch.max_weight_rel_diff == pytest.approx(1e-7, abs=1e-6)


# ---------------------------------------------------------------------------- speed verdicts
def _runs(epochs_run: int, keras_status="ok", scratch_status="ok", epochs=None) -> pd.DataFrame:
    rows = []
    for impl, status, first, steady in (("scratch", scratch_status, 0.002, 0.001),
                                        ("keras", keras_status, 0.766, 0.05)):
        row = {c: math.nan for c in RUN_COLUMNS}
        row.update(
            run_id=f"E.s0.{impl}", experiment_id="E", impl=impl, reference="keras",
            model="mlp", pair="trouser:ankle-boot", optimizer="sgd", lr=1e30, batch_size="32",
            epochs=epochs or epochs_run, seed=0, hidden_units=100, activation="relu",
            init="glorot_uniform", schedule="constant", decay_rate=1.0, decay_interval=1,
            momentum=0.9, protocol="seed", n_train=877, n_val=293, n_test=292,
            epochs_run=epochs_run, status=status, first_epoch_seconds=first,
            # what a one-epoch run recorded before: its first epoch as the "steady" one
            steady_epoch_seconds=first if epochs_run == 1 else steady,
            fit_seconds=first + steady * (epochs_run - 1),
            test_acc=0.5 if status == "ok" else math.nan,
            max_loss_diff=1e-8 if impl == "scratch" else math.nan,
            time_ratio=first and (0.766 / 0.002 if impl == "scratch" else math.nan),
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


@pytest.mark.parametrize("case", ["one diverged epoch", "one ok epoch", "keras failed"])
def test_no_speed_verdict_without_a_finished_steady_state(case):
    runs = {"one diverged epoch": _runs(1, "diverged", "diverged", epochs=3),
            "one ok epoch": _runs(1),
            "keras failed": _runs(3, keras_status="failed")}[case]
    summary = summarize(runs)
    assert math.isnan(summary.loc[0, "scratch_steady_time_ratio_mean"])
    (verdict,) = [v for v in verdict_items(runs, summary) if "mlp" in v]
    assert "faster" not in verdict and "slower" not in verdict and "383" not in verdict
    assert "no speed figure" in verdict
    if case == "one ok epoch":
        assert "one epoch" in verdict
    if case != "one ok epoch":
        assert math.isnan(summary.loc[0, "scratch_time_ratio_mean"])


def test_a_finished_run_keeps_its_speed_verdict():
    runs = _runs(3)
    summary = summarize(runs)
    assert summary.loc[0, "scratch_steady_time_ratio_mean"] == pytest.approx(50.0)
    (verdict,) = verdict_items(runs, summary)
    assert "scratch is **50× faster** than Keras" in verdict


def test_a_one_epoch_run_has_no_steady_epoch_time():
    r = _result("scratch", [0.5], [0.02])
    assert math.isnan(r.steady_epoch_seconds) and math.isnan(r.epoch_fixed_seconds)
    assert r.first_epoch_seconds == 0.02


@pytest.mark.slow
def test_a_far_too_large_learning_rate_gives_matching_twins_and_no_warning(
        fashion_dir, tmp_path, capsys):
    """The issue's case on real data: --lr 1e6, losses around 1e22 — the twins match, and
    nothing NumPy says about the overflow reaches the terminal."""
    from benchmarks.cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code = main(["run", "--pairs", "trouser:ankle-boot", "--models", "mlp", "--optimizer",
                     "sgd", "--lr", "1e6", "--epochs", "3", "--batch-size", "128", "--quiet",
                     "--data-dir", str(fashion_dir), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert re.search(r"^mlp\s+scratch\s+\S+ matches", out, re.M), out  # the verdict table
    assert "Warning" not in err and "Warning" not in out
    runs = pd.read_csv(tmp_path / "out" / "curves.csv")
    assert runs["train_loss"].max() > 1e6  # it did blow up
