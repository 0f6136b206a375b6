"""Measure the margins of the step-parity tolerance: every correct twin's figure and every
planted rule change's figure, over optimizers, models, batch sizes and data sets.

    python tools/step_parity_margins.py --data-dir SUBSET --data-dir STANDIN --out margins.csv

Part A trains every installed twin (``--impls all``) on each data set, model (logreg, mlp),
optimizer (sgd, momentum, rmsprop, adam) and batch size (32, 256, full), 2 epochs, learning
rate schedule ``inverse_time`` (so every checked state also carries a schedule position).
Part B runs each planted twin (tests/twins/planted_twins.py) beside Keras and scratch under the
optimizer its change acts in. One row per twin and experiment goes to ``--out``; at the end it
prints the largest correct figure, the smallest planted one, and both margins against
:data:`benchmarks.harness.step_parity.STEP_PARITY_TOLERANCE` (docs/parity.md quotes them).
Twins held to their own rule (PyTorch's Adam and RMSprop) count with that figure.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout: tests.twins

from benchmarks.config import ExperimentConfig  # noqa: E402
from benchmarks.data import load_pair  # noqa: E402
from benchmarks.harness.runner import run_experiment  # noqa: E402
from benchmarks.harness.step_parity import STEP_PARITY_TOLERANCE  # noqa: E402
from benchmarks.harness.worker import TwinPool  # noqa: E402
from benchmarks.twins import registry  # noqa: E402
from tests.twins.planted_twins import PLANTED  # noqa: E402

FIELDS = ("part", "data", "model", "optimizer", "batch_size", "schedule", "twin", "figure",
          "step_parity", "tensor", "step", "rule_step_parity", "max_loss_diff",
          "bifurcation_epoch", "note")


def _rows(part, data, config, results):
    for impl, r in results.items():
        if impl == r.reference or not r.reference:
            continue
        judged = not math.isnan(r.rule_step_parity)
        yield {"part": part, "data": data, "model": config.model, "optimizer": config.optimizer,
               "batch_size": config.batch_size_label, "schedule": config.schedule, "twin": impl,
               "figure": r.rule_step_parity if judged else r.step_parity,
               "step_parity": r.step_parity, "tensor": r.step_parity_tensor,
               "step": r.step_parity_step, "rule_step_parity": r.rule_step_parity,
               "max_loss_diff": r.max_loss_diff, "bifurcation_epoch": r.bifurcation_epoch,
               "note": r.step_parity_note or r.failure}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", action="append", required=True)
    p.add_argument("--pair", default="pullover:coat")
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--parts", default="AB", help="A: correct twins, B: planted twins")
    p.add_argument("--impls", nargs="+", default=["all"], help="part A's twins")
    p.add_argument("--optimizers", nargs="+", default=["sgd", "momentum", "rmsprop", "adam"])
    args = p.parse_args(argv)
    twins = registry.resolve(["keras", *args.impls])[0]  # Keras: the reference
    a, b = args.pair.split(":")
    rows = []
    t0 = time.time()
    pool = TwinPool((*twins, "scratch", "keras"), threads=1)
    with pool, open(args.out, "w", newline="") as f:
        out = csv.DictWriter(f, FIELDS)
        out.writeheader()

        def emit(part, data, config, impls):
            results = run_experiment(config, pair, impls, pool=pool)
            for row in _rows(part, data, config, results):
                rows.append(row)
                out.writerow(row)
            f.flush()
            print(f"{time.time() - t0:7.0f}s {part} {data} {config.model} {config.optimizer} "
                  f"{config.batch_size_label}: " + ", ".join(
                      f"{r['twin']} {r['figure']:.1e}" for r in rows[-len(results) + 1:]),
                  flush=True)

        for data_dir in args.data_dir:
            pair = load_pair(a, b, "official", data_dir=data_dir)
            data = Path(data_dir).name
            for model in ("logreg", "mlp") if "A" in args.parts else ():
                for optimizer in args.optimizers:
                    for batch in (32, 256, None):
                        config = ExperimentConfig(
                            model=model, pair=args.pair, optimizer=optimizer, batch_size=batch,
                            epochs=args.epochs, schedule="inverse_time", protocol="official")
                        emit("A", data, config, twins)
            for entry, optimizer, schedule in PLANTED if "B" in args.parts else ():
                for model in ("logreg", "mlp"):
                    for batch in (32, 256):
                        config = ExperimentConfig(
                            model=model, pair=args.pair, optimizer=optimizer, batch_size=batch,
                            epochs=args.epochs, schedule=schedule, protocol="official")
                        emit("B", data, config, ["scratch", "keras", entry])
    correct = [r for r in rows if r["part"] == "A" and not r["note"]]
    planted = [r for r in rows if r["part"] == "B" and r["twin"].startswith("planted")]
    if correct:
        worst = max(correct, key=lambda r: r["figure"])
        print(f"largest correct figure: {worst['figure']:.2e} ({worst['twin']}, {worst['data']}, "
              f"{worst['model']} {worst['optimizer']} batch {worst['batch_size']}, "
              f"{worst['tensor']}): room {STEP_PARITY_TOLERANCE / worst['figure']:.0f}×")
    if planted:
        least = min(planted, key=lambda r: r["figure"])
        print(f"smallest planted figure: {least['figure']:.2e} ({least['twin']}, "
              f"{least['data']}, {least['model']} batch {least['batch_size']}, "
              f"{least['tensor']}): margin {least['figure'] / STEP_PARITY_TOLERANCE:.0f}×")


if __name__ == "__main__":
    main()
