"""Regression tracking a team can trust: the noise-aware speed verdict, no silent passes, the
commit a result was made from, ``kvsbench history``, and CI's one config.

Result directories are written row by row (runs.csv and curves.csv with the real columns),
so no test here trains or needs data.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.atomic import write_csv
from benchmarks.cli import main
from benchmarks.config import ExperimentConfig
from benchmarks.errors import ResultsError
from benchmarks.harness import envinfo
from benchmarks.regressions.checks import compare_dirs
from benchmarks.regressions.history import find_steps
from benchmarks.regressions.speedcheck import SpeedChange, fast, sampled_change, speed_verdict
from benchmarks.results.rows import config_columns
from benchmarks.results.schema import CURVE_COLUMNS, RUN_COLUMNS
from tests.helpers import ROOT

BASE = ExperimentConfig(pair="pullover:coat", epochs=20, batch_size=32)
LOGREG, MLP = replace(BASE, model="logreg"), replace(BASE, model="mlp")
ENV = {"cpu_model": "Test CPU", "logical_cores": 2, "blas_library": "openblas 0.3",
       "blas_threads": 1, "blas_kernel": "Haswell", "git_commit": "a" * 40,
       "created": "2025-01-01T00:00:00+00:00"}
#: a quiet machine's epoch times (s): Keras ~60 ms, scratch ~2 ms, a few % jitter
JITTER = np.random.default_rng(7).uniform(1.0, 1.05, size=(2, 20))
KERAS, SCRATCH = 0.060 * JITTER[0], 0.002 * JITTER[1]


def write_dir(path: Path, times: dict, env: dict | None = None, acc: float = 0.9) -> Path:
    """A result directory: ``times[config] = (keras epoch times, scratch epoch times)``."""
    runs, curves = [], []
    for config, (tk, ts) in times.items():
        for impl, t in (("keras", tk), ("scratch", ts)):
            t = np.asarray(t, dtype=float)
            row = {c: math.nan for c in RUN_COLUMNS}
            row.update(
                run_id=config.run_id(impl), experiment_id=config.experiment_id, impl=impl,
                reference="keras", **config_columns(config), n_train=840, n_val=280,
                n_test=280, epochs_run=len(t), status="ok", train_loss=0.3, test_loss=0.3,
                test_acc=acc, fit_seconds=t.sum(), first_epoch_seconds=t[0],
                steady_epoch_seconds=float(np.median(t[1:])),
                max_loss_diff=1e-8 if impl == "scratch" else math.nan,
                time_ratio=float(np.median(np.asarray(tk) / ts)) if impl == "scratch"
                else math.nan)
            runs.append(row)
            for e, s in enumerate(t):
                c = {k: math.nan for k in CURVE_COLUMNS}
                c.update(run_id=row["run_id"], experiment_id=config.experiment_id, impl=impl,
                         **{k: row[k] for k in ("model", "pair", "optimizer", "lr",
                                                "batch_size", "seed")},
                         epoch=e, train_loss=0.3, epoch_seconds=s,
                         cumulative_seconds=float(t[:e + 1].sum()))
                curves.append(c)
    path.mkdir(parents=True)
    write_csv(path / "runs.csv", pd.DataFrame(runs)[list(RUN_COLUMNS)])
    write_csv(path / "curves.csv", pd.DataFrame(curves)[list(CURVE_COLUMNS)])
    (path / "env.json").write_text(json.dumps(env or ENV))
    (path / "sweep.json").write_text(json.dumps({"settings": {"batch_size": BASE.batch_size},
                                                 "impls": ["scratch", "keras"]}))
    return path


def speed_rows(cmp):
    return [r for r in cmp.rows if r.figure.startswith("time_ratio")]


# ----------------------------------------------------------------------------- statistics
def test_fast_is_the_mean_of_the_fastest_fifth():
    assert fast(np.array([5.0, 1.0, 9.0, 2.0, 7.0])) == 1.0  # ceil(5/5) = 1 epoch
    assert fast(np.array([5.0, 1.0, 9.0, 2.0, 7.0, 3.0])) == 1.5  # ceil(6/5) = 2 epochs


def test_sampled_change_is_the_ratio_of_fast_speeds_and_deterministic():
    base = np.column_stack([KERAS[1:], SCRATCH[1:]])
    slow = base * [1.0, 1.5]
    ch = sampled_change(base, slow)
    assert ch.change == pytest.approx(1 / 1.5)
    assert ch.baseline == pytest.approx(fast(KERAS[1:]) / fast(SCRATCH[1:]))
    assert ch.low <= ch.change <= ch.high < 1
    assert sampled_change(base, slow) == ch  # fixed seed: same files, same verdict
    assert sampled_change(base[:3], slow) is None  # too few epochs: the fixed gate


@pytest.mark.parametrize("change, low, high, failed, words", [
    (0.60, 0.55, 0.70, True, "REGRESSED"),
    (0.60, 0.40, 1.10, False, "within noise"),
    (0.90, 0.85, 0.95, False, "within tolerance"),
    (1.20, 1.10, 1.30, False, "faster"),
])
def test_a_regression_is_beyond_the_tolerance_and_the_noise(change, low, high, failed, words):
    verdict, regressed = speed_verdict(SpeedChange(10.0, 10.0 * change, low, high, 19, 19), 0.25)
    assert regressed is failed and words in verdict


# ----------------------------------------------------------------------------- compare
def test_planted_slowdown_is_caught_and_load_is_not_an_alarm(tmp_path):
    base = write_dir(tmp_path / "base", {LOGREG: (KERAS, SCRATCH)})
    slowed = write_dir(tmp_path / "slowed", {LOGREG: (KERAS, SCRATCH * 1.5)})
    # another job loads the machine: 15 of 19 scratch epochs twice as slow, the rest clean;
    # the median ratio falls by half (the old fixed gate's false alarm)
    loaded = SCRATCH.copy()
    loaded[1:16] *= 2.0
    busy = write_dir(tmp_path / "busy", {LOGREG: (KERAS, loaded)})

    cmp = compare_dirs(base, slowed)
    (row,) = speed_rows(cmp)
    assert row.failed and "REGRESSED" in row.verdict and cmp.regressed
    cmp = compare_dirs(base, busy)
    (row,) = speed_rows(cmp)
    assert not cmp.regressed, row.verdict
    runs = pd.read_csv(busy / "runs.csv")
    base_runs = pd.read_csv(base / "runs.csv")
    assert runs["time_ratio"].max() < 0.75 * base_runs["time_ratio"].max()  # old gate: alarm


def test_without_curves_the_fixed_gate_is_used_and_named(tmp_path):
    base = write_dir(tmp_path / "base", {LOGREG: (KERAS, SCRATCH)})
    cur = write_dir(tmp_path / "cur", {LOGREG: (KERAS, SCRATCH * 1.5)})
    (cur / "curves.csv").unlink()
    (row,) = speed_rows(compare_dirs(base, cur))
    assert row.failed and "fixed gate" in row.verdict


def test_no_matching_experiment_is_exit_2_naming_the_fix(tmp_path, capsys):
    base = write_dir(tmp_path / "base", {LOGREG: (KERAS, SCRATCH)})
    other = replace(LOGREG, batch_size=128)
    cur = write_dir(tmp_path / "cur", {other: (KERAS, SCRATCH)})
    sweep = json.loads((cur / "sweep.json").read_text())
    sweep["settings"]["batch_size"] = 128
    (cur / "sweep.json").write_text(json.dumps(sweep))
    with pytest.raises(ResultsError):
        compare_dirs(base, cur)
    code = main(["compare", str(base), str(cur)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "none of the 1 experiment(s)" in err and "batch_size 32 vs 128" in err
    assert f"kvsbench run --like {base}" in err


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_partial_match_says_how_many_of_how_many(tmp_path, capsys, fmt):
    base = write_dir(tmp_path / "base", {LOGREG: (KERAS, SCRATCH), MLP: (KERAS, SCRATCH)})
    cur = write_dir(tmp_path / "cur", {LOGREG: (KERAS, SCRATCH)})
    code = main(["compare", str(base), str(cur), "--format", fmt])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("1 of 2 baseline experiment(s) compared") == 2  # header and last line
    assert "1 not in current" in out


# ----------------------------------------------------------------------------- commit
def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """A kvsbench checkout in tmp_path, and the package seen as installed outside any."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text('[project]\nname = "kvsbench"\n')
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    site = tmp_path / "site-packages" / "benchmarks"
    site.mkdir(parents=True)
    monkeypatch.setattr(envinfo, "__file__", str(site / "envinfo.py"))
    monkeypatch.delenv(envinfo.COMMIT_ENV, raising=False)
    return repo


