"""The timing-only stand-in (benchmarks/data/standin.py): a subset repeated per class to a
given size.

Most tests use a tiny source (10 classes x 3 training and x 2 test images, random pixels,
shuffled labels) and a stand-in of 7 training and 4 test images per class; one builds the
real-size stand-in from the real subset (skipped without FASHION_MNIST_DIR).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil

import numpy as np
import pytest

from benchmarks.data import (
    FILE_STEMS,
    clear_cache,
    data_provenance,
    load_fashion_mnist,
    load_pair,
)
from benchmarks.data.idx import write_idx
from benchmarks.data.standin import add_parser, make_standin
from benchmarks.data.standin_marker import KIND, MARKER, standin_info
from benchmarks.errors import ConfigError, DataError, KvsbenchError

TRAIN, TEST = 7, 4  # per class in the stand-in
SRC_TRAIN, SRC_TEST = 3, 2  # per class in the tiny source


@pytest.fixture
def source(make_idx_dir):
    return make_idx_dir("source", n_train_per_class=SRC_TRAIN, n_test_per_class=SRC_TEST)


@pytest.fixture
def standin(source, tmp_path):
    return make_standin(source, tmp_path / "standin", TRAIN, TEST)


def one_line_error(excinfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


# ----------------------------------------------------------------------------- content


def test_counts_per_class(standin):
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(standin)
    assert x_train.shape == (10 * TRAIN, 28, 28) and x_test.shape == (10 * TEST, 28, 28)
    assert np.bincount(y_train, minlength=10).tolist() == [TRAIN] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [TEST] * 10


def test_images_are_the_sources_repeated_in_order(source, standin):
    src_train, src_test = load_fashion_mnist(source)
    new_train, new_test = load_fashion_mnist(standin)
    for (x_src, y_src), (x_new, y_new), n in (
        (src_train, new_train, TRAIN),
        (src_test, new_test, TEST),
    ):
        for c in range(10):
            own = x_src[y_src == c]
            np.testing.assert_array_equal(x_new[y_new == c], own[np.arange(n) % len(own)])


def test_classes_are_interleaved_not_in_blocks(standin):
    (_, y_train), _ = load_fashion_mnist(standin)
    assert np.count_nonzero(np.diff(y_train)) > 30  # blocks of 10 classes would give 9


def test_two_builds_give_identical_bytes(source, tmp_path):
    a = make_standin(source, tmp_path / "a", TRAIN, TEST)
    b = make_standin(source, tmp_path / "b", TRAIN, TEST)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted([MARKER, *FILE_STEMS]) == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_rerun_rewrites_nothing(source, standin):
    before = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in standin.iterdir()}
    assert make_standin(source, standin, TRAIN, TEST) == standin
    after = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in standin.iterdir()}
    assert after == before


def test_rebuild_with_other_sizes_and_stale_gzip_files(source, standin):
    # a .gz left by some older build would be read by the loader before the raw file
    shutil.copy(source / "train-images-idx3-ubyte.gz", standin / "train-images-idx3-ubyte.gz")
    make_standin(source, standin, 5, 2)
    assert not (standin / "train-images-idx3-ubyte.gz").exists()
    (_, y_train), (_, y_test) = load_fashion_mnist(standin)
    assert np.bincount(y_train).tolist() == [5] * 10 and np.bincount(y_test).tolist() == [2] * 10
    assert standin_info(standin)["train_per_class"] == 5


def test_marker(source, standin):
    info = standin_info(standin)
    assert info == json.loads((standin / MARKER).read_text())
    assert info["kind"] == KIND == "kvsbench timing-only stand-in"
    assert info["timing_only"] is True and info["complete"] is True
    assert info["source"] == str(source.resolve())
    assert info["source_sha256"] == {
        f"{stem}.gz": hashlib.sha256((source / f"{stem}.gz").read_bytes()).hexdigest()
        for stem in FILE_STEMS
    }
    assert (info["train_per_class"], info["test_per_class"]) == (TRAIN, TEST)
    assert info["source_per_class"] == {"train": [SRC_TRAIN] * 10, "test": [SRC_TEST] * 10}
    assert info["how"] == "each class's subset images repeated in order to the real size"
    assert "never use" in info["warning"] and "accuracy" in info["warning"]
    assert info["files"] == {
        stem: hashlib.sha256((standin / stem).read_bytes()).hexdigest() for stem in FILE_STEMS
    }
    assert standin_info(source) is None


def test_load_pair_and_provenance_say_timing_only(source, standin):
    for protocol in ("seed", "official"):
        pair = load_pair(1, 9, protocol=protocol, data_dir=standin)
        assert pair.timing_only is True
        assert pair.source == f"--data-dir {standin} (timing-only stand-in)"
        assert load_pair(1, 9, protocol=protocol, data_dir=source).timing_only is False
    prov = data_provenance(standin)
    assert prov["data_dir"] == str(standin) and prov["timing_only"] is True
    assert prov["standin"] == standin_info(standin)
    assert data_provenance(source) == {
        "data_dir": str(source.resolve()),
        "source": f"--data-dir {source.resolve()}",
        "kind": "subset",
        "timing_only": False,
        "standin": None,
    }


def test_provenance_follows_the_loaders_order(standin, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(standin))
    prov = data_provenance()
    assert prov["source"] == f"FASHION_MNIST_DIR {standin}" and prov["timing_only"] is True
    assert load_pair(1, 9).timing_only is True


# ----------------------------------------------------------------------------- refusals


def test_refuses_an_out_dir_with_other_files(source, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(DataError) as excinfo:
        make_standin(source, out, TRAIN, TEST)
    assert "not part of a timing-only stand-in (notes.txt)" in one_line_error(excinfo)
    assert (out / "notes.txt").read_text() == "mine"


def test_refuses_to_overwrite_real_data(source, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(source, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(DataError) as excinfo:
        make_standin(source, out, TRAIN, TEST)
    assert f"no {MARKER} marker: it may be real data" in one_line_error(excinfo)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_refuses_the_source_as_out_dir(source):
    with pytest.raises(DataError, match="is the source directory") as excinfo:
        make_standin(source, source, TRAIN, TEST)
    one_line_error(excinfo)


def test_refuses_a_source_without_a_class(tmp_path):
    src = tmp_path / "no-sandals"
    src.mkdir()
    rng = np.random.RandomState(0)
    for part, labels in (("train", [c for c in range(10) if c != 5] * 2), ("t10k", range(10))):
        labels = np.asarray(labels, dtype=np.uint8)
        write_idx(src / f"{part}-labels-idx1-ubyte.gz", labels)
        write_idx(src / f"{part}-images-idx3-ubyte.gz",
                  rng.randint(0, 256, (labels.size, 28, 28)).astype(np.uint8))
    with pytest.raises(DataError) as excinfo:
        make_standin(src, tmp_path / "out", TRAIN, TEST)
    assert "holds no training images of class 5 Sandal" in one_line_error(excinfo)
    assert not (tmp_path / "out").exists()


def test_refuses_a_missing_or_incomplete_source(source, tmp_path):
    with pytest.raises(DataError, match="does not exist") as excinfo:
        make_standin(tmp_path / "nowhere", tmp_path / "out")
    one_line_error(excinfo)
    (source / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="lacks t10k-labels-idx1-ubyte.gz") as excinfo:
        make_standin(source, tmp_path / "out")
    one_line_error(excinfo)


def test_refuses_a_standin_as_source(standin, tmp_path):
    with pytest.raises(DataError, match="itself a timing-only stand-in") as excinfo:
        make_standin(standin, tmp_path / "again", TRAIN, TEST)
    one_line_error(excinfo)


def test_refuses_an_unwritable_out_dir(source, tmp_path):
    (tmp_path / "a-file").write_text("")
    with pytest.raises(DataError, match="cannot write the stand-in") as excinfo:
        make_standin(source, tmp_path / "a-file" / "out", TRAIN, TEST)
    one_line_error(excinfo)
    with pytest.raises(DataError, match="is not a directory") as excinfo:
        make_standin(source, tmp_path / "a-file", TRAIN, TEST)
    one_line_error(excinfo)


@pytest.mark.parametrize("sizes", [(0, 4), (7, -1), (7.5, 4), (True, 4)])
def test_refuses_bad_sizes(source, tmp_path, sizes):
    with pytest.raises(ConfigError, match="per-class") as excinfo:
        make_standin(source, tmp_path / "out", *sizes)
    one_line_error(excinfo)


def test_corrupt_or_half_built_marker(source, standin):
    marker = standin / MARKER
    info = json.loads(marker.read_text())
    marker.write_text(json.dumps({**info, "complete": False}))
    with pytest.raises(DataError, match="half-built timing-only stand-in") as excinfo:
        load_pair(1, 9, data_dir=standin)
    one_line_error(excinfo)
    make_standin(source, standin, TRAIN, TEST)  # rebuilding repairs it
    assert load_pair(1, 9, data_dir=standin).timing_only is True
    for text in ("{not json", json.dumps(["a list"]), json.dumps({**info, "kind": "other"})):
        marker.write_text(text)
        for call in (standin_info, lambda d: load_pair(1, 9, data_dir=d), data_provenance):
            with pytest.raises(DataError, match="timing-only marker .* is (corrupt|unreadable)"):
                call(standin)


def test_an_interrupted_build_is_marked_refused_and_repaired(source, standin, monkeypatch):
    import benchmarks.data.idx

    real_write_idx = benchmarks.data.idx.write_idx
    calls = []

    def killed_on_second_file(path, array, gzip=True):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_write_idx(path, array, gzip=gzip)

    monkeypatch.setattr(benchmarks.data.idx, "write_idx", killed_on_second_file)
    with pytest.raises(KeyboardInterrupt):
        make_standin(source, standin, 5, 2)  # other sizes: a real rebuild
    monkeypatch.setattr(benchmarks.data.idx, "write_idx", real_write_idx)
    assert sorted(p.name for p in standin.iterdir()) == sorted([MARKER, *FILE_STEMS])  # no temps
    assert standin_info(standin)["complete"] is False
    with pytest.raises(DataError, match="half-built"):
        load_pair(1, 9, data_dir=standin)
    make_standin(source, standin, 5, 2)
    pair = load_pair(1, 9, data_dir=standin)
    assert pair.timing_only is True and sum(pair.sizes.values()) == 10  # 2 classes x 5


# ----------------------------------------------------------------------------- command line


def test_subcommand(source, tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="kvsbench")
    add_parser(parser.add_subparsers(dest="command"))
    out = tmp_path / "cli"
    args = parser.parse_args(["standin", "--from", str(source), "--out", str(out),
                              "--train-per-class", "7", "--test-per-class", "4"])
    assert args.func(args) == 0
    line = capsys.readouterr().out
    assert line.count("\n") == 1 and str(out) in line and "TIMING-ONLY" in line
    assert standin_info(out)["train_per_class"] == 7
    defaults = parser.parse_args(["standin", "--out", "x"])
    assert defaults.source is None
    assert (defaults.train_per_class, defaults.test_per_class) == (6000, 1000)


def test_subcommand_help_shows_every_flag_and_default(capsys):
    parser = argparse.ArgumentParser(prog="kvsbench")
    add_parser(parser.add_subparsers(dest="command"))
    with pytest.raises(SystemExit):
        parser.parse_args(["standin", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for needle in ("--from DIR", "--out DIR", "--train-per-class N", "--test-per-class N",
                   "default: 6000", "default: 1000", "FASHION_MNIST_DIR"):
        assert needle in text


def test_subcommand_bad_input_raises_one_line_kvsbench_errors(source, tmp_path):
    """What benchmarks.cli.main prints as one line with exit status 2."""
    parser = argparse.ArgumentParser(prog="kvsbench")
    add_parser(parser.add_subparsers(dest="command"))
    for argv, error, needle in (
        (["--from", str(tmp_path / "nowhere")], DataError, "stand-in source"),
        (["--from", str(source), "--train-per-class", "0"], ConfigError, "--train-per-class"),
        (["--from", str(source), "--test-per-class", "-3"], ConfigError, "--test-per-class"),
    ):
        args = parser.parse_args(["standin", "--out", str(tmp_path / "out"), *argv])
        with pytest.raises(KvsbenchError) as excinfo:
            args.func(args)
        assert isinstance(excinfo.value, error) and needle in one_line_error(excinfo)


# ----------------------------------------------------------------------------- real size


def test_real_size_standin_from_the_subset(fashion_dir, tmp_path):
    out = make_standin(fashion_dir, tmp_path / "real-size")
    clear_cache()
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(out)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    # official: the pair's 12,000 training images -> 80/20 train/val; test = its 2,000 t10k
    official = load_pair("trouser", "ankle-boot", protocol="official", data_dir=out)
    assert official.sizes == {"train": 9600, "val": 2400, "test": 2000}
    assert official.timing_only is True
    # seed: the pair's 12,000 training images -> 60/20/20 train/test/val
    seed = load_pair("trouser", "ankle-boot", protocol="seed", data_dir=out)
    assert seed.sizes == {"train": 7200, "test": 2400, "val": 2400}
    assert seed.timing_only is True
    assert load_pair(1, 9, protocol="official", data_dir=fashion_dir).timing_only is False
    clear_cache()  # 55 MB of arrays
