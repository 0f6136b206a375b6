"""The pytest-benchmark suites (``pytest benchmarks/ --benchmark-only``): test support, not
part of the installed package."""
