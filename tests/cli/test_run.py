"""`kvsbench run`: bad flags get one line and exit 2 before any work; a run writes its files."""

from __future__ import annotations

import contextlib
import io
import json
import re

import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE
from benchmarks.report.fmt import fmt_sci
from benchmarks.results.schema import CURVE_COLUMNS, RUN_COLUMNS

pytestmark = pytest.mark.slow  # runs kvsbench run end to end


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--lr", "0"], "Argument `--lr` must be > 0. Received: --lr=0.0"),
        (["--lr", "-1"], "Received: --lr=-1.0"),
        (["--batch-size", "0"], "Argument `--batch-size` must be a positive int"),
        (["--batch-size", "many"], "'full'"),
        (["--pairs", "trouser:sock"], "sock"),
        (["--pairs", "coat:coat"], "coat"),
        (["--epochs", "0"], "Argument `--epochs`"),
        (["--hidden-units", "0"], "Argument `--hidden-units` must be a positive int"),
        (["--momentum", "1"], "Argument `--momentum` must be in [0, 1)"),
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
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main([
            "run", "--pairs", "Trouser:ankle_boot", "--models", "logreg", "mlp", "--epochs",
            "2", "--batch-size", "128", "--target-acc", "0.5", "--quiet", "--data-dir",
            str(fashion_dir), "--out", str(out),
        ])
    assert code == 0
    (out / "stdout.txt").write_text(stdout.getvalue())
    return out


def test_run_ends_with_the_verdict_table_and_the_report_paths(small_run):
    text = (small_run / "stdout.txt").read_text()
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("model "))
    assert lines[head].split()[:2] == ["model", "twin"]
    for word in (f"step parity (≤ {STEP_PARITY_TOLERANCE:g})", "twin test acc",
                 "Keras test acc", "speed per epoch at 1,170 images", "speed per step",
                 "diverged / failed"):
        assert word in lines[head]
    runs = pd.read_csv(small_run / "runs.csv")
    for k, model in enumerate(("logreg", "mlp")):
        row = lines[head + 2 + k]
        assert row.split()[:2] == [model, "scratch"]
        scratch = runs[(runs["model"] == model) & (runs["impl"] == "scratch")].iloc[0]
        keras = runs[(runs["model"] == model) & (runs["impl"] == "keras")].iloc[0]
        assert f"{fmt_sci(scratch['step_parity'])} matches" in row  # the verdict: step parity
        assert scratch["parity_ok"]
        assert row.count(f"{100 * keras['test_acc']:.2f} %") == 2  # both twins agree
        assert "× faster" in row or "× slower" in row
        assert row.endswith("none")
    assert f"Report: {small_run / 'report.html'}" in text
    assert str(small_run / "report.md") in text


def test_run_defaults_to_the_official_split_and_records_the_version(small_run):
    from benchmarks import __version__

    sweep = json.loads((small_run / "sweep.json").read_text())
    assert sweep["settings"]["protocol"] == "official"
    env = json.loads((small_run / "env.json").read_text())
    assert env["kvsbench_version"] == __version__ != "0+unknown"
    assert f"kvsbench {__version__}" in (small_run / "report.md").read_text()


def test_version_flag(capsys):
    from benchmarks import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"kvsbench {__version__}"


def _subparsers(parser):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                for sub_name, subsub in _subparsers(sub):
                    yield f"{name} {sub_name}", subsub


def test_every_flag_has_help_and_shows_its_default():
    from benchmarks.cli import build_parser

    parser = build_parser()
    commands = dict(_subparsers(parser))
    assert {"run", "report", "compare", "course", "standin", "data fetch", "data import",
            "data verify", "data path"} <= set(commands)
    for name, sub in commands.items():
        for action in sub._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"kvsbench {name} {action.option_strings[0]} has no help"
    text = commands["run"].format_help()
    for shown in ("(default: adam)", "(default: 0.001)", "(default: 20)", "(default: 1)",
                  "(default: official)", "(default: results/latest)",
                  "(default: ['scratch', 'keras'])", "(default: ['logreg', 'mlp'])"):
        assert shown in " ".join(text.split()), shown
    assert "not the official test set" in " ".join(text.split())


def test_run_writes_runs_curves_and_env(small_run):
    runs = pd.read_csv(small_run / "runs.csv", dtype={"batch_size": str})
    curves = pd.read_csv(small_run / "curves.csv", dtype={"batch_size": str})
    assert list(runs.columns) == list(RUN_COLUMNS)
    assert list(curves.columns) == list(CURVE_COLUMNS)
    assert sorted(runs["impl"]) == ["keras", "keras", "scratch", "scratch"]
    assert set(runs["pair"]) == {"trouser:ankle-boot"}
    assert (runs["status"] == "ok").all()
    # the default, official split: validation a seeded 20 % of the pair's 1,462 training
    # images, test the pair's 239 images of the t10k file (in the subset, later training images)
    assert (runs["protocol"] == "official").all()
    assert (runs["n_train"] == 1170).all() and (runs["n_val"] == 292).all()
    assert (runs["n_test"] == 239).all()
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
    code = main(["run", "--like", str(small_run), "--epochs", "3", "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "drop --epochs" in err
    assert not (tmp_path / "x").exists()


TF_LOG_LINE = re.compile(r"^[IWE]\d{4} .*\.cc:\d+\]", re.M)  # TensorFlow's C++ log format


@pytest.mark.parametrize("verbose", [False, True])
def test_tensorflow_output_reaches_the_terminal_only_with_verbose(fashion_dir, tmp_path, capfd,
                                                                  verbose):
    argv = ["run", "--pairs", "trouser:ankle-boot", "--models", "logreg", "--impls", "keras",
            "--epochs", "1", "--quiet", "--data-dir", str(fashion_dir), "--out",
            str(tmp_path / "out")]
    assert main(argv + (["--verbose"] if verbose else [])) == 0
    err = capfd.readouterr().err
    assert bool(TF_LOG_LINE.search(err)) is verbose, err[:500]


def test_native_stderr_goes_to_the_log_and_python_stderr_to_the_terminal(tmp_path, capfd):
    import os
    import sys

    from benchmarks.native_stderr import native_stderr_to

    with native_stderr_to(tmp_path / "native.log"):
        os.write(2, b"I0000 native line\n")
        print("kvsbench: a message", file=sys.stderr)
    err = capfd.readouterr().err
    assert "kvsbench: a message" in err and "native line" not in err
    assert (tmp_path / "native.log").read_text() == "I0000 native line\n"
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"
