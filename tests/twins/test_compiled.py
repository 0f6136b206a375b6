"""The compiled scratch twin (numba) against the NumPy one, and the tuned Keras (XLA) twin
against default Keras: the same maths, epoch by epoch."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.config import ExperimentConfig
from benchmarks.harness.runner import run_experiment
from benchmarks.twins import registry
from tests.helpers import make_synthetic_pair

numba = pytest.importorskip("numba", reason='numba is not installed: pip install ".[fast]"')

from scratch import fpmode  # noqa: E402
from scratch.compiled import CompiledEpoch  # noqa: E402
from scratch.models import build_model  # noqa: E402
from scratch.optimizers import SGD, Adam, RMSprop  # noqa: E402
from scratch.training import train_epoch  # noqa: E402

pytestmark = pytest.mark.slow  # compiles and trains the numba twin

RULES = [("sgd", lambda: SGD(0.05)), ("momentum", lambda: SGD(0.01, momentum=0.9)),
         ("rmsprop", lambda: RMSprop(0.001)), ("adam", lambda: Adam(0.001))]


@pytest.mark.parametrize("model", ["mlp", "logreg"])
@pytest.mark.parametrize(("name", "make"), RULES, ids=[r[0] for r in RULES])
def test_compiled_epoch_matches_the_numpy_epoch(model, name, make):
    pair = make_synthetic_pair(n=300)
    X, y = pair.X_train, pair.y_train
    a, b = (build_model(model, hidden_units=16) for _ in range(2))
    for m in (a, b):
        m.initialize("glorot_uniform", rng=np.random.default_rng(0))
    oa, ob = make(), make()
    compiled = CompiledEpoch(b, ob)
    rng = np.random.default_rng(1)
    for epoch in range(8):
        order = rng.permutation(len(X))
        Xe, ye = X[order], y[order]
        la, acc_a = train_epoch(a, oa, Xe, ye, 32)
        with fpmode.flush_denormals():
            lb, acc_b = compiled(Xe, ye, 32)
        assert abs(la - lb) < 1e-6, (epoch, la, lb)
        assert acc_a == acc_b
    assert oa.iterations == ob.iterations == 8 * 10
    for wa, wb in zip(a.params, b.params, strict=True):
        np.testing.assert_allclose(wa, wb, rtol=0, atol=1e-5)


def test_compiled_epoch_refuses_what_it_does_not_compile():
    with pytest.raises(ValueError, match="at most one hidden layer"):
        CompiledEpoch(build_model("mlp", hidden_units=(4, 3)), Adam())
    with pytest.raises(ValueError, match="No compiled update"):
        CompiledEpoch(build_model("mlp"), Adam(amsgrad=True))


def test_scratch_numba_twin_in_its_worker_matches_scratch(fashion_dir):
    from benchmarks.data import load_pair

    pair = load_pair("pullover", "coat", protocol="seed", data_dir=fashion_dir)
    cfg = ExperimentConfig(model="mlp", pair="pullover:coat", batch_size=32, epochs=4)
    res = run_experiment(cfg, pair, ("scratch", "scratch-numba"), reference="scratch")
    r = res["scratch-numba"]
    assert r.status == "ok", r.failure
    assert r.max_loss_diff < 1e-6 and r.pred_agreement == 1.0


@pytest.mark.skipif(registry.TWINS["keras-xla"].missing() is not None,
                    reason=str(registry.TWINS["keras-xla"].missing()))
def test_keras_xla_matches_keras_and_repeats_itself(fashion_dir):
    from benchmarks.data import load_pair

    pair = load_pair("pullover", "coat", protocol="seed", data_dir=fashion_dir)
    cfg = ExperimentConfig(model="mlp", pair="pullover:coat", batch_size=32, epochs=3)
    first = run_experiment(cfg, pair, ("keras", "keras-xla"))
    again = run_experiment(cfg, pair, ("keras", "keras-xla"))["keras-xla"]
    r = first["keras-xla"]
    assert r.status == "ok", r.failure
    assert r.max_loss_diff < 1e-5 and r.pred_agreement >= 0.999
    # no TensorFlow op determinism under XLA: the same numbers twice all the same
    assert r.curves["train_loss"] == again.curves["train_loss"]
