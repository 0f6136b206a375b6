"""Which machine measured a run: the ``host`` column of runs.csv and the host table of env.json.

A time is a figure of the machine that measured it. On one machine that is implicit; a sweep
spread over several (``kvsbench run --scheduler``, :mod:`benchmarks.engines.dask_sweep`)
names the host of every run, and env.json holds one fingerprint per host (``hosts``: host id →
that machine's full env record, as :func:`benchmarks.harness.sweep.sweep_env` made it there).
This is the result directory's schema — runs.csv's ``host`` column, env.json's host table, the
fingerprint that says whether two records are one machine — so it lives with the result
directory, read through :class:`~benchmarks.results.directory.ResultDirectory`; the harness
and the Dask engine write it, the summary, report, compare and history read it.
The rules that follow from it:

- a time ratio is only ever computed within one experiment, so on one machine;
- absolute times are never averaged or compared across hosts: summary.csv leaves an
  experiment's absolute-time means empty when its seeds ran on several hosts, the report
  quotes absolute times per host (:mod:`benchmarks.report.host_section`), and ``kvsbench compare
  --same-machine`` requires every host of both sides to share one fingerprint.

A host id is the machine's host name; a second machine answering to a name already in the
table with another fingerprint gets ``name#2`` (and so on), so ids never merge two machines.
Rows written before hosts were recorded have an empty ``host``: one machine, as then.
"""
from __future__ import annotations

import json
import platform
import socket

from benchmarks.results.directory import ResultDirectory

#: env.json key of the host table
HOSTS_KEY = "hosts"
#: the env.json keys that must agree for absolute times to be comparable
FINGERPRINT_KEYS = ("cpu_model", "logical_cores", "blas_library", "blas_threads", "blas_kernel")


def host_name() -> str:
    """This machine's name, as its runs record it."""
    return socket.gethostname() or platform.node() or "localhost"


def fingerprint(env: dict) -> dict:
    """The part of ``env`` that must agree for absolute times to be comparable; a value that
    is not a number or a string (a list in an edited env.json) as its JSON text, so that a
    fingerprint can always be compared and hashed."""
    return {k: _scalar(env.get(k)) for k in FINGERPRINT_KEYS}


def _scalar(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def add_host(table: dict, name: str, env: dict) -> str:
    """Enter machine ``name``'s env record in ``table`` (in place) and return its host id.

    ``name`` itself when it is new or holds the same fingerprint (its record is then replaced
    by this newer one); else the first free ``name#k`` with that fingerprint or none."""
    entry = {k: v for k, v in env.items() if k != HOSTS_KEY}
    fp = fingerprint(entry)
    candidate, k = name, 1
    while candidate in table and fingerprint(table[candidate]) != fp:
        k += 1
        candidate = f"{name}#{k}"
    table[candidate] = entry
    return candidate


def read_host_table(out_dir) -> dict:
    """The host table of ``out_dir``'s env.json ({} when there is none, or no env.json; a
    damaged env.json is refused, as every reader refuses it)."""
    return host_table(ResultDirectory(out_dir).env)


def host_table(env: dict | None) -> dict:
    """``env``'s host table: host id → env record ({} for an older env.json)."""
    table = (env or {}).get(HOSTS_KEY) if isinstance(env, dict) else None
    return {k: v for k, v in table.items() if isinstance(v, dict)} if isinstance(table, dict) \
        else {}


def env_with_host(directory: ResultDirectory, env: dict,
                  name: str | None = None) -> tuple[dict, str]:
    """env.json for a run on this machine: ``env`` with the host table of the directory's
    current env.json (hosts that measured earlier runs stay; read through the run's
    ``directory``, again only if another writer changed it) and this machine entered in it.
    Returns (env record, this machine's host id)."""
    table = host_table(directory.env)
    host = add_host(table, name or host_name(), env)
    return {**env, HOSTS_KEY: table}, host


def fingerprints(env: dict | None) -> list[dict]:
    """The distinct machine fingerprints
    (:data:`FINGERPRINT_KEYS`) of the hosts that measured a result
    directory: its host table's, else env.json's own."""
    if not env:
        return []
    records = list(host_table(env).values()) or [env]
    out: list[dict] = []
    for rec in records:
        fp = fingerprint(rec)
        if fp not in out:
            out.append(fp)
    return out


def machine_fingerprint(env: dict | None) -> dict:
    """One fingerprint for a result directory's machines: the machine's own, or for several
    hosts each key's distinct values joined by `` | `` (so directories measured on the same
    set of machines share it)."""
    fps = fingerprints(env)
    if len(fps) <= 1:
        return fps[0] if fps else {}
    return {k: " | ".join(dict.fromkeys(str(fp.get(k)) for fp in fps)) for k in fps[0]}


def hosts_of(runs) -> list[str]:
    """The host ids recorded in runs.csv rows ``runs`` (empty cells — runs recorded before
    hosts were — left out), in order of appearance."""
    if "host" not in runs:
        return []
    return list(dict.fromkeys(str(h) for h in runs["host"] if names_a_host(h)))


def names_a_host(v) -> bool:
    """Whether a ``host`` cell names one (the column is text; empty cells read as NaN or NA)."""
    return isinstance(v, str) and v.strip() != ""
