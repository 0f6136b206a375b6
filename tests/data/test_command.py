"""`kvsbench data fetch|import|verify|path`: Fashion-MNIST into the Keras cache, the way Keras
users get it, and what is where. No network: fetch reads a local file:// origin through Keras'
real get_file."""

from __future__ import annotations

import hashlib
import tarfile
import zipfile

import pytest

from benchmarks.cli import main
from benchmarks.data import FILE_STEMS
from benchmarks.data import files as data

NAMES = [f"{stem}.gz" for stem in FILE_STEMS]


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras-home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    data.clear_cache()
    return home


def cache(home):
    return home / "datasets" / "fashion-mnist"


def md5s(directory):
    return {n: hashlib.md5((directory / n).read_bytes()).hexdigest() for n in NAMES}


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("kvsbench: error: ")
    return err


# ---------------------------------------------------------------------------- fetch
def test_fetch_goes_through_keras_get_file_and_checks_md5(tiny_idx_dir, keras_home, monkeypatch,
                                                          capsys):
    # the origin is a local directory; its files' MD5s play the official ones
    monkeypatch.setattr(data, "OFFICIAL_MD5", md5s(tiny_idx_dir))
    assert main(["data", "fetch", "--origin", tiny_idx_dir.as_uri()]) == 0
    assert md5s(cache(keras_home)) == md5s(tiny_idx_dir)
    out = capsys.readouterr().out
    assert f"fetched into {cache(keras_home).resolve()}" in out
    assert "Fashion-MNIST's own files (MD5 match)" in out
    assert main(["data", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(cache(keras_home).resolve())


def test_fetch_with_a_wrong_md5_is_one_line_and_leaves_no_file(tiny_idx_dir, keras_home,
                                                               capsys):
    # the real official MD5s: the tiny files do not match them
    assert main(["data", "fetch", "--origin", tiny_idx_dir.as_uri()]) == 2
    err = one_error_line(capsys)
    assert "could not download" in err and "train-images-idx3-ubyte.gz" in err
    assert "8d4fb7e6c68d591d4c3dfef9ec88bf0d" in err  # train-images' MD5 (docs/data.md)
    assert not cache(keras_home).exists() or not list(cache(keras_home).glob("*.gz"))


def test_fetch_offline_is_one_line(keras_home, capsys, monkeypatch):
    def offline(host, port, timeout):
        raise OSError(101, "Network is unreachable")

    monkeypatch.setattr(data, "_probe_host", offline)
    assert main(["data", "fetch"]) == 2
    assert "storage.googleapis.com is unreachable" in one_error_line(capsys)


# ---------------------------------------------------------------------------- import
def _archive(src, path):
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as z:
            for n in NAMES:
                z.write(src / n, f"fashion/{n}")
    else:
        with tarfile.open(path, "w:gz") as t:
            t.add(src, arcname="fashion")
    return path


@pytest.mark.parametrize("form", ["dir", "x.zip", "x.tar.gz"])
def test_import_copies_the_four_files_into_the_keras_cache(tiny_idx_dir, keras_home, tmp_path,
                                                           capsys, form):
    source = tiny_idx_dir if form == "dir" else _archive(tiny_idx_dir, tmp_path / form)
    assert main(["data", "import", str(source)]) == 0
    assert md5s(cache(keras_home)) == md5s(tiny_idx_dir)
    out = capsys.readouterr().out
    assert "imported" in out and "not Fashion-MNIST's own files" in out
    (x_train, y_train), (x_test, y_test) = data.load_fashion_mnist(download=False)
    assert x_train.shape[1:] == (28, 28) and len(x_train) == len(y_train) > 0
    assert len(x_test) == len(y_test) > 0


def test_import_of_a_corrupt_copy_is_one_line_and_copies_nothing(make_idx_dir, keras_home,
                                                                 capsys):
    bad = make_idx_dir("bad")
    (bad / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert main(["data", "import", str(bad)]) == 2
    assert "t10k-labels-idx1-ubyte.gz" in one_error_line(capsys)
    assert not cache(keras_home).exists()


def test_import_of_something_else_is_one_line(tmp_path, keras_home, capsys):
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    assert main(["data", "import", str(other)]) == 2
    assert "neither a directory nor an archive" in one_error_line(capsys)
    assert main(["data", "import", str(tmp_path / "absent")]) == 2
    assert "does not exist" in one_error_line(capsys)


# ---------------------------------------------------------------------------- verify, path
def test_verify_lists_each_place_with_checksums_and_counts(tiny_idx_dir, keras_home, capsys):
    assert main(["data", "import", str(tiny_idx_dir)]) == 0
    capsys.readouterr()
    assert main(["data", "verify"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "--data-dir: not set" and lines[1] == "FASHION_MNIST_DIR: not set"
    assert lines[2].startswith("Keras cache: ") and lines[2].endswith("kvsbench run reads this one")
    n_train = len(data.load_fashion_mnist(download=False)[0][0])
    for name, digest in md5s(tiny_idx_dir).items():
        assert f"md5 {digest} (not the official file)" in out and name in out
    assert f"{n_train:,} images" in out
    assert "t10k files may not be the official test set" in out


def test_verify_names_a_corrupt_file_and_exits_2(make_idx_dir, keras_home, capsys):
    bad = make_idx_dir("bad")
    (bad / "train-images-idx3-ubyte.gz").write_bytes(b"\x00\x00\x08\x01" + b"\x00" * 8)
    assert main(["data", "verify", "--data-dir", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "kvsbench run reads this one" in captured.out
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "train-images-idx3-ubyte.gz" in err


def test_path_without_any_copy_is_one_line(keras_home, capsys):
    assert main(["data", "path"]) == 2
    err = one_error_line(capsys)
    assert "Fashion-MNIST not found" in err and "kvsbench data import" in err
