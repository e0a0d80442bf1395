import keras_tuner
import pytest

from genreclf.errors import ConfigError
from genreclf.tuning.search_space import Boolean
from genreclf.tuning.search_space import Choice
from genreclf.tuning.search_space import Float
from genreclf.tuning.search_space import Int
from genreclf.tuning.search_space import describe
from genreclf.tuning.search_space import is_hyperparameter
from genreclf.tuning.search_space import resolve
from genreclf.tuning.search_space import to_hyperparameter
from genreclf.tuning.search_space import training_space


def test_fixed_values_pass_through_and_are_not_recorded():
    hp = keras_tuner.HyperParameters()
    assert resolve(hp, "lstm_units", 32) == 32
    assert resolve(hp, "pooling", "max") == "max"
    assert hp.values == {}


def test_definitions_register_under_the_argument_name():
    hp = keras_tuner.HyperParameters()
    assert resolve(hp, "lstm_units", Choice("whatever", [8, 16])) == 8
    assert resolve(hp, "lstm_layers", Int("x", 1, 3)) == 1
    assert resolve(hp, "lr", Float("x", 1e-4, 1e-2, sampling="log")) == pytest.approx(1e-4)
    assert resolve(hp, "class_weight", Boolean("x")) is False
    assert set(hp.values) == {"lstm_units", "lstm_layers", "lr", "class_weight"}
    # The sampled value is used when the oracle set one.
    hp.values["lstm_units"] = 16
    assert resolve(hp, "lstm_units", Choice("whatever", [8, 16])) == 16


def test_list_is_a_choice_shorthand():
    hp = keras_tuner.HyperParameters()
    assert resolve(hp, "batch_size", [32, 64]) == 32
    assert hp.space[0].get_config()["values"] == [32, 64]
    assert is_hyperparameter([1, 2]) and not is_hyperparameter(3)
    with pytest.raises(ConfigError, match="must not be empty"):
        resolve(hp, "batch_size", [])


def test_a_choice_of_true_and_false_samples_bools_not_integers():
    # KerasTuner's Choice samples [True, False] as 1 and 0, which a flag refuses
    from genreclf.models import resolve_config
    from genreclf.tuning.search_space import to_hyperparameter

    hp = keras_tuner.HyperParameters()
    assert resolve(hp, "embedding_skip", [True, False]) is True
    assert isinstance(hp.space[0], Boolean) and hp.values == {"embedding_skip": True}
    resolve_config("bilstm", {"embedding_skip": hp.values["embedding_skip"]})
    late = to_hyperparameter("train_embedding", {"values": [False, True]})
    assert isinstance(late, Boolean) and late.default is False
    assert resolve(hp, "train_embedding", [False]) is False  # one bool: fixed, not recorded
    assert "train_embedding" not in hp.values


def test_training_space_bounds_epochs():
    space = training_space("bilstm", 8)
    assert space["epochs"].get_config()["values"] == [2, 4, 8]
    assert training_space("ngram", 1)["epochs"] == 1
    lr = space["lr"].get_config()
    assert lr["sampling"] == "log" and lr["min_value"] < lr["max_value"]


def test_describe():
    assert describe(Choice("a", [1, 2])) == "Choice([1, 2])"
    assert describe(Float("a", 0.0, 0.5)) == "Float(0.0..0.5)"
    assert describe("max") == "'max'"


def test_a_declared_default_outside_its_choice_or_range_is_a_clear_error():
    # KerasTuner refused the choice's with a bare ValueError, and took the range's.
    with pytest.raises(ConfigError, match=r"^units: a choice's default must be one of its values"):
        to_hyperparameter("units", {"values": [8, 16], "default": 32})
    with pytest.raises(ConfigError, match=r"^units: a range's default must lie between"):
        to_hyperparameter("units", {"min": 8, "max": 32, "default": 4})
    assert to_hyperparameter("units", {"min": 8, "max": 32, "default": 16}).default == 16
    assert to_hyperparameter("units", {"values": [8, 16], "default": 16}).default == 16


def test_a_misspelt_key_of_a_range_or_choice_is_refused_not_dropped():
    # `--set 'lr={"min": 1e-4, "max": 1e-2, "samplng": "log"}'` searched lr linearly.
    with pytest.raises(ConfigError, match=r"^lr: a range takes the keys .*'samplng'.*'sampling'"):
        to_hyperparameter("lr", {"min": 1e-4, "max": 1e-2, "samplng": "log"})
    with pytest.raises(ConfigError, match=r"unknown: 'setp' \(did you mean 'step'"):
        to_hyperparameter("units", {"min": 8, "max": 32, "setp": 8, "when": {"mode": ["a"]}})
    with pytest.raises(ConfigError, match=r"^units: a choice takes the keys 'values'"):
        to_hyperparameter("units", {"values": [8, 16], "defualt": 16})
    spec = {"min": 1e-4, "max": 1e-2, "sampling": "log", "default": 1e-3, "when": {"mode": ["a"]}}
    assert to_hyperparameter("lr", spec).get_config()["sampling"] == "log"


def test_every_schedule_of_a_choice_is_checked_before_the_first_trial():
    # Only a search's first candidate was tried up front: a trial drawing "stepp" failed.
    from genreclf.tuning.search_space import check_training_space

    check_training_space({"schedule": ["auto", "cosine", "step", "plateau", "constant"]})
    with pytest.raises(ConfigError, match=r"schedule='stepp' \(did you mean 'step'"):
        check_training_space({"schedule": ["cosine", "stepp"]})
