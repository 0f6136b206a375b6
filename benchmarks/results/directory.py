"""Reading a result directory for the report: runs.csv, curves.csv, env.json, sweep.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from benchmarks.bounded import read_json
from benchmarks.errors import ResultsError


@dataclass
class Results:
    """The files of one result directory."""

    out_dir: Path
    runs: object  # pandas.DataFrame, runs.csv
    curves: object  # pandas.DataFrame, curves.csv
    env: dict | None
    sweep: dict | None


def load_results(out_dir) -> Results:
    """Read runs.csv, curves.csv, env.json and sweep.json of ``out_dir``.

    Raises
    ------
    ResultsError
        ``out_dir`` is missing, lacks runs.csv or curves.csv, or they are not kvsbench CSVs.
    """
    from benchmarks.harness.records import read_curves, read_runs

    out_dir = check_result_dir(out_dir)
    runs = read_runs(out_dir / "runs.csv")
    curves = read_curves(out_dir / "curves.csv")
    if runs.empty:
        raise ResultsError(f"{out_dir / 'runs.csv'} holds no runs yet: run kvsbench run first.")
    return Results(out_dir, runs, curves, _read_json(out_dir / "env.json"),
                   _read_json(out_dir / "sweep.json"))


def check_result_dir(out_dir) -> Path:
    """``out_dir`` if it is a directory with runs.csv and curves.csv (ResultsError if not)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ResultsError(
            f"{out_dir} is not a directory: give the --out directory of a kvsbench run."
        )
    for name in ("runs.csv", "curves.csv"):
        if not (out_dir / name).is_file():
            raise ResultsError(
                f"{out_dir} has no {name}: it is not a kvsbench result directory "
                f"(kvsbench run --out {out_dir} writes one)."
            )
    return out_dir


def _read_json(path: Path) -> dict | None:
    """A JSON object file, or None when it is missing or not an object; a file that is there
    but cannot be read (not a regular file, too large or deep, not UTF-8, not JSON) is refused
    with one line (:func:`benchmarks.bounded.read_json`), not taken for a missing one."""
    if not path.exists() and not path.is_symlink():
        return None
    value = read_json(path)
    return value if isinstance(value, dict) else None
