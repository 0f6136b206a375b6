"""The scratch MLP's epoch time against the epoch's bare matrix products (docs/speed.md).

Trains ``scratch.training.fit`` (784-100-1, Adam, lr 1e-3) on a pair for ``--epochs`` epochs,
timing every epoch, then times the epoch's five matrix products alone at the same threads (the
floor of the pytest-benchmark group ``gemm-floor``, :mod:`benchmarks.suites.gemm_floor`; run
from a checkout). Prints the BLAS that ran
(threadpoolctl), the median / min / max epoch after the first, the median GEMM epoch, their
ratio and slowest/fastest. Run it with the environment you want to measure, e.g.
``OPENBLAS_THREAD_TIMEOUT=4`` as kvsbench's workers have it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from benchmarks.data import load_pair
from benchmarks.suites.gemm_floor import epoch_gemms
from scratch.models import build_model
from scratch.optimizers import Adam
from scratch.training import fit


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--pair", default="trouser:ankle-boot")
    p.add_argument("--protocol", default="official")
    p.add_argument("--data-dir", default=None, help="e.g. the stand-in of `kvsbench standin`")
    args = p.parse_args()
    pair = load_pair(*args.pair.split(":"), protocol=args.protocol, data_dir=args.data_dir)
    X, y, bs = pair.X_train, pair.y_train, args.batch_size
    with threadpool_limits(args.threads, user_api="blas"):
        blas = [(i["internal_api"], i.get("architecture"), i["num_threads"])
                for i in threadpool_info() if i["user_api"] == "blas"]
        times, last = [], [time.perf_counter()]

        def tick(*_args, **_kwargs):
            now = time.perf_counter()
            times.append(now - last[0])
            last[0] = now

        fit(build_model("mlp"), Adam(0.001), X, y, args.epochs, batch_size=bs,
            rng=np.random.default_rng(0), on_epoch_end=tick)
        gemms = epoch_gemms(X, 100, bs)
        gemm = []
        for _ in range(args.epochs):
            t0 = time.perf_counter()
            gemms()
            gemm.append(time.perf_counter() - t0)
    steady, floor = np.array(times[1:]), float(np.median(gemm[1:]))
    print(f"threads {args.threads}, batch {bs}, {len(X):,} images; BLAS {blas}")
    print(f"epoch median {np.median(steady) * 1e3:.1f} ms (min {steady.min() * 1e3:.1f}, max "
          f"{steady.max() * 1e3:.1f}); GEMM floor {floor * 1e3:.1f} ms; ratio "
          f"{np.median(steady) / floor:.2f}; slowest/fastest {steady.max() / steady.min():.2f}")


if __name__ == "__main__":
    main()
