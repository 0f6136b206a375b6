"""Hosts: every run names the machine that measured it, env.json holds one fingerprint per
machine, and absolute times are never pooled or compared across machines (summary, report,
`kvsbench compare --same-machine`); time ratios, measured within one run, stand."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.atomic import write_csv, write_json
from benchmarks.errors import ResultsError
from benchmarks.regressions.checks import Tolerances, compare_dirs
from benchmarks.report.summary import HOST_BOUND_FIGURES, summarize
from benchmarks.results.directory import ResultDirectory
from benchmarks.results.hosts import add_host, env_with_host, fingerprints, host_table, hosts_of
from benchmarks.results.schema import CURVE_COLUMNS, RUN_COLUMNS
from benchmarks.results.tables import read_csv
from tests.helpers import ROOT

BASELINE = ROOT / "results" / "baseline"


def test_a_host_id_never_merges_two_machines():
    table: dict = {}
    one = {"cpu_model": "A", "logical_cores": 2, "created": "t0", "hosts": {"x": {}}}
    assert add_host(table, "node", one) == "node"
    assert "hosts" not in table["node"]  # a record is one machine's, never a table
    # the same machine again (a later run): the same id, its newer record
    assert add_host(table, "node", {**one, "created": "t1"}) == "node"
    assert table["node"]["created"] == "t1"
    # another machine answering to the same name
    assert add_host(table, "node", {**one, "cpu_model": "B"}) == "node#2"
    assert add_host(table, "node", {**one, "cpu_model": "C"}) == "node#3"
    assert add_host(table, "node", {**one, "cpu_model": "B"}) == "node#2"
    assert len(fingerprints({"hosts": table})) == 3
    # kvsbench history's machine of a directory: its one machine, or the set of them
    from benchmarks.results.hosts import machine_fingerprint

    assert machine_fingerprint({"hosts": {"node": table["node"]}})["cpu_model"] == "A"
    assert machine_fingerprint({"hosts": table})["cpu_model"] == "A | B | C"
    assert machine_fingerprint({"cpu_model": "A"})["cpu_model"] == "A"


def test_a_run_keeps_the_hosts_that_measured_earlier_runs(tmp_path):
    write_json(tmp_path / "env.json", {"cpu_model": "A", "hosts": {"old": {"cpu_model": "A"}}})
    env, host = env_with_host(ResultDirectory(tmp_path), {"cpu_model": "B", "logical_cores": 8},
                              name="new")
    assert host == "new" and set(env["hosts"]) == {"old", "new"}
    assert env["cpu_model"] == "B"  # env.json's own keys: this run's machine
    assert host_table({"cpu_model": "A"}) == {} and fingerprints({"cpu_model": "A"}) == [
        {"cpu_model": "A", "logical_cores": None, "blas_library": None, "blas_threads": None,
         "blas_kernel": None}]


def test_runs_with_a_blank_host_name_no_host(tmp_path):
    runs = read_csv(BASELINE / "runs.csv", RUN_COLUMNS)
    assert runs["host"].notna().all() and len(hosts_of(runs)) == 1  # the baseline names its one
    runs["host"] = pd.NA
    write_csv(tmp_path / "runs.csv", runs[list(RUN_COLUMNS)])
    runs = read_csv(tmp_path / "runs.csv", RUN_COLUMNS)
    assert runs["host"].isna().all() and hosts_of(runs) == []
    assert summarize(runs)["hosts"].eq("").all()


@pytest.fixture
def two_hosts(tmp_path) -> Path:
    """The baseline measured twice: seed 0 on host alpha, seed 1 on host beta (another CPU)."""
    runs = read_csv(BASELINE / "runs.csv", RUN_COLUMNS)
    curves = read_csv(BASELINE / "curves.csv", CURVE_COLUMNS)
    out = tmp_path / "two"
    out.mkdir()
    frames = {"runs": [], "curves": []}
    for seed, host in ((0, "alpha"), (1, "beta")):
        for name, df in (("runs", runs), ("curves", curves)):
            d = df.copy()
            d["seed"] = seed
            d["run_id"] = d["run_id"].str.replace(".s0.", f".s{seed}.", regex=False)
            if name == "runs":
                d["host"] = host
                d["steady_epoch_seconds"] *= 1 + seed  # beta is twice as slow
            frames[name].append(d)
    write_csv(out / "runs.csv", pd.concat(frames["runs"])[list(RUN_COLUMNS)])
    write_csv(out / "curves.csv", pd.concat(frames["curves"])[list(CURVE_COLUMNS)])
    env = json.loads((BASELINE / "env.json").read_text())
    env["hosts"] = {"alpha": dict(env), "beta": {**env, "cpu_model": "Another CPU"}}
    write_json(out / "env.json", env)
    shutil.copy(BASELINE / "sweep.json", out / "sweep.json")
    return out


def test_absolute_times_of_several_hosts_are_not_averaged(two_hosts):
    s = summarize(read_csv(two_hosts / "runs.csv", RUN_COLUMNS))
    assert (s["hosts"] == "alpha beta").all() and (s["n_seeds"] == 2).all()
    for impl in ("scratch", "keras"):
        for fig in HOST_BOUND_FIGURES:
            assert s[f"{impl}_{fig}_mean"].isna().all(), (impl, fig)
        assert s[f"{impl}_test_acc_mean"].notna().all()
    # the ratios are each run's own, measured on one machine: they stand
    assert s["scratch_time_ratio_mean"].notna().all()
    assert s["scratch_steady_time_ratio_mean"].notna().all()
    one = summarize(read_csv(BASELINE / "runs.csv", RUN_COLUMNS))
    assert one["scratch_steady_epoch_seconds_mean"].notna().all()


@pytest.mark.usefixtures("no_data")  # the hosts' sections, not the data's figures
def test_the_report_says_how_many_hosts_and_quotes_times_per_host(two_hosts):
    from benchmarks.report.build import build_report

    build_report(two_hosts)
    md = (two_hosts / "report.md").read_text()
    assert "2 hosts measured these runs" in md
    hosts = md[md.index("## Hosts"):md.index("## Plots")]
    rows = [line for line in hosts.splitlines() if line.startswith("| alpha") or
            line.startswith("| beta")]
    assert len(rows) == 8  # 2 hosts × 2 models × 2 twins
    assert any("Another CPU" in r for r in rows if r.startswith("| beta"))
    twins = md[md.index("## Twins"):md.index("## Hosts")]
    assert "per host" in twins  # no median over two machines
    env_part = md[md.index("## Environment"):]
    assert "| hosts |" not in env_part


@pytest.mark.usefixtures("no_data")  # the hosts' sections, not the data's figures
def test_the_report_of_one_host_says_one(tmp_path):
    from benchmarks.report.build import build_report

    out = tmp_path / "base"
    shutil.copytree(BASELINE, out)
    # one of its experiments: the sentence is about the runs' hosts, not how many they are
    runs = read_csv(out / "runs.csv", RUN_COLUMNS)
    first = runs["experiment_id"] == runs["experiment_id"].iloc[0]
    runs["host"] = pd.NA  # runs recorded without their host
    write_csv(out / "runs.csv", runs[first][list(RUN_COLUMNS)])
    curves = read_csv(out / "curves.csv", CURVE_COLUMNS)
    write_csv(out / "curves.csv", curves[curves["experiment_id"] == runs["experiment_id"].iloc[0]]
              [list(CURVE_COLUMNS)])
    build_report(out)
    md = (out / "report.md").read_text()
    assert "## Hosts" not in md  # one machine: a sentence under Twins
    assert "The runs do not name their host" in md
    runs = read_csv(out / "runs.csv", RUN_COLUMNS)
    runs["host"] = "alpha"
    write_csv(out / "runs.csv", runs[list(RUN_COLUMNS)])
    build_report(out)
    assert "All runs were measured on one host, `alpha`" in (out / "report.md").read_text()


def test_same_machine_is_refused_for_a_sweep_over_unlike_machines(two_hosts, tmp_path):
    with pytest.raises(ResultsError, match="measured on 2 different machines"):
        compare_dirs(BASELINE, two_hosts, Tolerances(same_machine=True))
    # the same hosts with one fingerprint: absolute times compare, per experiment on one host
    env = json.loads((two_hosts / "env.json").read_text())
    env["hosts"]["beta"]["cpu_model"] = env["cpu_model"]
    write_json(two_hosts / "env.json", env)
    cmp = compare_dirs(BASELINE, two_hosts, Tolerances(same_machine=True))
    times = [r for r in cmp.rows if r.figure.endswith("steady_epoch_s")]
    assert times and all(r.verdict == "n/a" and math.isnan(r.current) for r in times)
    assert not cmp.regressed
