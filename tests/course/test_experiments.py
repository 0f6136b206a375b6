"""``kvsbench course``: each experiment on a reduced budget, the course's pinned figures, the
report (course.md and a self-contained course.html) and the command line.

Golden values are the course's printed output (issue 8): the cost after epoch 0 of moons run 1,
0.708957; the sleep study's gradient-check relative error (the course: about 1e-10, required
< 1e-8) and BFGS reaching cost ≈ 0 (required < 1e-6).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from benchmarks.cli import main
from benchmarks.course import (
    EXPERIMENTS,
    blobs_experiment,
    moons_experiment,
    parse_names,
    run_course,
    sleep_study_experiment,
)
from benchmarks.course.report import build_course_report
from benchmarks.errors import ConfigError, DataError
from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE
from tests.helpers import NEEDS_TENSORFLOW

pytestmark = [pytest.mark.slow, NEEDS_TENSORFLOW]  # runs the course's experiments (Keras included)



@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    """One result directory that blobs, moons and sleep-study (reduced budgets) ran into."""
    out = tmp_path_factory.mktemp("course")
    quiet = lambda *a, **k: None  # noqa: E731
    results = {
        "blobs": blobs_experiment.run(out, log=quiet),  # the course's full 15 epochs: cheap
        "moons": moons_experiment.run(out, budget=0.001, twin_epochs=3, workers=1, log=quiet),
        "sleep-study": sleep_study_experiment.run(out, budget=0.02, log=quiet),
    }
    return out, results


# ------------------------------------------------------------------------------- moons


def test_moons_run1_cost_after_epoch0_is_the_courses():
    """The course printed "Cost after epoch 0: 0.708957" for run 1: data, He weights, batches,
    forward pass and cost are the course's."""
    X, Y = moons_experiment.load_moons()
    assert X.shape == (2, 900) and Y.shape == (1, 900)
    res = moons_experiment.train_course_run(X, Y, moons_experiment.COURSE_RUNS[0], epochs=1)
    assert round(res.costs[0], 6) == moons_experiment.COURSE_EPOCH0_COST == 0.708957


@pytest.mark.parametrize("run", moons_experiment.COURSE_RUNS, ids=lambda r: f"run{r.run}")
def test_moons_lean_loop_is_the_course_api_loop(run):
    """The in-place loop gives bit-identical costs and weights to the course API's updates."""
    X, Y = moons_experiment.load_moons()
    lean = moons_experiment.train_course_run(X, Y, run, epochs=3, lean=True)
    api = moons_experiment.train_course_run(X, Y, run, epochs=3, lean=False)
    assert lean.costs == api.costs
    for key in api.parameters:
        np.testing.assert_array_equal(lean.parameters[key], api.parameters[key])


def test_moons_decay_sets_the_next_epochs_rate_from_the_initial_one():
    X, Y = moons_experiment.load_moons()
    run4 = moons_experiment.COURSE_RUNS[3]  # gd 0.5, update_lr, rate 1
    res = moons_experiment.train_course_run(X, Y, run4, epochs=4)
    assert res.learning_rates == pytest.approx([0.5, 0.5, 0.25, 0.5 / 3])


def test_moons_epoch_order_is_random_mini_batches_permutation():
    from scratch import random_mini_batches

    X, Y = moons_experiment.load_moons()
    order = moons_experiment.epoch_order(900, 0)
    batches = random_mini_batches(X, Y, 64, 11)
    assert [b[0].shape[1] for b in batches] == [64] * 14 + [4]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches], axis=1), X[:, order])


