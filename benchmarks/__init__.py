"""kvsbench harness: data, experiment config, paired runner, records, reports and the CLI."""

from importlib import metadata as _metadata

try:
    #: the installed distribution's version (pyproject.toml); env.json and every report carry it
    __version__ = _metadata.version("kvsbench")
except _metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
