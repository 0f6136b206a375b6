"""One reader of a result directory, one error policy (benchmarks/results/directory.py).

The same damaged env.json or sweep.json gives the same one-line ResultsError from the report,
compare, history, ``run --like`` and a run into the directory (before anything is written);
an absent optional file is None; each file is read once (and again only when it changed on
disk); a sweep reads and checks sweep.json once per run. Also: the config crosses the worker
pipe as itself (the worker's ``build`` re-parses nothing).
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.atomic import write_csv
from benchmarks.config import ExperimentConfig
from benchmarks.errors import ResultsError
from benchmarks.results import directory as directory_module
from benchmarks.results.directory import ResultDirectory, open_result_dir
from benchmarks.results.schema import CURVE_COLUMNS, RUN_COLUMNS
from tests.helpers import run_cli, run_row

CONFIG = ExperimentConfig(model="logreg", pair="trouser:ankle-boot", epochs=3)
EXP = CONFIG.experiment_id


def good_dir(path: Path) -> Path:
    """A whole result directory of one experiment (scratch against keras, 3 epochs)."""
    path.mkdir(parents=True)
    runs = [run_row(EXP, impl, run_id=CONFIG.run_id(impl)) for impl in ("scratch", "keras")]
    curves = [{**{c: float("nan") for c in CURVE_COLUMNS}, "run_id": r["run_id"],
               "experiment_id": EXP, "impl": r["impl"], "model": "logreg",
               "pair": "trouser:ankle-boot", "optimizer": "adam", "lr": 0.001,
               "batch_size": "32", "seed": 0, "epoch": e, "train_loss": 0.3,
               "epoch_seconds": 0.25, "cumulative_seconds": 0.25 * (e + 1)}
              for r in runs for e in range(3)]
    write_csv(path / "runs.csv", pd.DataFrame(runs)[list(RUN_COLUMNS)])
    write_csv(path / "curves.csv", pd.DataFrame(curves)[list(CURVE_COLUMNS)])
    settings = {k: v for k, v in CONFIG.to_dict().items() if k not in ("pair", "model", "seed")}
    (path / "sweep.json").write_text(json.dumps({
        "settings": {**settings, "target_acc": None, "threads": 1},
        "impls": ["scratch", "keras"], "reference": "keras", "threads": 1,
        "pairs": ["trouser:ankle-boot"], "models": ["logreg"], "seeds": 1, "data": None}))
    (path / "env.json").write_text(json.dumps({"cpu_model": "Test CPU", "logical_cores": 2}))
    return path


def _fifo(path: Path) -> None:
    os.mkfifo(path)


#: (file, how it is damaged, what the one line must say)
DAMAGE = [
    ("env.json", lambda p: p.write_text("[1, 2]"),
     "is not a kvsbench env.json (not a JSON object)"),
    ("env.json", lambda p: p.write_text("{not json"), "is not valid JSON"),
    ("env.json", _fifo, "is a named pipe (FIFO), not a regular file"),
    ("env.json", lambda p: p.write_bytes('{"a": 1}'.encode("utf-16")), "is UTF-16 text"),
    ("sweep.json", lambda p: p.write_text('"settings"'),
     "is not a kvsbench sweep.json (not a JSON object)"),
    ("sweep.json", lambda p: p.write_text('{"settings": [1]}'),
     "is not a kvsbench sweep.json (its `settings` is not an object)"),
    ("sweep.json", lambda p: p.mkdir(), "is a directory, not a regular file"),
]


@pytest.mark.parametrize("name, damage, says", DAMAGE,
                         ids=[f"{n}-{s.split('(')[-1][:20]}" for n, _, s in DAMAGE])
def test_the_same_damaged_file_is_the_same_one_line_for_every_reader(
        tmp_path, capsys, name, damage, says):
    good = good_dir(tmp_path / "good")
    bad = good_dir(tmp_path / "bad")
    (bad / name).unlink()
    damage(bad / name)
    commands = {
        "report": ["report", bad],
        "compare": ["compare", good, bad],
        "history": ["history", good, bad, "--out", tmp_path / "history"],
        "--like": ["run", "--like", bad, "--out", tmp_path / "like"],
        "run into it": ["run", "--pairs", "trouser:ankle-boot", "--models", "logreg",
                        "--epochs", "3", "--protocol", "seed", "--impls", "scratch", "keras",
                        "--out", bad],
    }
    before = sorted(p.name for p in bad.iterdir()) + [".kvsbench.lock"]  # the report's lock
    lines = {}
    for what, argv in commands.items():
        code, out, err = run_cli(capsys, *argv)
        assert code == 2, (what, out, err)
        assert len(err.strip().splitlines()) == 1, (what, err)
        lines[what] = err.strip()
    assert len(set(lines.values())) == 1, lines
    line = lines["report"]
    assert line.startswith("kvsbench: error: ") and str(bad / name) in line and says in line
    assert "Traceback" not in line
    assert not (tmp_path / "like").exists()
    assert sorted(p.name for p in bad.iterdir()) == sorted(before)  # nothing else written


def test_an_absent_optional_file_is_none_and_the_tables_are_read(tmp_path):
    d = ResultDirectory(good_dir(tmp_path / "r"))
    (d.path / "env.json").unlink()
    (d.path / "sweep.json").unlink()
    assert d.env is None and d.sweep is None and d.pinned_settings() is None
    assert sorted(d.runs["impl"]) == ["keras", "scratch"]
    assert len(d.curves) == 6 and d.curves["epoch"].tolist() == [0, 1, 2] * 2
    (d.path / "curves.csv").unlink()
    assert ResultDirectory(d.path).curves is None


def test_a_sweep_json_without_settings_is_refused_where_they_are_needed(tmp_path):
    path = good_dir(tmp_path / "r")
    (path / "sweep.json").write_text('{"data": {"sha1": "aaa"}}')
    d = ResultDirectory(path)
    assert d.sweep == {"data": {"sha1": "aaa"}}  # compare reads only its data
    with pytest.raises(ResultsError, match=r"sweep.json is not a kvsbench sweep.json \(no "
                                           r"`settings` object\)"):
        d.pinned_settings()


def test_each_file_is_read_once_and_again_only_when_it_changed(tmp_path, monkeypatch):
    path = good_dir(tmp_path / "r")
    reads = []
    real = directory_module.read_json
    monkeypatch.setattr(directory_module, "read_json", lambda p: reads.append(p) or real(p))
    d = ResultDirectory(path)
    for _ in range(3):
        assert d.env["cpu_model"] == "Test CPU"
    assert reads == [path / "env.json"]
    (path / "env.json").write_text(json.dumps({"cpu_model": "Other CPU, longer"}))
    assert d.env["cpu_model"] == "Other CPU, longer"  # rewritten by another writer: read again
    assert reads == [path / "env.json"] * 2


def test_a_run_reads_and_checks_sweep_json_once(tmp_path, monkeypatch):
    """Planning (twice checked: before and after the data is found) and pinning under the
    lock read the directory's sweep.json once."""
    from benchmarks.harness.sweep import Sweep, pin_sweep, plan_sweep

    path = good_dir(tmp_path / "r")
    reads = []
    real = directory_module.read_json
    monkeypatch.setattr(directory_module, "read_json", lambda p: reads.append(p.name) or real(p))
    sweep = Sweep(base=CONFIG, pairs=("trouser:ankle-boot",), models=("logreg",),
                  impls=("scratch", "keras"), reference="keras")
    plan = plan_sweep(sweep, path, log=lambda msg: None)
    assert plan.todo == [] and plan.skipped == 1  # every run is recorded: nothing to train
    pin_sweep(sweep, path, plan, log=lambda msg: None)
    assert reads.count("sweep.json") == 1


