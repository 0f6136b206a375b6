"""summary.csv: one row per experiment, both twins side by side, figures checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from benchmarks.report.summary import confidence_interval, summarize
from benchmarks.results.schema import RUN_COLUMNS
from tests.helpers import run_row

#: Student's t, 97.5 % quantile, 2 degrees of freedom (tables: 4.303; scipy.stats.t.ppf)
T_975_DF2 = 4.302652729749462


@pytest.fixture
def runs() -> pd.DataFrame:
    rows = []
    # experiment A: 3 seeds. Test accuracy scratch .90 .92 .94, Keras .89 .92 .92
    # -> paired differences .01 .00 .02: mean .01, std .01.
    acc = {"scratch": (0.90, 0.92, 0.94), "keras": (0.89, 0.92, 0.92)}
    steady = {"scratch": (0.10, 0.10, 0.05), "keras": (0.20, 0.20, 0.20)}  # ratios 2, 2, 4
    loss_diff = (1e-6, 3e-6, 2e-6)
    for seed in range(3):
        for impl in ("scratch", "keras"):
            rows.append(run_row(
                "A", impl, seed, test_acc=acc[impl][seed], fit_seconds=1.0 + seed,
                steady_epoch_seconds=steady[impl][seed], max_loss_diff=loss_diff[seed],
                time_ratio=(1.5, 2.5, 3.5)[seed],
                time_to_target_seconds=0.5 if (impl == "scratch" or seed == 0) else math.nan,
            ))
    # experiment B: 1 seed, Keras diverged
    rows.append(run_row("B", "scratch", 0, model="mlp", test_acc=0.8, max_loss_diff=math.nan))
    rows.append(run_row("B", "keras", 0, model="mlp", status="diverged", epochs_run=1,
                        test_acc=math.nan, test_loss=math.nan, max_loss_diff=math.nan))
    return pd.DataFrame(rows, columns=list(RUN_COLUMNS))


def test_one_row_per_experiment_in_run_order(runs):
    s = summarize(runs)
    assert list(s["experiment_id"]) == ["A", "B"]
    assert list(s["n_seeds"]) == [3, 1]
    assert list(s["model"]) == ["logreg", "mlp"]
    assert "seed" not in s.columns


def test_means_and_stds_over_seeds(runs):
    a = summarize(runs).set_index("experiment_id").loc["A"]
    assert a["scratch_test_acc_mean"] == pytest.approx(0.92)
    assert a["scratch_test_acc_std"] == pytest.approx(0.02)  # sqrt((.02² + 0 + .02²) / 2)
    assert a["keras_test_acc_mean"] == pytest.approx(0.91)
    assert a["keras_test_acc_std"] == pytest.approx(math.sqrt((0.02**2 + 0.01**2 * 2) / 2))
    assert a["scratch_fit_seconds_mean"] == pytest.approx(2.0)
    assert a["scratch_fit_seconds_std"] == pytest.approx(1.0)
    assert a["keras_steady_epoch_seconds_mean"] == pytest.approx(0.2)
    assert a["keras_steady_epoch_seconds_std"] == pytest.approx(0.0)
    assert a["scratch_time_ratio_mean"] == pytest.approx(2.5)
    assert a["scratch_time_ratio_std"] == pytest.approx(1.0)
    # per seed keras/scratch steady time: 2, 2, 4 -> mean 8/3, std sqrt((4/9+4/9+16/9)/2)
    assert a["scratch_steady_time_ratio_mean"] == pytest.approx(8 / 3)
    assert a["scratch_steady_time_ratio_std"] == pytest.approx(math.sqrt(12 / 9))
    assert a["scratch_max_loss_diff"] == pytest.approx(3e-6)
    assert a["scratch_reached_target"] == 3 and a["keras_reached_target"] == 1
    assert a["scratch_diverged"] == 0 and a["keras_diverged"] == 0


def test_accuracy_difference_and_its_t_interval_by_hand(runs):
    a = summarize(runs).set_index("experiment_id").loc["A"]
    assert a["scratch_acc_diff_mean"] == pytest.approx(0.01)
    assert a["scratch_acc_diff_std"] == pytest.approx(0.01)
    half = T_975_DF2 * 0.01 / math.sqrt(3)  # = 0.024841...
    assert a["scratch_acc_diff_ci_low"] == pytest.approx(0.01 - half)
    assert a["scratch_acc_diff_ci_high"] == pytest.approx(0.01 + half)
    assert a["scratch_acc_diff_ci_low"] == pytest.approx(-0.014841, abs=1e-6)


def test_one_seed_has_no_spread_and_a_diverged_twin_is_counted(runs):
    b = summarize(runs).set_index("experiment_id").loc["B"]
    assert b["scratch_test_acc_mean"] == pytest.approx(0.8)
    assert math.isnan(b["scratch_test_acc_std"])  # one seed: no standard deviation
    assert math.isnan(b["keras_test_acc_mean"])  # the diverged run has no test figure
    assert b["keras_diverged"] == 1 and b["scratch_diverged"] == 0
    assert math.isnan(b["scratch_acc_diff_mean"])
    assert math.isnan(b["scratch_acc_diff_ci_low"]) and math.isnan(b["scratch_acc_diff_ci_high"])
    assert math.isnan(b["scratch_max_loss_diff"])


def test_float32_accuracy_of_the_same_predictions_differs_by_exactly_zero():
    # 286 of 292 right: NumPy's float64 fraction vs Keras' float32 one
    runs = pd.DataFrame([
        run_row("C", "scratch", 0, n_test=292, test_acc=286 / 292),
        run_row("C", "keras", 0, n_test=292, test_acc=0.97945207),
    ])
    assert summarize(runs)["scratch_acc_diff_mean"].iloc[0] == 0.0


def test_confidence_interval_needs_three_seeds():
    assert all(math.isnan(v) for v in confidence_interval([0.01, 0.02]))
    low, high = confidence_interval([0.0, 0.0, 0.0])
    assert low == high == 0.0
