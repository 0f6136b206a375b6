"""Keras twin of ``scratch/mlp.py``: Input(n_features) → Dense(h, act) … → Dense(1, sigmoid).

The sigmoid head matters for parity: on the TensorFlow backend Keras caches the head's logits
and ``binary_crossentropy`` computes the loss from them (``sigmoid_cross_entropy_with_logits``),
exactly the loss the scratch twin computes.
"""

from __future__ import annotations

from collections.abc import Sequence

from keras_models._backend import keras_module

ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu")


def build_mlp(
    n_features: int = 784,
    hidden_units: int | Sequence[int] = (100,),
    activation: str = "relu",
    name: str = "mlp",
):
    """Build (uncompiled) Input(n_features) → Dense(h, activation)… → Dense(1, sigmoid).

    Parameters
    ----------
    n_features : int
        Width of an input row; X has shape (n_samples, n_features).
    hidden_units : int or sequence of int
        Width of each hidden Dense layer; ``()`` gives logistic regression.
    activation : {"relu", "sigmoid", "tanh", "leaky_relu"}
        Hidden activation (Keras' own functions; leaky_relu with Keras' slope 0.2).

    Returns
    -------
    keras.Model
        Weights in layer order [kernel (in, out), bias (out,)] per Dense layer, the same
        order as ``scratch.MLP.get_weights()``.
    """
    keras = keras_module()
    if isinstance(hidden_units, int):
        hidden_units = (hidden_units,)
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"Argument `activation` must be one of {ACTIVATIONS}. "
            f"Received: activation={activation!r}"
        )
    inputs = keras.Input(shape=(n_features,), name="pixels")
    x = inputs
    for i, units in enumerate(hidden_units, start=1):
        x = keras.layers.Dense(int(units), activation=activation, name=f"hidden_{i}")(x)
    outputs = keras.layers.Dense(1, activation="sigmoid", name="output")(x)
    return keras.Model(inputs, outputs, name=name)