def test_a_directory_pinned_by_another_run_meanwhile_is_checked_again(tmp_path):
    """Between planning and pinning another kvsbench pinned other settings: the pin (under the
    lock) sees sweep.json changed on disk, reads it again and refuses the run."""
    from benchmarks.harness.sweep import Sweep, pin_sweep, plan_sweep, sweep_record

    path = good_dir(tmp_path / "r")
    (path / "sweep.json").unlink()
    sweep = Sweep(base=CONFIG, pairs=("trouser:ankle-boot",), models=("logreg",),
                  impls=("scratch", "keras"), reference="keras")
    plan = plan_sweep(sweep, path, log=lambda msg: None)
    other = Sweep(base=ExperimentConfig(model="logreg", epochs=5), impls=("scratch", "keras"))
    (path / "sweep.json").write_text(json.dumps(sweep_record(other)))
    with pytest.raises(ResultsError, match=r"another config \(epochs=5 there vs 3 now\)"):
        pin_sweep(sweep, path, plan, log=lambda msg: None)


def test_a_run_into_a_directory_of_another_config_names_the_difference(tmp_path):
    from benchmarks.harness.sweep import Sweep, plan_sweep

    path = good_dir(tmp_path / "r")
    sweep = Sweep(base=ExperimentConfig(model="logreg", epochs=4), impls=("scratch", "keras"))
    with pytest.raises(ResultsError, match=r"holds results of another config \(epochs=3 there "
                                           r"vs 4 now\)"):
        plan_sweep(sweep, path, log=lambda msg: None)


