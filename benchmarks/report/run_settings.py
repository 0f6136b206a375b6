"""The report's record of how the runs were made: the settings (sweep.json, else the runs), the
seeds, the environment (env.json) and the kvsbench versions. Every string from the result
directory enters as :func:`benchmarks.report.document.text` or ``code``.
"""

from __future__ import annotations

from benchmarks.report.document import Para, Table, code, text
from benchmarks.report.fmt import finite, fmt_value
from benchmarks.report.summary import int_text, models_of, pair_title
from benchmarks.results.directory import ResultDirectory
from benchmarks.results.hosts import HOSTS_KEY


def version_text(env: dict | None) -> str:
    """Which kvsbench measured the runs (env.json) and which built this report."""
    from benchmarks import __version__

    measured = (env or {}).get("kvsbench_version")
    if measured in (None, __version__):
        return f"Made with kvsbench {__version__}."
    return (f"Measured with kvsbench {text(fmt_value(measured))}; report built by kvsbench "
            f"{__version__}.")


def config_blocks(results: ResultDirectory, summary, impls) -> list:
    sweep = results.sweep or {}
    settings = sweep.get("settings")
    settings = dict(settings) if isinstance(settings, dict) else {}
    if not settings:  # an older directory: read the settings off the runs
        from benchmarks.results.schema import CONFIG_COLUMNS

        runs = results.runs
        settings = {c: ", ".join(map(int_text, runs[c].unique())) for c in CONFIG_COLUMNS
                    if c not in ("pair", "model", "seed")}
    rows = [[text(k), code(fmt_value(v))] for k, v in sorted(settings.items())]
    pairs = [pair_title(p) for p in dict.fromkeys(summary["pair"])]
    rows += [
        ["pairs", f"{len(pairs)}: " + text(", ".join(pairs))],
        ["models", text(", ".join(models_of(summary)))],
        ["seeds", seeds_text(results.runs["seed"])],
        ["twins", text(", ".join(impls))],
    ]
    return [Table(["setting", "value"], rows, "ll")]


def seeds_text(seeds) -> str:
    """How many seeds, and which: "1 (seed 0)", "3 (seeds 0, 1, 2)"."""
    values = sorted({int_text(s) for s in seeds if finite(s)}, key=int)
    which = f"seed {values[0]}" if len(values) == 1 else f"seeds {', '.join(values)}"
    return f"{len(values)} ({which})" if values else "—"


def env_blocks(env: dict | None) -> list:
    if not env:
        return [Para("`env.json` is missing: where these figures were measured is not recorded.")]
    rows = []
    for k, v in env.items():
        if k == HOSTS_KEY:  # the hosts' records: see hosts_blocks
            continue
        if isinstance(v, dict):
            shown = ", ".join(f"{kk} {fmt_value(vv)}" for kk, vv in v.items() if vv is not None)
            rows.append([text(k), text(shown or "—")])
        else:
            rows.append([text(k), text(fmt_value(v))])
    return [Table(["key", "value"], rows, "ll")]
