"""A newcomer's path (issue 29): tests find the data as the CLI does; the terminal and the
report say what the data is; the verdict's numbers say what they are (a labelled mean, a size
per pair, integers as integers) and why a cell is empty; the command line's edges (no
abbreviations, one-line errors, help without "%%", --threads bounded); progress off a terminal;
compare refuses different data instead of calling it a regression."""

from __future__ import annotations

import io
import json
import math
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.atomic import write_csv
from benchmarks.cli import build_parser, main
from benchmarks.config import ExperimentConfig, parse_threads
from benchmarks.errors import ConfigError, ResultsError
from benchmarks.results.rows import config_columns
from benchmarks.results.schema import RUN_COLUMNS
from tests.helpers import ROOT, write_tiny_fashion

BASE = ExperimentConfig(pair="pullover:coat", epochs=5, batch_size=64)


def run_row(config, impl, n_train=840, test_acc=0.9, max_loss_diff=2e-7, step_ratio=2.0,
            seed=0) -> dict:
    row = {c: math.nan for c in RUN_COLUMNS}
    row.update(
        run_id=replace(config, seed=seed).run_id(impl), experiment_id=config.experiment_id,
        impl=impl, **{**config_columns(config), "seed": seed}, n_train=n_train, n_val=280,
        n_test=280, epochs_run=config.epochs, status="ok", train_loss=0.3, train_acc=0.9,
        val_loss=0.3, val_acc=0.9, test_loss=0.3, test_acc=test_acc, fit_seconds=0.05,
        first_epoch_seconds=0.01, steady_epoch_seconds=0.01, setup_seconds=0.0,
        samples_per_second=1e4, max_loss_diff=max_loss_diff, time_ratio=3.0,
        step_time_ratio=step_ratio, reference="keras",
    )
    return row


def summary_of(rows):
    from benchmarks.report.summary import summarize

    return summarize(pd.DataFrame(rows)[list(RUN_COLUMNS)])


