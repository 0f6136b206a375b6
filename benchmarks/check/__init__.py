"""``kvsbench check TWIN``: the conformance battery of a twin against Keras' exact rules
(:mod:`benchmarks.check.command`, docs/plugins.md)."""
