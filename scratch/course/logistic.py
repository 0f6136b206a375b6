"""Course logistic regression, examples as COLUMNS.

The seed course's "Logistic Regression with a Neural Network mindset" assignment:
``X`` has shape (n_features, m), one example per column; ``Y`` has shape (1, m);
the weights ``w`` are a column of shape (n_features, 1) and the bias ``b`` a float.

The formulas are the core's: the sigmoid (:mod:`scratch.activations`), the cross-entropy
(:func:`scratch.losses.binary_crossentropy`, with ``epsilon=0`` to get the course's
unclipped cost) and the plain gradient step (:func:`scratch.optimizers.sgd_step`).
"""

from __future__ import annotations

import numpy as np

from scratch.activations import sigmoid
from scratch.losses import binary_crossentropy
from scratch.optimizers import sgd_step

__all__ = ["initialize_with_zeros", "propagate", "optimize", "predict", "model"]


def initialize_with_zeros(dim: int) -> tuple[np.ndarray, float]:
    """Zero weights and bias for ``dim`` features.

    Parameters
    ----------
    dim : int
        Number of features.

    Returns
    -------
    w : ndarray of shape (dim, 1), float64 zeros
    b : float, 0.0
    """
    return np.zeros((dim, 1), dtype=np.float64), 0.0


def _activation(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """``A = sigmoid(w.T X + b)``, of shape (1, m)."""
    return sigmoid(w.T @ X + b)


def propagate(w: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> tuple[dict, np.ndarray]:
    """Cost and gradients of logistic regression (one forward and one backward pass).

    ``A = sigmoid(wᵀX + b)``;
    ``cost = -1/m · Σ(Y·log A + (1-Y)·log(1-A))`` (unclipped, as in the course);
    ``dw = X (A-Y)ᵀ / m``; ``db = Σ(A-Y) / m``.

    Parameters
    ----------
    w : ndarray of shape (n_features, 1)
    b : float
    X : ndarray of shape (n_features, m)
    Y : ndarray of shape (1, m), labels 0 or 1

    Returns
    -------
    grads : dict
        ``"dw"``: ndarray of shape (n_features, 1); ``"db"``: float.
    cost : 0-d ndarray (float-like)
        The mean negative log-likelihood; ``np.squeeze``d as in the course.
    """
    m = X.shape[1]
    A = _activation(w, b, X)
    cost = np.squeeze(np.array(binary_crossentropy(Y, A, epsilon=0.0)))
    dZ = A - Y
    dw = X @ dZ.T / m
    db = float(np.sum(dZ) / m)
    return {"dw": dw, "db": db}, cost


def optimize(
    w: np.ndarray,
    b: float,
    X: np.ndarray,
    Y: np.ndarray,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    print_cost: bool = False,
) -> tuple[dict, dict, list]:
    """Full-batch gradient descent on :func:`propagate`.

    The caller's ``w`` is copied first and never modified.

    Parameters
    ----------
    w : ndarray of shape (n_features, 1)
        Initial weights.
    b : float
        Initial bias.
    X : ndarray of shape (n_features, m)
    Y : ndarray of shape (1, m)
    num_iterations : int, default 100
    learning_rate : float, default 0.009
    print_cost : bool, default False
        Print ``"Cost after iteration %i: %f"`` every 100 iterations.

    Returns
    -------
    params : dict
        ``"w"``: ndarray of shape (n_features, 1); ``"b"``: float — after the last step.
    grads : dict
        ``"dw"``, ``"db"`` of the last iteration (computed before its step).
    costs : list of 0-d ndarray
        The cost at iterations 0, 100, 200, ... (before that iteration's step).
    """
    w = np.array(w, dtype=np.float64)  # a copy: the caller's w is never touched
    b_slot = np.array(b, dtype=np.float64)  # 0-d array, so that sgd_step can update it in place
    grads: dict = {}
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, float(b_slot), X, Y)
        sgd_step(w, grads["dw"], learning_rate)
        sgd_step(b_slot, np.array(grads["db"]), learning_rate)
        if i % 100 == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {float(cost):f}")
    return {"w": w, "b": float(b_slot)}, grads, costs


def predict(w: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    """Predict 0/1 labels: 1 where ``sigmoid(wᵀX + b) > 0.5``.

    Parameters
    ----------
    w : ndarray of shape (n_features, 1) (or any shape with n_features elements)
    b : float
    X : ndarray of shape (n_features, m)

    Returns
    -------
    ndarray of shape (1, m), float64 zeros and ones
    """
    w = np.reshape(w, (X.shape[0], 1))
    return (_activation(w, b, X) > 0.5).astype(np.float64)


def model(
    X_train: np.ndarray,
    Y_train: np.ndarray,
    X_test: np.ndarray,
    Y_test: np.ndarray,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
) -> dict:
    """Train logistic regression from zero weights and predict on the train and test sets.

    Parameters
    ----------
    X_train : ndarray of shape (n_features, m_train)
    Y_train : ndarray of shape (1, m_train)
    X_test : ndarray of shape (n_features, m_test)
    Y_test : ndarray of shape (1, m_test)
    num_iterations : int, default 2000
    learning_rate : float, default 0.5
    print_cost : bool, default False
        Print the cost every 100 iterations, then the train and test accuracy.

    Returns
    -------
    dict
        ``"costs"`` (list), ``"Y_prediction_test"`` (1, m_test), ``"Y_prediction_train"``
        (1, m_train), ``"w"`` (n_features, 1), ``"b"`` (float), ``"learning_rate"``,
        ``"num_iterations"``.
    """
    w, b = initialize_with_zeros(X_train.shape[0])
    params, _, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        train_accuracy = 100 - np.mean(np.abs(Y_prediction_train - Y_train)) * 100
        test_accuracy = 100 - np.mean(np.abs(Y_prediction_test - Y_test)) * 100
        print(f"train accuracy: {train_accuracy} %")
        print(f"test accuracy: {test_accuracy} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }
