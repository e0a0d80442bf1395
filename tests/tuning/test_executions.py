"""A tuner's executions of one trial (`executions_per_trial`) train with their own seeds."""

import keras_tuner
import numpy as np

from genreclf.training.recipe import Recipe
from genreclf.tuning import FamilyHyperModel
from genreclf.tuning import make_objective


def _kernel(model):
    return next(w for w in model.weights if "kernel" in w.path).numpy()


def test_each_build_of_the_same_trial_starts_from_the_next_seed(sample_data, tiny_ngram):
    _, train, _ = sample_data
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=1, **tiny_ngram)
    hp = keras_tuner.HyperParameters()
    first, second = _kernel(hypermodel.build(hp)), _kernel(hypermodel.build(hp))
    assert not np.allclose(first, second)
    assert np.allclose(first, _kernel(hypermodel.build(keras_tuner.HyperParameters())))
    assert hypermodel.train_config(hp).seed == 0  # best.json retrains the first execution


def test_a_plain_tuners_executions_are_not_copies(sample_data, tiny_ngram, tmp_path, monkeypatch):
    _, train, val = sample_data
    seeds = []
    fit = Recipe.fit

    def recording_fit(self, *args, **kwargs):
        seeds.append(self.cfg.seed)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(Recipe, "fit", recording_fit)
    hypermodel = FamilyHyperModel("ngram", train, max_epochs=1, seed=5, **tiny_ngram)
    tuner = keras_tuner.RandomSearch(
        hypermodel,
        objective=make_objective("val_macro_f1"),
        max_trials=1,
        executions_per_trial=2,
        directory=tmp_path,
    )
    tuner.search(train, validation_data=val, verbose=0)
    assert seeds == [5, 6]
    best_hp = tuner.get_best_hyperparameters(1)[0]
    assert hypermodel.train_config(best_hp).seed == 5
    # KerasTuner's own retrain of the best trial, after the search: the first execution's seed.
    model = tuner.hypermodel.build(best_hp)
    tuner.hypermodel.fit(best_hp, model, train, validation_data=val, verbose=0)
    assert seeds == [5, 6, 5]
