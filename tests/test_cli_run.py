"""`kvsbench run`: bad flags get one line and exit 2 before any work; a run writes its files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.records import CURVE_COLUMNS, RUN_COLUMNS


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--lr", "0"], "Argument `learning_rate` must be > 0"),
        (["--lr", "-1"], "Received: learning_rate=-1.0"),
        (["--batch-size", "0"], "Argument `batch_size` must be a positive int"),
        (["--batch-size", "many"], "'full'"),
        (["--pairs", "trouser:sock"], "sock"),
        (["--pairs", "coat:coat"], "coat"),
        (["--epochs", "0"], "Argument `epochs`"),
        (["--seeds", "0"], "--seeds"),
        (["--threads", "-1"], "Argument `--threads` must be an int >= 0 or 'all'"),
        (["--threads", "some"], "Received: --threads=some"),
        (["--impls", "scratch", "--reference", "keras"], "Argument `--reference` must be one"),
        (["--timeout", "0"], "Argument `--timeout` must be > 0"),
    ],
)
def test_bad_flags_exit_2_with_one_line_and_no_files(tmp_path, capsys, argv, needle):
    out = tmp_path / "out"
    code = main(["run", "--quiet", "--out", str(out), *argv])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert err.startswith("kvsbench: error: ")
    assert needle in err
    assert not out.exists()


def test_missing_data_is_one_line_and_writes_nothing(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    code = main(["run", "--quiet", "--data-dir", str(empty), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "train-images-idx3-ubyte" in err and str(empty) in err
    assert not out.exists()


def test_corrupt_data_is_one_line(make_idx_dir, tmp_path, capsys):
    data = make_idx_dir("data")
    (data / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    out = tmp_path / "out"
    code = main(["run", "--quiet", "--data-dir", str(data), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "train-labels-idx1-ubyte.gz" in err
    assert not out.exists()


def test_unknown_model_is_refused_by_argparse(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--models", "cnn", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "invalid choice: 'cnn'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def small_run(fashion_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    code = main([
        "run", "--pairs", "Trouser:ankle_boot", "--models", "logreg", "mlp", "--epochs", "2",
        "--batch-size", "128", "--target-acc", "0.5", "--quiet", "--data-dir", str(fashion_dir),
        "--out", str(out),
    ])
    assert code == 0
    return out


def test_run_writes_runs_curves_and_env(small_run):
    runs = pd.read_csv(small_run / "runs.csv", dtype={"batch_size": str})
    curves = pd.read_csv(small_run / "curves.csv", dtype={"batch_size": str})
    assert list(runs.columns) == list(RUN_COLUMNS)
    assert list(curves.columns) == list(CURVE_COLUMNS)
    assert sorted(runs["impl"]) == ["keras", "keras", "scratch", "scratch"]
    assert set(runs["pair"]) == {"trouser:ankle-boot"}
    assert (runs["status"] == "ok").all()
    assert (runs["n_train"] == 877).all() and (runs["n_test"] == 292).all()
    assert (runs["n_val"] == 293).all()
    assert len(curves) == 4 * 2
    scratch, keras = runs[runs["impl"] == "scratch"], runs[runs["impl"] == "keras"]
    assert (runs["reference"] == "keras").all()
    assert (scratch["max_loss_diff"] < 1e-3).all() and keras["max_loss_diff"].isna().all()
    assert (scratch["time_ratio"] > 0).all()
    assert (runs["threads"] == 1).all()
    # each twin's own worker: TensorFlow's resident memory dwarfs NumPy's
    assert (keras["peak_rss_mb"].to_numpy() > scratch["peak_rss_mb"].to_numpy()).all()
    assert (runs["test_acc"] > 0.9).all()
    assert (runs["fit_seconds"] > 0).all()
    assert runs["time_to_target_seconds"].notna().all()
    for _, r in runs.iterrows():
        c = curves[curves["run_id"] == r["run_id"]]
        assert r["fit_seconds"] == pytest.approx(c["epoch_seconds"].sum(), rel=1e-6)
        assert r["train_loss"] == pytest.approx(c["train_loss"].iloc[-1])
    env = json.loads((small_run / "env.json").read_text())
    for key in ("cpu_model", "logical_cores", "blas_library", "blas_threads", "versions",
                "git_commit", "tf_intra_op_threads"):
        assert key in env
    assert env["versions"]["tensorflow"]
    # one thread per twin by default (--threads 1), whatever the machine's core count
    assert env["threads_flag"] == 1 and env["blas_threads"] == 1
    assert set(env["twins"]) == {"scratch", "keras"}
    assert env["twins"]["scratch"]["blas_threads"] == 1
    assert env["twins"]["keras"]["tf_intra_op_threads"] == 1
    assert env["twins"]["scratch"]["pid"] != env["twins"]["keras"]["pid"]
    assert env["twins"]["keras"]["startup_seconds"] > 0
    assert env["data"]["timing_only"] is False


def test_rerun_skips_recorded_runs(small_run, fashion_dir, capsys):
    before = (small_run / "runs.csv").read_text()
    code = main([
        "run", "--pairs", "trouser:ankle-boot", "--models", "logreg", "mlp", "--epochs", "2",
        "--batch-size", "128", "--target-acc", "0.5", "--quiet", "--data-dir", str(fashion_dir),
        "--out", str(small_run),
    ])
    assert code == 0
    assert "skipping 2 experiment(s)" in capsys.readouterr().err
    assert (small_run / "runs.csv").read_text() == before


def test_other_config_into_same_dir_is_refused(small_run, fashion_dir, capsys):
    code = main([
        "run", "--pairs", "trouser:ankle-boot", "--models", "logreg", "--epochs", "3",
        "--quiet", "--data-dir", str(fashion_dir), "--out", str(small_run),
    ])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "holds results of another config" in err and "epochs=2" in err
    assert len(err.splitlines()) == 1


def test_like_reruns_the_recorded_sweep(small_run, fashion_dir, tmp_path, capsys):
    out = tmp_path / "like"
    code = main(["run", "--like", str(small_run), "--quiet", "--data-dir", str(fashion_dir),
                 "--out", str(out)])
    assert code == 0
    original = pd.read_csv(small_run / "runs.csv", dtype={"batch_size": str})
    rerun = pd.read_csv(out / "runs.csv", dtype={"batch_size": str})
    assert sorted(rerun["run_id"]) == sorted(original["run_id"])
    assert (json.loads((out / "sweep.json").read_text())["settings"]
            == json.loads((small_run / "sweep.json").read_text())["settings"])
    capsys.readouterr()
    # 2 epochs leave no epochs to judge speed by (this test is about the match, not speed)
    assert main(["compare", str(small_run), str(out), "--ratio-tol", "0.99"]) == 0
    assert "2 of 2 baseline experiment(s) compared" in capsys.readouterr().out


def test_like_with_training_flags_is_refused(small_run, tmp_path, capsys):
    code = main(["run", "--like", str(small_run), "--epo", "3", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "drop --epochs" in err
    assert not (tmp_path / "x").exists()
