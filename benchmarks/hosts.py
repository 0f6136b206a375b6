"""Which machine measured a run: the ``host`` column of runs.csv and the host table of env.json.

A time is a figure of the machine that measured it. On one machine that is implicit; a sweep
spread over several (``kvsbench run --scheduler``, :mod:`benchmarks.distributed`) names the
host of every run, and env.json holds one fingerprint per host (``hosts``: host id → that
machine's full env record, as :func:`benchmarks.sweep.sweep_env` made it there). The rules
that follow from it:

- a time ratio is only ever computed within one experiment, so on one machine;
- absolute times are never averaged or compared across hosts: summary.csv leaves an
  experiment's absolute-time means empty when its seeds ran on several hosts, the report
  quotes absolute times per host, and ``kvsbench compare --same-machine`` requires every host
  of both sides to share one fingerprint.

A host id is the machine's host name; a second machine answering to a name already in the
table with another fingerprint gets ``name#2`` (and so on), so ids never merge two machines.
Rows written before hosts were recorded have an empty ``host``: one machine, as then.
"""

from __future__ import annotations

import json
import math
import platform
import socket
from pathlib import Path

#: env.json key of the host table
HOSTS_KEY = "hosts"


def host_name() -> str:
    """This machine's name, as its runs record it."""
    return socket.gethostname() or platform.node() or "localhost"


def _fingerprint(env: dict) -> dict:
    from benchmarks.envinfo import fingerprint

    return fingerprint(env)


def add_host(table: dict, name: str, env: dict) -> str:
    """Enter machine ``name``'s env record in ``table`` (in place) and return its host id.

    ``name`` itself when it is new or holds the same fingerprint (its record is then replaced
    by this newer one); else the first free ``name#k`` with that fingerprint or none."""
    entry = {k: v for k, v in env.items() if k != HOSTS_KEY}
    fp = _fingerprint(entry)
    candidate, k = name, 1
    while candidate in table and _fingerprint(table[candidate]) != fp:
        k += 1
        candidate = f"{name}#{k}"
    table[candidate] = entry
    return candidate


def read_host_table(out_dir) -> dict:
    """The host table of ``out_dir``'s env.json ({} when there is none, or no env.json)."""
    try:
        env = json.loads((Path(out_dir) / "env.json").read_text())
    except (OSError, ValueError):
        return {}
    return host_table(env)


def host_table(env: dict | None) -> dict:
    """``env``'s host table: host id → env record ({} for an older env.json)."""
    table = (env or {}).get(HOSTS_KEY) if isinstance(env, dict) else None
    return {k: v for k, v in table.items() if isinstance(v, dict)} if isinstance(table, dict) \
        else {}


def env_with_host(out_dir, env: dict, name: str | None = None) -> tuple[dict, str]:
    """env.json for a run on this machine: ``env`` with the host table of ``out_dir``'s
    current env.json (hosts that measured earlier runs stay) and this machine entered in it.
    Returns (env record, this machine's host id)."""
    table = read_host_table(out_dir)
    host = add_host(table, name or host_name(), env)
    return {**env, HOSTS_KEY: table}, host


def fingerprints(env: dict | None) -> list[dict]:
    """The distinct machine fingerprints (:data:`benchmarks.envinfo.FINGERPRINT_KEYS`) of the
    hosts that measured a result directory: its host table's, else env.json's own."""
    if not env:
        return []
    records = list(host_table(env).values()) or [env]
    out: list[dict] = []
    for rec in records:
        fp = _fingerprint(rec)
        if fp not in out:
            out.append(fp)
    return out


def hosts_of(runs) -> list[str]:
    """The host ids recorded in runs.csv rows ``runs`` (empty cells — runs recorded before
    hosts were — left out), in order of appearance."""
    if "host" not in runs:
        return []
    return list(dict.fromkeys(str(h) for h in runs["host"] if _named(h)))


def hosts_of_summary(summary) -> list[str]:
    """Every host named in summary.csv's ``hosts`` column (space separated per experiment)."""
    if "hosts" not in summary:
        return []
    return list(dict.fromkeys(h for v in summary["hosts"] if _named(v) for h in str(v).split()))


def _named(v) -> bool:
    """A host cell that names one (the column is text; empty cells read as NaN or NA)."""
    return isinstance(v, str) and v.strip() != ""


def per_host_speed(runs, env: dict | None) -> tuple[list[str], list[list]]:
    """The report's per-host table: per host, model and twin, the time ratios against the
    reference (geometric means over that host's runs: steady epoch — epochs after the first,
    as the verdict — and one step) and the absolute steady epoch times (medians over that
    host's runs) — absolute times never leave their host.

    Returns (header, rows); rows hold plain values (str, int, float: NaN where none).
    """
    import numpy as np
    import pandas as pd

    from benchmarks.registry import ordered, twins_of

    table = host_table(env)
    _, reference = twins_of(runs)
    header = ["host", "machine", "model", "twin", "runs", "speed per epoch",
              "speed per step", "epoch (median)", "reference epoch (median)"]
    named = runs["host"].map(_named) if "host" in runs else pd.Series(False, index=runs.index)
    groups = [(h, runs[named & (runs["host"] == h)]) for h in hosts_of(runs)]
    if not named.all():  # runs recorded before hosts were: one machine, env.json's own
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
                    ratios = [_geomean(pd.to_numeric(j["steady_epoch_seconds_ref"])
                                       / pd.to_numeric(j["steady_epoch_seconds"])),
                              _geomean(t["step_time_ratio"])]
                steady = pd.to_numeric(t["steady_epoch_seconds"], errors="coerce")
                ref_steady = pd.to_numeric(ref["steady_epoch_seconds"], errors="coerce")
                rows.append([host or "(not recorded)", machine, model, impl, len(t), *ratios,
                             float(np.nanmedian(steady)) if steady.notna().any() else math.nan,
                             float(np.nanmedian(ref_steady)) if ref_steady.notna().any()
                             else math.nan])
    return header, rows


def _geomean(values) -> float:
    import numpy as np
    import pandas as pd

    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return float(np.exp(np.log(v).mean())) if len(v) else math.nan
