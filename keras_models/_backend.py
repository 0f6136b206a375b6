"""Import Keras quietly, on the backend the process was started for, and make its runs
deterministic and its threads a setting.

Every module of ``keras_models`` imports Keras through :func:`keras_module`, so the environment
is set once, before the backend library is first imported. The backend is Keras' own choice,
``KERAS_BACKEND`` (TensorFlow when unset): the harness runs each backend in a worker process of
its own with that variable set (``keras``, ``keras-jax``, ``keras-torch`` in
``benchmarks/twins/registry.py``), because Keras fixes its backend once per process.
"""

from __future__ import annotations

import os

_DETERMINISM_ENABLED = False


def keras_module():
    """Return the ``keras`` module, with TensorFlow's C++ and Python logging kept to real errors
    (no CUDA probing or retracing chatter on a CPU machine) when TensorFlow is the backend."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
    return keras


def backend_name() -> str:
    """The backend Keras runs on in this process (imports Keras)."""
    return keras_module().backend.backend()


def seed_everything(seed: int, op_determinism: bool = True) -> None:
    """Seed Python, NumPy and the backend (``keras.utils.set_random_seed``) and ask the backend
    for deterministic kernels (TensorFlow op determinism; PyTorch deterministic algorithms;
    JAX on the CPU is deterministic), so the same run gives the same numbers twice.
    ``op_determinism=False`` only seeds (Keras refuses XLA under TensorFlow's determinism)."""
    global _DETERMINISM_ENABLED
    keras = keras_module()
    keras.utils.set_random_seed(int(seed))
    if _DETERMINISM_ENABLED or not op_determinism:
        return
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
    elif backend == "torch":
        import torch

        torch.use_deterministic_algorithms(True)
    _DETERMINISM_ENABLED = True


def set_threads(n: int) -> None:
    """Run the backend's ops on ``n`` threads: TensorFlow's intra-op pool (inter-op 1), PyTorch's
    intra-op threads (inter-op 1); JAX's XLA CPU client is single-threaded for ``n == 1``
    (set before JAX is imported) and uses every core otherwise.

    Must be called before the backend runs its first op (TensorFlow refuses later changes).
    """
    if os.environ.get("KERAS_BACKEND", "tensorflow") == "jax" and int(n) == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        os.environ["XLA_FLAGS"] = (f"{flags} --xla_cpu_multi_thread_eigen=false "
                                   "intra_op_parallelism_threads=1").strip()
    backend = backend_name()
    if backend == "tensorflow":
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(int(n))
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError as exc:  # TensorFlow already initialised in this process
            raise RuntimeError(f"TensorFlow threads can no longer be changed: {exc}") from None
    elif backend == "torch":
        import torch

        torch.set_num_threads(int(n))
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:  # set once per process; a second call only repeats it
            pass


def thread_info() -> dict:
    """The backend and the threads it really runs with (for env.json)."""
    keras = keras_module()
    backend = keras.backend.backend()
    info = {"keras_backend": backend}
    if backend == "tensorflow":
        import tensorflow as tf

        info.update(tf_intra_op_threads=tf.config.threading.get_intra_op_parallelism_threads(),
                    tf_inter_op_threads=tf.config.threading.get_inter_op_parallelism_threads())
    elif backend == "torch":
        import torch

        info.update(torch_threads=torch.get_num_threads(),
                    torch_interop_threads=torch.get_num_interop_threads())
    elif backend == "jax":
        single = "intra_op_parallelism_threads=1" in os.environ.get("XLA_FLAGS", "")
        info["xla_cpu_threads"] = 1 if single else os.cpu_count()
    return info
