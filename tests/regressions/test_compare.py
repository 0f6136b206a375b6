"""``kvsbench compare``: regressions of accuracy, parity, relative speed; exit codes; formats.

Result directories are written here row by row with the real column set
(:data:`benchmarks.results.schema.RUN_COLUMNS`), so the tests need no training and no data; the
last test reads the committed ``results/baseline/`` when it is there.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.atomic import write_csv
from benchmarks.config import ExperimentConfig
from benchmarks.errors import ResultsError
from benchmarks.regressions.checks import Tolerances, compare_dirs
from benchmarks.results.rows import config_columns
from benchmarks.results.schema import RUN_COLUMNS
from benchmarks.results.tables import read_csv
from tests.helpers import ROOT, run_cli, run_row

BASE = ExperimentConfig(pair="pullover:coat", epochs=5, batch_size=64)
LOGREG = replace(BASE, model="logreg")
MLP = replace(BASE, model="mlp")
ENV = {
    "cpu_model": "Test CPU @ 2.0GHz", "logical_cores": 2, "blas_library": "openblas 0.3.31",
    "blas_threads": 2, "blas_kernel": "SkylakeX", "git_commit": "0123456789abcdef",
}


def config_row(config, impl, test_acc=0.9, status="ok", max_loss_diff=2e-7, time_ratio=3.0,
               steady=0.01) -> dict:
    """A runs.csv row of ``config``'s run of twin ``impl`` (:func:`conftest.run_row`)."""
    ok = status == "ok"
    return run_row(
        config.experiment_id, impl, run_id=config.run_id(impl), **config_columns(config),
        n_train=840, n_val=280, n_test=280,
        epochs_run=config.epochs, status=status, train_loss=0.3, train_acc=0.9, val_loss=0.3,
        val_acc=0.9, test_loss=0.3 if ok else math.nan, test_acc=test_acc if ok else math.nan,
        fit_seconds=steady * config.epochs, first_epoch_seconds=steady,
        steady_epoch_seconds=steady, setup_seconds=0.0, samples_per_second=840 / steady,
        max_loss_diff=max_loss_diff, time_ratio=time_ratio, max_weight_rel_diff=math.nan,
        pred_agreement=math.nan,
    )


def write_result(path: Path, rows: list[dict], env: dict | None = ENV) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    write_csv(path / "runs.csv", pd.DataFrame(rows)[list(RUN_COLUMNS)])
    if env is not None:
        (path / "env.json").write_text(json.dumps(env))
    return path


def paired(config, acc=(0.9, 0.9), **kw) -> list[dict]:
    return [config_row(config, "scratch", acc[0], **kw), config_row(config, "keras", acc[1], **kw)]


@pytest.fixture
def baseline(tmp_path) -> Path:
    """Two experiments (logreg and mlp on Pullover vs Coat), both twins, one seed."""
    return write_result(tmp_path / "baseline",
                        paired(LOGREG, (0.91, 0.91)) + paired(MLP, (0.93, 0.93)))


def copy_with(src: Path, dst: Path, edit) -> Path:
    """Copy a result directory, then ``edit(runs DataFrame)`` its runs.csv in place."""
    shutil.copytree(src, dst)
    runs = read_csv(dst / "runs.csv")
    edit(runs)
    write_csv(dst / "runs.csv", runs)
    return dst


def compare(capsys, *args) -> tuple[int, str, str]:
    """``kvsbench compare ARGS`` (:func:`conftest.run_cli`)."""
    return run_cli(capsys, "compare", *args)


# ----------------------------------------------------------------------------- acceptance
def test_identical_directories_pass(baseline, tmp_path, capsys):
    current = shutil.copytree(baseline, tmp_path / "current")
    code, out, err = compare(capsys, baseline, current)
    assert code == 0, out + err
    assert "2 of 2 baseline experiment(s) compared" in out and "no regression" in out
    assert "REGRESSED" not in out


