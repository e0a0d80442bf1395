"""Hyperparameters genreclf declares start at the family's defaults, not at a range's minimum."""

import keras_tuner
import pytest

from genreclf.tuning import FamilyHyperModel
from genreclf.tuning import make_objective

from .conftest import TINY_NGRAM


def test_an_empty_hyperparameters_reads_the_family_defaults(sample_data):
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=4, max_tokens=300)
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    # The family's training defaults (ngram: lr 5e-2, weight decay 1e-2, batch 32), where
    # KerasTuner's were each range's minimum (1e-3, 1e-5, 16).
    assert hp.values["weight_decay"] == pytest.approx(1e-2)
    assert hp.values["batch_size"] == 32
    assert hp.values["lr"] == pytest.approx(5e-2)
    assert hp.values["schedule"] == "constant" and hp.values["class_weight"] is True
    assert hp.values["epochs"] == 4  # unsampled, a trial trains max_epochs
    assert hp.values["ngrams"] == 2 and hp.values["hidden_dim"] == 0  # model defaults


def test_what_the_user_gives_keeps_its_own_default(sample_data):
    _, train, _ = sample_data
    given = dict(TINY_NGRAM, batch_size=[64, 32], weight_decay={"min": 1e-4, "max": 1e-1})
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=2, **given)
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    assert hp.values["batch_size"] == 64 and hp.values["weight_decay"] == pytest.approx(1e-4)
    assert hp.values["ngrams"] == 1  # TINY_NGRAM's choice [1, 2]


def test_grid_search_starts_from_the_family_defaults(sample_data, tmp_path):
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=2, max_tokens=300)
    tuner = keras_tuner.GridSearch(
        hypermodel, objective=make_objective("val_macro_f1"), max_trials=2, directory=tmp_path
    )
    first = tuner.oracle.create_trial("t0").hyperparameters.values
    assert first["batch_size"] == 32 and first["weight_decay"] == pytest.approx(1e-2)
    assert first["lr"] == pytest.approx(5e-2) and first["schedule"] == "constant"
