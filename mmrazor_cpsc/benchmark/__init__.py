"""Benchmark and tuning of data-free distillation methods at one budget.

The logic behind ``tools/benchmark.py`` and ``tools/tune.py``, one concept
per module:

- :mod:`.paths`: where the configs and tools are (a checkout or the
  installed package's ``.mim``).
- :mod:`.suites`: the suites (pairs, data, method configs) and method names.
- :mod:`.budget`: minutes -> iterations (calibration), ``--stop-by``.
- :mod:`.runs`: one run's config, its training and test subprocesses, and
  the state a benchmark keeps between sessions (resume, import).
- :mod:`.references`: the teacher's and the real-data student's test top-1.
- :mod:`.report`: results.md, per-class tables, curves, tuning tables.
- :mod:`.session`: a whole benchmark session, from checked arguments.
- :mod:`.tuning`: the Optuna study of ``tools/tune.py``.

Importing this package imports nothing heavy; each module imports torch,
mmengine or Optuna where it needs them.
"""
