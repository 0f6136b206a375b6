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

The course API is imported from ``scratch`` by the course's names (``from scratch import
propagate``; the explicit list is :data:`scratch.COURSE_API`); this package re-exports nothing.
``scratch.predict`` is the logistic-regression one, ``predict(w, b, X)`` (the moons net's
``predict(X, y, parameters)`` is :func:`scratch.course.moons_net.predict`). Gradient checking
is the core's :mod:`scratch.gradcheck`.
"""
