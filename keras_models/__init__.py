"""tf.keras (Keras 3) twins of the scratch models, in files named as theirs
(``scratch/mlp.py`` ↔ ``keras_models/mlp.py``, ``scratch/logreg.py`` ↔ ``keras_models/logreg.py``).

Importing this package does not import TensorFlow; the submodules do.
"""

__all__ = ["build_model", "build_optimizer", "epoch_schedule"]


def __getattr__(name):
    if name == "build_model":
        from keras_models.models import build_model

        return build_model
    if name in ("build_optimizer", "epoch_schedule"):
        from keras_models import optimizers

        return getattr(optimizers, name)
    raise AttributeError(name)
