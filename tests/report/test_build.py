"""The report: summary.csv, plots and a self-contained report.html, built after a run and
rebuilt from the CSVs alone; an interrupted sweep resumes where it stopped."""

from __future__ import annotations

import base64
import shutil

import pandas as pd
import pytest

import benchmarks.harness.sweep
from benchmarks.cli import main
from benchmarks.report.build import build_report
from benchmarks.report.compose import SHOW_ALL_MAX_PAIRS
from benchmarks.results.schema import CURVE_COLUMNS, RUN_COLUMNS
from benchmarks.results.tables import read_csv
from tests.helpers import fake_results, parse_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
REPORT_FILES = ("summary.csv", "report.md", "report.html")


def assert_self_contained(page) -> None:
    assert page.images, "the report shows no figure"
    for src in page.images:
        assert src.startswith("data:image/png;base64,"), src[:60]
        assert base64.b64decode(src.split(",", 1)[1], validate=True).startswith(PNG_MAGIC)
    assert not page.external


# ---------------------------------------------------------------------------- a real run
@pytest.fixture(scope="module")
def real_run(tmp_path_factory, fashion_dir):
    out = tmp_path_factory.mktemp("report") / "out"
    code = main(["run", "--pairs", "trouser:ankle-boot", "--models", "logreg", "--epochs", "2",
                 "--quiet", "--out", str(out)])
    assert code == 0
    return out


@pytest.mark.slow
def test_run_ends_with_summary_plots_and_reports(real_run):
    for name in REPORT_FILES:
        assert (real_run / name).is_file(), name
    pngs = sorted(p.name for p in (real_run / "plots").glob("*.png"))
    summary = read_csv(real_run / "summary.csv")
    exp_id = summary["experiment_id"].iloc[0]
    assert pngs == sorted([f"{exp_id}.png", "pair_trouser-vs-ankle-boot.png"])
    assert len(summary) == 1
    row = summary.iloc[0]
    assert row["n_seeds"] == 1 and row["pair"] == "trouser:ankle-boot"
    assert row["scratch_max_loss_diff"] < 1e-3
    assert row["scratch_acc_diff_mean"] == 0.0  # same predictions on every test image
    assert row["scratch_test_acc_mean"] > 0.9 and row["keras_test_acc_mean"] > 0.9


@pytest.mark.slow
def test_report_html_embeds_every_image_and_names_every_experiment(real_run):
    page = parse_report(real_run / "report.html")
    assert_self_contained(page)
    assert len(page.images) == 2  # the experiment's curves and the pair's images
    html = (real_run / "report.html").read_text(encoding="utf-8")
    for exp_id in read_csv(real_run / "summary.csv")["experiment_id"]:
        assert exp_id in html
    text = "".join(page.text)
    assert text.index("Verdict") < text.index("Summary") < text.index("Plots") \
        < text.index("Config") < text.index("Environment")
    assert "logreg: scratch matches Keras" in text
    md = (real_run / "report.md").read_text(encoding="utf-8")
    assert "## Verdict" in md and "(plots/pair_trouser-vs-ankle-boot.png)" in md


