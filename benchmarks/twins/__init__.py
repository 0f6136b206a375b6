"""The twins: every implementation kvsbench trains, one module per twin family, in the manner of
Keras' ``keras/src/optimizers/`` (one file per idea).

``interface`` says what a twin is (the :class:`~benchmarks.twins.interface.Twin` protocol and an
epoch's figures), ``registry`` is the one list of twins (the ``kvsbench.twins`` entry-point
group, ``--twin`` targets) and ``command`` is ``kvsbench twins``. The families: ``scratch_numpy``
(``scratch``), ``scratch_numba`` (``scratch-numba``), ``keras_default`` (``keras``,
``keras-jax``, ``keras-torch``: Keras at ``compile()``'s defaults), ``keras_tuned``
(``keras-xla``, ``keras-jax-tuned``), ``pytorch`` (``torch``) and ``torch_rules`` (the scratch
twin with PyTorch's update rules, a rule twin). What they share: ``draws`` (initial weights and
batch orders, drawn once per experiment), ``state`` (a training state in Keras' terms),
``timing`` (one step's time), ``threads`` (BLAS threads), and ``step_twin`` (the base of a
twin written as one optimizer step, for plug-ins). The harness runs twins, each in a worker
process of its own; nothing here imports the harness.
"""
