"""Rewrite ``tests/fixtures/inprocess_runner_figures.json``, the golden figures of
``tests/harness/test_workers.py``, with the libraries installed now, and record their versions
in it.

    FASHION_MNIST_DIR=../shared/fashion-mnist-subset python tools/golden_figures.py [--check]

Each case of the file (its ``config``) is run again on the subset, one thread per twin. The
scratch twin's figures must come out bit for bit as recorded (they are this project's own
arithmetic: a change there is a change of kvsbench, never of a library), else nothing is
written. The framework twins' figures are third-party arithmetic: a new TensorFlow, Keras or
NumPy may move their last bits, so they are taken as they come now, and the file records the
versions that made them (``made_with``). ``--check`` writes nothing and prints what would change.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from importlib import metadata
from pathlib import Path

GOLDEN = (Path(__file__).resolve().parent.parent / "tests" / "fixtures"
          / "inprocess_runner_figures.json")
#: the libraries whose arithmetic the framework twins' figures are
LIBRARIES = ("tensorflow", "keras", "numpy")
CURVES = ("train_loss", "train_acc", "val_loss", "val_acc")


def made_with() -> dict:
    """The versions of the libraries installed now (and Python's)."""
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["python"] = platform.python_version()
    return out


def read_golden(path: Path = GOLDEN) -> tuple[dict, list]:
    """(made_with, cases) of the golden file; an old file (a bare list) has no versions."""
    data = json.loads(path.read_text())
    if isinstance(data, list):
        return {}, data
    return data.get("made_with", {}), data["cases"]


def figures(result) -> dict:
    """A twin's recorded figures, as the golden file holds them."""
    return {**{k: result.curves[k] for k in CURVES}, "test_loss": result.test_loss,
            "test_acc": result.test_acc, "status": result.status}


def run_case(case: dict, pool, data_dir) -> dict:
    from benchmarks.config import ExperimentConfig
    from benchmarks.data import load_pair, parse_pair
    from benchmarks.harness.runner import run_experiment

    cfg = ExperimentConfig(**case["config"])
    pair = load_pair(*parse_pair(cfg.pair), protocol=cfg.protocol, data_dir=data_dir,
                     seed=cfg.split_seed)
    res = run_experiment(cfg, pair, pool=pool)
    s = res["scratch"]
    return {"config": case["config"], "scratch": figures(s), "keras": figures(res["keras"]),
            "parity": {"max_loss_diff": s.max_loss_diff,
                       "max_weight_rel_diff": s.max_weight_rel_diff,
                       "pred_agreement": s.pred_agreement}}


def main(argv=None) -> int:
    from benchmarks.harness.worker import TwinPool
    from benchmarks.suites.common import find_data

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing")
    args = parser.parse_args(argv)
    source = find_data()
    if source is None:
        print("golden_figures: Fashion-MNIST not found; set FASHION_MNIST_DIR", file=sys.stderr)
        return 2
    old_versions, cases = read_golden()
    with TwinPool(("scratch", "keras"), threads=1) as pool:
        new = [run_case(c, pool, source.directory) for c in cases]
    changed_scratch = [c["config"] for c, n in zip(cases, new) if c["scratch"] != n["scratch"]]
    if changed_scratch:
        print(f"golden_figures: the scratch twin's figures changed for {changed_scratch}: that "
              "is a change of kvsbench's own arithmetic; nothing written", file=sys.stderr)
        return 1
    moved = sum(c["keras"] != n["keras"] or c["parity"] != n["parity"]
                for c, n in zip(cases, new))
    versions = made_with()
    print(f"golden_figures: {moved} of {len(cases)} case(s) moved in the framework twin's "
          f"figures; made with {old_versions or 'unrecorded versions'} -> {versions}")
    if not args.check:
        GOLDEN.write_text(json.dumps({"made_with": versions, "cases": new}, indent=1) + "\n")
        print(f"golden_figures: wrote {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
