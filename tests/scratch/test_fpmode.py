"""scratch.fpmode: the CPU's flush-to-zero mode (scoped, per thread, never leaking), the explicit
fallback, and the training loop using them (same losses, no subnormals left in Adam's slots)."""

import threading

import numpy as np
import pytest

from scratch import fpmode
from scratch.mlp import MLP
from scratch.optimizers import SGD, Adam
from scratch.training import fit, train_epoch

TINY32 = np.finfo(np.float32).tiny
needs_cpu_mode = pytest.mark.skipif(
    not fpmode.cpu_flush_available(),
    reason=f"CPU flush-to-zero mode unavailable here: {fpmode.unavailable_reason()}",
)


@pytest.fixture
def cpu_mode_off():
    """Start with the calling thread's flush bits cleared; put back what was there after."""
    state = fpmode._platform_state()[0]
    if state is None:
        yield
        return
    previous = fpmode._swap_flush_bits(state, 0)
    try:
        yield
    finally:
        fpmode._swap_flush_bits(state, previous)


@pytest.fixture
def explicit_only(monkeypatch):
    """Behave as on a platform where the CPU mode is unavailable."""
    monkeypatch.setattr(fpmode, "_platform_state", lambda: (None, "unavailable in this test"))


def subnormals(a):
    """Number of subnormal values in ``a``."""
    return int(np.count_nonzero((a != 0) & (np.abs(a) < np.finfo(a.dtype).tiny)))


def slot_subnormals(optimizer, params):
    slots = [optimizer.get_slot(p, name) for p in params for name in ("momentum", "velocity")]
    return sum(subnormals(slot) for slot in slots)


# ----------------------------------------------------------------------------- the CPU mode


@needs_cpu_mode
def test_means_names_the_cpu_mode():
    assert fpmode.means() in (fpmode.FTZ_DAZ, fpmode.FZ)
    assert fpmode.unavailable_reason() is None


@needs_cpu_mode
def test_mode_is_on_inside_and_restored_after(cpu_mode_off):
    assert not fpmode.flush_mode_enabled()
    with fpmode.flush_denormals() as means:
        assert means == fpmode.means()
        assert fpmode.flush_mode_enabled()
        with fpmode.flush_denormals():  # nested: the inner exit keeps the outer mode
            assert fpmode.flush_mode_enabled()
        assert fpmode.flush_mode_enabled()
    assert not fpmode.flush_mode_enabled()


@needs_cpu_mode
def test_mode_is_restored_after_an_exception(cpu_mode_off):
    with pytest.raises(KeyError):
        with fpmode.flush_denormals():
            assert fpmode.flush_mode_enabled()
            raise KeyError("boom")
    assert not fpmode.flush_mode_enabled()
    assert np.float32(2e-38) * np.float32(0.5) != 0  # and NumPy computes subnormals again


@needs_cpu_mode
def test_an_already_on_mode_stays_on_after_the_context(cpu_mode_off):
    state = fpmode._platform_state()[0]
    fpmode._swap_flush_bits(state, state[0][2])  # on before entering
    with fpmode.flush_denormals():
        pass
    assert fpmode.flush_mode_enabled()


@needs_cpu_mode
def test_subnormal_products_flush_inside_not_outside(cpu_mode_off):
    x = np.full(1000, 1e-39, np.float32)  # subnormal, made outside the mode
    assert subnormals(x) == 1000
    one, big = np.float32(1), np.float32(2.0**30)
    np.testing.assert_array_equal(x * one, x)  # outside: kept
    assert np.all(x * big > 1e-31)
    with fpmode.flush_denormals():
        assert not np.any(x * one)  # subnormal results are flushed (FTZ)
        assert not np.any(x * big)  # subnormal inputs read as 0 (DAZ)
        assert np.float32(2e-38) * np.float32(0.5) == 0
        assert np.float32(4e-38) * np.float32(0.5) == np.float32(2e-38)  # normal results kept
    np.testing.assert_array_equal(x * one, x)


@needs_cpu_mode
def test_only_the_calling_thread_is_affected(cpu_mode_off):
    go, seen = threading.Event(), {}

    def other_thread():
        go.wait(timeout=10)
        seen["enabled"] = fpmode.flush_mode_enabled()
        seen["product"] = np.float32(2e-38) * np.float32(0.5)

    thread = threading.Thread(target=other_thread)
    thread.start()  # created before the mode is set
    with fpmode.flush_denormals():
        go.set()
        thread.join(timeout=10)
        assert fpmode.flush_mode_enabled()
    assert seen == {"enabled": False, "product": np.float32(1e-38)}


# ----------------------------------------------------------------------------- the fallback


