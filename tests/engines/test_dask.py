"""`kvsbench run --scheduler`: sweeps as Dask tasks on a local cluster (loopback only).

The same records as the serial runner, every experiment recorded exactly once when a Dask
worker is killed mid-task, a task that keeps failing recorded as failed, and an interrupted
client resumed by submitting only what is missing. Bad input: one line, exit 2.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.config import ExperimentConfig
from benchmarks.data import all_pairs, pair_slug
from benchmarks.engines import dask_sweep as kd
from benchmarks.engines import dask_tasks as kt
from benchmarks.errors import ConfigError
from benchmarks.harness.sweep import Sweep, run_sweep
from benchmarks.results.hosts import host_name
from benchmarks.results.tables import read_csv
from tests.helpers import write_tiny_fashion

#: columns that are measurements of the run's machine and moment (times, memory) or name it
MEASURED = {
    "fit_seconds", "first_epoch_seconds", "steady_epoch_seconds", "setup_seconds",
    "samples_per_second", "step_seconds", "epoch_fixed_seconds", "epoch_time_spread",
    "slow_epochs", "time_to_target_seconds", "peak_rss_mb", "peak_traced_mb", "time_ratio",
    "step_time_ratio", "host", "epoch_seconds", "cumulative_seconds",
}
PAIRS = tuple(pair_slug(p) for p in all_pairs()[:4])


# ----------------------------------------------------------------------------- no Dask needed
@pytest.mark.parametrize("text, want", [
    ("local:2", kd.SchedulerSpec(local_workers=2)),
    ("LOCAL:1", kd.SchedulerSpec(local_workers=1)),
    ("tcp://10.0.0.5:8786", kd.SchedulerSpec(address="tcp://10.0.0.5:8786")),
    ("scheduler.cluster:8786", kd.SchedulerSpec(address="scheduler.cluster:8786")),
])
def test_scheduler_values(text, want):
    assert kd.parse_scheduler(text) == want


@pytest.mark.parametrize("value", ["local:0", "local:two", "local:", "8786", "http:/x", ""])
def test_a_bad_scheduler_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, value):
    out = tmp_path / "out"
    code = main(["run", "--quiet", "--scheduler", value, "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("kvsbench: error: Argument `--scheduler` must be")
    assert f"Received: --scheduler={value}" in err
    assert not out.exists()


def test_without_dask_installed_the_line_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    out = tmp_path / "out"
    code = main(["run", "--quiet", "--scheduler", "local:2", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert 'pip install "kvsbench[dask]"' in err
    assert not out.exists()
    with pytest.raises(ConfigError, match=r"kvsbench\[dask\]"):
        kd.require_distributed()


def test_without_the_flag_nothing_imports_dask():
    code = ("import sys\n"
            "from benchmarks import cli, regressions, report, engines\n"
            "from benchmarks.harness import sweep\n"
            "from benchmarks.results import directory, hosts, store\n"
            "from benchmarks.report import build, summary, host_section\n"
            "from benchmarks.regressions import checks, history\n"
            "cli.build_parser().parse_args(['run'])\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
            "print(bad)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_nanny_environment_is_undone_for_the_twins(monkeypatch):
    """What Dask's nanny sets for itself goes; a value the user chose stays."""
    pytest.importorskip("distributed")
    import dask

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MKL_NUM_THREADS", "4")  # not Dask's value: the user's
    preset = {"MALLOC_TRIM_THRESHOLD_": 65536, "OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": preset}):
        kt._undo_nanny_environment()
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ and "OMP_NUM_THREADS" not in os.environ
    assert os.environ["MKL_NUM_THREADS"] == "4"


# ----------------------------------------------------------------------------- a local cluster
@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """Tiny Fashion-MNIST: a pair is 48 training, 12 validation and 20 test images."""
    return write_tiny_fashion(tmp_path_factory.mktemp("dask-data"), n_train_per_class=30,
                              n_test_per_class=10)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on the loopback interface, made as ``--scheduler
    local:2`` makes them; the tests reach it by its address, as a remote scheduler."""
    pytest.importorskip("distributed")
    saved = dict(os.environ)
    c = kd.start_local_cluster(2, dashboard_address=None)
    yield c
    c.close()
    kd._restore_environment(saved)


def _sweep(data_dir, impls=("scratch", "keras"), **kw) -> Sweep:
    base = ExperimentConfig(epochs=kw.pop("epochs", 2), batch_size=kw.pop("batch_size", 16))
    return Sweep(base=base, pairs=kw.pop("pairs", PAIRS), models=("logreg", "mlp"),
                 impls=impls, reference="keras" if "keras" in impls else None,
                 data_dir=str(data_dir) if data_dir else None, **kw)


def _content(path: Path) -> pd.DataFrame:
    """A CSV's rows in run order, without the columns a machine measures."""
    df = read_csv(path)
    key = ["run_id"] + (["epoch"] if "epoch" in df else [])
    return df[[c for c in df.columns if c not in MEASURED]].sort_values(key).reset_index(
        drop=True)


