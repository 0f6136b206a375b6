"""The CSV kvsbench hands to people: ``summary.csv`` and history's ``history.csv``, which are
opened in spreadsheets. A text cell read from a result directory (an id, a pair, a twin's name,
a failure message) that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would be run there as a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``: "CSV injection",
OWASP), so such a cell is written with a leading ``'``, which spreadsheets show as text and
do not evaluate. Number cells, and text that is a signed number (history's step "-33 %"), are
left as they are: a number is not a formula.
The files kvsbench reads back (runs.csv, curves.csv) are written as they are
(:func:`benchmarks.atomic.csv_bytes`): they must round-trip exactly.
"""

from __future__ import annotations

import re

from benchmarks.atomic import csv_bytes, write_bytes_atomic

#: the first characters that make a spreadsheet cell a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: a signed number as text ("-33 %", "+1.2e-3", "-0.50 pp"): never a formula
_SIGNED_NUMBER = re.compile(r"^[+-] ?[0-9][0-9.,]*(?:[eE][+-]?[0-9]+)? ?(?:%|pp|×)?$")


def inert(value):
    """``value`` as a cell no spreadsheet evaluates: a string beginning with one of
    :data:`FORMULA_START` gets a leading ``'``; anything else is returned as it is."""
    if (isinstance(value, str) and value.startswith(FORMULA_START)
            and not _SIGNED_NUMBER.match(value)):
        return "'" + value
    return value


def inert_frame(df):
    """A copy of the DataFrame ``df`` with every text cell :func:`inert` (and the header)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(inert)
    out.columns = [inert(c) for c in out.columns]
    return out


def spreadsheet_csv_bytes(df) -> bytes:
    """``df`` as the CSV kvsbench writes (:func:`benchmarks.atomic.csv_bytes`), formula-safe."""
    return csv_bytes(inert_frame(df))


def write_spreadsheet_csv(path, df) -> None:
    """Write ``df`` whole to ``path`` as :func:`spreadsheet_csv_bytes`."""
    write_bytes_atomic(path, spreadsheet_csv_bytes(df))
