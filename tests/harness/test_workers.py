"""Twins in worker processes: the registry, failures, and bit-for-bit equality with the
in-process runner the workers replaced."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pandas as pd
import pytest

from benchmarks.config import ExperimentConfig
from benchmarks.data import load_pair, parse_pair
from benchmarks.errors import ConfigError
from benchmarks.harness import sweep
from benchmarks.harness.runner import run_experiment
from benchmarks.harness.worker import TwinPool, TwinWorker, WorkerDied
from benchmarks.results.tables import read_csv
from benchmarks.twins import registry
from benchmarks.twins.registry import TwinEntry
from tests.helpers import FIXTURES, ROOT

pytestmark = pytest.mark.slow  # every test here starts twin worker processes

GOLDEN = FIXTURES / "inprocess_runner_figures.json"


# ----------------------------------------------------------------------------- the registry
def test_registry_names_every_list_of_twins():
    from benchmarks.cli import build_parser
    from benchmarks.suites.common import IMPLS

    assert {"scratch", "keras"} <= set(registry.names())
    run = build_parser()._subparsers._group_actions[0].choices["run"]
    impls = next(a for a in run._actions if a.dest == "impls")
    # no argparse choices: a plug-in's name is checked by the registry (one line, exit 2)
    assert impls.choices is None and ", ".join(registry.names()) in impls.help
    assert set(IMPLS) <= set(registry.names())


def test_resolve_orders_and_picks_the_reference():
    assert registry.resolve(["keras", "scratch"]) == (("scratch", "keras"), "keras")
    assert registry.resolve(["scratch"]) == (("scratch",), None)
    assert registry.resolve(["scratch", "keras"], "scratch") == (("scratch", "keras"), "scratch")
    with pytest.raises(ConfigError, match="Argument `--reference` must be one of"):
        registry.resolve(["scratch"], "keras")
    with pytest.raises(ConfigError, match="registered twins"):
        registry.resolve(["jax-from-mars"])


def test_a_twin_whose_library_is_missing_is_refused_naming_the_extra(monkeypatch):
    entry = TwinEntry(name="ghost", label="Ghost", target="ghost_lib:Twin",
                      requires=("ghost_lib_not_installed",), extra="ghost")
    monkeypatch.setitem(registry.TWINS, "ghost", entry)
    with pytest.raises(ConfigError) as exc:
        registry.resolve(["scratch", "ghost"])
    assert str(exc.value) == ('twin `ghost` needs ghost_lib_not_installed, which is not '
                              'installed: pip install ".[ghost]"')
    assert "ghost" not in registry.resolve(["all"])[0]


# ----------------------------------------------------------------------------- workers
def test_a_worker_that_cannot_start_says_why(monkeypatch, tmp_path):
    # the parent names the twin's class; a class the child cannot import fails there, and the
    # parent gets the child's one line
    from benchmarks.twins.registry import TwinEntry

    entry = TwinEntry(name="broken", label="broken", target="no_such_module_kvs:Twin")
    with pytest.raises(WorkerDied, match="could not start: ModuleNotFoundError: No module "
                                         "named 'no_such_module_kvs'"):
        TwinWorker("broken", threads=1, log_path=tmp_path / "w.log", entry=entry)


def test_an_unregistered_name_is_refused_in_the_parent(tmp_path):
    from benchmarks.errors import ConfigError

    with pytest.raises(ConfigError, match="Argument `--impls`"):
        TwinWorker("no-such-twin", threads=1, log_path=tmp_path / "w.log")


@pytest.mark.parametrize(("user", "expected"), [(None, "4"), ("12", "12")])
def test_openblas_idle_threads_sleep_in_the_workers_unless_the_user_says(
        monkeypatch, tmp_path, user, expected):
    # it must reach the worker's environment before NumPy loads OpenBLAS: set by the parent
    if user is None:
        monkeypatch.delenv("OPENBLAS_THREAD_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("OPENBLAS_THREAD_TIMEOUT", user)
    worker = TwinWorker("scratch", threads=1, log_path=tmp_path / "w.log")
    try:
        assert worker.info["openblas_thread_timeout"] == expected
    finally:
        worker.close()


def test_a_twin_error_fails_that_run_only(synthetic_pair):
    cfg = ExperimentConfig(model="mlp", hidden_units=8, batch_size=32, epochs=2)
    bad = ExperimentConfig(model="mlp", hidden_units=8, batch_size=32, epochs=2)
    with TwinPool(["scratch"]) as pool:
        worker = pool.start("scratch")
        pool.load(worker, synthetic_pair)
        with pytest.raises(Exception, match="ValueError"):  # wrong weight shapes
            worker.call("build", config=bad, weights=[np.zeros((3, 3), np.float32)])
        # the same worker serves the next experiment normally
        r = run_experiment(cfg, synthetic_pair, ("scratch",), pool=pool)["scratch"]
        assert r.status == "ok" and r.epochs_run == 2
        assert pool.workers["scratch"] is worker


def test_sigkill_mid_epoch_fails_that_run_and_a_rerun_completes_it(
        fashion_dir, tmp_path, monkeypatch):
    """SIGKILL the Keras worker while it trains: that run is `failed` with the signal named,
    the scratch twin and the sweep go on, every CSV parses, and re-running completes it."""
    real_run = sweep.run_experiment
    killed = []

    def run_and_kill(config, pair, impls, target_acc, on_epoch, reference, pool):
        def hook(impl, epoch, logs=None):
            on_epoch(impl, epoch, logs)
            if not killed and impl == "scratch" and epoch == 1:
                pid = pool.workers["keras"].process.pid
                # Keras' epoch 1 starts right after this returns; the kill lands inside it
                threading.Timer(0.05, os.kill, (pid, signal.SIGKILL)).start()
                killed.append(config.model)
        return real_run(config, pair, impls, target_acc, hook, reference=reference, pool=pool)

    monkeypatch.setattr(sweep, "run_experiment", run_and_kill)
    out = tmp_path / "out"
    s = sweep.Sweep(base=ExperimentConfig(epochs=4, batch_size=8), pairs=("trouser:ankle-boot",),
                    models=("logreg", "mlp"), data_dir=str(fashion_dir))
    counts = sweep.run_sweep(s, out, quiet=True, log=lambda m: None)
    assert counts == {"ran": 2, "skipped": 0, "diverged": 1}
    runs = read_csv(out / "runs.csv")
    curves = read_csv(out / "curves.csv")
    failed = runs[runs["status"] == "failed"]
    assert list(failed["impl"]) == ["keras"] and list(failed["model"]) == ["logreg"]
    assert "worker killed by SIGKILL" in failed["failure"].iloc[0]
    assert (runs.loc[runs["status"] != "failed", "status"] == "ok").all()
    assert len(runs) == 4  # the other experiment ran in full, on a new Keras worker
    assert set(curves["run_id"]) <= set(runs["run_id"])

    monkeypatch.setattr(sweep, "run_experiment", real_run)
    counts = sweep.run_sweep(s, out, quiet=True, log=lambda m: None)
    assert counts["ran"] == 1 and counts["skipped"] == 1
    runs = read_csv(out / "runs.csv")
    assert len(runs) == 4 and (runs["status"] == "ok").all()
    assert runs["run_id"].is_unique


def test_a_hung_worker_is_killed_after_the_timeout(synthetic_pair):
    cfg = ExperimentConfig(model="logreg", batch_size=32, epochs=3)
    with TwinPool(["scratch"], timeout=0.5) as pool:
        worker = pool.start("scratch")
        os.kill(worker.process.pid, signal.SIGSTOP)  # alive but never answers
        r = run_experiment(cfg, synthetic_pair, ("scratch",), pool=pool)["scratch"]
    assert r.status == "failed"
    assert "no answer to `data` within 0.5 s; worker killed" in r.failure


# ----------------------------------------------------------------------------- golden figures
#: how far a framework twin's figure may move from the golden one: float32 round-off of a few
#: epochs (one float32 ulp at 1 is 1.2e-7; a new TensorFlow/Keras/NumPy may reorder a sum).
#: The scratch twin is held bit for bit: its arithmetic is this project's own.
FRAMEWORK_ROUNDOFF = 1e-5


def _golden():
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from golden_figures import read_golden
    finally:
        sys.path.pop(0)
    return read_golden(GOLDEN) if GOLDEN.exists() else ({}, [])


def _golden_cases():
    return _golden()[1]


def _close(got, want) -> bool:
    return bool(np.allclose(np.asarray(got, float), np.asarray(want, float),
                            rtol=FRAMEWORK_ROUNDOFF, atol=FRAMEWORK_ROUNDOFF))


@pytest.mark.slow
@pytest.mark.parametrize("case", _golden_cases(), ids=lambda c: c["config"].get("model") + "-"
                         + c["config"].get("optimizer", "adam"))
def test_workers_reproduce_the_golden_figures(fashion_dir, twin_pool, case):
    """The figures recorded on the subset, one thread each (tools/golden_figures.py made them):
    the scratch twin's curves, test figures and parity inputs bit for bit; the Keras twin's
    and the parity figures within :data:`FRAMEWORK_ROUNDOFF` (third-party arithmetic, which a
    new library version may move in the last bits; the file records the versions)."""
    from importlib import metadata

    made_with = _golden()[0]
    now = {k: (metadata.version(k) if k != "python" else None) for k in made_with}
    where = f"golden figures made with {made_with}, installed {now}"
    cfg = ExperimentConfig(**case["config"])
    pair = load_pair(*parse_pair(cfg.pair), protocol=cfg.protocol, data_dir=fashion_dir,
                     seed=cfg.split_seed)
    res = run_experiment(cfg, pair, pool=twin_pool)  # one thread per twin
    s, want = res["scratch"], case["scratch"]
    assert s.status == want["status"]
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert s.curves[key] == want[key], ("scratch", key)
    assert s.test_loss == want["test_loss"] and s.test_acc == want["test_acc"]
    k, want = res["keras"], case["keras"]
    assert k.status == want["status"]
    for key in ("train_loss", "train_acc", "val_loss", "val_acc"):
        assert _close(k.curves[key], want[key]), ("keras", key, where)
    assert _close(k.test_loss, want["test_loss"]), where
    assert _close(k.test_acc, want["test_acc"]), where
    for key, value in case["parity"].items():
        assert _close(getattr(s, key), value), (key, where)


def test_the_golden_file_has_its_cases_and_the_versions_that_made_them():
    made_with, cases = _golden()
    assert len(cases) == 4, f"{GOLDEN} is missing"
    assert {"tensorflow", "keras", "numpy"} <= set(made_with)
    assert all(isinstance(v, str) and v[0].isdigit() for v in made_with.values())


def test_round_off_is_allowed_and_a_real_change_is_not():
    """The tolerance of the framework twin: the last bits of float32 pass, a change of the
    fourth digit (what a changed update rule gives) fails."""
    golden = 0.17799556255340576
    assert _close([0.17799554765224457], [golden])  # one float32 ulp, seen with TF 2.21
    assert not _close([0.1781], [golden])


@pytest.mark.parametrize("column", ["reference", "host", "step_parity"])
def test_a_runs_csv_without_a_column_is_refused_in_one_line(tmp_path, column):
    """Every column of runs.csv is required, the host and the step-parity figures too: no
    kvsbench wrote a runs.csv without them (the committed baseline has them all)."""
    from benchmarks.errors import ResultsError
    from benchmarks.results.schema import RUN_COLUMNS

    runs = pd.read_csv(ROOT / "results" / "baseline" / "runs.csv")
    assert set(RUN_COLUMNS) <= set(runs.columns)
    runs.to_csv(tmp_path / "runs.csv", index=False)
    assert len(read_csv(tmp_path / "runs.csv", RUN_COLUMNS)) == len(runs)
    runs.drop(columns=[column]).to_csv(tmp_path / "runs.csv", index=False)
    with pytest.raises(ResultsError, match=rf"lacks the columns \['{column}'\]"):
        read_csv(tmp_path / "runs.csv", RUN_COLUMNS)