def test_unavailable_mode_reports_explicit_and_changes_nothing(explicit_only, cpu_mode_off):
    assert fpmode.means() == fpmode.EXPLICIT
    assert not fpmode.cpu_flush_available()
    assert fpmode.unavailable_reason() == "unavailable in this test"
    with fpmode.flush_denormals() as means:
        assert means == fpmode.EXPLICIT
        assert np.float32(2e-38) * np.float32(0.5) != 0  # nothing was flushed
    with fpmode.flush_denormals(enabled=False) as means:
        assert means == fpmode.OFF


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("with_work", [False, True])
def test_explicit_flush_zeroes_exactly_the_subnormals(dtype, with_work, cpu_mode_off):
    info = np.finfo(dtype)
    smallest = np.nextafter(dtype(0), dtype(1))
    kept = np.array(
        [0.0, -0.0, info.tiny, -info.tiny, np.nextafter(info.tiny, dtype(1)), -4 * info.tiny,
         1.0, -3.5, info.max, -info.max, np.inf, -np.inf], dtype=dtype,
    )  # fmt: skip
    flushed = np.array(
        [smallest, -smallest, info.tiny / 2, -info.tiny / 2, np.nextafter(info.tiny, dtype(0))],
        dtype=dtype,
    )
    assert subnormals(flushed) == flushed.size and subnormals(kept) == 0
    a = np.concatenate([kept, flushed, [np.nan]]).astype(dtype).reshape(2, 3, 3)
    work = np.empty_like(a) if with_work else None
    out = fpmode.flush_subnormals(a, work=work)
    assert out is a and a.dtype == dtype
    flat = a.reshape(-1)
    np.testing.assert_array_equal(flat[: kept.size], kept)
    np.testing.assert_array_equal(flat[kept.size : -1], 0)
    assert np.array_equal(np.signbit(flat[: kept.size]), np.signbit(kept))
    assert np.isnan(flat[-1])


def test_optimizer_flushes_its_slots_not_its_work_buffers():
    w = np.ones(4, np.float32)
    opt = Adam()
    opt.build([w])
    m, v = opt.get_slot(w, "momentum"), opt.get_slot(w, "velocity")
    m[:] = [1e-39, -1e-39, 1e-3, 0]
    v[:] = [1e-40, 1e-6, 0, 1e-39]
    opt.flush_subnormal_slots()
    np.testing.assert_array_equal(m, np.array([0, 0, 1e-3, 0], np.float32))
    np.testing.assert_array_equal(v, np.array([0, 1e-6, 0, 0], np.float32))


# ----------------------------------------------------------------------------- training


def tiny_feature_problem(n=64, seed=0):
    """Binary data whose last features are ~1e-15..1e-19: their Adam velocities go subnormal."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 8)).astype(np.float32)
    X[:, 4:] *= np.array([1e-15, 1e-16, 1e-17, 1e-18], np.float32)
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(np.float32)
    return X, y


def train(flush, epochs=15):
    X, y = tiny_feature_problem()
    model, opt = MLP(8, (16,)), Adam(0.01)
    orders = [np.random.default_rng(e).permutation(len(X)) for e in range(epochs)]
    history = fit(model, opt, X, y, epochs, batch_size=8, orders=orders, flush_denormals=flush)
    return history, model, opt


def test_training_without_flushing_keeps_subnormals_in_the_slots(cpu_mode_off):
    _, model, opt = train(flush=False)
    assert slot_subnormals(opt, model.params) > 0  # so the tests below have something to flush


@pytest.mark.parametrize("means", [pytest.param("cpu", marks=needs_cpu_mode), "explicit"])
def test_flushed_training_gives_the_same_losses_and_no_subnormal_slots(
    means, monkeypatch, cpu_mode_off
):
    plain, _, _ = train(flush=False)
    if means == "explicit":
        monkeypatch.setattr(fpmode, "_platform_state", lambda: (None, "explicit in this test"))
    flushed, model, opt = train(flush=True)
    np.testing.assert_allclose(flushed.loss, plain.loss, rtol=0, atol=1e-6)
    np.testing.assert_allclose(flushed.accuracy, plain.accuracy, rtol=0, atol=1e-6)
    assert slot_subnormals(opt, model.params) == 0
    assert not fpmode.flush_mode_enabled()  # the mode did not leak out of fit


@needs_cpu_mode
@pytest.mark.parametrize("flush", [True, False])
def test_train_epoch_steps_run_in_the_mode_only_when_asked(flush, cpu_mode_off):
    X, y = tiny_feature_problem(16)
    model = MLP(8, (4,))
    seen = []

    class RecordingSGD(SGD):
        def apply_gradients(self, grads_and_vars):
            seen.append(fpmode.flush_mode_enabled())
            return super().apply_gradients(grads_and_vars)

    train_epoch(model, RecordingSGD(0.1), X, y, 4, flush_denormals=flush)
    assert seen == [flush] * 4
    assert not fpmode.flush_mode_enabled()


@needs_cpu_mode
def test_train_epoch_restores_the_mode_when_a_step_raises(cpu_mode_off):
    X, y = tiny_feature_problem(16)

    class FailingSGD(SGD):
        def apply_gradients(self, grads_and_vars):
            raise RuntimeError("step failed")

    with pytest.raises(RuntimeError, match="step failed"):
        train_epoch(MLP(8, (4,)), FailingSGD(0.1), X, y, 4)
    assert not fpmode.flush_mode_enabled()
