import keras
import keras_tuner
import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import FamilyHyperModel
from genreclf.tuning.objective import make_objective


@pytest.mark.parametrize(
    "name, direction",
    [("val_macro_f1", "max"), ("val_loss", "min"), ("macro_recall", "max"), ("loss", "min")],
)
def test_direction_is_inferred(name, direction):
    objective = make_objective(name)
    assert (objective.name, objective.direction) == (name, direction)


def test_explicit_direction_and_passthrough():
    assert make_objective("val_weighted_f1", "min").direction == "min"
    objective = keras_tuner.Objective("val_macro_f1", "max")
    assert make_objective(objective) is objective


def test_unknown_metric_names_the_choices():
    with pytest.raises(ConfigError, match="Received: objective='val_accuracy'"):
        make_objective("val_accuracy")
    with pytest.raises(ConfigError, match="direction must be"):
        make_objective("val_loss", "down")


def test_an_objective_no_trial_logs_is_refused():
    from genreclf.tuning.objective import check_objective

    check_objective("val_tuned_macro_f1", multi_label=True)
    check_objective(make_objective("val_macro_f1"), multi_label=False)
    with pytest.raises(ConfigError, match=r"Pass --objective val_macro_f1 \(or auto\)"):
        check_objective("val_tuned_macro_f1", multi_label=False)
    with pytest.raises(ConfigError, match=r"Received: objective='tuned_macro_f1'"):
        check_objective("tuned_macro_f1", multi_label=True)
    # No genreclf model logs it: best.json's monitor would be refused by genreclf train.
    with pytest.raises(ConfigError, match=r"Unknown objective.*objective='val_accuracy'"):
        check_objective("val_accuracy", multi_label=False)


def test_a_tuner_objective_other_than_the_hypermodels_is_warned_about(
    sample_data, tiny_ngram, caplog
):
    _, train, val = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=1, **tiny_ngram)
    hp = keras_tuner.HyperParameters()

    class Saver(keras.callbacks.Callback):
        objective = make_objective("val_loss")

    with caplog.at_level("WARNING", logger="genreclf.tuning"):
        hypermodel.fit(hp, hypermodel.build(hp), train, validation_data=val, callbacks=[Saver()])
    assert "objective='val_loss'" in caplog.text and "objective='val_macro_f1'" in caplog.text