def test_commit_of_the_checkout_kvsbench_runs_in(checkout, monkeypatch, tmp_path):
    head = _git(checkout, "rev-parse", "HEAD")
    monkeypatch.chdir(checkout)
    assert envinfo.git_commit() == head
    (checkout / "results").mkdir()  # generated files do not make the code dirty
    (checkout / "results" / "x.csv").write_text("a\n")
    _git(checkout, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    assert envinfo.git_commit() == head
    (checkout / "pyproject.toml").write_text('[project]\nname = "kvsbench"  # edited\n')
    assert envinfo.git_commit() == head + "-dirty"
    monkeypatch.setenv(envinfo.COMMIT_ENV, "f00d")
    assert envinfo.git_commit() == "f00d"
    monkeypatch.delenv(envinfo.COMMIT_ENV)
    monkeypatch.chdir(tmp_path)  # not a checkout
    assert envinfo.git_commit() == "unknown"


# ----------------------------------------------------------------------------- history
def test_step_detection_needs_a_lasting_change_beyond_the_tolerance():
    flat = [30, 33, 29, 31, 30, 32]
    assert find_steps(flat, "time_ratio") == []
    assert find_steps([30, 33, 29, 31, 18, 19, 20], "time_ratio") == [4]
    assert find_steps([30, 33, 29, 31, 30, 18], "time_ratio") == []  # one odd commit
    assert find_steps([30, 31, 26, 25, 24], "time_ratio") == []  # within 25 %
    assert find_steps([0.90, 0.90, 0.85, 0.85], "test_acc") == [2]
    assert find_steps([30, 31, 18, 19, 40, 41], "time_ratio") == [2, 4]


def test_history_writes_html_and_csv_and_breaks_at_a_machine_change(tmp_path, capsys):
    dirs = []
    scale = [1, 1, 1, 1.5, 1.5, 1.5, 1.5]  # a 1.5x slower scratch from the 4th commit on
    for i, f in enumerate(scale):
        env = {**ENV, "git_commit": f"{i:x}" * 40, "created": f"2025-01-0{i + 1}T00:00:00"}
        if i >= 5:
            env["cpu_model"] = "Other CPU"  # the last two on another machine
        dirs.append(write_dir(tmp_path / f"c{i}", {LOGREG: (KERAS, SCRATCH * f)}, env))
    out = tmp_path / "hist"
    code = main(["history", *map(str, reversed(dirs)), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "history.csv", keep_default_na=False, dtype={"commit": str})
    ratio = table[table["figure"] == "time_ratio"].sort_values("order")
    assert list(ratio["commit"]) == [f"{i:x}" * 40 for i in range(7)]  # by created time
    assert list(ratio["machine"]) == [1] * 5 + [2] * 2
    assert list(ratio["step"]) == ["", "", "", "-33 %", "", "", ""]
    page = (out / "history.html").read_text()
    assert "step -33 % at commit `4:33333333`" not in page  # rendered, not Markdown
    assert "<code>4:33333333</code>" in page and "data:image/png;base64," in page
    assert not re.search(r'<img src="(?!data:)', page)  # self-contained
    assert "machine 2" in (out / "history.md").read_text() or "Other CPU" in page


def test_history_of_a_non_result_directory_is_one_line(tmp_path, capsys):
    code = main(["history", str(tmp_path), "--out", str(tmp_path / "h")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "runs.csv" in err
    assert not (tmp_path / "h").exists()


# ----------------------------------------------------------------------------- CI config
def test_ci_checks_against_the_baselines_own_sweep():
    script = (ROOT / ".ci" / "quick-compare").read_text()
    assert "kvsbench run --like results/baseline" in script
    quick = re.search(r"QUICK_RUN=\(([^)]*)\)", script).group(1)
    args = shlex.split(quick.replace("\n", " "))[2:]  # drop "kvsbench run"
    baseline = ROOT / "results" / "baseline" / "sweep.json"
    if not baseline.is_file():
        pytest.skip("results/baseline/ has not been generated")
    from benchmarks.cli import build_parser, build_sweep

    sweep = build_sweep(build_parser().parse_args(["run", *args]))
    recorded = json.loads(baseline.read_text())
    assert sweep.settings() == recorded["settings"]
    assert list(sweep.impls) == recorded["impls"]
