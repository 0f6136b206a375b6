"""Issue 28, resources and tracebacks: every read of a result directory is bounded
(benchmarks/bounded.py), settings have bounds (benchmarks/config.py LIMITS), and a malformed
sweep.json for `run --like` is one line — never a traceback, a hang or gigabytes.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import bounded
from benchmarks.config import LIMITS, ExperimentConfig
from benchmarks.data.idx import MAX_IDX_BYTES, read_idx
from benchmarks.errors import ConfigError, DataError, ResultsError
from benchmarks.twins.draws import epoch_orders
from tests.helpers import assert_one_line_or_quiet, result_dir, run_cli


def within(seconds: float, fn):
    """``fn()`` in a thread; fails when it has not returned after ``seconds`` (a hang)."""
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("v", fn()), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds} s"
    return box["v"]


def one_line_2(capsys, *argv, seconds: float = 60, expect: str | None = None) -> str:
    code, _, err = within(seconds, lambda: run_cli(capsys, *argv))
    assert code == 2, err
    assert_one_line_or_quiet(code, err)
    if expect:
        assert expect in err, err
    return err


COMMANDS = {
    "report": lambda d, tmp: ["report", d],
    "compare": lambda d, tmp: ["compare", d, d],
    "history": lambda d, tmp: ["history", d, "--out", tmp / "h"],
    "like": lambda d, tmp: ["run", "--like", d, "--out", tmp / "again"],
    "run": lambda d, tmp: ["run", "--pairs", "trouser:ankle-boot", "--models", "logreg",
                           "--epochs", "3", "--out", d],
}


#: every test here runs without the data set (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("no_data")

# ---------------------------------------------------------------------------- special files
@pytest.mark.parametrize("command", ["report", "compare", "history", "like"])
@pytest.mark.parametrize("name", ["env.json", "sweep.json"])
def test_a_link_to_dev_zero_or_a_fifo_is_refused_at_once(tmp_path, capsys, command, name):
    out = result_dir(tmp_path / "out")
    (out / name).unlink()
    (out / name).symlink_to("/dev/zero")
    # (result_dir's sweep.json has no `threads`: --like reads env.json's `threads_flag`)
    code, _, err = within(60, lambda: run_cli(capsys, *COMMANDS[command](out, tmp_path)))
    assert_one_line_or_quiet(code, err, allowed=(0, 2))
    (out / name).unlink()
    os.mkfifo(out / name)  # nobody ever writes: a blocking open would wait for ever
    code, _, err = within(60, lambda: run_cli(capsys, *COMMANDS[command](out, tmp_path)))
    assert_one_line_or_quiet(code, err, allowed=(0, 2))


@pytest.mark.parametrize("name", ["runs.csv", "curves.csv"])
def test_a_csv_that_is_a_fifo_or_a_device_is_one_line(tmp_path, capsys, name):
    out = result_dir(tmp_path / "out")
    (out / name).unlink()
    os.mkfifo(out / name)
    # report checks is_file() first: a FIFO is "no runs.csv"; compare reads it: "a named pipe"
    one_line_2(capsys, "report", out)
    one_line_2(capsys, "compare", out, out)
    (out / name).unlink()
    (out / name).symlink_to("/dev/zero")
    one_line_2(capsys, "compare", out, out)


def test_bounded_read_names_the_kind_and_the_cap(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ResultsError, match="named pipe"):
        bounded.read_bytes(tmp_path / "pipe", 100)
    with pytest.raises(ResultsError, match="character device"):
        bounded.read_bytes("/dev/zero", 100)
    with pytest.raises(ResultsError, match="directory"):
        bounded.read_bytes(tmp_path, 100)
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(ResultsError, match="larger than 100 bytes"):
        bounded.read_bytes(tmp_path / "big", 100)
    assert bounded.read_bytes(tmp_path / "big", 101) == b"x" * 101
    with pytest.raises(DataError):  # the caller's error class
        bounded.read_bytes(tmp_path / "big", 10, error=DataError)


def test_a_json_file_over_the_cap_is_one_line(tmp_path, capsys):
    out = result_dir(tmp_path / "out")
    (out / "env.json").write_text('{"x": "' + "a" * bounded.MAX_JSON_BYTES + '"}')
    one_line_2(capsys, "report", out, expect="larger than 8 MiB")


# ---------------------------------------------------------------------------- depth
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("name", ["env.json", "sweep.json"])
def test_deeply_nested_json_is_one_line_everywhere(tmp_path, capsys, command, name):
    out = result_dir(tmp_path / "out")
    (out / name).write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run_cli(capsys, *COMMANDS[command](out, tmp_path))
    assert_one_line_or_quiet(code, err, allowed=(0, 2))
    assert "RecursionError" not in err


def test_json_depth_counts_brackets_outside_strings():
    assert bounded.json_depth('{"a": [1, {"b": "[[[[[["}]}') == 3
    assert bounded.json_depth('"\\"[["') == 0
    assert bounded.json_depth("[" * 40 + "]" * 40) == 40


# ---------------------------------------------------------------------------- encodings
def test_utf16_and_undecodable_files_are_named_for_what_they_are(tmp_path, capsys):
    out = result_dir(tmp_path / "out")
    good = (out / "runs.csv").read_text(encoding="utf-8")
    (out / "runs.csv").write_bytes(good.encode("utf-16"))
    err = one_line_2(capsys, "compare", out, out)
    assert "UTF-16" in err and "cut short" not in err
    (out / "runs.csv").write_bytes(good.encode("utf-16-le"))  # no byte-order mark
    assert "UTF-16" in one_line_2(capsys, "compare", out, out)
    (out / "runs.csv").write_text(good, encoding="utf-8")
    (out / "env.json").write_bytes(b'{"cpu_model": "\xff\xfe caf\xe9"}')
    err = one_line_2(capsys, "report", out)
    assert "not UTF-8" in err and "missing" not in err
    (out / "env.json").write_bytes(b"\xef\xbb\xbf" + json.dumps({"cpu_model": "x"}).encode())
    assert run_cli(capsys, "report", out)[0] == 0  # a UTF-8 byte-order mark is fine


def test_a_csv_with_100k_columns_is_refused_fast(tmp_path, capsys):
    out = result_dir(tmp_path / "out")
    header = ",".join(f"c{i}" for i in range(100_000))
    (out / "runs.csv").write_text(header + "\n" + ",".join("1" * 100_000) + "\n")
    t0 = time.monotonic()
    one_line_2(capsys, "report", out, expect="100000 columns")
    assert time.monotonic() - t0 < 10


# ---------------------------------------------------------------------------- IDX gzip
def _idx_header(n: int) -> bytes:
    return (0x00000803).to_bytes(4, "big") + b"".join(
        v.to_bytes(4, "big") for v in (n, 28, 28))


def test_a_gzip_bomb_is_refused_with_bounded_memory(tmp_path):
    """1 MB of gzip holding 1 GB: refused after at most the header's size + 64 KiB (a header
    of 10 images) or MAX_IDX_BYTES (a header claiming 10 million), never decompressed whole.

    The bomb is gzip members end to end (a valid gzip file, as ``cat a.gz b.gz`` makes): the
    header, then one member of 1 MiB of zeros 1024 times. The reader stops inside the second
    member (10 images) or after crossing ~256 members (10 million); compressing 1 GiB as one
    member would cost this test ~6 s a bomb, and the reader's bound is the same either way."""
    zeros = gzip.compress(b"\0" * (1 << 20), compresslevel=9)
    for n, match in ((10, "more than 65,536 bytes after the 7,856"),
                     (10_000_000, "more than 256 MiB")):
        path = tmp_path / f"bomb-{n}.gz"
        path.write_bytes(gzip.compress(_idx_header(n)) + zeros * 1024)  # 1 GiB of zeros
        assert path.stat().st_size < 2 << 20
        tracemalloc.start()
        try:
            with pytest.raises(DataError, match=match):
                read_idx(path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        limit = 16 << 20 if n == 10 else 3 * MAX_IDX_BYTES  # vs 1 GiB decompressed whole
        assert peak < limit, peak


def test_a_good_gzip_idx_still_reads_and_counts_its_trailing_bytes(tmp_path):
    images = np.arange(3 * 28 * 28, dtype=np.uint8).reshape(3, 28, 28)
    data = _idx_header(3) + images.tobytes()
    (tmp_path / "ok.gz").write_bytes(gzip.compress(data))
    np.testing.assert_array_equal(read_idx(tmp_path / "ok.gz"), images)
    (tmp_path / "two.gz").write_bytes(gzip.compress(data[:100]) + gzip.compress(data[100:]))
    np.testing.assert_array_equal(read_idx(tmp_path / "two.gz"), images)  # two members
    (tmp_path / "long.gz").write_bytes(gzip.compress(data + b"\1" * 5))
    with pytest.raises(DataError, match="5 trailing bytes"):
        read_idx(tmp_path / "long.gz")


# ---------------------------------------------------------------------------- settings
@pytest.mark.parametrize("argv, expect", [
    (["--epochs", "3000000"], "must be at most 100,000"),
    (["--hidden-units", "100000000", "--models", "mlp"], "must be at most 100,000"),
    (["--seeds", "5000000"], "at most 10,000"),
])
def test_settings_beyond_the_limits_are_one_line_before_anything(tmp_path, capsys, argv, expect):
    t0 = time.monotonic()
    err = one_line_2(capsys, "run", "--pairs", "trouser:ankle-boot", *argv,
                     "--out", tmp_path / "out", expect=expect)
    assert time.monotonic() - t0 < 20 and not (tmp_path / "out").exists(), err


def test_epoch_orders_are_drawn_lazily_and_equal_the_eager_ones():
    cfg = ExperimentConfig(epochs=LIMITS["epochs"], seed=3)
    orders = epoch_orders(cfg, 7200)
    rng = np.random.default_rng([3, 1])
    eager = [rng.permutation(7200) for _ in range(5)]
    assert len(orders) == LIMITS["epochs"]
    for e in (0, 1, 2, 4, 1, 3):  # in turn, and back
        np.testing.assert_array_equal(orders[e], eager[e])
    with pytest.raises(IndexError):
        orders[LIMITS["epochs"]]


config_value = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(),
    st.text(max_size=12), st.lists(st.integers(-3, 10**6), max_size=20),
    st.lists(st.lists(st.integers(), max_size=2), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(["abc", "fast", "all", "many", "5 2", "full", "1e400", "nan", "-1"]),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from([
    "model", "pair", "optimizer", "learning_rate", "batch_size", "epochs", "seed",
    "hidden_units", "activation", "init", "schedule", "decay_rate", "decay_interval",
    "momentum", "protocol"]), config_value, max_size=4))
