"""Helpers the tests share, in one place (tests/conftest.py's fixtures use them too): the
checkout's paths, ``kvsbench`` in this process, a runs.csv row, tiny data sets and tiny result
directories written row by row with the real columns.

Plain functions, not fixtures, so a test module imports what it uses by name
(``from tests.helpers import run_cli``); ``tests`` is a package (``tests/__init__.py``), so the
test modules import by their full names and basenames may repeat across folders.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import pickle
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmarks.atomic import write_csv
from benchmarks.data import all_pairs, pair_slug
from benchmarks.data.idx import write_idx
from benchmarks.results.schema import CURVE_COLUMNS, RUN_COLUMNS

#: the checkout (tests/ is one level below it)
ROOT = Path(__file__).resolve().parents[1]
#: files the tests read: a real env.json, the in-process runner's golden figures
FIXTURES = Path(__file__).resolve().parent / "fixtures"

#: a module whose tests all need TensorFlow: skipped without it, and collected without
#: importing it (``pytest.importorskip`` at module level would import TensorFlow, ~5 s, in
#: every run, ``-m "not slow"`` included)
NEEDS_TENSORFLOW = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None,
                                      reason="TensorFlow is not installed")


# ----------------------------------------------------------------------------- the command line
def run_cli(capsys, *argv, warnings_fail: bool = False) -> tuple[object, str, str]:
    """``kvsbench ARGV`` in this process: (exit status, stdout, stderr). A KeyboardInterrupt
    that escapes ``main`` (it would be a traceback) comes back as the status
    ``"KeyboardInterrupt escaped"``; ``warnings_fail``: a RuntimeWarning (NumPy's) fails."""
    import warnings

    from benchmarks.cli import main

    try:
        with warnings.catch_warnings():
            if warnings_fail:
                warnings.simplefilter("error", RuntimeWarning)
            code = main([str(a) for a in argv])
    except KeyboardInterrupt:
        code = "KeyboardInterrupt escaped"
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ rows and result directories
def run_row(exp: str, impl: str, seed: int = 0, **columns) -> dict:
    """A runs.csv row (every column of ``RUN_COLUMNS``) with plain defaults: a logreg Adam run
    of Trouser vs Ankle boot against the Keras reference; ``columns`` override any column."""
    row = {c: float("nan") for c in RUN_COLUMNS}
    row.update(
        run_id=f"{exp}.s{seed}.{impl}", experiment_id=exp, impl=impl, reference="keras",
        model="logreg", pair="trouser:ankle-boot", optimizer="adam", lr=0.001,
        batch_size="32", epochs=3, seed=seed, hidden_units=100, activation="relu",
        init="glorot_uniform", schedule="constant", decay_rate=1.0, decay_interval=1,
        momentum=0.9, protocol="seed", n_train=600, n_val=200, n_test=100, epochs_run=3,
        status="ok", train_loss=0.3, train_acc=0.9, val_loss=0.35, val_acc=0.9, test_loss=0.3,
        fit_seconds=1.0, first_epoch_seconds=0.5, steady_epoch_seconds=0.25, setup_seconds=0.0,
        samples_per_second=1800.0, max_loss_diff=1e-6, max_weight_rel_diff=1e-6,
        pred_agreement=1.0, time_ratio=2.0,
    )
    row.update(columns)
    return row


GOOD_ID = "logreg.trouser-vs-ankle-boot.adam.lr0.001.bs32.e3.00000001"
#: the tags report.html may hold: the renderer's own, nothing else
OUR_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p",
            "ul", "li", "div", "table", "thead", "tbody", "tr", "th", "td", "figure", "img",
            "figcaption", "a", "strong", "em", "code", "nav"}
OUR_LINKS = {"runs.csv", "curves.csv", "summary.csv", "env.json", "sweep.json"}
SAFE_PLOT = re.compile(r"^plots/[A-Za-z0-9_+-][A-Za-z0-9._+-]*\.png$")
#: the Contents line's links to the report's own headings
SAFE_ANCHOR = re.compile(r"^#[a-z0-9_-]+$")