@pytest.mark.slow
def test_report_rebuilds_from_the_csvs_alone(real_run, tmp_path, fashion_dir, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(real_run, copy)
    shutil.rmtree(copy / "plots")
    for name in REPORT_FILES:
        (copy / name).unlink()
    assert main(["report", str(copy), "--data-dir", str(fashion_dir)]) == 0
    assert "report written to" in capsys.readouterr().out
    for name in REPORT_FILES:
        assert (copy / name).is_file(), name
    assert sorted(p.name for p in (copy / "plots").iterdir()) == \
        sorted(p.name for p in (real_run / "plots").iterdir())
    pd.testing.assert_frame_equal(read_csv(copy / "summary.csv"),
                                  read_csv(real_run / "summary.csv"))
    assert_self_contained(parse_report(copy / "report.html"))
    assert not list(copy.rglob("*.tmp"))


# ---------------------------------------------------------------------------- bad directories
@pytest.mark.parametrize("make, needle", [
    (lambda d: None, "does not exist"),
    (lambda d: d.write_text("x"), "is not a directory"),
    (lambda d: d.mkdir(), "has no runs.csv"),
    (lambda d: (d.mkdir(), (d / "runs.csv").write_text("a,b\n1,2\n"),
                (d / "curves.csv").write_text("a,b\n1,2\n")), "lacks the columns"),
])
def test_report_of_a_non_result_directory_is_one_line_and_exit_2(tmp_path, capsys, make, needle):
    target = tmp_path / "not-results"
    make(target)
    assert main(["report", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("kvsbench: error: ") and needle in err


# ---------------------------------------------------------------------------- interrupt, resume
@pytest.mark.slow
def test_interrupted_sweep_leaves_valid_csvs_and_resumes_the_rest(
    fashion_dir, tmp_path, monkeypatch, capsys
):
    out = tmp_path / "sweep"
    argv = ["run", "--pairs", "trouser:ankle-boot", "sandal:sneaker", "--models", "logreg",
            "--impls", "scratch", "--epochs", "2", "--quiet", "--out", str(out)]
    real = benchmarks.harness.sweep.run_experiment
    calls = []

    def interrupted_on_the_second(*args, **kwargs):
        calls.append(args[0].pair)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(benchmarks.harness.sweep, "run_experiment", interrupted_on_the_second)
    assert main(argv) == 130
    assert "interrupted" in capsys.readouterr().err
    runs = read_csv(out / "runs.csv", RUN_COLUMNS)
    curves = read_csv(out / "curves.csv", CURVE_COLUMNS)
    assert list(runs["pair"]) == ["trouser:ankle-boot"]
    assert set(curves["run_id"]) == set(runs["run_id"])
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))

    monkeypatch.setattr(benchmarks.harness.sweep, "run_experiment", real)
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert "skipping 1" in captured.err
    assert "1 experiment(s) run, 1 skipped" in captured.out
    runs = read_csv(out / "runs.csv", RUN_COLUMNS)
    assert sorted(runs["pair"]) == ["sandal:sneaker", "trouser:ankle-boot"]
    assert len(read_csv(out / "curves.csv")) == 2 * 2
    assert len(read_csv(out / "summary.csv")) == 2


# ---------------------------------------------------------------------------- a large sweep
@pytest.mark.slow
def test_large_sweep_without_data_shows_heatmaps_and_a_selection(tmp_path, monkeypatch):
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras-home"))
    n_pairs = SHOW_ALL_MAX_PAIRS + 1
    out = tmp_path / "big"
    fake_results(out, n_pairs)
    built = build_report(out)
    summary = read_csv(out / "summary.csv")
    assert len(summary) == n_pairs and (summary["n_seeds"] == 3).all()
    assert summary["scratch_acc_diff_ci_low"].notna().all()  # 3 seeds: an interval for each
    names = {p.name for p in (out / "plots").glob("*.png")}
    assert {"heatmap_test_acc.png", "heatmap_time_ratio.png"} <= names
    assert len(names) == n_pairs + 2 and len(built["plots"]) == n_pairs + 2
    assert not any(n.startswith("pair_") for n in names)  # no data: no image plots

    page = parse_report(out / "report.html")
    assert_self_contained(page)
    # heatmaps + per model the hardest, easiest and least-matching pair; the rest linked
    assert 3 <= len(page.images) <= 5
    linked = {h for h in page.links if h.startswith("plots/logreg.")}
    assert len(linked) == n_pairs  # every experiment's figure is reachable
    html = (out / "report.html").read_text(encoding="utf-8")
    for exp_id in summary["experiment_id"]:
        assert f'id="{exp_id}"' in html
    text = "".join(page.text)
    assert "per-pair image plots are left out" in text
    assert "env.json" in text and "is missing" in text
    assert "scratch is 3.00× faster" in text
    assert "95 % interval contains 0" in text
