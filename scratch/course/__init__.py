"""The course API: the seed course's functions, by the course's names, over the core.

Each module keeps the data convention of its part of the course:

================= ============================================ =================================
module            what                                         convention
================= ============================================ =================================
``basics``        sigmoid, image2vector, normalize_rows,       any shape; softmax row-wise
                  softmax, L1, L2
``logistic``      initialize_with_zeros, propagate, optimize,  examples as COLUMNS, X (n_x, m),
                  predict, model                               Y (1, m), w (n_x, 1), b float
``fashion``       bias_trick, binary_cross_entropy, accuracy,  examples as ROWS, X (n, n_x + 1)
                  train_test_validation_split,                 with a column of ones, theta
                  logistic_regression                          (n_x + 1,)
``optim``         mini-batches, momentum, Adam, He init,       examples as COLUMNS, dicts
                  learning-rate decay                          {"W1", "b1", ...}, {"dW1", ...}
``moons_net``     the moons net: forward and backward          as ``optim``
                  propagation, cost, predict_dec
``moons``         the course's training loop of that net       as ``optim``
``blobs``         logistic regression with the course's step   examples as ROWS, w (2,), b float
``sleep_study``   the 2-3-1 network without biases             examples as ROWS, flat weights
================= ============================================ =================================

Exported here (and from ``scratch``) are the names of docs/course.md, "The course API";
``predict`` is the logistic-regression one, ``predict(w, b, X)`` (the moons net's
``predict(X, y, parameters)`` is :func:`scratch.course.moons_net.predict`). Gradient checking
is the core's :mod:`scratch.gradcheck`, re-exported.
"""

from scratch.course.basics import (
    L1,
    L2,
    basic_sigmoid,
    image2vector,
    normalize_rows,
    sigmoid,
    sigmoid_derivative,
    softmax,
)
from scratch.course.fashion import (
    accuracy,
    bias_trick,
    binary_cross_entropy,
    binary_cross_entropy_derivative,
    logistic_regression,
    train_test_validation_split,
)
from scratch.course.logistic import (
    initialize_with_zeros,
    model,
    optimize,
    predict,
    propagate,
)
from scratch.course.moons_net import (
    backward_propagation,
    compute_cost,
    forward_propagation,
    predict_dec,
)
from scratch.course.optim import (
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)
from scratch.gradcheck import compute_numerical_gradient, relative_error

__all__ = [
    # basics
    "basic_sigmoid",
    "sigmoid",
    "sigmoid_derivative",
    "image2vector",
    "normalize_rows",
    "softmax",
    "L1",
    "L2",
    # logistic regression, examples as columns
    "initialize_with_zeros",
    "propagate",
    "optimize",
    "predict",
    "model",
    # Fashion-MNIST logistic regression, examples as rows
    "bias_trick",
    "binary_cross_entropy",
    "binary_cross_entropy_derivative",
    "accuracy",
    "train_test_validation_split",
    "logistic_regression",
    # optimisation, parameter dicts, examples as columns
    "update_parameters_with_gd",
    "random_mini_batches",
    "initialize_velocity",
    "update_parameters_with_momentum",
    "initialize_adam",
    "update_parameters_with_adam",
    "initialize_parameters",
    "update_lr",
    "schedule_lr_decay",
    "forward_propagation",
    "backward_propagation",
    "compute_cost",
    "predict_dec",
    # gradient checking (the core's)
    "compute_numerical_gradient",
    "relative_error",
]