def result_dir(path: Path, *, exp=GOOD_ID, pair="trouser:ankle-boot", model="logreg",
               impls=("scratch", "keras"), optimizer="adam", batch_size="32", failure="",
               status="ok", slow="", numbers=None, env=None, sweep=None, epochs=3,
               seeds=1) -> Path:
    """A result directory of one experiment: ``impls`` × ``seeds`` runs of ``epochs`` epochs."""
    numbers = numbers or {}
    runs, curves = [], []
    for seed in range(seeds):
        for impl in impls:
            run_id = f"{exp}.s{seed}.{impl}"
            row = {c: math.nan for c in RUN_COLUMNS}
            row.update(
                run_id=run_id, experiment_id=exp, impl=impl, reference=impls[-1], model=model,
                pair=pair, optimizer=optimizer, lr=0.001, batch_size=batch_size, epochs=epochs,
                seed=seed, hidden_units=100, activation="relu", init="glorot_uniform",
                schedule="constant", decay_rate=1.0, decay_interval=1, momentum=0.9,
                protocol="seed", n_train=840, n_val=280, n_test=280, epochs_run=epochs,
                status=status, failure=failure, threads=1, train_loss=0.3, train_acc=0.9,
                val_loss=0.31, val_acc=0.9, test_loss=0.32, test_acc=0.9,
                fit_seconds=0.03 * epochs, first_epoch_seconds=0.05, steady_epoch_seconds=0.03,
                setup_seconds=0.1, samples_per_second=9000.0, step_seconds=0.001,
                epoch_fixed_seconds=0.002, epoch_time_spread=1.1, slow_epochs=slow,
                peak_rss_mb=100.0, max_loss_diff=2e-7 if impl != impls[-1] else math.nan,
                max_weight_rel_diff=1e-7, pred_agreement=1.0,
                time_ratio=3.0 if impl != impls[-1] else math.nan,
                step_time_ratio=2.5 if impl != impls[-1] else math.nan,
            )
            row.update(numbers)
            runs.append(row)
            for e in range(epochs):
                curves.append({
                    "run_id": run_id, "experiment_id": exp, "impl": impl, "model": model,
                    "pair": pair, "optimizer": optimizer, "lr": 0.001, "batch_size": batch_size,
                    "seed": seed, "epoch": e, "train_loss": numbers.get("train_loss", 0.5 - e / 10),
                    "train_acc": 0.8 + e / 100, "val_loss": numbers.get("val_loss", 0.5 - e / 10),
                    "val_acc": 0.8 + e / 100, "epoch_seconds": 0.03, "step_seconds": 0.001,
                    "cumulative_seconds": 0.03 * (e + 1),
                })
    path.mkdir(parents=True, exist_ok=True)
    write_csv(path / "runs.csv", pd.DataFrame(runs, columns=list(RUN_COLUMNS)))
    write_csv(path / "curves.csv", pd.DataFrame(curves, columns=list(CURVE_COLUMNS)))
    (path / "env.json").write_text(json.dumps(env if env is not None else {
        "cpu_model": "Test CPU", "logical_cores": 2, "machine": "x86_64",
        "twins": {"scratch": {"blas_library": "openblas"}}}))
    (path / "sweep.json").write_text(json.dumps(sweep if sweep is not None else {
        "settings": {"optimizer": "adam", "epochs": epochs}}))
    return path


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_nothing_live(out: Path) -> None:
    """report.html holds only the renderer's tags, links only to the directory's own files,
    images only as embedded PNGs, no event handler; report.md links only to the same."""
    page = Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    for tag, attrs in page.tags:
        assert tag in OUR_TAGS, tag
        assert not any(k.lower().startswith("on") for k in attrs), attrs
        if tag == "a":
            href = attrs["href"]
            assert href in OUR_LINKS or SAFE_PLOT.match(href) or SAFE_ANCHOR.match(href), attrs
        if tag == "img":
            assert attrs["src"].startswith("data:image/png;base64,")
    md = outside_code_spans((out / "report.md").read_text(encoding="utf-8"))
    for m in re.finditer(r"(?<!\\)\]\(([^)]*)\)", md):  # an unescaped "](" opens a link
        target = m.group(1)
        assert target in OUR_LINKS or SAFE_PLOT.match(target) or SAFE_ANCHOR.match(target), target
    assert not re.search(r"(?<!\\)<[A-Za-z/!?]", md)  # no raw HTML either


