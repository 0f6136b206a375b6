"""runs.csv and curves.csv as tables: read bounded, refused whole when cut short, and checked
row by row against the schema (:mod:`benchmarks.results.schema`). A result directory is
untrusted input (CI artifacts, mailed reports): every way a file can be damaged is one line,
:class:`~benchmarks.errors.ResultsError`, naming the file (and the row) and what to do.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import bounded
from benchmarks.errors import ResultsError
from benchmarks.results.schema import (
    INTEGER_COLUMNS,
    RANGES,
    REQUIRED,
    STATUSES,
    TEXT_COLUMNS,
    UNIQUE,
)


def read_csv(path: Path, columns=None) -> pd.DataFrame:
    """Read a kvsbench CSV: the text columns (:data:`TEXT_COLUMNS`) as text, ``""`` as missing.

    A file cut short (no final newline, or a row with fewer or more fields than the header),
    a file that is not CSV, or one that lacks some of ``columns`` is refused with one line
    (:class:`ResultsError`): a result directory is untrusted input. The read itself is bounded
    (:mod:`benchmarks.bounded`: a regular file, a size cap, UTF-8, a column cap).
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        raise ResultsError(f"{path} does not exist: is this a kvsbench result directory?")
    raw = bounded.read_bytes(path, bounded.MAX_CSV_BYTES)
    bounded.decode(raw, path)  # an encoding other than UTF-8 is named, not called "cut short"
    bounded.check_csv_width(raw, path)
    _check_whole(path, raw)
    try:
        df = pd.read_csv(io.BytesIO(raw), dtype={c: str for c in TEXT_COLUMNS},
                         keep_default_na=False, na_values=[""], encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ResultsError(
            f"{path} is not a readable CSV ({reason}); re-run kvsbench run.") from None
    if columns is not None:
        require_columns(df, path, columns)
    return df


def require_columns(df: pd.DataFrame, path: Path, columns) -> None:
    """Refuse (one line) a table of ``path`` that lacks some of ``columns``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ResultsError(f"{path} lacks the columns {missing}: it is not a kvsbench result file.")


def _check_whole(path: Path, raw: bytes) -> None:
    """Refuse a CSV that was cut short: kvsbench ends every file with a newline and writes
    every row with as many fields as the header."""
    if not raw.strip():
        return  # pandas says "no columns" in its own words
    if not raw.endswith(b"\n"):
        raise ResultsError(f"{path} ends in the middle of a row: the file was cut short (an "
                           "interrupted copy?); restore it, or re-run kvsbench run.")
    try:
        rows = csv.reader(io.StringIO(raw.decode("utf-8")))
        width = None
        for rows_read, row in enumerate(rows, start=1):
            if width is None:
                width = len(row)
            elif row and len(row) != width:
                raise ResultsError(
                    f"{path}, row {rows_read}: {len(row)} fields where the header has {width}: "
                    "the file was cut or damaged; restore it, or re-run kvsbench run.")
    except (csv.Error, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path} is not a readable CSV ({exc}); re-run kvsbench run.") from None


def check_rows(df: pd.DataFrame, path: Path, kind: str) -> pd.DataFrame:
    """Check the rows of a runs.csv (``kind="runs"``) or curves.csv (``"curves"``) and return
    it with every number column as float.

    Refused with one line (:class:`ResultsError`) naming the row and column: an empty
    :data:`REQUIRED` field, a number column holding something else, a fractional or infinite
    whole number (:data:`INTEGER_COLUMNS`), a figure outside its range (:data:`RANGES`), a
    ``status`` not in :data:`STATUSES`, and a run (or a run's epoch) recorded twice.
    """
    def where(i) -> str:
        return f"{path}, row {int(i) + 2}"  # the header is row 1

    for col in REQUIRED[kind]:
        if col in df.columns and df[col].isna().any():
            i = df.index[df[col].isna()][0]
            raise ResultsError(f"{where(i)}: `{col}` is empty: the file was edited or damaged; "
                               "re-run kvsbench run.")
    for col in df.columns:
        if col in TEXT_COLUMNS:
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna() & df[col].notna()
        if bad.any():
            i = df.index[bad][0]
            raise ResultsError(f"{where(i)}: `{col}` is {str(df[col][i])[:40]!r}, not a number: "
                               "the file was edited or damaged; re-run kvsbench run.")
        values = values.astype(float)
        if col in INTEGER_COLUMNS:
            with np.errstate(invalid="ignore"):
                bad = values.notna() & ~(np.isfinite(values) & (values == np.round(values)))
            if bad.any():
                i = df.index[bad][0]
                raise ResultsError(f"{where(i)}: `{col}` is {df[col][i]!r}, not a whole number: "
                                   "the file was edited or damaged; re-run kvsbench run.")
        if col in RANGES:
            low, high = RANGES[col]
            with np.errstate(invalid="ignore"):
                bad = values.notna() & ~((values >= low) & (values <= high))
            if bad.any():
                i = df.index[bad][0]
                raise ResultsError(
                    f"{where(i)}: `{col}` is {float(values[i]):g}, outside [{low:g}, "
                    f"{high:g}]: the file was edited or damaged; re-run kvsbench run.")
        df[col] = values
    if "status" in df.columns:
        bad = df["status"].notna() & ~df["status"].isin(STATUSES)
        if bad.any():
            i = df.index[bad][0]
            raise ResultsError(f"{where(i)}: `status` is {str(df['status'][i])[:40]!r}, not one "
                               f"of {', '.join(STATUSES)}: the file was edited or damaged.")
    for key in UNIQUE[kind]:
        if not set(key) <= set(df.columns) or not len(df):
            continue
        twice = df.duplicated(list(key), keep=False)
        if twice.any():
            rows = df.index[twice][:2]
            what = ", ".join(f"{c} {str(df[c][rows[0]])[:80]!r}" for c in key)
            raise ResultsError(
                f"{path} records {what} twice (rows {rows[0] + 2} and {rows[1] + 2}): a run "
                "is recorded once; remove one of them, or re-run kvsbench run.")
    return df