def test_accuracy_lowered_by_5_points_fails_naming_the_experiment(baseline, tmp_path, capsys):
    def lower(runs):
        runs.loc[runs["experiment_id"] == MLP.experiment_id, "test_acc"] -= 0.05

    current = copy_with(baseline, tmp_path / "current", lower)
    code, out, _ = compare(capsys, baseline, current)
    assert code == 1
    failed = [line for line in out.splitlines() if "REGRESSED" in line]
    assert len(failed) == 2  # both twins of the mlp experiment, not the logreg one
    assert all(MLP.experiment_id in line and "test_acc" in line for line in failed)
    assert all("-5.00 pp" in line for line in failed)
    assert f"{MLP.experiment_id}: scratch test_acc, keras test_acc" in out.splitlines()[-1]
    assert LOGREG.experiment_id not in out.splitlines()[-1]


def test_broken_parity_fails(baseline, tmp_path, capsys):
    def break_parity(runs):
        runs.loc[runs["experiment_id"] == LOGREG.experiment_id, "max_loss_diff"] = 0.02

    current = copy_with(baseline, tmp_path / "current", break_parity)
    code, out, _ = compare(capsys, baseline, current)
    assert code == 1
    (line,) = [line for line in out.splitlines() if "REGRESSED" in line]
    assert LOGREG.experiment_id in line and "max_loss_diff" in line and "parity" in line


def test_non_result_directory_exits_2_with_one_line(baseline, tmp_path, capsys):
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_bytes(b"\xff\xd8")
    code, out, err = compare(capsys, baseline, other)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("kvsbench: error: ")
    assert str(other) in err and "not a kvsbench result directory" in err


@pytest.mark.parametrize("make", ["missing", "file", "foreign_csv", "empty_csv", "bad_env"])
def test_bad_input_exits_2(baseline, tmp_path, capsys, make):
    bad = tmp_path / "bad"
    if make == "file":
        bad.write_text("x")
    elif make == "foreign_csv":
        bad.mkdir()
        (bad / "runs.csv").write_text("name,score\nada,3\n")
    elif make == "empty_csv":
        bad.mkdir()
        (bad / "runs.csv").write_text(",".join(RUN_COLUMNS) + "\n")
    elif make == "bad_env":
        shutil.copytree(baseline, bad)
        (bad / "env.json").write_text("{not json")
    code, out, err = compare(capsys, bad, baseline)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(bad) in err


# ----------------------------------------------------------------------------- the rules
def test_accuracy_tolerance_is_percentage_points(baseline, tmp_path):
    def lower(runs):
        runs.loc[runs["experiment_id"] == LOGREG.experiment_id, "test_acc"] -= 0.009

    current = copy_with(baseline, tmp_path / "current", lower)
    assert not compare_dirs(baseline, current).regressed  # -0.9 pp < 1 pp
    assert compare_dirs(baseline, current, Tolerances(acc_pp=0.5)).regressed


def test_with_three_seeds_the_baseline_interval_is_the_limit(tmp_path):
    accs = (0.90, 0.92, 0.94)  # mean .92, sd .02: 95 % CI of the mean [.870, .970]
    rows = [r for s, a in enumerate(accs) for r in paired(replace(LOGREG, seed=s), (a, a))]
    base = write_result(tmp_path / "b", rows)

    def shift(delta):
        def edit(runs):
            runs["test_acc"] += delta
        return edit

    inside = copy_with(base, tmp_path / "inside", shift(-0.04))  # -4 pp, still inside the CI
    outside = copy_with(base, tmp_path / "outside", shift(-0.06))  # below .870
    assert not compare_dirs(base, inside).regressed
    cmp = compare_dirs(base, outside)
    assert cmp.regressed and all("95 % CI" in r.verdict for r in cmp.failures)


