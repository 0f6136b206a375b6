"""Class names, pairs, the split protocols (on tiny IDX files), DataFrames and the 2-D toy sets."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.data import (
    CLASS_NAMES,
    DataError,
    Pair,
    all_pairs,
    class_index,
    class_slug,
    clear_cache,
    load_fashion_mnist,
    load_pair,
    pair_slug,
    parse_pair,
    to_dataframe,
)
from benchmarks.data.toy import make_blobs_data, make_moons_data, project_pair_2d

# ----------------------------------------------------------------------------- class names


@pytest.mark.parametrize(
    "name, index",
    [
        ("ankle-boot", 9),
        ("Ankle boot", 9),
        ("ankle_boot", 9),
        ("ANKLE BOOT", 9),
        ("  ankleboot ", 9),
        ("t-shirt/top", 0),
        ("T-shirt/top", 0),
        ("t-shirt-top", 0),
        ("tshirt", 0),
        ("T-Shirt", 0),
        ("trouser", 1),
        ("Sneaker", 7),
        ("9", 9),
        (" 0 ", 0),
        (3, 3),
        (np.int64(8), 8),
    ],
)
def test_class_index_accepts_names_indices_and_digit_strings(name, index):
    assert class_index(name) == index


@pytest.mark.parametrize(
    "bad", ["sock", "", "10", "-1", "\u00b2", 10, -1, 1.0, True, None, "ankle boots"]
)
def test_class_index_rejects_unknown_classes_listing_the_valid_names(bad):
    with pytest.raises(DataError) as exc:
        class_index(bad)
    message = str(exc.value)
    assert "\n" not in message
    if isinstance(bad, str):
        assert "ankle-boot" in message and "t-shirt-top" in message


def test_class_slugs():
    assert [class_slug(i) for i in range(10)] == [
        "t-shirt-top", "trouser", "pullover", "dress", "coat",
        "sandal", "shirt", "sneaker", "bag", "ankle-boot",
    ]  # fmt: skip
    assert all(class_index(class_slug(i)) == i for i in range(10))
    assert all(class_index(name) == i for i, name in enumerate(CLASS_NAMES))


@pytest.mark.parametrize(
    "text, pair",
    [
        ("trouser:ankle-boot", (1, 9)),
        ("1:9", (1, 9)),
        ("Trouser:Ankle boot", (1, 9)),
        ("ankle_boot:trouser", (9, 1)),
        (" t-shirt/top : 6 ", (0, 6)),
        ((1, "bag"), (1, 8)),
    ],
)
def test_parse_pair(text, pair):
    assert parse_pair(text) == pair


@pytest.mark.parametrize(
    "text, match",
    [
        ("trouser", "FIRST:SECOND"),
        ("trouser:bag:coat", "FIRST:SECOND"),
        (":9", "FIRST:SECOND"),
        ("1:", "FIRST:SECOND"),
        ("trouser:sock", "unknown class 'sock'"),
        ("trouser:1", "names Trouser twice"),
        ("Ankle boot:ankle-boot", "names Ankle boot twice"),
        ((1, 2, 3), "exactly two"),
    ],
)
def test_parse_pair_errors(text, match):
    with pytest.raises(DataError, match=match):
        parse_pair(text)


def test_pair_slug_round_trips_every_pair():
    assert pair_slug((1, 9)) == "trouser:ankle-boot"
    assert pair_slug(("T-shirt/top", "shirt")) == "t-shirt-top:shirt"
    for pair in all_pairs():
        assert parse_pair(pair_slug(pair)) == pair


def test_all_pairs_are_the_45_unordered_pairs_in_index_order():
    pairs = all_pairs()
    assert len(pairs) == 45 == len(set(pairs))
    assert all(0 <= a < b <= 9 for a, b in pairs)
    assert pairs == sorted(pairs)
    assert pairs[0] == (0, 1) and pairs[-1] == (8, 9)


# ----------------------------------------------------------------------------- load_pair (tiny)


def check_pair_arrays(pair: Pair) -> None:
    for split in ("train", "val", "test"):
        X, y = getattr(pair, f"X_{split}"), getattr(pair, f"y_{split}")
        assert X.dtype == np.float32 and X.ndim == 2 and X.shape[1] == 784
        assert X.flags.c_contiguous and X.flags.writeable
        assert 0.0 <= X.min() and X.max() <= 1.0
        assert y.dtype == np.float32 and y.shape == (X.shape[0],)
        assert set(np.unique(y)) <= {0.0, 1.0}


def rows_of(images: np.ndarray, labels: np.ndarray, classes) -> np.ndarray:
    keep = np.isin(labels, classes)
    return images[keep].reshape(-1, 784)


def test_seed_protocol_follows_scratch_split_indices(tiny_idx_dir):
    from scratch.splits import split_indices

    pair = load_pair("trouser", "ankle-boot", protocol="seed", data_dir=tiny_idx_dir, seed=7)
    check_pair_arrays(pair)

    (x_train, y_train), _ = load_fashion_mnist(tiny_idx_dir)
    pool = np.flatnonzero(np.isin(y_train, (1, 9)))  # the pair's training images, file order
    train_i, test_i, val_i = split_indices(len(pool), 0.2, 0.2, 7)
    flat = x_train.reshape(-1, 784)
    for split, index in (("train", train_i), ("test", test_i), ("val", val_i)):
        rows = pool[index]
        np.testing.assert_array_equal(getattr(pair, f"X_{split}"), flat[rows] / np.float32(255))
        np.testing.assert_array_equal(getattr(pair, f"y_{split}"), (y_train[rows] == 9))
    assert pair.sizes == {"train": 6, "test": 2, "val": 2}  # 10 images: int(6.0), int(2.0), rest


def test_seed_protocol_splits_the_pair_training_images_only(tiny_idx_dir):
    pair = load_pair(1, 9, data_dir=tiny_idx_dir)
    (x_train, y_train), _ = load_fashion_mnist(tiny_idx_dir)
    together = np.concatenate([pair.X_train, pair.X_test, pair.X_val]) * 255
    expected = rows_of(x_train, y_train, (1, 9)).astype(np.float32)
    np.testing.assert_array_equal(np.unique(together.round(), axis=0), np.unique(expected, axis=0))


def test_official_protocol_uses_the_test_file(tiny_idx_dir):
    pair = load_pair(1, 9, protocol="official", data_dir=tiny_idx_dir, seed=3)
    check_pair_arrays(pair)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(tiny_idx_dir)

    assert pair.sizes == {"train": 8, "val": 2, "test": 6}
    keep = np.isin(y_test, (1, 9))
    np.testing.assert_array_equal(pair.X_test, x_test[keep].reshape(-1, 784) / np.float32(255))
    np.testing.assert_array_equal(pair.y_test, (y_test[keep] == 9).astype(np.float32))

    pool = np.flatnonzero(np.isin(y_train, (1, 9)))
    perm = np.random.RandomState(3).permutation(len(pool))
    flat = x_train.reshape(-1, 784)
    np.testing.assert_array_equal(pair.X_val, flat[pool[perm[:2]]] / np.float32(255))
    np.testing.assert_array_equal(pair.X_train, flat[pool[perm[2:]]] / np.float32(255))


@pytest.mark.parametrize("protocol", ["seed", "official"])
def test_same_pair_protocol_seed_is_bit_identical(tiny_idx_dir, protocol):
    first = load_pair(1, 9, protocol=protocol, data_dir=tiny_idx_dir)
    clear_cache()
    second = load_pair("trouser", "ankle boot", protocol=protocol, data_dir=tiny_idx_dir)
    for field in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
        a, b = getattr(first, field), getattr(second, field)
        assert a.tobytes() == b.tobytes()
    other = load_pair(1, 9, protocol=protocol, data_dir=tiny_idx_dir, seed=43)
    assert other.X_val.tobytes() != first.X_val.tobytes()


def test_label_one_is_the_second_class(tiny_idx_dir):
    forward = load_pair(1, 9, protocol="official", data_dir=tiny_idx_dir)
    backward = load_pair(9, 1, protocol="official", data_dir=tiny_idx_dir)
    np.testing.assert_array_equal(forward.X_test, backward.X_test)
    np.testing.assert_array_equal(forward.y_test, 1 - backward.y_test)
    assert backward.first == 9 and backward.second == 1


def test_pair_metadata(tiny_idx_dir):
    pair = load_pair("Trouser", "ankle_boot", data_dir=tiny_idx_dir)
    assert (pair.first, pair.second) == (1, 9)
    assert pair.class_names == ("Trouser", "Ankle boot")
    assert pair.slug == pair.name == "trouser:ankle-boot"
    assert pair.title == "Trouser vs Ankle boot"
    assert pair.protocol == "seed" and pair.seed == 42 and pair.n_features == 784
    assert pair.source == f"--data-dir {tiny_idx_dir.resolve()}"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"protocol": "random"}, "unknown split protocol 'random'"),
        ({"seed": -1}, "seed must be"),
        ({"seed": 1.5}, "seed must be"),
        ({"second": "trouser"}, "twice"),
        ({"second": "sock"}, "unknown class"),
    ],
)
def test_load_pair_errors(tiny_idx_dir, kwargs, match):
    args = {"first": 1, "second": 9, "data_dir": tiny_idx_dir, **kwargs}
    with pytest.raises(DataError, match=match):
        load_pair(**args)


# ----------------------------------------------------------------------------- DataFrame


def test_to_dataframe_columns_as_the_course_built_them(tiny_idx_dir):
    pair = load_pair(1, 9, data_dir=tiny_idx_dir)
    frame = to_dataframe(pair.X_train, pair.y_train, pair.class_names)
    assert list(frame.columns) == [f"z{i}" for i in range(784)] + ["label", "class"]
    assert len(frame) == len(pair.y_train)
    np.testing.assert_array_equal(frame["label"], pair.y_train.astype(int))
    assert set(frame["class"]) == {"Trouser", "Ankle boot"}
    assert (frame.loc[frame["label"] == 1, "class"] == "Ankle boot").all()
    np.testing.assert_array_equal(frame.iloc[:, :784].to_numpy(), pair.X_train)


def test_to_dataframe_defaults_to_fashion_class_indices():
    frame = to_dataframe(np.zeros((3, 2), np.float32), np.array([0, 5, 9]))
    assert list(frame.columns) == ["z0", "z1", "label", "class"]
    assert list(frame["class"]) == ["T-shirt/top", "Sandal", "Ankle boot"]


def test_to_dataframe_rejects_labels_without_a_name():
    with pytest.raises(DataError, match="labels must be integers in 0..1"):
        to_dataframe(np.zeros((2, 3)), np.array([0, 2]), ("A", "B"))
    with pytest.raises(DataError, match="shape"):
        to_dataframe(np.zeros((2, 3)), np.array([0, 1, 1]))


# ----------------------------------------------------------------------------- toy sets


def test_blobs_and_moons_follow_the_pair_conventions():
    for toy, n in ((make_blobs_data(), 500), (make_moons_data(), 900)):
        assert toy.X.dtype == np.float32 and toy.X.shape == (n, 2) and toy.X.flags.c_contiguous
        assert toy.y.dtype == np.float32 and toy.y.shape == (n,)
        assert set(np.unique(toy.y)) == {0.0, 1.0}
        assert toy.n_features == 2


def test_toy_sets_are_seeded():
    assert make_blobs_data(seed=1).X.tobytes() == make_blobs_data(seed=1).X.tobytes()
    assert make_blobs_data(seed=1).X.tobytes() != make_blobs_data(seed=2).X.tobytes()
    assert make_moons_data(100, seed=5).X.tobytes() == make_moons_data(100, seed=5).X.tobytes()
    with pytest.raises(DataError, match="noise"):
        make_moons_data(noise=-1)
    with pytest.raises(DataError, match="n_samples"):
        make_blobs_data(n_samples=1)


def test_project_pair_2d(tiny_idx_dir):
    pair = load_pair(1, 9, data_dir=tiny_idx_dir)
    projection = project_pair_2d(pair.X_train, pair.y_train)
    assert projection.Z.shape == (6, 2) and projection.Z.dtype == np.float32
    np.testing.assert_array_equal(projection.y, pair.y_train)
    ratio = projection.explained_variance_ratio
    assert ratio.shape == (2,) and ratio[0] >= ratio[1] > 0 and ratio.sum() <= 1

    toy = make_moons_data(200, seed=0)
    sampled = project_pair_2d(toy.X, toy.y, max_samples=50, seed=1)
    assert sampled.Z.shape == (50, 2) and len(set(sampled.index)) == 50
    np.testing.assert_array_equal(sampled.y, toy.y[sampled.index])
    np.testing.assert_allclose(sampled.explained_variance_ratio.sum(), 1.0, rtol=1e-6)
    with pytest.raises(DataError, match="n_components"):
        project_pair_2d(toy.X, n_components=3)
