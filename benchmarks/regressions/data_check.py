"""Were two result directories made on the same data? ``kvsbench compare`` asks before it
judges anything: figures made on different data are not comparable, which is bad input (exit
2, with the command that makes a comparable run), never a regression.

What a side's data is, from its files: the split sizes of each experiment (runs.csv
``n_train``/``n_test``), the kind (env.json ``data``: Fashion-MNIST's own files, a subset, or a
timing-only stand-in — :mod:`benchmarks.report.datanote`), the data's fingerprint (sweep.json
``data``: a SHA-1 over every image and label) and, for a stand-in, the SHA-256 of the files it
was made from. Two stand-ins of one size made from different files compare in speed (the
images are repeats either way) but not in accuracy.
"""

from __future__ import annotations

from benchmarks.errors import ResultsError
from benchmarks.regressions.result_dirs import ResultDir
from benchmarks.report.datanote import data_kind_of


def _sizes(side: ResultDir, exp_id: str) -> str:
    r = side.runs[side.runs["experiment_id"] == exp_id].iloc[0]
    return f"{int(r['n_train'])}/{int(r['n_test'])}"


def _fingerprint(side: ResultDir):
    data = (side.sweep or {}).get("data") if isinstance(side.sweep, dict) else None
    return data.get("sha1") if isinstance(data, dict) else None


def _standin_source(side: ResultDir):
    data = (side.env or {}).get("data")
    marker = data.get("standin") if isinstance(data, dict) else None
    return marker.get("source_sha256") if isinstance(marker, dict) else None


def different_data(base: ResultDir, cur: ResultDir, exp_ids) -> str | None:
    """Why the two sides' data differ (None: the same, as far as their files say)."""
    for exp_id in exp_ids:
        b, c = _sizes(base, exp_id), _sizes(cur, exp_id)
        if b != c:
            return f"{exp_id} trained/tested on {b} images there, {c} here"
    kinds = data_kind_of(base.env), data_kind_of(cur.env)
    if None not in kinds and kinds[0] != kinds[1]:
        return f"{kinds[0]} data there, {kinds[1]} here"
    prints = _fingerprint(base), _fingerprint(cur)
    if kinds != ("standin", "standin") and None not in prints and prints[0] != prints[1]:
        return f"data fingerprint {prints[0]} there, {prints[1]} here"
    return None


def check_same_data(base: ResultDir, cur: ResultDir, exp_ids) -> bool:
    """Raise :class:`ResultsError` (one line: why, and what to run) when the matched
    experiments ``exp_ids`` were made on different data. Returns whether their accuracies
    compare: False for two timing-only stand-ins made from different files."""
    why = different_data(base, cur, exp_ids)
    if why is not None:
        raise ResultsError(
            f"{base.path} and {cur.path} were made on different data ({why}): their figures "
            f"are not comparable; make a run on the baseline's data with `kvsbench run --like "
            f"{base.path} --out DIR` (it makes the baseline's timing-only stand-in again when "
            "the baseline was made on one) and compare with DIR."
        )
    sources = _standin_source(base), _standin_source(cur)
    return None in sources or sources[0] == sources[1]
