"""`genreclf.tuning.ignored_fit_args`: what a trial ignores of `tuner.search(...)`, named once."""

import logging

import keras_tuner

from genreclf.tuning import FamilyHyperModel


def test_search_arguments_a_trial_ignores_are_named_once(sample_data, tiny_ngram, caplog):
    _, train, val = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=3, epochs=1, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    with caplog.at_level(logging.WARNING, logger="genreclf.tuning"):
        history = hypermodel.fit(
            hp, hypermodel.build(hp), train, validation_data=val, epochs=3, batch_size=64,
            shuffle=False, verbose=0,
        )  # fmt: skip
        hypermodel.fit(hp, hypermodel.build(hp), train, validation_data=val, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 1  # the trial's epochs, which train_config retrains
    assert hypermodel.train_config(hp).epochs == 1
    (warning,) = [r.getMessage() for r in caplog.records if "ignores" in r.getMessage()]
    # batch_size=64 is the trial's own: no conflict, not named.
    assert "ignores epochs=3, shuffle=False from tuner.search()" in warning
    assert "FamilyHyperModel(..., epochs=3)" in warning and "shuffle: no equivalent" in warning
    # Hyperband's budget is the trial's epochs: nothing ignored.
    hp.values["tuner/epochs"] = 2
    assert hypermodel.ignored_fit_args(hp, {"epochs": 2, "initial_epoch": 0}) == {}


def test_the_tuners_hyperparameters_a_trial_does_not_read_are_named_once(
    sample_data, tiny_ngram, caplog
):
    """A value the tuner samples that no trial reads: fixed on the hypermodel (max_tokens),
    an argument outside its space (mode), or no argument at all (learning_rate)."""
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=2, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    hp.Choice("max_tokens", [1000, 2000])
    hp.Choice("mode", ["count"])
    hp.Float("learning_rate", 1e-3, 1e-2)
    hp.Choice("variant", ["a", "b"])  # a parent of the tuner's own condition: read by it
    with hp.conditional_scope("variant", ["a"]):
        hp.Float("dropout", 0.1, 0.5)
    with caplog.at_level(logging.WARNING, logger="genreclf.tuning"):
        hypermodel.build(hp)
        hypermodel.build(hp)
    warnings = [r.getMessage() for r in caplog.records if "HyperParameters" in r.getMessage()]
    assert len(warnings) == 1, warnings
    assert "learning_rate, max_tokens, mode" in warnings[0] and "variant" not in warnings[0]
