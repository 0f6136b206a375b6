"""The careless user and the hostile machine: every mistake and fault below is one line naming
the path and the cause (exit 2; 130 for Ctrl-C), leaves the old files whole, and loses no
row. Trained on tiny IDX data, scratch twin only, so each case takes seconds."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import benchmarks.report.build
from benchmarks.results.directory import ResultDirectory
from tests.helpers import run_cli

QUICK = ["--models", "logreg", "--impls", "scratch", "--epochs", "2", "--batch-size", "8",
         "--quiet"]


def one_line(err: str, *needles: str, alone: bool = True) -> None:
    """``err`` ends in one line of kvsbench's (the error), holding ``needles``; before it, only
    kvsbench's own progress lines (``alone``: none), no traceback."""
    lines = err.splitlines()
    assert lines and all(line.startswith("kvsbench: ") for line in lines), err
    assert len(lines) == 1 or not alone, err
    assert sum("error" in line or "interrupted" in line for line in lines) == 1, err
    for needle in needles:
        assert needle in lines[-1], (needle, err)


def files(d: Path) -> dict[str, bytes]:
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()
            and p.name != ".kvsbench.lock"}


@pytest.fixture
def data(make_idx_dir) -> Path:
    return make_idx_dir("data", n_train_per_class=8)


@pytest.fixture
def done(data, tmp_path, capsys) -> Path:
    """A finished result directory (Trouser vs Ankle boot), report included."""
    out = tmp_path / "done"
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", *QUICK,
                           "--data-dir", data, "--out", out)
    assert code == 0, err
    return out


# ---------------------------------------------------------------------------- --out
def test_out_that_is_a_file_is_one_line(data, tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("mine")
    code, _, err = run_cli(capsys, "run", *QUICK, "--data-dir", data, "--out", target)
    assert code == 2
    one_line(err, str(target), "is a file, not a directory")
    assert target.read_text() == "mine"


def test_out_below_a_file_is_one_line(data, tmp_path, capsys):
    target = tmp_path / "afile"
    target.write_text("mine")
    code, _, err = run_cli(capsys, "run", *QUICK, "--data-dir", data, "--out", target / "sub")
    assert code == 2
    one_line(err, str(target / "sub"), "is a file, not a directory")


def test_out_without_write_permission_is_one_line(data, tmp_path, capsys, monkeypatch):
    """Permission is simulated (root, who runs these tests in CI containers, may write
    anywhere); tests/results/test_place.py checks the real thing when not root."""
    parent = tmp_path / "ro"
    parent.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == parent else real(p, m))
    code, _, err = run_cli(capsys, "run", *QUICK, "--data-dir", data, "--out", parent / "out")
    assert code == 2
    one_line(err, str(parent), "no permission")
    assert list(parent.iterdir()) == []


@pytest.mark.slow
def test_report_on_a_directory_that_cannot_be_written_is_one_line(done, capsys, monkeypatch):
    before = files(done)
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == done else real(p, m))
    code, _, err = run_cli(capsys, "report", done)
    assert code == 2
    one_line(err, str(done), "no permission")
    assert files(done) == before


# ---------------------------------------------------------------------------- a full disk
def _full_disk_for(monkeypatch, prefix: str) -> None:
    real = Path.write_bytes

    def write_bytes(self, data):
        if self.name.startswith(prefix) and self.name.endswith(".tmp"):
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


@pytest.mark.slow
def test_disk_full_while_recording_runs_is_one_line_and_keeps_the_old_csv(
        done, data, capsys, monkeypatch):
    before = (done / "runs.csv").read_bytes()
    _full_disk_for(monkeypatch, ".runs.csv.")
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", "sandal:sneaker", *QUICK,
                           "--data-dir", data, "--out", done)
    assert code == 2
    one_line(err, str(done / "runs.csv"), "No space left on device", alone=False)
    assert (done / "runs.csv").read_bytes() == before
    assert not [p for p in done.rglob("*.tmp")]


@pytest.mark.slow
def test_disk_full_while_writing_plots_is_one_line_and_keeps_the_old_report(
        done, capsys, monkeypatch):
    before = files(done)
    _full_disk_for(monkeypatch, ".logreg.")  # the experiment's plot
    code, _, err = run_cli(capsys, "report", done)
    assert code == 2
    one_line(err, "plots", ".png", "No space left on device")
    assert files(done) == before  # no file changed: not the summary, not the report


@pytest.mark.slow
def test_ctrl_c_while_the_report_is_written_is_one_line_130_and_keeps_the_old_files(
        done, capsys, monkeypatch):
    before = files(done)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(benchmarks.report.build, "render_html", interrupted)
    code, _, err = run_cli(capsys, "report", done)
    assert code == 130
    one_line(err, "interrupted")
    assert files(done) == before


# ---------------------------------------------------------------------------- damaged files
@pytest.mark.slow
def test_report_on_a_runs_csv_cut_mid_row_is_one_line(done, capsys):
    text = (done / "runs.csv").read_text()
    (done / "runs.csv").write_text(text[: text.index("\n") + 1 + 40])  # header + 40 chars
    before = files(done)
    code, _, err = run_cli(capsys, "report", done)
    assert code == 2
    one_line(err, str(done / "runs.csv"), "cut short")
    assert files(done) == before


