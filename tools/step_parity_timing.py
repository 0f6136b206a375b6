"""Show that the step-parity check does not move the timed epochs: the same experiment run
with and without it, alternately (with, without, with, …), in one worker pool, and every
epoch's time of every twin printed side by side.

    python tools/step_parity_timing.py --data-dir STANDIN --pair pullover:coat --repeats 3

The check runs between epochs in the workers (its own state put back after each probe), so
what could move is the epoch after it: caches, the allocator, a retraced Keras function.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.config import ExperimentConfig
from benchmarks.data import load_pair
from benchmarks.harness.runner import run_experiment
from benchmarks.harness.worker import TwinPool


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", required=True)
    p.add_argument("--pair", default="pullover:coat")
    p.add_argument("--impls", nargs="+", default=["scratch", "scratch-numba", "keras"])
    p.add_argument("--model", default="mlp")
    p.add_argument("--optimizer", default="adam")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    a, b = args.pair.split(":")
    pair = load_pair(a, b, "official", data_dir=args.data_dir)
    config = ExperimentConfig(model=args.model, pair=args.pair, optimizer=args.optimizer,
                              batch_size=args.batch_size, epochs=args.epochs,
                              protocol="official")
    times = {(i, c): [] for i in args.impls for c in (True, False)}
    with TwinPool(args.impls, threads=1) as pool:
        for rep in range(args.repeats):
            for check in (True, False):
                t0 = time.perf_counter()
                res = run_experiment(config, pair, args.impls, pool=pool, step_check=check)
                wall = time.perf_counter() - t0
                for impl, r in res.items():
                    times[(impl, check)].append(r.curves["epoch_seconds"])
                    print(f"repeat {rep} check={'on ' if check else 'off'} {impl:14s} epochs "
                          + " ".join(f"{s * 1000:7.1f}" for s in r.curves["epoch_seconds"])
                          + f" ms  (step parity {r.step_parity:.1e}; experiment {wall:.1f} s)",
                          flush=True)
    print("median epoch time after the first (ms), check on / off, and their ratio:")
    for impl in args.impls:
        on = statistics.median(s for run in times[(impl, True)] for s in run[1:]) * 1000
        off = statistics.median(s for run in times[(impl, False)] for s in run[1:]) * 1000
        print(f"  {impl:14s} {on:8.1f} / {off:8.1f}  = {on / off:.3f}")


if __name__ == "__main__":
    main()
