"""A trial is scored by the epochs `genreclf train` would keep (`trial_process`)."""

import keras_tuner

from genreclf.tuning.hypermodel import FamilyHyperModel
from genreclf.tuning.trial_process import run_trial_here


def test_a_trial_is_scored_after_its_warmup_and_checkpoints_that_epoch(
    sample_data, tmp_path, tiny_ngram
):
    _, train, val = sample_data
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=3, search_defaults=False, patience=5, **tiny_ngram
    )
    hp = keras_tuner.HyperParameters()
    hypermodel.build(hp)
    checkpoint = tmp_path / "checkpoint.weights.h5"
    result = run_trial_here(
        hypermodel,
        hp.get_config(),
        (),
        {"validation_data": val},
        seed=0,
        checkpoint=str(checkpoint),
        objective="val_macro_f1",
    )
    # Warmup 1: epochs 0 and 1 are not candidates, in training or in tuning.
    assert hypermodel.first_scored_epoch(hp) == 2
    assert result["epoch"] == [2] and result["epochs_trained"] == 3
    assert len(result["history"]["val_macro_f1"]) == 1
    assert checkpoint.exists()
