"""The result directory — the ``--out`` of ``kvsbench run`` — owned by one package.

``schema`` (file names, columns, ranges, keys), ``tables`` (runs.csv and curves.csv read and
checked row by row), ``directory`` (:class:`~benchmarks.results.directory.ResultDirectory`:
a directory opened once, each file read lazily and once, with one error policy), ``rows``
(a run as its CSV rows), ``store`` (writing: rows merged under the lock, env.json and
sweep.json), ``place`` (safe file names, writability, the lock, stale temp files),
``manifest`` (which files in it are kvsbench's own) and ``hosts`` (runs.csv's ``host`` and
env.json's host table). It imports no harness, report or regressions module: the harness
writes through it, the report, compare, history and ``--like`` read through it.
"""
