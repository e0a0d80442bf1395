"""`trial.best_step` under a plain KerasTuner tuner is the epoch `genreclf train` keeps.

KerasTuner counts the best step by position in the `History` that
`FamilyHyperModel.fit` returns; that history held only the scored epochs, so
the step counted from the first scored epoch (after the warmup) instead of 0.
"""

import keras
import keras_tuner
import numpy as np
import pytest

from genreclf.tuning import make_hypermodel
from genreclf.tuning import make_objective


def _noting(seen):
    """A callback noting each epoch's logs in `seen` (KerasTuner runs deep copies of the
    search's callbacks: a function, unlike an attribute, is shared with the copy)."""
    return keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(dict(logs)))


@pytest.mark.parametrize("objective", ["val_macro_f1", "val_loss"])
def test_best_step_is_the_epoch_train_keeps(sample_data, tiny_ngram, tmp_path, objective):
    _, train, val = sample_data
    hypermodel = make_hypermodel(
        "ngram", train, max_epochs=4, epochs=4, warmup_epochs=1, patience=9,
        search_defaults=False, lr=0.05, objective=objective, **tiny_ngram,
    )  # fmt: skip
    tuner = keras_tuner.RandomSearch(
        hypermodel, objective=make_objective(objective), max_trials=1, directory=str(tmp_path)
    )
    seen = []
    tuner.search(train, validation_data=val, verbose=0, callbacks=[_noting(seen)])
    trial = tuner.oracle.get_best_trials(1)[0]
    first = hypermodel.first_scored_epoch(trial.hyperparameters)
    assert first == 2 and len(seen) == 4  # the warmup's epoch and the next are not kept
    values = [logs[objective] for logs in seen]
    best = max if objective.endswith("f1") else min
    kept = first + values[first:].index(best(values[first:]))
    assert trial.best_step == kept
    assert trial.score == pytest.approx(values[kept])


def test_a_run_too_short_to_pass_the_warmup_keeps_its_last_epoch(sample_data, tiny_ngram, tmp_path):
    _, train, val = sample_data
    hypermodel = make_hypermodel(
        "ngram", train, max_epochs=2, epochs=2, search_defaults=False, lr=0.05, **tiny_ngram
    )
    tuner = keras_tuner.RandomSearch(
        hypermodel, objective=make_objective("val_macro_f1"), max_trials=1, directory=str(tmp_path)
    )
    seen = []
    tuner.search(train, validation_data=val, verbose=0, callbacks=[_noting(seen)])
    trial = tuner.oracle.get_best_trials(1)[0]
    assert hypermodel.first_scored_epoch(trial.hyperparameters) == 2  # never reached
    assert trial.best_step == 1
    assert trial.score == pytest.approx(seen[1]["val_macro_f1"])
    assert np.isfinite(trial.score)


def test_genreclfs_own_tuner_reports_the_epoch_and_its_leaderboard_agrees(
    sample_data, tiny_ngram, tmp_path
):
    from genreclf.tuning import FamilyHyperModel
    from genreclf.tuning import make_oracle
    from genreclf.tuning import make_tuner
    from genreclf.tuning.results import leaderboard

    _, train, val = sample_data
    hypermodel = FamilyHyperModel(
        "ngram", train, max_epochs=4, epochs=4, warmup_epochs=1, patience=9,
        search_defaults=False, lr=0.05, **tiny_ngram,
    )  # fmt: skip
    tuner = make_tuner(make_oracle("random", max_trials=1), hypermodel, directory=tmp_path)
    tuner.search(train, validation_data=val, verbose=0)
    trial = tuner.oracle.get_best_trials(1)[0]
    assert trial.best_step in (2, 3)  # an epoch train may keep: after the warmup's and the next
    (row,) = leaderboard(tmp_path)
    assert row["best_epoch"] == trial.best_step + 1  # 1-based


def test_a_continued_trial_records_only_the_epochs_it_trained():
    """Hyperband continues a trial from `initial_epoch` 3: the padded history's epochs 0-2
    were not trained, and the trial process recorded them as scored (at -inf, from 1)."""
    import keras

    from genreclf.tuning.scored_epochs import scored_history
    from genreclf.tuning.scored_epochs import trained_scored_epochs

    history = keras.callbacks.History()
    history.epoch, history.history = [3, 4, 5], {"val_macro_f1": [0.5, 0.7, 0.6]}
    padded = scored_history(history, first=1)  # what FamilyHyperModel.fit returns
    assert padded.epoch == [0, 1, 2, 3, 4, 5]
    kept = trained_scored_epochs(padded.epoch, trained=[3, 4, 5], first=1)
    assert [padded.epoch[i] for i in kept] == [3, 4, 5]
    assert [padded.history["val_macro_f1"][i] for i in kept] == [0.5, 0.7, 0.6]