def test_moons_reduced_budget_writes_records_and_twins_agree(course_dir):
    out, results = course_dir
    s = results["moons"]
    assert round(s["epoch0_cost_run1"], 6) == 0.708957
    runs = pd.read_csv(out / "moons_runs.csv")
    assert list(runs["run"]) == [1, 2, 3, 4, 5, 6, 7]
    assert {"optimizer", "lr", "epochs", "decay", "final_cost", "train_accuracy",
            "course_accuracy", "difference", "seconds"} <= set(runs.columns)
    assert not runs["reproduced"].any()  # 10 epochs, not the course's 10,000: never claimed
    costs = pd.read_csv(out / "moons_costs.csv")
    assert len(costs) == runs["epochs"].sum()
    for tw in s["twins"]:
        assert tw["max_loss_diff"] < 1e-5, tw["optimizer"]
        assert tw["step_parity"] < STEP_PARITY_TOLERANCE, tw["optimizer"]  # the harness' verdict
    for name in ("moons_data.png", "moons_costs.png", "moons_boundaries.png", "moons_twins.png"):
        assert (out / name).stat().st_size > 1000


# ------------------------------------------------------------------------------- sleep study


def test_sleep_study_gradient_check_and_bfgs(course_dir):
    _, results = course_dir
    s = results["sleep-study"]
    assert s["gradient_check"]["relative_error"] < 1e-8
    assert s["gradient_check"]["course_relative_error"] < 1e-8
    assert s["bfgs"]["final_cost"] < 1e-6
    assert 0 < s["bfgs"]["iterations"] <= 200
    assert s["bfgs"]["evaluations"] >= s["bfgs"]["iterations"]
    np.testing.assert_allclose(s["predicted_scores"], [75, 82, 93], atol=0.1)


def test_sleep_study_first_order_steps_reach_the_bfgs_cost():
    X, y, _ = sleep_study_experiment.normalised_data()
    net = sleep_study_experiment.SleepStudyNet(X, y)
    w0 = sleep_study_experiment.initial_weights(0)
    r = sleep_study_experiment.train_first_order(net, w0, "adam", 0.1, target=1e-3, max_steps=5000)
    assert r["steps"] is not None and r["costs"][r["steps"]] <= 1e-3
    assert all(c > 1e-3 for c in r["costs"][: r["steps"]])


# ------------------------------------------------------------------------------- blobs


def test_blobs_fifteen_epochs_plots_and_gif(course_dir):
    from PIL import Image

    out, results = course_dir
    s = results["blobs"]
    assert s["epochs"] == 15
    assert s["final"]["test_acc"] > 0.9
    assert s["twins"]["max_loss_diff"] < 1e-5
    assert s["twins"]["step_parity"] < STEP_PARITY_TOLERANCE
    epochs = pd.read_csv(out / "blobs_epochs.csv")
    assert set(epochs["impl"]) == {"course", "scratch", "keras"}
    with Image.open(out / "blobs_boundary.gif") as gif:
        assert gif.format == "GIF" and gif.n_frames == 16  # initial weights + 15 epochs
    for name in ("blobs_data.png", "blobs_boundaries.png", "blobs_loss.png"):
        assert (out / name).stat().st_size > 1000


def test_blobs_course_step_sums_dw_and_averages_db():
    X, y, X_test, y_test = blobs_experiment.load_split()
    assert len(X) == 400 and len(X_test) == 100
    history, _ = blobs_experiment.train_course(X, y, X_test, y_test, epochs=1, learning_rate=0.001)
    w, b = blobs_experiment.initial_weights()
    yhat = 1 / (1 + np.exp(-(X @ w + b)))
    np.testing.assert_allclose([history[1]["w1"], history[1]["w2"]],
                               w - 0.001 * X.T @ (yhat - y))
    assert history[1]["b"] == pytest.approx(b - 0.001 * np.mean(yhat - y))


# ------------------------------------------------------------------------------- fashion