@pytest.mark.slow
def test_a_dask_sweep_records_what_the_serial_runner_records(cluster, data_dir, tmp_path):
    s = _sweep(data_dir)
    assert len(s.configs()) == 8
    serial, dask_out = tmp_path / "serial", tmp_path / "dask"
    run_sweep(s, serial, quiet=True, log=lambda m: None)
    lines: list[str] = []
    counts = kd.run_dask_sweep(s, dask_out, cluster.scheduler_address, quiet=True,
                               log=lines.append)
    assert counts["ran"] == counts["submitted"] == 8 and counts["failed_tasks"] == 0
    assert f"kvsbench: submitting 8 experiment(s) to {cluster.scheduler_address} " \
           "(2 worker(s) now)" in lines
    for name in ("runs.csv", "curves.csv"):
        pd.testing.assert_frame_equal(_content(serial / name), _content(dask_out / name))
    runs = read_csv(dask_out / "runs.csv")
    assert len(runs) == 16 and (runs["status"] == "ok").all()
    assert (runs.loc[runs["impl"] == "scratch", "max_loss_diff"] < 1e-3).all()

    env = json.loads((dask_out / "env.json").read_text())
    assert set(runs["host"]) == set(env["hosts"]) == {host_name()}
    assert set(read_csv(serial / "runs.csv")["host"]) == {host_name()}
    assert env["scheduler"] == cluster.scheduler_address
    record = env["hosts"][host_name()]
    assert record["threads_flag"] == 1 and set(record["twins"]) == {"scratch", "keras"}
    # the twins' workers live on (cached in their Dask worker) and run in a serial run's
    # environment, not with what Dask's nanny sets for itself
    twin_env = Path(f"/proc/{record['twins']['scratch']['pid']}/environ")
    if twin_env.exists():
        assert b"MALLOC_TRIM_THRESHOLD_" not in twin_env.read_bytes()

    again = kd.run_dask_sweep(s, dask_out, cluster.scheduler_address, quiet=True,
                              log=lambda m: None)
    assert again["ran"] == 0 and again["skipped"] == 8  # resume: nothing is missing


@pytest.mark.slow
def test_a_task_that_keeps_failing_is_recorded_failed_once(data_dir, tmp_path, monkeypatch):
    """A worker without the data: its tasks raise, are retried, and are recorded as failed
    with the reason; the sweep completes, and a re-run submits them again."""
    pytest.importorskip("distributed")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(data_dir))  # the client's copy
    s = _sweep(None, impls=("scratch",), pairs=PAIRS[:1])
    nowhere = tmp_path / "nowhere"
    saved = dict(os.environ)
    with kd.start_local_cluster(1, dashboard_address=None,
                                env={"FASHION_MNIST_DIR": str(nowhere)}) as c:
        counts = kd.run_dask_sweep(s, tmp_path / "out", c.scheduler_address, quiet=True,
                                   log=lambda m: None)
        assert counts["ran"] == 2 and counts["failed_tasks"] == 2
        runs = read_csv(tmp_path / "out" / "runs.csv")
        assert len(runs) == 2 and (runs["status"] == "failed").all()
        assert runs["host"].isna().all()  # no machine measured anything
        for reason in runs["failure"]:
            assert reason.startswith("scratch: its Dask task failed 3 times: DataError: ")
            assert str(nowhere) in reason and "\n" not in reason
        assert (runs["n_train"] == 36).all()  # sizes from the client's copy (seed split)
        assert read_csv(tmp_path / "out" / "curves.csv").empty
        again = kd.run_dask_sweep(s, tmp_path / "out", c.scheduler_address, quiet=True,
                                  log=lambda m: None)
        assert again["submitted"] == 2  # a failed run is not done
    kd._restore_environment(saved)


