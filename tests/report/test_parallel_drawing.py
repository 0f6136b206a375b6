"""A large report is drawn in worker processes (benchmarks.report.parallel_drawing): the same PNG
bytes as drawn here, in the report's order, every figure ticked once, failures in place."""

from __future__ import annotations

import pytest

from benchmarks.report import parallel_drawing
from benchmarks.report.figure_set import draw_figures
from benchmarks.report.summary import ordered_rows, summarize
from benchmarks.results.directory import open_result_dir
from tests.helpers import result_dir


def _figures(path, data_dir, parallel_from, monkeypatch):
    monkeypatch.setattr(parallel_drawing, "PARALLEL_MIN_FIGURES", parallel_from)
    results = open_result_dir(path).read_all()
    ticks = []
    figures = draw_figures(results, ordered_rows(summarize(results.runs)), data_dir,
                           tick=ticks.append)
    return figures, ticks


@pytest.mark.slow
def test_workers_draw_the_same_figures_as_this_process(tmp_path, fashion_dir, monkeypatch):
    path = result_dir(tmp_path / "r", epochs=3)
    here, here_ticks = _figures(path, fashion_dir, 10**9, monkeypatch)
    there, there_ticks = _figures(path, fashion_dir, 1, monkeypatch)
    assert here.experiments and here.pairs  # an experiment figure and a pair figure
    for kind in ("experiments", "pairs"):
        a, b = getattr(here, kind), getattr(there, kind)
        assert list(a) == list(b)
        for key in a:
            assert (a[key].path, a[key].caption) == (b[key].path, b[key].caption)
            assert a[key].png == b[key].png and a[key].png.startswith(b"\x89PNG")
    assert sorted(here_ticks) == sorted(there_ticks)
    assert len(there_ticks) == len(set(there_ticks)) == len(here.experiments) + len(here.pairs)


def _fails(x):
    raise ValueError(f"no figure for {x}")


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_order_with_failures_in_place(workers):
    done = []
    out = parallel_drawing.draw_all([(str, (1,)), (_fails, ("b",)), (str, (3,))], done=done.append,
                           workers=workers)
    assert out[0] == "1" and out[2] == "3"
    assert isinstance(out[1], ValueError) and "no figure for b" in str(out[1])
    assert sorted(done) == [0, 1, 2]


def test_a_small_report_is_drawn_here():
    # the default quick run (4 experiments) stays here
    assert parallel_drawing.PARALLEL_MIN_FIGURES > 4


@pytest.mark.slow
def test_workers_never_run_the_callers_script_again(tmp_path):
    """A script without a ``__main__`` guard that draws in workers runs once, not once per
    worker (spawn would re-import it)."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "from benchmarks.report import parallel_drawing\n"
        "print('script ran', flush=True)\n"
        "out = parallel_drawing.draw_all([(str, (i,)) for i in range(6)], workers=2)\n"
        "print(out)\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("script ran") == 1, run.stdout
    assert "['0', '1', '2', '3', '4', '5']" in run.stdout
