"""Exception types of kvsbench: each carries one line that names what is wrong and what to do."""


class KvsbenchError(Exception):
    """Base of every error kvsbench reports to a user as one line (the CLI exits 2 on it)."""


class DataError(KvsbenchError, ValueError):
    """Fashion-MNIST could not be found, read or cut as asked (names the file or argument)."""


class ConfigError(KvsbenchError, ValueError):
    """An experiment setting is invalid (names the argument and the value received)."""


class ResultsError(KvsbenchError):
    """A result directory is missing, is not a kvsbench result, or holds another config."""


class WriteError(KvsbenchError):
    """A file could not be written (names the file and the cause: disk full, no permission, a
    file where a directory should be); the previous file, if any, is left as it was."""