# ----------------------------------------------------------------------------- item 4: data
def test_tests_find_the_data_in_the_keras_cache_as_kvsbench_data_path_does(
        no_fashion_env, capsys):
    from benchmarks.suites.common import find_data

    write_tiny_fashion(no_fashion_env)
    source = find_data()  # what the fashion_dir fixture returns
    assert source is not None and source.directory == no_fashion_env.resolve()
    assert main(["data", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(source.directory)


def test_without_any_copy_the_data_tests_skip_saying_where_to_put_one(no_fashion_env):
    from benchmarks.suites.common import SKIP_REASON, find_data

    assert find_data() is None
    assert "Keras cache" in SKIP_REASON and "kvsbench data import" in SKIP_REASON


# ----------------------------------------------------------------------------- item 2: data kind
def test_data_kind_comes_from_the_official_md5s(make_idx_dir, monkeypatch, tmp_path):
    from benchmarks.data import data_kind, data_provenance
    from benchmarks.data import files as data_files
    from benchmarks.data.command import inspect_dir
    from benchmarks.data.idx import file_digest
    from benchmarks.data.standin import make_standin

    tiny = make_idx_dir("tiny")
    assert data_kind(tiny) == "subset"
    assert data_provenance(tiny)["kind"] == "subset"
    official = {p.name: file_digest(p, "md5") for p in tiny.iterdir()}
    monkeypatch.setattr(data_files, "OFFICIAL_MD5", official)  # these files ARE the official
    assert data_kind(tiny) == "official"
    assert all(r["official"] for r in inspect_dir(tiny))  # kvsbench data verify agrees
    standin = make_standin(tiny, tmp_path / "standin", 3, 2)
    assert data_kind(standin) == "standin"


@pytest.mark.parametrize(("kind", "protocol", "says", "never"), [
    ("subset", "official", "not the official test set", "the official test images"),
    ("subset", "seed", "not the official test set", "the official test images"),
    ("official", "official", "the official test images", "not the official"),
    ("official", "seed", "not the official test set", "MD5s differ"),
])
def test_the_data_note_says_what_the_test_split_is(kind, protocol, says, never):
    from benchmarks.report.datanote import data_note

    note = data_note({"data": {"kind": kind, "timing_only": False}}, protocol)
    assert says in note and never not in note


def test_a_stand_in_is_timing_only_and_an_old_env_says_nothing():
    from benchmarks.report.datanote import data_note

    assert data_note({"data": {"timing_only": True}}, "seed").startswith("TIMING-ONLY")
    assert data_note({"data": {"timing_only": False}}, "seed") is None  # kind not recorded
    assert data_note(None, "seed") is None


def test_terminal_says_what_the_data_is_and_marks_timing_only_accuracies(capsys):
    from benchmarks.report.datanote import data_note
    from benchmarks.report.terminal import print_verdict
    from benchmarks.report.verdict import verdict_notes, verdict_table

    rows = [run_row(BASE, "scratch", test_acc=1.0), run_row(BASE, "keras", test_acc=1.0)]
    summary = summary_of(rows)
    env = {"data": {"timing_only": True}}
    print_verdict({"verdict_table": verdict_table(summary, timing_only=True), "verdict": [],
                   "verdict_notes": verdict_notes(summary), "failures": [],
                   "data_note": data_note(env, "seed"),
                   "report_html": "r.html", "report_md": "r.md"})
    out = capsys.readouterr().out
    assert "TIMING-ONLY data" in out
    header = next(line for line in out.splitlines() if line.startswith("model"))
    assert "twin test acc (timing-only)" in header


# ----------------------------------------------------------------------------- item 5: numbers
def test_verdict_labels_a_mean_and_gives_the_size_per_pair():
    from benchmarks.report.verdict import verdict_items, verdict_table

    other = replace(BASE, pair="trouser:ankle-boot")
    rows = [run_row(BASE, "scratch", 1105, 0.8034), run_row(BASE, "keras", 1105, 0.8034),
            run_row(other, "scratch", 1170, 1.0), run_row(other, "keras", 1170, 1.0)]
    summary = summary_of(rows)
    table = verdict_table(summary)
    assert "twin test acc (mean of 2)" in table.headers
    assert "speed per epoch at 1,105–1,170 images" in table.headers
    assert not any("1,137" in h for h in table.headers)  # the mean of two sizes is no size
    items = " ".join(verdict_items(pd.DataFrame(rows), summary))
    assert "1,105–1,170 training images per pair" in items


def test_one_experiment_has_no_mean_label_and_one_size():
    from benchmarks.report.verdict import verdict_table

    table = verdict_table(summary_of([run_row(BASE, "scratch"), run_row(BASE, "keras")]))
    assert "twin test acc" in table.headers and "speed per epoch at 840 images" in table.headers


# ----------------------------------------------------------------------------- item 7: reasons
def test_the_terminal_says_why_a_cell_is_empty_or_does_not_match():
    from benchmarks.report.verdict import verdict_notes

    rows = [run_row(BASE, "scratch", step_ratio=math.nan, max_loss_diff=0.02),
            run_row(BASE, "keras", step_ratio=math.nan)]
    for r in rows:
        r["impl"] = "torch" if r["impl"] == "scratch" else "keras"
        r["run_id"] = r["run_id"].replace(".scratch", ".torch")
    notes = verdict_notes(summary_of(rows))
    assert any("DOES NOT MATCH: different rule: ε outside the root (PyTorch's Adam adds ε"
               in n for n in notes), notes
    assert any("speed per step —: too few timed calls per epoch" in n for n in notes), notes
    full = replace(BASE, batch_size=None)
    notes = verdict_notes(summary_of([run_row(full, "scratch", step_ratio=math.nan),
                                      run_row(full, "keras", step_ratio=math.nan)]))
    assert notes == ["scratch on logreg: speed per step —: full batch (one step per epoch: "
                     "nothing between steps to time)"]


# ----------------------------------------------------------------------------- item 9: integers
def test_seeds_and_seed_are_integers_in_the_report(tmp_path):
    from benchmarks.report.build import build_report

    rows = [run_row(BASE, i, seed=s) for s in (0, 1) for i in ("scratch", "keras")]
    for r in rows:
        r["slow_epochs"] = "3"
    out = tmp_path / "out"
    out.mkdir()
    frame = pd.DataFrame(rows)[list(RUN_COLUMNS)]
    frame["seed"] = frame["seed"].astype(float)  # as a runs.csv with a gap reads
    write_csv(out / "runs.csv", frame)
    from benchmarks.results.schema import CURVE_COLUMNS

    write_csv(out / "curves.csv", pd.DataFrame(columns=list(CURVE_COLUMNS)))
    build_report(out)
    md = (out / "report.md").read_text()
    assert "| seeds | 2 (seeds 0, 1) |" in md
    assert "seed 0: epochs 3" in md and "seed 0.0" not in md and "1.0:" not in md


# ----------------------------------------------------------------------------- item 7: the CLI
def _parsers():
    parser = build_parser()
    sub = parser._subparsers._group_actions[0]
    yield "kvsbench", parser
    for name, p in sub.choices.items():
        yield f"kvsbench {name}", p
        for action in p._actions:
            if isinstance(action, type(sub)):
                for inner, q in action.choices.items():
                    yield f"kvsbench {name} {inner}", q


def test_every_help_is_free_of_double_percent_and_takes_no_abbreviations():
    seen = 0
    for name, parser in _parsers():
        assert "%%" not in parser.format_help(), name
        assert parser.allow_abbrev is False, name
        seen += 1
    assert seen >= 10


def test_run_help_shows_the_threads_default():
    run = dict(_parsers())["kvsbench run"]
    text = " ".join(run.format_help().split())
    assert "more than its cores is refused" in text and "(default: 1)" in text.split(
        "--threads N|all")[2]


@pytest.mark.parametrize(("argv", "says", "hint"), [
    (["run", "--impls", "pytorch"], "must name registered twins", "kvsbench twins lists"),
    (["run", "--epoch", "5"], "unrecognized arguments: --epoch 5", "--help"),
    (["compare", "a", "b", "--same"], "unrecognized arguments: --same", "--help"),
])
def test_an_argument_error_is_one_line_without_the_usage(argv, says, hint, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit; kvsbench's return 2
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert says in err and "usage:" not in err and hint in err


def test_threads_above_the_core_count_are_refused_in_one_line(monkeypatch, capsys):
    assert parse_threads("2", cores=2) == 2 and parse_threads("all", cores=2) == 0
    with pytest.raises(ConfigError, match="must be at most 2, the cores of this machine"):
        parse_threads("99", cores=2)
    assert parse_threads("99", cores=0) == 99  # a remote Dask cluster: not this machine's cores
    import benchmarks.config as config

    monkeypatch.setattr(config, "machine_cores", lambda: 2)
    assert main(["run", "--threads", "99", "--out", "/nonexistent/never"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Received: --threads=99" in err


# ----------------------------------------------------------------------------- item 8: progress
class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


class _Result:
    status, test_acc, fit_seconds = "ok", 0.975, 1.25


@pytest.mark.parametrize("tty", [False, True])
def test_progress_is_a_line_per_experiment_in_a_log_and_loss_per_twin_on_a_terminal(tty):
    from benchmarks.harness.progress import SweepProgress

    stream = _Stream(tty)
    todo = [replace(BASE, epochs=2), replace(BASE, epochs=2, model="mlp")]
    progress = SweepProgress(todo, ("scratch", "keras"), stream=stream)
    for config in todo:
        progress.start(config)
        for epoch in range(2):
            for impl in ("scratch", "keras"):
                progress.epoch(impl, epoch, {"loss": 0.25 - epoch / 10, "accuracy": 0.9})
        progress.finished(config, {"scratch": _Result(), "keras": _Result()})
    progress.close()
    out = stream.getvalue()
    if tty:
        assert "scratch loss 0.1500 acc 0.9000 | Keras loss 0.1500 acc 0.9000" in out
        assert "[1/2]" not in out
    else:
        lines = out.splitlines()
        assert len(lines) == 2 and lines[1].startswith("kvsbench: [2/2] mlp pullover:coat")
        assert "Keras ok, loss 0.1500 acc 0.9000, test acc 0.9750, 1.2 s" in lines[1]


def test_quiet_progress_says_nothing():
    from benchmarks.harness.progress import SweepProgress

    stream = _Stream(False)
    progress = SweepProgress([BASE], ("scratch",), quiet=True, stream=stream)
    progress.start(BASE)
    progress.epoch("scratch", 0, {"loss": 0.1, "accuracy": 1.0})
    progress.finished(BASE, {"scratch": _Result()})
    assert stream.getvalue() == ""


# ----------------------------------------------------------------------------- item 3: compare
def _side(path: Path, n_train=840, env=None, sweep=None) -> Path:
    path.mkdir(parents=True)
    rows = [run_row(BASE, "scratch", n_train), run_row(BASE, "keras", n_train)]
    write_csv(path / "runs.csv", pd.DataFrame(rows)[list(RUN_COLUMNS)])
    (path / "env.json").write_text(json.dumps(env or {}))
    if sweep is not None:
        (path / "sweep.json").write_text(json.dumps(sweep))
    return path


def _standin_env(source: str) -> dict:
    return {"data": {"timing_only": True, "standin": {"source_sha256": {"a": source}}}}


def test_different_data_is_not_comparable_exit_2_with_what_to_do(tmp_path, capsys):
    base = _side(tmp_path / "base", 7200, _standin_env("x"))
    cur = _side(tmp_path / "cur", 877, {"data": {"kind": "subset", "timing_only": False}})
    assert main(["compare", str(base), str(cur)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not comparable" in err and "REGRESS" not in err
    assert f"kvsbench run --like {base} --out DIR" in err


@pytest.mark.parametrize(("cur_env", "cur_sweep", "why"), [
    ({"data": {"kind": "official", "timing_only": False}}, None, "subset data there, official"),
    ({"data": {"kind": "subset", "timing_only": False}}, {"data": {"sha1": "bbb"}},
     "fingerprint aaa there, bbb here"),
])
def test_same_sizes_on_other_data_are_not_comparable(tmp_path, cur_env, cur_sweep, why):
    from benchmarks.regressions.checks import compare_dirs

    base = _side(tmp_path / "base", env={"data": {"kind": "subset", "timing_only": False}},
                 sweep={"settings": {}, "data": {"sha1": "aaa"}})
    cur = _side(tmp_path / "cur", env=cur_env, sweep=cur_sweep)
    with pytest.raises(ResultsError, match=why):
        compare_dirs(base, cur)


def test_stand_ins_from_other_files_compare_in_speed_not_accuracy(tmp_path):
    from benchmarks.regressions.checks import compare_dirs

    base = _side(tmp_path / "base", 7200, _standin_env("x"))
    cur = _side(tmp_path / "cur", 7200, _standin_env("y"))
    runs = pd.read_csv(cur / "runs.csv")
    runs["test_acc"] = 0.5  # another source's repeats: another "accuracy", meaning nothing
    write_csv(cur / "runs.csv", runs)
    cmp = compare_dirs(base, cur)
    assert not cmp.regressed and not cmp.accuracy_compares
    acc = [r for r in cmp.rows if r.figure.endswith("test_acc")]
    assert acc and all(r.verdict == "n/a (stand-ins made from other files)" for r in acc)
    shutil.rmtree(cur)
    cur = _side(tmp_path / "cur", 7200, _standin_env("x"))
    assert compare_dirs(base, cur).accuracy_compares


# ----------------------------------------------------------------------------- item 3: --like
def test_like_makes_the_baselines_stand_in_again_from_the_data_found(
        make_idx_dir, tmp_path, monkeypatch):
    from benchmarks.data import data_provenance
    from benchmarks.data.standin import make_standin
    from benchmarks.harness.rerun import recorded_sweep

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("KVSBENCH_STANDIN", raising=False)
    subset = make_idx_dir("subset")
    original = make_standin(subset, tmp_path / "orig", 4, 2)
    base = tmp_path / "base"
    base.mkdir()
    (base / "sweep.json").write_text(json.dumps({
        "settings": {k: v for k, v in BASE.to_dict().items() if k not in ("pair", "model",
                                                                           "seed")},
        "impls": ["scratch", "keras"], "reference": "keras", "threads": 1,
        "pairs": ["pullover:coat"], "models": ["logreg"], "seeds": 1}))
    (base / "env.json").write_text(json.dumps({"data": data_provenance(original)}))
    said = []
    sweep = recorded_sweep(base, data_dir=str(subset), log=said.append)
    rebuilt = Path(sweep.data_dir)
    assert rebuilt == (tmp_path / "cache" / "kvsbench" / "standin-4-2").resolve()
    assert data_provenance(rebuilt)["timing_only"] is True
    for stem in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        assert (rebuilt / stem).read_bytes() == (original / stem).read_bytes()
    assert len(said) == 1 and "timing-only stand-in" in said[0] and "other source" not in said[0]
    other = make_idx_dir("other", seed=7)
    said.clear()
    recorded_sweep(base, data_dir=str(other), log=said.append)
    assert "from other source files than its own: its times compare" in said[0]


def test_like_on_a_directory_made_on_real_data_keeps_the_data_given(tmp_path):
    from benchmarks.harness.rerun import recorded_sweep

    base = tmp_path / "base"
    base.mkdir()
    (base / "sweep.json").write_text(json.dumps({
        "settings": {"epochs": 2}, "impls": ["scratch"], "pairs": ["pullover:coat"],
        "models": ["logreg"], "seeds": 1}))
    (base / "env.json").write_text(json.dumps({"data": {"kind": "subset",
                                                        "timing_only": False}}))
    assert recorded_sweep(base, data_dir="/some/dir").data_dir == "/some/dir"


@pytest.mark.slow
def test_the_committed_baseline_compares_with_a_like_run(fashion_dir, tmp_path, monkeypatch,
                                                         capsys):
    """The acceptance: `kvsbench run --like results/baseline --out X` then `kvsbench compare
    results/baseline X` exits 0 on an unchanged checkout (the baseline is a stand-in): the
    same data, the same experiments, identical accuracies and parity. The speed gate is opened
    wide (--ratio-tol 0.99): this test runs beside others on shared cores, where Keras' many
    short steps and scratch's epochs are slowed unequally (measured: the mlp ratio fell 35 %
    at load average 15); the speed verdict has its own tests (test_compare.py, docs/ci.md)."""
    monkeypatch.setenv("KVSBENCH_STANDIN", str(tmp_path / "standin"))
    out = tmp_path / "like"
    assert main(["run", "--like", str(ROOT / "results" / "baseline"), "--quiet", "--data-dir",
                 str(fashion_dir), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["compare", str(ROOT / "results" / "baseline"), str(out),
                 "--ratio-tol", "0.99"]) == 0
    assert "4 of 4 baseline experiment(s) compared; no regression" in capsys.readouterr().out