@pytest.mark.slow
def test_a_worker_with_other_data_refuses_its_tasks(data_dir, tmp_path, monkeypatch):
    """Every machine must hold the client's copy: a worker whose Fashion-MNIST differs (its
    fingerprint) fails its tasks, which are recorded as failed with the reason."""
    pytest.importorskip("distributed")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(data_dir))
    other = write_tiny_fashion(tmp_path / "other", n_train_per_class=30, n_test_per_class=10,
                               seed=1)
    s = _sweep(None, impls=("scratch",), pairs=PAIRS[:1])
    s.models = ("logreg",)
    saved = dict(os.environ)
    with kd.start_local_cluster(1, dashboard_address=None,
                                env={"FASHION_MNIST_DIR": str(other)}) as c:
        counts = kd.run_dask_sweep(s, tmp_path / "out", c.scheduler_address, quiet=True,
                                   log=lambda m: None)
    kd._restore_environment(saved)
    assert counts["failed_tasks"] == 1
    (reason,) = read_csv(tmp_path / "out" / "runs.csv")["failure"]
    assert "DataError: this worker's Fashion-MNIST" in reason
    assert "is not the client's" in reason


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line_exit_2(tmp_path, capsys, monkeypatch, data_dir):
    pytest.importorskip("distributed")
    monkeypatch.setattr(kd, "CONNECT_TIMEOUT", 1.0)
    out = tmp_path / "out"
    code = main(["run", "--quiet", "--scheduler", "tcp://127.0.0.1:9", "--data-dir",
                 str(data_dir), "--impls", "scratch", "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "could not reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert not out.exists()


@pytest.mark.slow
def test_sigint_then_rerun_submits_only_the_missing_experiments(data_dir, tmp_path):
    """Ctrl-C of `kvsbench run --scheduler local:2` mid-sweep keeps every recorded experiment;
    the same command again submits exactly the rest."""
    pytest.importorskip("distributed")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "benchmarks.cli", "run", "--pairs", *PAIRS, "--models",
            "logreg", "mlp", "--seeds", "2", "--impls", "scratch", "--epochs", "20",
            "--batch-size", "1", "--scheduler", "local:2", "--quiet", "--data-dir",
            str(data_dir), "--out", str(out)]
    total = len(PAIRS) * 2 * 2
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        runs = out / "runs.csv"
        if runs.exists() and len(read_csv(runs)) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted; the runs finished so far are in" in err
    first = read_csv(out / "runs.csv")
    done = len(first)
    assert 2 <= done < total and first["run_id"].is_unique
    read_csv(out / "curves.csv")  # parses

    rerun = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"skipping {done} experiment(s)" in rerun.stderr
    submitted = re.search(r"submitting (\d+) experiment\(s\)", rerun.stderr)
    assert submitted and int(submitted.group(1)) == total - done
    runs = read_csv(out / "runs.csv")
    assert len(runs) == total and runs["run_id"].is_unique and (runs["status"] == "ok").all()
    kept = runs.set_index("run_id").loc[first["run_id"]]
    assert (kept["train_loss"].to_numpy() == first["train_loss"].to_numpy()).all()


@pytest.mark.slow
def test_a_dask_worker_killed_mid_task_costs_that_task_only(cluster, data_dir, tmp_path):
    """SIGKILL the Dask worker process running the sweep's first task: the scheduler runs
    the experiment again elsewhere; every experiment is recorded once, every CSV parses.
    (Last in this module: the cluster's nanny replaces the killed worker.)"""
    from distributed import Client

    s = _sweep(data_dir, epochs=3)
    killed: list[dict] = []

    def kill_first(event):
        msg = event[1]
        if not killed:
            killed.append(msg)
            os.kill(msg["pid"], signal.SIGKILL)

    with Client(cluster.scheduler_address) as watcher:
        watcher.subscribe_topic(kt.STARTED_TOPIC, kill_first)
        lines: list[str] = []
        counts = kd.run_dask_sweep(s, tmp_path / "out", cluster.scheduler_address, quiet=True,
                                   log=lines.append)
    assert killed, "no task announced its start"
    assert counts["ran"] == 8 and counts["failed_tasks"] == 0
    assert counts["restarted"] >= 1, lines
    runs = read_csv(tmp_path / "out" / "runs.csv")
    curves = read_csv(tmp_path / "out" / "curves.csv")
    assert len(runs) == 16 and runs["run_id"].is_unique
    assert (runs["status"] == "ok").all()
    assert (curves.groupby("run_id").size() == 3).all() and set(curves["run_id"]) == set(
        runs["run_id"])