def outside_code_spans(md: str) -> str:
    """Markdown with its code spans (literal text in CommonMark) blanked; escapes kept."""
    out, i = [], 0
    while i < len(md):
        if md[i] == "\\":
            out.append(md[i:i + 2])
            i += 2
        elif md[i] == "`" and md.find("`", i + 1) > i:
            i = md.find("`", i + 1) + 1
            out.append(" ")
        else:
            out.append(md[i])
            i += 1
    return "".join(out)


def assert_one_line_or_quiet(code: int, err: str, allowed=(0, 2)) -> None:
    assert code in allowed, err
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("kvsbench: error: "), err
        assert all(ord(c) >= 32 for c in err.rstrip("\n")), repr(err)
    else:
        assert err == "", err



def fake_results(out: Path, n_pairs: int, seeds: int = 3, epochs: int = 3) -> None:
    """runs.csv and curves.csv of a logreg sweep, drawn rather than trained (no env.json, no
    sweep.json: the report must cope). Every third pair is hard (lower accuracy)."""
    rng = np.random.default_rng(0)
    runs, curves = [], []
    for k, pair in enumerate(pair_slug(p) for p in all_pairs()[:n_pairs]):
        exp = f"logreg.{pair.replace(':', '-vs-')}.adam.lr0.001.bs32.e{epochs}.0000{k:04d}"
        base_acc = 0.80 if k % 3 == 0 else 0.97
        for seed in range(seeds):
            acc = base_acc + 0.01 * rng.standard_normal()
            for impl, epoch_s in (("scratch", 0.01), ("keras", 0.03)):
                row = {c: math.nan for c in RUN_COLUMNS}
                loss = 0.6 * np.exp(-np.arange(epochs) / 2) + (1 - base_acc)
                row.update(
                    run_id=f"{exp}.s{seed}.{impl}", experiment_id=exp, impl=impl,
                    reference="keras",
                    model="logreg", pair=pair, optimizer="adam", lr=0.001, batch_size="32",
                    epochs=epochs, seed=seed, hidden_units=100, activation="relu",
                    init="glorot_uniform", schedule="constant", decay_rate=1.0,
                    decay_interval=1, momentum=0.9, protocol="seed", n_train=840, n_val=280,
                    n_test=280, epochs_run=epochs, status="ok", train_loss=loss[-1],
                    val_loss=loss[-1] + 0.02, test_acc=round(acc * 280) / 280,
                    first_epoch_seconds=epoch_s * (5 if impl == "keras" else 1),
                    steady_epoch_seconds=epoch_s, fit_seconds=epoch_s * (epochs + 4),
                    max_loss_diff=1e-7 * (k + 1), time_ratio=3.0, pred_agreement=1.0,
                )
                runs.append(row)
                for e in range(epochs):
                    curves.append({
                        "run_id": row["run_id"], "experiment_id": exp, "impl": impl,
                        "model": "logreg", "pair": pair, "optimizer": "adam", "lr": 0.001,
                        "batch_size": "32", "seed": seed, "epoch": e, "train_loss": loss[e],
                        "train_acc": acc - 0.1 * (epochs - e) / epochs, "val_loss": loss[e] + 0.02,
                        "val_acc": acc - 0.1 * (epochs - e - 1) / epochs,
                        "epoch_seconds": epoch_s, "cumulative_seconds": epoch_s * (e + 1),
                    })
    out.mkdir(parents=True)
    pd.DataFrame(runs, columns=list(RUN_COLUMNS)).to_csv(out / "runs.csv", index=False)
    pd.DataFrame(curves, columns=list(CURVE_COLUMNS)).to_csv(out / "curves.csv", index=False)


class ReportPage(HTMLParser):
    """Collects what the tests look at in report.html."""

    def __init__(self):
        super().__init__()
        self.images, self.links, self.external, self.text = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src", ""))
        elif tag == "a":
            self.links.append(a.get("href", ""))
        elif tag in ("link", "script", "iframe") or (tag == "style" and "src" in a):
            self.external.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def parse_report(path: Path) -> ReportPage:
    page = ReportPage()
    page.feed(path.read_text(encoding="utf-8"))
    return page


# ----------------------------------------------------------------------------- data
def make_synthetic_pair(n=200, seed=0):
    """A separable 784-pixel problem: the class shifts the mean of the first 50 pixels."""
    from benchmarks.data import Pair

    rng = np.random.default_rng(seed)

    def split(m):
        y = (rng.random(m) < 0.5).astype(np.float32)
        X = rng.random((m, 784), dtype=np.float32) * 0.5
        X[:, :50] += 0.4 * y[:, None]
        return X, y

    (Xtr, ytr), (Xv, yv), (Xte, yte) = split(n), split(n // 4), split(n // 4)
    names = ("Trouser", "Ankle boot")
    return Pair(Xtr, ytr, Xv, yv, Xte, yte, 1, 9, names, "seed", 42, "synthetic")


def write_tiny_fashion(
    directory: Path,
    n_train_per_class: int = 5,
    n_test_per_class: int = 3,
    gzip: bool = True,
    seed: int = 0,
) -> Path:
    """Write four tiny, valid Fashion-MNIST IDX files (every class present, shuffled labels).

    Images are random uint8 28x28 (seeded), so every row is distinct.
    """
    rng = np.random.RandomState(seed)
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gzip else ""
    for part, per_class in (("train", n_train_per_class), ("t10k", n_test_per_class)):
        labels = rng.permutation(np.repeat(np.arange(10, dtype=np.uint8), per_class))
        images = rng.randint(0, 256, size=(labels.size, 28, 28)).astype(np.uint8)
        write_idx(directory / f"{part}-images-idx3-ubyte{suffix}", images, gzip=gzip)
        write_idx(directory / f"{part}-labels-idx1-ubyte{suffix}", labels, gzip=gzip)
    return directory


# ----------------------------------------------------------------------------- figures
class DrawnOnce:
    """A report figure function (``experiment_plots.experiment_figure``) that draws each
    distinct set of arguments once per test session and returns the same PNG bytes after.

    Sound because each report figure is a pure function of its arguments returning PNG bytes
    (benchmarks/report/parallel_drawing.py; tests/report/test_parallel_drawing.py holds it):
    arguments equal to the pickled byte draw what they drew before. A hostile value that
    reaches a figure changes its arguments, so it is drawn for real; tests that change only
    what no figure shows (env.json, sweep.json, a failure message) stop paying ~0.3 s a
    figure. Arguments that do not pickle are drawn every time."""

    drawn: dict[bytes, bytes] = {}

    def __init__(self, draw):
        self.draw = draw

    def __call__(self, *args):
        try:
            key = hashlib.sha256(pickle.dumps((self.draw.__qualname__, args))).digest()
        except Exception:  # noqa: BLE001  (not picklable: no memo)
            return self.draw(*args)
        if key not in self.drawn:
            self.drawn[key] = self.draw(*args)
        return self.drawn[key]
