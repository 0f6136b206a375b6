"""The report's hosts: how many machines measured a result directory and, with several, the
time ratios and absolute epoch times per host (absolute times never leave their host;
:mod:`benchmarks.results.hosts` says why).

Host names and env.json values are untrusted: they enter the report through
:func:`benchmarks.report.document.text` or ``code``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmarks.report.document import Heading, Para, Table, code, text
from benchmarks.report.fmt import fmt_ratio, fmt_seconds, plural
from benchmarks.report.summary import twin_text
from benchmarks.results.hosts import host_table, hosts_of, names_a_host
from benchmarks.twins.registry import ordered, twins_of

HEADER = ["host", "machine", "model", "twin", "runs", "speed per epoch", "speed per step",
          "epoch (median)", "reference epoch (median)"]


def hosts_of_summary(summary) -> list[str]:
    """Every host named in summary.csv's ``hosts`` column (space separated per experiment)."""
    if "hosts" not in summary:
        return []
    return list(dict.fromkeys(h for v in summary["hosts"] if names_a_host(v)
                              for h in str(v).split()))


def hosts_blocks(runs, env: dict | None) -> list:
    """How many machines measured the runs: one sentence for one; for several, a Hosts section
    with, per host, model and twin, the time ratios and the absolute epoch times measured
    there."""
    hosts = hosts_of(runs)
    if len(hosts) <= 1:
        return [Para(f"All runs were measured on one host, {code(hosts[0])} (its fingerprint: "
                     "env.json `hosts`)." if hosts else "The runs do not name their host "
                     "(recorded before kvsbench named hosts): one machine, env.json's.")]
    intro = (f"{plural(len(hosts), 'host')} measured these runs. A time ratio is measured "
             "within one experiment, so on one machine; absolute times are quoted per host, "
             "never averaged across hosts (`host` in runs.csv; env.json `hosts` holds each "
             "machine's fingerprint).")
    cells = [[text(host), text(machine), text(model), twin_text(impl), str(k), fmt_ratio(r),
              fmt_ratio(rs), fmt_seconds(t), fmt_seconds(tr)]
             for host, machine, model, impl, k, r, rs, t, tr in per_host_speed(runs, env)]
    return [Heading(2, "Hosts"), Para(intro), Table(HEADER, cells, "llllrrrrr")]


def per_host_speed(runs, env: dict | None) -> list[list]:
    """Rows of :data:`HEADER`: per host, model and twin, the time ratios against the
    reference (geometric means over that host's runs: steady epoch — epochs after the first,
    as the verdict — and one step) and the absolute steady epoch times (medians over that
    host's runs). Plain values (str, int, float: NaN where none)."""
    table = host_table(env)
    _, reference = twins_of(runs)
    named = runs["host"].map(names_a_host) if "host" in runs else pd.Series(False, runs.index)
    groups = [(h, runs[named & (runs["host"] == h)]) for h in hosts_of(runs)]
    if not named.all():  # runs that name no host (results/baseline/): one machine, env.json's
        groups.append(("", runs[~named]))
    rows = []
    for host, on_host in groups:
        rec = table.get(host) or ({} if host else (env or {}))
        machine = (f"{rec.get('cpu_model', '?')}, {rec.get('logical_cores', '?')} cores"
                   if rec else "—")
        for model in dict.fromkeys(on_host["model"]):
            m = on_host[(on_host["model"] == model) & (on_host["status"] == "ok")]
            ref = m[m["impl"] == reference] if reference else m.iloc[0:0]
            for impl in ordered(set(m["impl"])):
                t = m[m["impl"] == impl]
                ratios = [math.nan, math.nan]
                if reference and impl != reference:  # paired by run: one machine each
                    j = t.merge(ref, on=["experiment_id", "seed"], suffixes=("", "_ref"))
                    ratios = [_geomean(pd.to_numeric(j["steady_epoch_seconds_ref"],
                                                     errors="coerce")
                                       / pd.to_numeric(j["steady_epoch_seconds"],
                                                       errors="coerce")),
                              _geomean(t["step_time_ratio"])]
                rows.append([host or "(not recorded)", machine, model, impl, len(t), *ratios,
                             _median(t["steady_epoch_seconds"]),
                             _median(ref["steady_epoch_seconds"])])
    return rows


def _median(values) -> float:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    return float(np.median(v)) if len(v) else math.nan


def _geomean(values) -> float:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.log(v).mean())) if len(v) else math.nan
