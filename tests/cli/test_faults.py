"""Issue 28, data loss and faults: kvsbench deletes only what it wrote, writes a report's files
as one set, stops on SIGTERM/SIGHUP as on Ctrl-C, cleans the pair directories of killed runs,
and its workers die with their parent; compare refuses figures outside their range.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.harness.lifetime import PAIRS_PREFIX, clean_stale_pair_dirs
from tests.helpers import ROOT, assert_one_line_or_quiet, result_dir, run_cli

#: every test here runs without the data set (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("no_data")

# ---------------------------------------------------------------------------- deleting
@pytest.mark.parametrize("argv", [
    ["run", "--pairs", "trouser:ankle-boot", "--out", ""],
    ["run", "--pairs", "trouser:ankle-boot", "--out="],
    ["history", "DIR", "--out", ""],
    ["standin", "--out", " "],
    ["course", "--out", ""],
    ["run", "--like", "", "--out", "x"],
    ["run", "--data-dir", "", "--out", "x"],
])
def test_an_empty_path_option_is_refused_and_nothing_is_written(tmp_path, capsys, monkeypatch,
                                                                 argv):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "holiday.png").write_bytes(b"mine")
    (tmp_path / ".notes.txt.ab12cd_9.tmp").write_text("mine")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    code, _, err = run_cli(capsys, *[str(tmp_path) if a == "DIR" else a for a in argv])
    assert code == 2 and "is empty (an unset shell variable?)" in err, err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_report_in_a_directory_with_other_files_deletes_only_its_own(tmp_path, capsys):
    out = result_dir(tmp_path / "out")
    (out / "plots").mkdir()
    theirs = [out / "plots" / "holiday.png", out / "plots" / ".photo.png.ab12cd_9.tmp",
              out / ".notes.txt.abcdefgh.tmp"]
    for p in theirs:
        p.write_bytes(b"not kvsbench's")
    assert run_cli(capsys, "report", out)[0] == 0
    ours = {p.name for p in (out / "plots").glob("*.png")} - {"holiday.png"}
    assert ours and all(p.exists() for p in theirs)
    listed = (out / "plots" / ".kvsbench-figures").read_text().split()
    assert set(listed) == ours
    # a figure kvsbench listed and no longer draws is removed; the others stay
    stale = out / "plots" / "pair_old.png"
    stale.write_bytes(b"old figure")
    (out / "plots" / ".kvsbench-figures").write_text("\n".join([*listed, "pair_old.png",
                                                                "../escape.png"]) + "\n")
    (tmp_path / "escape.png").write_bytes(b"outside")
    assert run_cli(capsys, "report", out)[0] == 0
    assert not stale.exists() and (tmp_path / "escape.png").exists()
    assert all(p.exists() for p in theirs)


def test_when_report_html_cannot_be_written_no_file_of_the_set_changes(tmp_path, capsys):
    out = result_dir(tmp_path / "out")
    assert run_cli(capsys, "report", out)[0] == 0
    old = {n: (out / n).read_bytes() for n in ("report.md", "summary.csv")}
    (out / "report.html").unlink()
    (out / "report.html").mkdir()  # a directory in the way
    (out / "runs.csv").write_text((out / "runs.csv").read_text().replace("0.9,", "0.8,"))
    code, _, err = run_cli(capsys, "report", out)
    assert_one_line_or_quiet(code, err)
    assert code == 2 and "report.html" in err
    assert {n: (out / n).read_bytes() for n in old} == old
    assert not [p for p in out.rglob("*.tmp*")]


def test_a_failed_rename_rolls_back_the_ones_before(tmp_path, monkeypatch):
    from benchmarks import atomic
    from benchmarks.errors import WriteError

    files = {tmp_path / n: n.encode() * 3 for n in ("a", "b", "c")}
    for p in files:
        p.write_bytes(b"old")
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if Path(dst).name == "c" and str(src).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(WriteError, match="No space left"):
        atomic.write_files_atomic(files)
    assert all(p.read_bytes() == b"old" for p in files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]


def test_history_does_not_follow_a_plots_link_out_of_out(tmp_path, capsys):
    a = result_dir(tmp_path / "a")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "history_1.png").write_bytes(b"precious")
    hist = tmp_path / "hist"
    hist.mkdir()
    (hist / "plots").symlink_to(elsewhere)
    code, _, err = run_cli(capsys, "history", a, "--out", hist)
    assert code == 2 and "outside" in err, err
    assert (elsewhere / "history_1.png").read_bytes() == b"precious"
    assert not (hist / "history.html").exists()


# ---------------------------------------------------------------------------- signals
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_stop_as_ctrl_c_does(tmp_path, capsys, monkeypatch, sig):
    import benchmarks.report.build as build

    out = result_dir(tmp_path / "out")

    def killed(*args, **kwargs):
        os.kill(os.getpid(), sig)
        time.sleep(5)  # the handler raises before this ends
        raise AssertionError("the signal was not handled")

    monkeypatch.setattr(build, "draw_figures", killed)
    before = signal.getsignal(sig)
    code, _, err = run_cli(capsys, "report", out)
    assert code == 128 + sig
    assert err == (f"kvsbench: stopped by {signal.Signals(sig).name}; every file written is "
                   "whole (the old one, or the new one): re-run the command to finish.\n")
    assert signal.getsignal(sig) == before  # main() leaves the process as it found it
    assert not (out / "report.html").exists()


# ---------------------------------------------------------------------------- /tmp and workers
def test_pair_directories_of_dead_processes_are_cleaned_and_no_others(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = tmp_path / f"{PAIRS_PREFIX}{dead.pid}-abc123"
    alive = tmp_path / f"{PAIRS_PREFIX}{os.getpid()}-def456"
    old_style = tmp_path / f"{PAIRS_PREFIX}q7yvwron"
    young_old_style = tmp_path / f"{PAIRS_PREFIX}yxwbjde1"
    other = tmp_path / "kvsbench-pairs-notes.txt"
    for d in (gone, alive, old_style, young_old_style):
        d.mkdir()
        (d / "1.X_train.npy").write_bytes(b"x" * 100)
    other.write_text("a file, not ours")
    day_ago = time.time() - 2 * 86400
    os.utime(old_style, (day_ago, day_ago))
    removed = clean_stale_pair_dirs(tmp_path)
    assert sorted(removed) == sorted([gone, old_style])
    assert alive.exists() and young_old_style.exists() and other.exists()


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG")
def test_a_stopped_worker_dies_with_its_killed_parent(tmp_path):
    """The issue's case: a twin's worker stopped (SIGSTOP), its parent killed with SIGKILL:
    the worker must not stay under init."""
    parent = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\n"
         "from benchmarks.harness.worker import TwinPool\n"
         "pool = TwinPool(['scratch'])\n"
         "w = pool.start('scratch')\n"
         "print(w.process.pid, pool._tmp, flush=True)\n"
         "time.sleep(600)\n"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        pid, tmp = parent.stdout.readline().split()
        pid = int(pid)
        assert Path(tmp).name.startswith(f"{PAIRS_PREFIX}{parent.pid}-")
        os.kill(pid, signal.SIGSTOP)
        parent.kill()
        parent.wait()
        assert _gone(pid), "the worker outlived its parent"
        assert Path(tmp) in clean_stale_pair_dirs(Path(tmp).parent)
    finally:
        parent.kill()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc")
def test_the_watchdog_ends_a_child_whose_parent_died(tmp_path, monkeypatch):
    """Without the kernel's help (prctl unavailable) the watchdog thread still ends it."""
    code = ("import os, sys, time, subprocess\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import ctypes, os, time\\n"
            "import benchmarks.harness.lifetime as l\\n"
            "l.sys.platform = \"darwin\"\\n"  # no prctl: the watchdog alone
            "l.WATCH_SECONDS = 0.1\\n"
            "l.die_with_parent(os.getppid())\\n"
            "print(os.getpid(), flush=True)\\n"
            "time.sleep(600)'], stdout=subprocess.PIPE, text=True)\n"
            "print(child.stdout.readline().strip(), flush=True)\n"
            "time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        pid = int(parent.stdout.readline())
        parent.kill()
        parent.wait()
        assert _gone(pid), "the child outlived its parent"
    finally:
        parent.kill()


@pytest.mark.slow
def test_a_twin_whose_worker_cannot_start_is_in_env_json_with_the_failure(
        tmp_path, capsys, monkeypatch, tiny_idx_dir):
    from benchmarks.harness import worker

    real_init = worker.TwinWorker.__init__

    def broken(self, name, *args, **kwargs):
        if name == "keras":
            raise worker.WorkerDied("worker killed by SIGKILL (out of memory?)")
        real_init(self, name, *args, **kwargs)

    monkeypatch.setattr(worker.TwinWorker, "__init__", broken)
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", "--models", "logreg",
                           "--epochs", "2", "--batch-size", "8", "--data-dir", tiny_idx_dir,
                           "--out", out)
    assert code == 0, err
    env = json.loads((out / "env.json").read_text())
    assert "SIGKILL" in env["twins"]["keras"]["failure"]
    assert "startup_seconds" in env["twins"]["scratch"]


