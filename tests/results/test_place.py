"""Where kvsbench writes: file names made from data stay inside the result directory, a
directory that cannot be written is one line, a failed write leaves the old file, a killed
write's temp file is cleaned up, and writers into one directory take turns."""

from __future__ import annotations

import errno
import multiprocessing
import os
import string
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import atomic
from benchmarks.atomic import TEMP_NAME, atomic_path, write_atomic, write_files_atomic
from benchmarks.errors import ResultsError, WriteError
from benchmarks.results.place import (
    LOCK_NAME,
    MAX_STEM,
    check_writable,
    clean_stale_temps,
    inside,
    locked,
    prepare,
    safe_name,
    stale_temps,
)

# ---------------------------------------------------------------------------- safe names
KVSBENCH_IDS = [
    "logreg.trouser-vs-ankle-boot.adam.lr0.001.bs32.e20.1a2b3c4d",
    "mlp.pullover-vs-coat.sgd.lr1e+30.bsfull.e3.cc5a2270",
    "heatmap_test_acc", "pair_trouser-vs-ankle-boot",
]


@pytest.mark.parametrize("name", KVSBENCH_IDS)
def test_every_name_kvsbench_makes_maps_to_itself(name):
    assert safe_name(name, ".png") == name + ".png"


@pytest.mark.parametrize("hostile", [
    "../../../x", "/var/tmp/x/evil", "..", ".", "", "a/b", "a\\b", "x\x00y", ".hidden",
    "line\nbreak", "Ümläut", "a" * 1000, "C:\\Windows\\x",
])
def test_hostile_ids_become_one_harmless_component(tmp_path, hostile):
    name = safe_name(hostile, ".png")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith(".") and name not in (".png", "..png")
    assert len(name) <= MAX_STEM + 16
    assert set(name) <= set(string.ascii_letters + string.digits + "._+-")
    assert inside(tmp_path, "plots", name).parent == tmp_path / "plots"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_safe_names_are_one_component_and_never_collide(a, b):
    na, nb = safe_name(a), safe_name(b)
    for n in (na, nb):
        assert n and "/" not in n and not n.startswith(".") and len(n.encode()) <= 255
        assert Path(n).name == n and n not in (".", "..")
    if a != b:
        assert na != nb


def test_a_plots_link_out_of_the_directory_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = tmp_path / "result"
    result.mkdir()
    (result / "plots").symlink_to(outside)
    with pytest.raises(ResultsError, match="would be written outside"):
        inside(result, "plots", "x.png")


# ---------------------------------------------------------------------------- writable
def test_out_that_is_a_file_or_under_a_file_is_one_line_and_creates_nothing(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(WriteError, match="is a file, not a directory"):
        prepare(f)
    with pytest.raises(WriteError, match=r"afile is a file, not a directory"):
        prepare(f / "sub" / "deeper")
    assert f.read_text() == "x"


def test_out_in_a_directory_without_write_permission_is_one_line(tmp_path, monkeypatch):
    """Simulated (the tests may run as root, whom permissions do not stop)."""
    locked_dir = tmp_path / "ro"
    locked_dir.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == locked_dir
                        else real_access(p, mode))
    with pytest.raises(WriteError, match=r"no permission to create a directory in .*ro"):
        check_writable(locked_dir / "out")
    with pytest.raises(WriteError, match=r"no permission to write in .*ro"):
        check_writable(locked_dir)
    assert not (locked_dir / "out").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_out_in_a_read_only_directory_is_one_line(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="no permission"):
            prepare(ro / "out")
    finally:
        ro.chmod(0o755)


