"""The course's sleep-study network: 2 inputs, 3 sigmoid hidden units, 1 sigmoid output, no
biases. Examples are ROWS; the weights are one flat vector of 9 (W1 row-major, then W2), the
form ``scipy.optimize.minimize`` works on::

    z2 = X W1        X (n, 2), W1 (2, 3)        a2 = sigmoid(z2)
    z3 = a2 W2       W2 (3, 1)                  ŷ  = sigmoid(z3)
    J  = ½ Σ (y − ŷ)²

    δ3 = −(y − ŷ) ŷ (1 − ŷ)          dJ/dW2 = a2ᵀ δ3
    δ2 = (δ3 W2ᵀ) a2 (1 − a2)        dJ/dW1 = Xᵀ δ2
"""

from __future__ import annotations

import time

import numpy as np

from scratch.activations import sigmoid
from scratch.gradcheck import compute_numerical_gradient, relative_error
from scratch.losses import half_sum_squares
from scratch.optimizers import SGD, Adam

__all__ = ["HIDDEN", "N_WEIGHTS", "SleepStudyNet", "gradient_check", "initial_weights",
           "train_first_order"]

HIDDEN = 3
N_WEIGHTS = 2 * HIDDEN + HIDDEN


class SleepStudyNet:
    """The network on training inputs ``X`` (n, 2) and targets ``y`` (n, 1)."""

    def __init__(self, X: np.ndarray, y: np.ndarray):
        self.X, self.y = X, y

    @staticmethod
    def unpack(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat (9,) → views W1 (2, 3), W2 (3, 1)."""
        return w[: 2 * HIDDEN].reshape(2, HIDDEN), w[2 * HIDDEN:].reshape(HIDDEN, 1)

    def forward(self, w: np.ndarray, X: np.ndarray | None = None):
        """(a2 (n, 3), ŷ (n, 1)) for inputs X (n, 2), the training inputs by default."""
        W1, W2 = self.unpack(w)
        a2 = sigmoid((self.X if X is None else X) @ W1)
        return a2, sigmoid(a2 @ W2)

    def cost(self, w: np.ndarray) -> float:
        return half_sum_squares(self.y, self.forward(w)[1])

    def cost_and_gradient(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        """(J, dJ/dw (9,)), the pair ``minimize(jac=True)`` expects."""
        _, W2 = self.unpack(w)
        a2, yhat = self.forward(w)
        delta3 = -(self.y - yhat) * yhat * (1 - yhat)
        dW2 = a2.T @ delta3
        delta2 = (delta3 @ W2.T) * a2 * (1 - a2)
        dW1 = self.X.T @ delta2
        return half_sum_squares(self.y, yhat), np.concatenate([dW1.ravel(), dW2.ravel()])


def initial_weights(seed: int = 0) -> np.ndarray:
    """Standard-normal weights (9,) from ``numpy.random.default_rng(seed)`` (the course drew
    them unseeded)."""
    return np.random.default_rng(seed).standard_normal(N_WEIGHTS)


def gradient_check(net: SleepStudyNet, w: np.ndarray, eps: float = 1e-4) -> dict:
    """Analytic vs central-difference gradient at ``w``: ``relative_error`` is scratch's
    ‖a − n‖ / (‖a‖ + ‖n‖), ``course_relative_error`` the course's ‖a − n‖ / ‖a + n‖ (the same
    figure within a factor ~1 when a ≈ n)."""
    analytic = net.cost_and_gradient(w)[1]
    numerical = compute_numerical_gradient(net.cost, w.copy(), eps=eps)
    course = float(np.linalg.norm(analytic - numerical) / np.linalg.norm(analytic + numerical))
    return {
        "eps": eps,
        "relative_error": relative_error(analytic, numerical),
        "course_relative_error": course,
        "analytic": analytic.tolist(),
        "numerical": numerical.tolist(),
    }


def train_first_order(net: SleepStudyNet, w0: np.ndarray, optimizer: str, learning_rate: float,
                      target: float, max_steps: int) -> dict:
    """Gradient descent (``optimizer="gd"``) or Keras' Adam from ``w0`` until the cost is <=
    ``target`` or ``max_steps`` updates.

    ``costs[k]`` is the cost after k updates (``costs[0]`` at ``w0``); ``steps`` the number of
    updates that reached ``target`` (None if none did).
    """
    w = w0.copy()
    opt = SGD(learning_rate) if optimizer == "gd" else Adam(learning_rate)
    costs, steps = [], None
    start = time.perf_counter()
    for k in range(max_steps + 1):
        cost, grad = net.cost_and_gradient(w)
        costs.append(cost)
        if cost <= target:
            steps = k
            break
        if k < max_steps:
            opt.apply_gradients([(grad, w)])
    return {"optimizer": optimizer, "lr": learning_rate, "steps": steps, "final_cost": costs[-1],
            "costs": costs, "seconds": time.perf_counter() - start, "max_steps": max_steps}
