"""What a reader of the report sees first: a table of contents, the version, the verdict table;
figures fitted to their data; no stale figure; progress while it is built."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from benchmarks import __version__
from benchmarks.cli import main
from benchmarks.data import load_pair
from benchmarks.report import experiment_plots, heatmaps
from benchmarks.report.build import build_report
from benchmarks.report.document import anchor
from benchmarks.report.render import render_text_table
from tests.helpers import fake_results, parse_report

#: the fake sweeps' figures repeat from test to test (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("figures_drawn_once")


@pytest.fixture(scope="module")
def four_pairs(tmp_path_factory):
    """A report of a drawn 4-pair sweep, built once without data: (directory, what
    ``build_report`` returned). Read-only for the tests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("FASHION_MNIST_DIR", raising=False)
        out = tmp_path_factory.mktemp("four-pairs") / "r"
        mp.setenv("KERAS_HOME", str(out.parent / "no-keras-home"))
        fake_results(out, n_pairs=4)
        return out, build_report(out)


def test_report_has_contents_linking_every_section_and_the_version(four_pairs):
    out, _ = four_pairs
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    sections = re.findall(r"<h2 id=\"([^\"]+)\">([^<]+)</h2>", html)
    assert [text for _, text in sections] == ["Verdict", "Summary", "Twins", "Plots", "Config",
                                              "Environment", "Files"]
    nav = re.search(r"<nav aria-label=\"Contents\">(.*?)</nav>", html).group(1)
    assert re.findall(r'href="#([^"]+)"', nav) == [ident for ident, _ in sections]
    assert "Contents: [Verdict](#verdict) · [Summary](#summary)" in md
    assert anchor("The data") == "the-data"
    assert f"kvsbench {__version__}." in md


def test_report_verdict_table_per_model_and_twin(four_pairs):
    out, built = four_pairs
    table = built["verdict_table"]
    assert [r[:2] for r in table.rows] == [["logreg", "scratch"]]
    row = dict(zip(table.headers, table.rows[0]))
    assert row["parity (≤ 0.001)"] == "4.0e-07 matches"  # the largest of 1e-7 × (k + 1)
    assert row["speed per epoch at 840 images"] == "3.00× faster"  # 0.03 s / 0.01 s
    assert row["diverged / failed"] == "none"
    text = render_text_table(table)
    assert text.splitlines()[1].startswith("------  -------")
    assert "<tr" in (out / "report.html").read_text().split('id="summary"')[0]


def test_report_progress_counts_every_file_written(tmp_path, no_data):
    out = tmp_path / "r"
    fake_results(out, n_pairs=3)
    seen = []
    build_report(out, progress=lambda done, total, what: seen.append((done, total, what)))
    # 3 experiment figures, 2 heatmaps, report.md and report.html (no data: no pair figures)
    assert [d for d, _, _ in seen] == list(range(1, 8))
    assert seen[-1][2] == "report.html" and seen[-2][2] == "report.md"
    assert {w for _, _, w in seen[:-2]} == {p.relative_to(out).as_posix()
                                            for p in (out / "plots").glob("*.png")}


def test_report_without_data_removes_the_earlier_pair_figures(tmp_path, fashion_dir,
                                                                monkeypatch, capsys):
    out = tmp_path / "r"
    fake_results(out, n_pairs=2)
    build_report(out, data_dir=fashion_dir)
    assert len(list((out / "plots").glob("pair_*.png"))) == 2
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "none"))
    assert main(["report", str(out)]) == 0
    assert not list((out / "plots").glob("pair_*.png"))
    assert "per-pair image plots are left out" in "".join(parse_report(out / "report.html").text)


# ---------------------------------------------------------------------------- figures
def test_time_ratio_scale_fits_the_data_and_labels_share_one_format():
    norm, cmap = heatmaps.ratio_scale(np.array([2.5, 29.0, 110.0, 180.0, np.nan]))
    assert 2.0 < norm.vmin < 2.5 and 180 < norm.vmax < 200
    assert cmap == "Blues"  # all > 1: no half of the scale wasted on < 1
    norm, cmap = heatmaps.ratio_scale(np.array([0.5, 3.0]))
    assert cmap == "RdBu" and norm.vmin == pytest.approx(1 / norm.vmax)
    labels = [heatmaps.ratio_label(v) for v in (0.0123, 2.54, 9.96, 29.4, 110.0, 180.2, 1234.0)]
    assert labels == ["0.012", "2.5", "10", "29", "110", "180", "1200"]
    assert heatmaps.ratio_ticks(2.27, 198) == [5, 10, 20, 50, 100]


def test_pair_sample_images_are_light_on_black(fashion_dir):
    from PIL import Image

    pair = load_pair(1, 9, protocol="seed", data_dir=fashion_dir)
    png = Image.open(io.BytesIO(experiment_plots.pair_figure(pair))).convert("L")
    w, h = png.size
    # the sample mosaic fills the right part of the figure; Fashion-MNIST's background is 0
    mosaic = np.asarray(png.crop((int(0.55 * w), int(0.25 * h), int(0.85 * w),
                                  int(0.75 * h))), float) / 255
    assert mosaic.mean() < 0.45, mosaic.mean()