# ---------------------------------------------------------------------------- atomic writes
def _no_space(real):
    def write_bytes(self, data):
        if self.name.endswith(".tmp"):
            real(self, data[: len(data) // 2])  # half of it reached the disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)
    return write_bytes


def test_a_full_disk_is_one_line_naming_the_file_and_leaves_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "runs.csv"
    target.write_text("old\n")
    monkeypatch.setattr(Path, "write_bytes", _no_space(Path.write_bytes))
    with pytest.raises(WriteError) as exc:
        write_atomic(target, "new\n" * 1000)
    assert str(target) in str(exc.value) and "No space left on device" in str(exc.value)
    assert len(str(exc.value).splitlines()) == 1
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]


def test_several_files_are_replaced_only_when_all_were_written(tmp_path, monkeypatch):
    a, b = tmp_path / "a.md", tmp_path / "b.html"
    a.write_text("old a")
    b.write_text("old b")
    real = Path.write_bytes

    def fail_on_b(self, data):
        if self.name.startswith(".b.html."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", fail_on_b)
    with pytest.raises(WriteError, match=r"b\.html: No space left on device"):
        write_files_atomic({a: b"new a", b: b"new b"})
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.html"]
    monkeypatch.setattr(Path, "write_bytes", real)
    write_files_atomic({a: b"new a", b: b"new b"})
    assert (a.read_text(), b.read_text()) == ("new a", "new b")


def test_temp_files_are_named_so_that_they_can_be_found(tmp_path):
    seen = []
    with atomic_path(tmp_path / "runs.csv") as tmp:
        seen.append(tmp.name)
        tmp.write_text("x")
    with atomic_path(tmp_path / "anim.gif", suffix=".gif") as tmp:
        seen.append(tmp.name)
        tmp.write_text("x")
    assert all(TEMP_NAME.match(n) for n in seen), seen
    assert seen[1].endswith(".tmp.gif")
    for other in ("runs.csv", ".kvsbench.lock", "notes.tmp", ".runs.csv.tmp", "x.12345678.tmp",
                  ".notes.txt.ab12cd_9.tmp"):  # another program's temp file
        assert not TEMP_NAME.match(other), other


def test_stale_temp_files_are_removed_and_nothing_else(tmp_path):
    (tmp_path / "plots").mkdir()
    stale = [tmp_path / ".runs.csv.kvsbench-ab12cd_9.tmp",
             tmp_path / "plots" / ".x.png.kvsbench-abcdefgh.tmp"]
    keep = [tmp_path / "runs.csv", tmp_path / "my.tmp", tmp_path / ".notes.txt"]
    for p in stale + keep:
        p.write_text("x")
    assert stale_temps(tmp_path) == sorted(stale)
    with locked(tmp_path):
        assert clean_stale_temps(tmp_path) == 2
    assert all(p.exists() for p in keep) and not any(p.exists() for p in stale)


# ---------------------------------------------------------------------------- the lock
def _hold_lock(path, started, release):
    with locked(Path(path)):
        started.set()
        release.wait(30)


def test_a_second_writer_waits_for_the_first(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    started, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), started, release))
    holder.start()
    try:
        assert started.wait(60)
        from filelock import FileLock, Timeout

        with pytest.raises(Timeout):
            FileLock(str(tmp_path / LOCK_NAME)).acquire(timeout=0.2)
        release.set()
        holder.join(30)
        messages = []
        with locked(tmp_path, log=messages.append):
            pass
        assert messages == []  # free again: no waiting
    finally:
        release.set()
        holder.join(30)


def test_a_lock_in_a_directory_that_cannot_be_written_is_one_line(tmp_path, monkeypatch):
    import filelock

    def denied(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), self.lock_file)

    monkeypatch.setattr(filelock.FileLock, "acquire", denied)
    with pytest.raises(WriteError, match=r"cannot write .*\.kvsbench\.lock: Permission denied"):
        with locked(tmp_path / "fresh-dir-for-this-test"):
            pass


def test_atomic_module_has_one_temp_pattern():
    """The cleaner and the writer share one definition (no second spelling of the pattern)."""
    import benchmarks.results.place as rd

    assert rd.TEMP_NAME is atomic.TEMP_NAME


def test_store_rows_written_by_two_writers_both_survive(tmp_path, synthetic_pair):
    """Two ResultStores opened on one directory (two `kvsbench run` into one --out), each
    adding its own experiment: both experiments' rows are on disk afterwards."""
    from benchmarks.config import ExperimentConfig
    from benchmarks.harness.runner import RunResult
    from benchmarks.results.directory import ResultDirectory
    from benchmarks.results.schema import RUN_COLUMNS
    from benchmarks.results.store import ResultStore

    first, second = ResultStore(tmp_path), ResultStore(tmp_path)
    pair = synthetic_pair
    for store, p in ((first, "trouser:ankle-boot"), (second, "sandal:sneaker")):
        cfg = ExperimentConfig(pair=p, epochs=1)
        res = RunResult("scratch", cfg, len(pair.X_train))
        for k in res.curves:
            res.curves[k].append(0.5)
        store.add({"scratch": res}, pair)
    runs = ResultDirectory(tmp_path).runs
    assert sorted(runs["pair"]) == ["sandal:sneaker", "trouser:ankle-boot"]
    assert list(runs.columns) == list(RUN_COLUMNS)
    assert len(pd.read_csv(tmp_path / "curves.csv")) == 2
