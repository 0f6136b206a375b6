"""ExperimentConfig: validation at the boundary, ids, and the specs both twins are built from."""

from __future__ import annotations

import pytest

from benchmarks.config import ExperimentConfig, parse_batch_size
from benchmarks.errors import ConfigError


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"learning_rate": -1}, "Argument `learning_rate` must be > 0. Received: learning_rate=-1"),
        ({"learning_rate": 0.0}, "Argument `learning_rate` must be > 0"),
        ({"batch_size": 0}, "Argument `batch_size` must be a positive int. Received: batch_size=0"),
        ({"epochs": 0}, "Argument `epochs` must be a positive int"),
        ({"model": "cnn"},
         "Argument `model` must be one of ('logreg', 'mlp'). Received: model='cnn'"),
        ({"optimizer": "adagrad"}, "Argument `optimizer` must be one of"),
        ({"schedule": "cosine"}, "Argument `schedule` must be one of"),
        ({"momentum": 1.0}, "Argument `momentum` must be in [0, 1)"),
        ({"init": "ones"}, "Argument `init` must be one of"),
    ],
)
def test_invalid_settings_name_the_argument(kwargs, message):
    with pytest.raises(ConfigError) as exc:
        ExperimentConfig(**kwargs)
    assert message in str(exc.value)


def test_batch_size_parsing():
    assert parse_batch_size("full") is None
    assert parse_batch_size("FULL") is None
    assert parse_batch_size("64") == 64
    with pytest.raises(ConfigError, match="batch_size"):
        parse_batch_size("-3")
    with pytest.raises(ConfigError, match="'full'"):
        parse_batch_size("lots")


def test_optimizer_specs_map_to_the_shared_class_names():
    assert ExperimentConfig(optimizer="sgd").optimizer_spec() == ("SGD", {})
    assert ExperimentConfig(optimizer="momentum", momentum=0.8).optimizer_spec() == (
        "SGD", {"momentum": 0.8},
    )
    assert ExperimentConfig(optimizer="rmsprop").optimizer_spec() == ("RMSprop", {})
    assert ExperimentConfig(optimizer="adam").optimizer_spec() == ("Adam", {})


def test_steps_and_schedule_spec():
    c = ExperimentConfig(batch_size=64, schedule="staircase", decay_rate=0.5, decay_interval=3)
    assert c.steps_per_epoch(877) == 14  # 13 full batches of 64 + one of 45
    assert c.schedule_spec(877) == {
        "name": "staircase", "learning_rate": 0.001, "steps_per_epoch": 14,
        "decay_rate": 0.5, "interval_epochs": 3,
    }
    full = ExperimentConfig(batch_size=None)
    assert full.steps_per_epoch(877) == 1
    assert full.effective_batch_size(877) == 877


def test_ids_are_stable_and_separate_seeds_and_settings():
    a = ExperimentConfig(seed=0)
    b = ExperimentConfig(seed=1)
    assert a.experiment_id == b.experiment_id
    assert a.run_id("scratch") != b.run_id("scratch")
    assert a.run_id("scratch") != a.run_id("keras")
    assert ExperimentConfig(learning_rate=0.01).experiment_id != a.experiment_id
    assert ExperimentConfig(init="zeros").experiment_id != a.experiment_id
    # settings a model does not use do not split experiments
    assert ExperimentConfig(hidden_units=50).experiment_id == a.experiment_id
    assert ExperimentConfig(model="mlp", hidden_units=50).experiment_id != ExperimentConfig(
        model="mlp"
    ).experiment_id
    assert a.split_seed == 42 and b.split_seed == 43


def test_round_trip_through_a_csv_like_dict():
    c = ExperimentConfig(model="mlp", batch_size=None, optimizer="momentum", seed=3)
    row = {k: str(v) if v is not None else "full" for k, v in c.to_dict().items()}
    assert ExperimentConfig.from_dict(row) == c


def test_several_hidden_layers_round_trip_through_a_csv_row():
    from benchmarks.results.rows import config_columns, config_from_row

    c = ExperimentConfig(model="mlp", hidden_units=(5, 2), pair="trouser:ankle-boot")
    row = config_columns(c)
    assert row["hidden_units"] == "5 2"
    back = config_from_row(row)
    assert back.hidden_units == (5, 2) and back.experiment_id == c.experiment_id
    assert ExperimentConfig.from_dict({"hidden_units": "100"}).hidden_units == 100
    with pytest.raises(ConfigError, match="Argument `hidden_units` must be a positive int"):
        ExperimentConfig(hidden_units=(5, 0))
    with pytest.raises(ConfigError, match="widths like '5 2'"):
        ExperimentConfig.from_dict({"hidden_units": "five"})


@pytest.mark.parametrize("field, value, shown", [
    ("batch_size", 1e225, "batch_size=1e+225"),
    ("epochs", 10**400, "epochs=a whole number over 1e308"),
    ("seed", -10**30, "seed=-1e+30"),
])
def test_a_huge_number_is_named_by_its_size_in_one_short_line(field, value, shown):
    # found by hypothesis: 1e225 as a batch size printed all 226 digits of int(1e225)
    with pytest.raises(ConfigError) as exc:
        ExperimentConfig.from_dict({"pair": "trouser:ankle-boot", "model": "mlp", field: value})
    assert shown in str(exc.value) and len(str(exc.value)) < 100