# ---------------------------------------------------------------------------- compare
@pytest.mark.parametrize("numbers", [
    {"max_loss_diff": -math.inf}, {"max_loss_diff": -5.0}, {"test_acc": 5.0},
    {"test_acc": math.inf}, {"test_acc": -0.1}, {"time_ratio": -2.0},
    {"val_acc": 1.5}, {"fit_seconds": -1.0}, {"momentum": 2.0},
])
def test_compare_refuses_figures_outside_their_range(tmp_path, capsys, numbers):
    base = result_dir(tmp_path / "base")
    cur = result_dir(tmp_path / "cur", numbers=numbers)
    code, _, err = run_cli(capsys, "compare", base, cur)
    assert code == 2 and "outside [" in err and next(iter(numbers)) in err, err


def test_compare_fails_a_seed_without_its_figure_by_name(tmp_path, capsys):
    import pandas as pd

    from benchmarks.atomic import write_csv

    base = result_dir(tmp_path / "base", seeds=2)
    cur = result_dir(tmp_path / "cur", seeds=2)
    runs = pd.read_csv(cur / "runs.csv", keep_default_na=False, dtype=str)
    runs.loc[(runs["seed"] == "1") & (runs["impl"] == "scratch"), "test_acc"] = ""
    write_csv(cur / "runs.csv", runs)
    code, out, err = run_cli(capsys, "compare", base, cur)
    assert code == 1, err
    assert "seed 1 finished ok without a test accuracy" in out


def test_compare_fails_a_candidate_without_the_reference_twin(tmp_path, capsys):
    base = result_dir(tmp_path / "base")
    cur = result_dir(tmp_path / "cur", impls=("scratch",))
    code, out, err = run_cli(capsys, "compare", base, cur)
    assert code == 1, err
    assert "reference twin has no runs here" in out
