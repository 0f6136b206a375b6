"""What the data of a result directory is, in words, for the report and the terminal.

``env.json``'s ``data`` says where the files came from and their kind
(:func:`benchmarks.data.data_kind`, from the MD5s ``kvsbench data verify`` checks):
Fashion-MNIST's own files, another copy (a subset: its t10k files need not be the official
test set — the offline subset's are later TRAINING images), or a timing-only stand-in of
repeated images. A test accuracy means what the data makes it mean, so the verdict says which.
"""

from __future__ import annotations


def data_kind_of(env: dict | None) -> str | None:
    """``"official"``, ``"subset"``, ``"standin"``, or None when env.json does not say (an
    older directory: only a stand-in was marked then)."""
    data = (env or {}).get("data")
    if not isinstance(data, dict):
        return None
    if data.get("timing_only"):
        return "standin"
    kind = data.get("kind")
    return kind if kind in ("official", "subset") else None


def data_note(env: dict | None, protocol) -> str | None:
    """One plain sentence on what the test accuracies are measured on (None: not recorded).
    ``protocol``: the split (``official`` tests on the t10k file, ``seed`` on 20 % of the
    training file)."""
    kind = data_kind_of(env)
    if kind == "standin":
        return ("TIMING-ONLY data: a stand-in of the real size made of a subset's images "
                "repeated (kvsbench standin); the times are real-size figures, the accuracies "
                "are NOT Fashion-MNIST accuracies (test images are copies of training images)")
    if kind == "subset":
        split = ("the subset's t10k images, which are not the official test set (in the "
                 "offline subset they are later TRAINING images of Fashion-MNIST)"
                 if protocol == "official" else
                 "20 % of the pair's training images (the course's seed split), not the "
                 "official test set")
        return ("Data: a subset of Fashion-MNIST, not its own files (MD5s differ, as kvsbench "
                f"data verify shows); the test split is {split}")
    if kind == "official":
        split = ("the official test images" if protocol == "official" else
                 "20 % of the pair's training images (the course's seed split), not the "
                 "official test set")
        return f"Data: Fashion-MNIST's own files (MD5s match); the test split is {split}"
    return None