def test_any_config_value_is_a_config_or_one_config_error(d):
    try:
        cfg = ExperimentConfig.from_dict(d)
    except ConfigError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 300
        return
    assert cfg.epochs <= LIMITS["epochs"] and cfg.seed <= LIMITS["seed"]


# ---------------------------------------------------------------------------- --like
LIKE_CASES = {
    "epochs abc": {"epochs": "abc"},
    "epochs null": {"epochs": None},
    "learning_rate fast": {"learning_rate": "fast"},
    "momentum null": {"momentum": None},
    "nested hidden_units": {"hidden_units": [[5, 2]]},
    "hidden_units huge": {"hidden_units": 10**9},
    "epochs huge": {"epochs": 3_000_000},
    "threads all": {"@threads": "all"},
    "seeds many": {"@seeds": "many"},
    "seeds 5 million": {"@seeds": 5_000_000},
    "integer pairs": {"@pairs": 3},
    "models as an object": {"@models": {"logreg": 1}},
    "impls empty": {"@impls": []},
    "reference a list": {"@reference": ["keras"]},
    "settings a list": {"@settings": [1, 2]},
    "target_acc text": {"target_acc": "high"},
}


@pytest.mark.parametrize("case", list(LIKE_CASES))
def test_run_like_a_malformed_sweep_json_is_one_line(tmp_path, capsys, case):
    out = result_dir(tmp_path / "out")
    (out / "runs.csv").unlink()  # pairs, models and seeds from sweep.json
    rec = {"settings": ExperimentConfig().to_dict(), "impls": ["scratch", "keras"],
           "reference": "keras", "threads": 1, "pairs": ["trouser:ankle-boot"],
           "models": ["logreg"], "seeds": 1}
    for k in ("pair", "model", "seed"):
        rec["settings"].pop(k)
    for key, value in LIKE_CASES[case].items():
        if key.startswith("@"):
            rec[key[1:]] = value
        else:
            rec["settings"][key] = value
    (out / "sweep.json").write_text(json.dumps(rec))
    t0 = time.monotonic()
    one_line_2(capsys, "run", "--like", out, "--out", tmp_path / "again")
    assert time.monotonic() - t0 < 20
    assert not (tmp_path / "again").exists()
