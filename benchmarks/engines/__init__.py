"""Optional engines that run a sweep elsewhere than in this process's loop; only the CLI
imports them, and the core (config, data, harness, report, regressions) never mentions them
(an import-linter contract in pyproject.toml holds it).

``dask_sweep`` is ``kvsbench run --scheduler``'s client: it submits one Dask task per
experiment and records each as it completes, through the harness' own writers; ``dask_tasks``
is that task, on a Dask worker. Which machine measured a run (``results.hosts``) stays in the
core: every run, serial or not, records its host, and the report and compare read it.
"""