def test_fashion_on_the_subset(fashion_dir, tmp_path):
    from benchmarks.course import fashion_experiment

    s = fashion_experiment.run(tmp_path, budget=0.1, data_dir=fashion_dir, tsne_samples=150,
                    log=lambda *a: None)
    lr = s["logistic_regression"]
    assert lr["Trouser vs Ankle boot"]["test_acc"] > 0.9
    assert lr["Trouser vs Ankle boot"]["steps"] == 10
    assert s["maps"]["all"]["n"] == 150
    assert s["dataframe"]["shape"][1] == 786
    for impl in ("scratch", "keras"):
        assert s["net"]["mlp"][impl]["status"] == "ok"
    # parity is measured against the reference (keras) and recorded on the other twin
    assert s["net"]["mlp"]["scratch"]["max_loss_diff"] < 1e-4
    assert s["net"]["mlp"]["scratch"]["step_parity"] < STEP_PARITY_TOLERANCE
    curves = pd.read_csv(tmp_path / "fashion_curves.csv")
    assert set(curves["model"]) == {"course_logreg", "mlp", "logreg"}
    for plot in s["plots"].values():
        assert (tmp_path / plot).stat().st_size > 1000
    md, html = build_course_report(tmp_path)
    text = md.read_text()
    assert "The notebook's questions" in text and "Pullover vs Coat" in text
    # a reduced budget is a smoke run: it answers none of the notebook's questions
    assert "A SMOKE RUN" in text and "its few steps answer none of them" in text
    assert "follows the maps" not in text and "What did the network change" not in text


# ------------------------------------------------------------------------------- the report


def test_report_html_embeds_every_image(course_dir):
    out, _ = course_dir
    md, html = build_course_report(out)
    md_text, html_text = md.read_text(), html.read_text()
    linked = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md_text)
    assert "blobs_boundary.gif" in linked and len(linked) == 10  # 4 blobs, 4 moons, 2 sleep
    for name in linked:
        assert (out / name).exists()
    sources = re.findall(r'<img [^>]*src="([^"]+)"', html_text)
    assert len(sources) == len(linked)
    assert all(src.startswith(("data:image/png;base64,", "data:image/gif;base64,"))
               for src in sources)
    assert "0.708957" in md_text  # the course's figure beside the measured one
    assert "`fashion` | not run" in md_text


def test_a_quick_report_is_a_smoke_run_and_draws_no_conclusions(course_dir):
    out, results = course_dir
    md, _ = build_course_report(out)
    text = md.read_text()
    assert text.startswith("# The course experiments — a smoke run")
    assert "**A SMOKE RUN** (`--quick`: a reduced budget for moons, sleep-study)" in text
    assert "Not reproduced" not in text and "**no**" not in text
    assert "A smoke run: no run is judged reproduced or not" in text
    assert text.count("— (smoke run)") == len(results["moons"]["runs"])  # none judged


# ------------------------------------------------------------------------------- command line


def test_parse_names():
    assert parse_names(["all"]) == list(EXPERIMENTS)
    assert parse_names(["sleep_study", "blobs", "blobs"]) == ["blobs", "sleep-study"]
    with pytest.raises(ConfigError, match="unknown course experiment 'nope'"):
        parse_names(["nope"])


def test_cli_unknown_experiment_is_one_line_exit_2(tmp_path, capsys):
    assert main(["course", "moons", "nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown course experiment 'nope'" in err


def test_cli_runs_one_experiment_alone(tmp_path, capsys):
    assert main(["course", "sleep-study", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "course.md").exists() and (tmp_path / "course.html").exists()
    assert (tmp_path / "sleep_study_costs.csv").exists()
    assert "1 experiment(s) run" in capsys.readouterr().out


def test_fashion_without_data_is_one_line_exit_2(no_fashion_env, tmp_path, capsys):
    assert main(["course", "fashion", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Fashion-MNIST not found" in err
    assert not (tmp_path / "course.md").exists()  # nothing ran


def test_all_without_data_skips_fashion(no_fashion_env, tmp_path):
    with pytest.raises(DataError):
        run_course(["fashion"], tmp_path, budget=0.01, log=lambda *a: None)
    result = run_course(["sleep-study", "fashion"], tmp_path, budget=0.01,
                        skip_missing_data=True, log=lambda *a: None)
    assert set(result["skipped"]) == {"fashion"}
    assert "skipped: Fashion-MNIST not found" in (tmp_path / "course.md").read_text()
