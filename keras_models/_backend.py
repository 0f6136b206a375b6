"""Import Keras on the TensorFlow backend, quietly, and make its runs deterministic.

Every module of ``keras_models`` imports Keras through :func:`keras_module` so that the
environment (backend, log level) is set once, before TensorFlow is first imported.
"""

from __future__ import annotations

import os

_DETERMINISM_ENABLED = False


def keras_module():
    """Return the ``keras`` module on the TensorFlow backend, with TensorFlow's C++ and Python
    logging kept to real errors (no CUDA probing or retracing chatter on a CPU machine)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    return keras


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow (``keras.utils.set_random_seed``) and turn on TF op
    determinism, so the same run gives the same numbers twice."""
    global _DETERMINISM_ENABLED
    keras = keras_module()
    keras.utils.set_random_seed(int(seed))
    if not _DETERMINISM_ENABLED:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
        _DETERMINISM_ENABLED = True


def set_threads(n: int) -> None:
    """Run TensorFlow's ops on ``n`` intra-op threads and one inter-op thread.

    Must be called before TensorFlow runs its first op (TensorFlow refuses later changes).
    """
    keras_module()
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(int(n))
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError as exc:  # TensorFlow already initialised in this process
        raise RuntimeError(f"TensorFlow threads can no longer be changed: {exc}") from None