def test_a_hidden_units_tuple_matches_its_pinned_list(tmp_path):
    """sweep.json holds a tuple of widths as a JSON list: the same settings, not a change."""
    from benchmarks.harness.sweep import Sweep, check_out_dir, sweep_record

    base = ExperimentConfig(model="mlp", hidden_units=(5, 2), epochs=3)
    sweep = Sweep(base=base, impls=("scratch", "keras"))
    (tmp_path / "sweep.json").write_text(json.dumps(sweep_record(sweep)))
    assert check_out_dir(ResultDirectory(tmp_path), sweep) is None
    other = Sweep(base=ExperimentConfig(model="mlp", hidden_units=(5, 3), epochs=3),
                  impls=("scratch", "keras"))
    with pytest.raises(ResultsError, match=r"hidden_units=\[5, 2\] there vs \[5, 3\] now"):
        check_out_dir(ResultDirectory(tmp_path), other)


@pytest.mark.parametrize("make, says", [
    (lambda p: None, "does not exist"),
    (lambda p: p.write_text("x"), "is not a directory"),
    (lambda p: p.mkdir(), "has no runs.csv: it is not a kvsbench result directory"),
])
def test_a_place_that_is_no_result_directory_is_one_line(tmp_path, make, says):
    make(tmp_path / "x")
    with pytest.raises(ResultsError, match=says):
        open_result_dir(tmp_path / "x")


def test_a_directory_with_no_runs_yet_says_so(tmp_path):
    path = good_dir(tmp_path / "r")
    write_csv(path / "runs.csv", pd.DataFrame(columns=list(RUN_COLUMNS)))
    with pytest.raises(ResultsError, match="holds no runs yet: run `kvsbench run --out"):
        open_result_dir(path).recorded_runs()


def test_the_worker_builds_from_the_config_object_itself(monkeypatch):
    """The parent sends the ExperimentConfig (pickled by the pipe); the worker's ``build``
    takes it as it is — validated once, where it was made — and never re-parses a dict."""
    from benchmarks.harness.serving import Serving

    def reparsed(cls, d):
        raise AssertionError("the worker re-parsed the config from a dict")

    monkeypatch.setattr(ExperimentConfig, "from_dict", classmethod(reparsed))

    class Recorder:
        setup_seconds = 0.0

        def __init__(self, config, weights, n_train):
            self.config, self.n_train = config, n_train

    cfg = ExperimentConfig(model="mlp", hidden_units=(5, 2), batch_size=None, epochs=2,
                           schedule="staircase", decay_interval=2)
    serving = Serving(Recorder)
    serving.arrays = {"X_train": np.zeros((10, 784), np.float32),
                      "y_train": np.zeros(10, np.float32)}
    serving.build(config=pickle.loads(pickle.dumps(cfg)), weights=[])
    assert type(serving.twin.config) is ExperimentConfig and serving.twin.config == cfg
    assert serving.twin.config.hidden_units == (5, 2) and serving.twin.n_train == 10
    assert len(serving.orders) == 2 and sorted(serving.orders[0]) == list(range(10))