@pytest.mark.slow
def test_a_resume_onto_a_damaged_runs_csv_is_one_line(done, data, capsys):
    text = (done / "runs.csv").read_text()
    (done / "runs.csv").write_text(text.replace(",ok,", ",maybe,"))
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", *QUICK, "--data-dir",
                           data, "--out", done)
    assert code == 2
    one_line(err, "runs.csv, row 2", "status", "maybe")


# ---------------------------------------------------------------------------- data, resume
def test_data_without_the_pairs_classes_is_refused_before_out_is_made(make_idx_dir, tmp_path,
                                                                       capsys):
    from benchmarks.data.idx import write_idx

    d = make_idx_dir("four-classes")
    for part in ("train", "t10k"):  # keep classes 0, 2, 3, 4 only: no Trouser, no Ankle boot
        import numpy as np

        from benchmarks.data.idx import read_idx

        images = read_idx(d / f"{part}-images-idx3-ubyte.gz")
        labels = read_idx(d / f"{part}-labels-idx1-ubyte.gz")
        keep = np.isin(labels, (0, 2, 3, 4))
        write_idx(d / f"{part}-images-idx3-ubyte.gz", images[keep], gzip=True)
        write_idx(d / f"{part}-labels-idx1-ubyte.gz", labels[keep], gzip=True)
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", *QUICK, "--data-dir", d,
                           "--out", out)
    assert code == 2
    one_line(err, "0 training images of Trouser and Ankle boot")
    assert not out.exists()


def test_course_fashion_on_bad_data_leaves_no_out(make_idx_dir, tmp_path, capsys):
    d = make_idx_dir("corrupt")
    (d / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    out = tmp_path / "course"
    code, _, err = run_cli(capsys, "course", "fashion", "--quick", "--data-dir", d, "--out", out)
    assert code == 2
    one_line(err, "train-labels-idx1-ubyte.gz")
    assert not out.exists()


@pytest.mark.slow
def test_resume_on_other_data_is_refused(done, make_idx_dir, capsys):
    other = make_idx_dir("other", n_train_per_class=6, seed=1)
    before = files(done)
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", "sandal:sneaker", *QUICK,
                           "--data-dir", other, "--out", done)
    assert code == 2
    one_line(err, "holds results made on other data", "80 training images", "60 training images")
    assert files(done) == before


@pytest.mark.slow
def test_resume_with_other_threads_is_refused(done, data, capsys):
    before = files(done)
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", "sandal:sneaker", *QUICK,
                           "--threads", "2", "--data-dir", data, "--out", done)
    assert code == 2
    one_line(err, "holds results of another config", "threads=1 there vs 2 now")
    assert files(done) == before


@pytest.mark.slow
def test_a_sweep_json_from_before_threads_and_data_were_pinned_is_accepted(done, data, capsys):
    pinned = json.loads((done / "sweep.json").read_text())
    del pinned["settings"]["threads"], pinned["data"]
    (done / "sweep.json").write_text(json.dumps(pinned))
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", *QUICK, "--data-dir",
                           data, "--out", done)
    assert code == 0, err
    pinned = json.loads((done / "sweep.json").read_text())
    assert pinned["settings"]["threads"] == 1 and pinned["data"] is None  # nothing was read


@pytest.mark.slow
def test_a_killed_writes_temp_file_is_cleaned_by_the_next_run(done, data, capsys):
    stale = [done / ".runs.csv.kvsbench-k1ll3d_x.tmp",
             done / "plots" / ".a.png.kvsbench-abcdefgh.tmp"]
    for p in stale:
        p.write_text("half a fi")
    code, _, err = run_cli(capsys, "run", "--pairs", "trouser:ankle-boot", *QUICK, "--data-dir",
                           data, "--out", done)
    assert code == 0, err
    assert not any(p.exists() for p in stale)
    assert "removed 2 temp file(s)" in err


# ---------------------------------------------------------------------------- two runs at once
@pytest.mark.slow
def test_two_runs_into_one_directory_keep_every_row(data, tmp_path):
    out = tmp_path / "shared"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = [subprocess.Popen(
        [sys.executable, "-m", "benchmarks.cli", "run", "--pairs", *pairs, *QUICK,
         "--data-dir", str(data), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for pairs in (["trouser:ankle-boot", "sandal:sneaker"], ["pullover:coat", "shirt:bag"])]
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr
        assert "2 experiment(s) run" in stdout
    runs = ResultDirectory(out).runs
    assert sorted(runs["pair"]) == ["pullover:coat", "sandal:sneaker", "shirt:bag",
                                    "trouser:ankle-boot"]
    curves = pd.read_csv(out / "curves.csv")
    assert len(curves) == 4 * 2
    summary = pd.read_csv(out / "summary.csv")  # the later report saw both runs' rows
    assert len(summary) == 4


@pytest.mark.slow
def test_output_into_a_closed_pipe_is_quiet(done):
    """`kvsbench compare A B | head -1`: the reader went away; no traceback, no error line."""
    p = subprocess.Popen([sys.executable, "-m", "benchmarks.cli", "compare", str(done),
                          str(done)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # closed before kvsbench writes a byte
    err = p.stderr.read().decode()
    assert p.wait(120) == 1 and err == ""
