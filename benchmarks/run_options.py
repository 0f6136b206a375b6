"""The options of ``kvsbench run`` (its parser's arguments and their defaults), apart from the
command itself (:mod:`benchmarks.cli`), which turns them into a sweep."""

from __future__ import annotations

from pathlib import Path

DEFAULT_OUT = Path("results") / "latest"
#: the split of `kvsbench run` unless --protocol says otherwise: a Keras user expects test
#: accuracy on the official test images (the course experiments keep the course's `seed` split)
RUN_PROTOCOL = "official"
PROTOCOL_HELP = (
    "Split protocols: 'official' (the default) validates on a seeded 20% of the pair's training "
    "images and tests on the pair's images of the t10k (test) file, as "
    "keras.datasets.fashion_mnist.load_data() splits it; 'seed' is the course's split: the "
    "pair's training images shuffled with seed 42, then 60% train, 20% test, 20% validation "
    "(the t10k file is never read). Note: in the offline subset "
    "(../shared/fashion-mnist-subset) the t10k files are later TRAINING images, not the "
    "official test set. docs/data.md has the details."
)


def add_run_options(p) -> None:
    """Add every ``kvsbench run`` option to the argparse parser ``p``."""
    from benchmarks.config import (
        ACTIVATIONS,
        DEFAULT_PAIRS,
        INITS,
        MODELS,
        OPTIMIZERS,
        PROTOCOLS,
        SCHEDULES,
    )
    from benchmarks.harness.sweep import DEFAULT_THREADS
    from benchmarks.harness.worker import DEFAULT_TIMEOUT
    from benchmarks.twins import registry

    pairs = p.add_mutually_exclusive_group()
    pairs.add_argument("--pairs", nargs="+", default=list(DEFAULT_PAIRS), metavar="A:B",
                       help="class pairs by index or name, e.g. trouser:ankle-boot 2:4; label 1 "
                       "is the second class")
    pairs.add_argument("--all-pairs", action="store_true", help="all 45 pairs")
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS,
                   help="logreg: 784 → 1 sigmoid; mlp: 784 → Dense(--hidden-units) → 1")
    p.add_argument("--optimizer", default="adam", choices=OPTIMIZERS,
                   help="Keras' optimizer, with Keras' exact update rule in both twins")
    p.add_argument("--lr", type=float, default=0.001, help="learning rate, > 0")
    p.add_argument("--batch-size", default="32", help="a positive int, or 'full' (full-batch "
                   "gradient descent)")
    p.add_argument("--epochs", type=int, default=20, help="epochs per run")
    p.add_argument("--schedule", default="constant", choices=SCHEDULES,
                   help="per-epoch learning-rate schedule: inverse_time lr/(1+rate·epoch), "
                   "staircase lr/(1+rate·floor(epoch/interval))")
    p.add_argument("--decay-rate", type=float, default=1.0, help="rate of --schedule")
    p.add_argument("--decay-interval", type=int, default=1,
                   help="epochs per step of --schedule staircase")
    p.add_argument("--init", default="glorot_uniform", choices=INITS,
                   help="initial kernels (biases are zero); drawn once, loaded into every twin")
    p.add_argument("--hidden-units", type=int, default=100, help="hidden units of mlp")
    p.add_argument("--activation", default="relu", choices=ACTIVATIONS,
                   help="hidden activation of mlp")
    p.add_argument("--momentum", type=float, default=0.9, help="beta of --optimizer momentum")
    p.add_argument("--seeds", type=int, default=1, help="repeat each experiment with seeds "
                   "0..N-1 (initial weights, batch order, validation draw); 3 or more give "
                   "95%% intervals")
    p.add_argument("--protocol", default=RUN_PROTOCOL, choices=PROTOCOLS,
                   help="how a pair is split (see below)")
    p.add_argument("--impls", nargs="+", default=list(registry.DEFAULT_TWINS), metavar="TWIN",
                   help=f"twins to train, each in its own process: {', '.join(registry.names())}"
                   " (kvsbench twins lists them; an installed plug-in's name works too), or "
                   "all (every installed twin)")
    p.add_argument("--twin", action="append", default=None, metavar="MODULE:CLASS|FILE.py:CLASS",
                   help="add your own twin class to the run (repeatable; docs/plugins.md)")
    p.add_argument("--on-twin-error", default="skip", choices=("stop", "skip"),
                   help="a twin that fails to import, lacks a method or raises: stop the run, "
                   "or go on without it")
    p.add_argument("--reference", default=None, metavar="TWIN",
                   help="the twin the others' parity and speed are measured against (default: "
                   f"{registry.DEFAULT_REFERENCE} when it runs, else the first twin)")
    p.add_argument("--target-acc", type=float, default=None, metavar="ACC",
                   help="record the time to reach this validation accuracy, in (0, 1] "
                   "(default: not recorded)")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="directory with the four Fashion-MNIST files (default: "
                   "FASHION_MNIST_DIR, then the Keras cache, then a download; see kvsbench data)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="result directory; re-running into it skips the runs already recorded")
    p.add_argument("--threads", default=str(DEFAULT_THREADS), metavar="N|all",
                   help="threads of every twin (NumPy's BLAS, TensorFlow's op pool): each twin "
                   "trains alone in its own process, one at a time, so N threads are N cores "
                   "for each; 'all' (or 0) is every core of the machine, and more than its "
                   "cores is refused; docs/speed.md has the figures behind the choice")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="an epoch of one twin taking longer than this is a failed run: its "
                   "worker is killed and the sweep goes on")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS|local:N",
                   help="run the experiments as Dask tasks: on the running Dask scheduler at "
                   "ADDRESS (tcp://host:8786), or on a local cluster of N single-threaded worker "
                   "processes; results are recorded here as each experiment completes "
                   '(needs pip install "kvsbench[dask]"; docs/dask.md)')
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--verbose", action="store_true",
                   help="show TensorFlow's own output (its start-up lines and warnings); "
                   "without it, it goes to a log file")
    p.add_argument("--like", type=Path, default=None, metavar="DIR",
                   help="rerun exactly the sweep recorded in result directory DIR (its "
                   "sweep.json and experiments), e.g. to match a baseline for kvsbench "
                   "compare; only --out, --data-dir, --timeout, --scheduler, --quiet and "
                   "--verbose may be given with it")
