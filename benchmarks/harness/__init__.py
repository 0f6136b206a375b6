"""The harness: a config's twins trained in lockstep, and what they did written down.

The twins themselves and their registry are :mod:`benchmarks.twins`; here ``worker`` runs
a process per twin, ``runner`` one paired experiment (and the parity formula), ``sweep`` every
experiment of a ``kvsbench run`` (written through :mod:`benchmarks.results`, which owns the
result directory), ``envinfo`` the machine a result was made on. The same sweep as Dask tasks
is an optional engine,
:mod:`benchmarks.engines`, which the harness never imports.
"""