def test_time_ratio_may_fall_by_less_than_the_tolerance(baseline, tmp_path):
    def scale(f):
        def edit(runs):
            runs["time_ratio"] *= f
        return edit

    assert not compare_dirs(baseline, copy_with(baseline, tmp_path / "a", scale(0.8))).regressed
    cmp = compare_dirs(baseline, copy_with(baseline, tmp_path / "b", scale(0.7)))
    assert {r.figure for r in cmp.failures} == {"time_ratio keras/scratch"}
    assert len(cmp.failures) == 2
    faster_scratch = copy_with(baseline, tmp_path / "c", scale(1.5))
    assert not compare_dirs(baseline, faster_scratch).regressed


def test_absolute_times_are_ignored_without_same_machine(baseline, tmp_path):
    def slower(runs):
        runs["steady_epoch_seconds"] *= 10
        runs["fit_seconds"] *= 10

    current = copy_with(baseline, tmp_path / "current", slower)
    assert not compare_dirs(baseline, current).regressed
    cmp = compare_dirs(baseline, current, Tolerances(same_machine=True))
    assert {r.figure for r in cmp.failures} == {"scratch steady_epoch_s", "keras steady_epoch_s"}


def test_same_machine_is_refused_when_fingerprints_differ(baseline, tmp_path, capsys):
    current = shutil.copytree(baseline, tmp_path / "current")
    (current / "env.json").write_text(json.dumps({**ENV, "blas_threads": 8}))
    code, out, err = compare(capsys, baseline, current, "--same-machine")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "--same-machine refused" in err and "blas_threads 2 vs 8" in err
    code, _, _ = compare(capsys, baseline, current)  # without the flag: fine
    assert code == 0


def test_same_machine_needs_env_json(baseline, tmp_path):
    current = shutil.copytree(baseline, tmp_path / "current")
    (current / "env.json").unlink()
    with pytest.raises(ResultsError, match="has no env.json"):
        compare_dirs(baseline, current, Tolerances(same_machine=True))


def test_new_divergence_fails(baseline, tmp_path):
    def diverge(runs):
        sel = (runs["experiment_id"] == MLP.experiment_id) & (runs["impl"] == "scratch")
        runs.loc[sel, ["status", "test_acc", "test_loss"]] = ["diverged", math.nan, math.nan]

    cmp = compare_dirs(baseline, copy_with(baseline, tmp_path / "current", diverge))
    figures = {r.figure for r in cmp.failures}
    assert "scratch diverged runs" in figures and "scratch test_acc" in figures


def test_one_sided_experiments_are_listed_and_fail_only_when_strict(baseline, tmp_path, capsys):
    extra = replace(LOGREG, batch_size=256)
    rows = read_csv(baseline / "runs.csv")
    rows = rows[rows["experiment_id"] != MLP.experiment_id].to_dict("records")
    current = write_result(tmp_path / "current", rows + paired(extra))
    code, out, _ = compare(capsys, baseline, current)
    assert code == 0
    assert "1 only in baseline" in out and "1 only in current" in out
    assert MLP.experiment_id in out and extra.experiment_id in out
    code, out, _ = compare(capsys, baseline, current, "--strict")
    assert code == 1 and "ONLY IN BASELINE (--strict)" in out


def test_different_data_is_not_comparable_never_a_regression(baseline, tmp_path):
    def full_data(runs):
        runs["n_train"] = 7200

    with pytest.raises(ResultsError, match="were made on different data .*840/280 images "
                       "there, 7200/280 here.*not comparable.*kvsbench run --like"):
        compare_dirs(baseline, copy_with(baseline, tmp_path / "current", full_data))


def test_markdown_format(baseline, tmp_path, capsys):
    def lower(runs):
        runs["test_acc"] -= 0.05

    current = copy_with(baseline, tmp_path / "current", lower)
    code, out, _ = compare(capsys, baseline, current, "--format", "markdown")
    assert code == 1
    assert out.startswith("### kvsbench compare: regression")
    assert "| experiment | figure | baseline | current | change | verdict |" in out
    assert "**REGRESSED" in out


