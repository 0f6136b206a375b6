"""Each Keras twin at its framework's own defaults, and the tuned twins really tuned: what every
worker reports (env.json's ``twins``) is what Keras resolved there, and ``keras-xla`` really
compiles with XLA (TensorFlow's log says so; op determinism would have made Keras drop it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.config import ExperimentConfig
from benchmarks.harness.worker import TwinPool, TwinWorker
from benchmarks.twins import registry
from benchmarks.twins.draws import initial_weights

pytestmark = pytest.mark.slow

#: (backend, jit_compile, steps_per_execution) each twin must run with: Keras' compile()
#: defaults resolve "auto" to XLA on JAX only (no GPU here); keras-xla is tuned, by name
EXPECTED = {
    "keras": ("tensorflow", False, 1),
    "keras-jax": ("jax", True, 1),
    "keras-torch": ("torch", False, 1),
    "keras-xla": ("tensorflow", True, 50),
    "keras-jax-tuned": ("jax", True, 50),
    "torch": ("torch", False, 1),
    "scratch": ("numpy", False, 1),
}
#: TensorFlow's one line (C++ log, level INFO) when it runs a cluster through XLA
XLA_LOG_LINE = "Compiled cluster using XLA"


def _installed(names):
    return [pytest.param(n, marks=pytest.mark.skipif(registry.TWINS[n].missing() is not None,
                                                     reason=registry.TWINS[n].missing() or ""))
            for n in names]


@pytest.mark.parametrize("twin", _installed(EXPECTED))
def test_each_twin_reports_its_settings_as_resolved(tmp_path, twin):
    worker = TwinWorker(twin, threads=1, log_path=tmp_path / "w.log")
    try:
        info = worker.info
    finally:
        worker.close()
    assert (info["backend"], info["jit_compile"], info["steps_per_execution"]) == EXPECTED[twin]
    # plain values only: unpickling a framework's type (torch's TorchVersion) would import that
    # framework into the parent (the runtime guard caught it beside TensorFlow)
    assert all(type(v).__module__ == "builtins" for v in info.values()), info


@pytest.mark.parametrize("twin", _installed(["keras-xla", "keras"]))
def test_keras_xla_runs_xla_and_keras_does_not(tmp_path, monkeypatch, synthetic_pair, twin):
    xla = twin == "keras-xla"
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")  # TensorFlow's INFO lines into the log
    log = tmp_path / f"{twin}.log"
    cfg = ExperimentConfig(model="mlp", batch_size=32, epochs=1)
    with TwinPool((twin,), threads=1) as pool:
        worker = TwinWorker(twin, 1, log_path=log)
        pool.workers[twin] = worker
        pool.load(worker, synthetic_pair)
        worker.call("build", config=cfg, weights=initial_weights(cfg))
        worker.call("epoch", epoch=0)
    assert (XLA_LOG_LINE in Path(log).read_text(errors="replace")) is xla
