"""The tuned Keras twins: Keras as a careful user tunes it for speed — the train step compiled
by XLA (``jit_compile=True``) and many steps per call into the compiled function
(``steps_per_execution``) — on TensorFlow (``keras-xla``) and on JAX (``keras-jax-tuned``).

A module of their own because they answer another question than
:mod:`benchmarks.twins.keras_default` ("how fast is Keras as its users run it, at
``compile()``'s defaults?"): "how fast can Keras be made?". They change only compile options
and, on TensorFlow, op determinism; training, timing and state are the default twin's.
"""

from __future__ import annotations

from benchmarks.twins.keras_default import KerasJaxTwin, KerasTwin


class KerasXlaTwin(KerasTwin):
    """Keras as a careful user tunes it for speed: the train step compiled by XLA
    (``jit_compile=True``) and :data:`STEPS_PER_EXECUTION` steps per call into the graph, so
    Python and the callbacks run once per that many steps.

    Keras turns XLA off when TensorFlow's op determinism is on, so this twin runs without it:
    seeded as the others, one thread, XLA's CPU kernels — deterministic in practice on the CPU,
    which its parity figure and the repeat test check rather than assume.
    """

    label = "Keras (XLA)"
    style = {"ls": "--", "lw": 1.4, "alpha": 0.9, "marker": "D", "color": "#d35400"}
    description = "tf.keras tuned for speed: jit_compile=True (XLA), steps_per_execution"
    order = 40

    JIT_COMPILE = True
    #: measured on a 7,200-image pair at batch 32 (docs/speed.md): 1 → 10 → 50 → 100 steps per
    #: call, the epoch shrinks until per-call overhead is negligible
    STEPS_PER_EXECUTION = 50
    OP_DETERMINISM = False


class KerasJaxTunedTwin(KerasJaxTwin):
    """Keras on JAX tuned for speed: XLA as JAX's default already compiles the train step, and
    :data:`STEPS_PER_EXECUTION` steps run per call, so Python, the callbacks and the dispatch
    run once per that many steps. Measured at 9,600 images, 1 thread (docs/twins.md): no gain
    at batch 32; at batch 256 the median epoch halves (88 → 48 ms at 10, 45 ms at 50 steps)."""

    label = "Keras (JAX, tuned)"
    style = {"ls": ":", "lw": 1.4, "alpha": 0.9, "marker": "<", "color": "#1e8449"}
    description = "Keras on JAX tuned for speed: jit_compile=True, steps_per_execution"
    order = 65

    JIT_COMPILE = True
    STEPS_PER_EXECUTION = 50