@pytest.mark.parametrize("flag", [["--acc-tol", "-1"], ["--ratio-tol", "1.5"]])
def test_bad_tolerance_exits_2(baseline, capsys, flag):
    code, _, err = compare(capsys, baseline, baseline, *flag)
    assert code == 2 and flag[0] in err


def test_committed_baseline_matches_itself(capsys):
    base = ROOT / "results" / "baseline"
    if not (base / "runs.csv").is_file():
        pytest.skip("results/baseline/ has not been generated")
    code, out, _ = compare(capsys, base, base, "--strict", "--same-machine")
    assert code == 0, out
    assert "0 experiment(s)" not in out


# ----------------------------------------------------------------------------- figures that
# cannot be computed, and damaged candidates
@pytest.mark.parametrize("column, figure", [("time_ratio", "time_ratio keras/scratch"),
                                            ("max_loss_diff", "max_loss_diff scratch/keras")])
def test_a_figure_missing_from_the_current_side_fails_its_experiment(
        baseline, tmp_path, capsys, column, figure):
    def lose(runs):
        runs.loc[runs["experiment_id"] == MLP.experiment_id, column] = math.nan

    current = copy_with(baseline, tmp_path / "current", lose)
    code, out, _ = compare(capsys, baseline, current)
    assert code == 1, out
    (line,) = [line for line in out.splitlines() if "REGRESSED" in line]
    assert MLP.experiment_id in line and figure in line
    assert f"{MLP.experiment_id}: {figure}" in out.splitlines()[-1]


def test_a_figure_missing_from_the_baseline_only_is_not_applicable(baseline, tmp_path):
    def lose(runs):
        runs["time_ratio"] = math.nan

    base = copy_with(baseline, tmp_path / "base", lose)
    cmp = compare_dirs(base, baseline)
    assert not cmp.regressed
    assert {r.verdict for r in cmp.rows if r.figure.startswith("time_ratio")} == \
        {"n/a (no baseline figure)"}


def test_a_candidate_cut_mid_row_is_bad_input_not_a_divergence(baseline, tmp_path, capsys):
    current = shutil.copytree(baseline, tmp_path / "current")
    text = (current / "runs.csv").read_text()
    (current / "runs.csv").write_text(text[: len(text) - 120])  # the last row, cut
    code, out, err = compare(capsys, baseline, current)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(current / "runs.csv") in err and "cut short" in err


@pytest.mark.parametrize("twice", ["same run_id", "same experiment, seed and twin"])
def test_a_run_recorded_twice_in_a_candidate_is_refused(baseline, tmp_path, capsys, twice):
    rows = read_csv(baseline / "runs.csv")
    dup = rows.iloc[[0]].copy()
    if twice != "same run_id":
        dup["run_id"] = "another-id"
    current = write_result(tmp_path / "current", pd.concat([rows, dup]).to_dict("records"))
    code, out, err = compare(capsys, baseline, current)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "twice" in err and str(current / "runs.csv") in err


def test_markdown_output_shows_hostile_ids_as_text(baseline, tmp_path, capsys):
    def rename(runs):  # one experiment renamed: the other still matches (no silent pass)
        sel = runs["model"] == "logreg"
        hostile = "[x](javascript:alert(1))`|"
        runs.loc[sel, "experiment_id"] = runs.loc[sel, "experiment_id"] + hostile
        runs.loc[sel, "run_id"] = runs.loc[sel, "experiment_id"] + "." + runs.loc[sel, "impl"]

    current = copy_with(baseline, tmp_path / "current", rename)
    code, out, _ = compare(capsys, baseline, current, "--format", "markdown", "--strict")
    assert code == 1
    assert "](javascript" not in out.replace("\\](javascript", "")
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)\\`\\|" in out
