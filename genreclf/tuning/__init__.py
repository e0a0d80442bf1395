"""Hyperparameter search with KerasTuner: hypermodels per family, tuners, distributed search.

>>> import genreclf, keras_tuner
>>> from genreclf.tuning import BiLSTMHyperModel, make_objective
>>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
>>> hypermodel = BiLSTMHyperModel(data, lstm_units=[16, 32])
>>> tuner = keras_tuner.RandomSearch(hypermodel, objective=make_objective("val_macro_f1"),
...                                  max_trials=3, directory="/tmp/kt", overwrite=True)
>>> tuner.search(data, validation_data=data)  # doctest: +SKIP

Or one call (and `genreclf tune ...` on the command line): `genreclf.tuning.tune(...)`.
"""

from genreclf.lazy_api import lazy_api

# The API resolves on first use, so `genreclf tune --help` loads neither
# keras-tuner nor TensorFlow.
_API = {
    "BiLSTMHyperModel": "genreclf.tuning.families",
    "NgramHyperModel": "genreclf.tuning.families",
    "TransformerHyperModel": "genreclf.tuning.families",
    "make_hypermodel": "genreclf.tuning.families",
    "FamilyHyperModel": "genreclf.tuning.hypermodel",
    "make_objective": "genreclf.tuning.objective",
    "TUNERS": "genreclf.tuning.oracles",
    "make_oracle": "genreclf.tuning.oracles",
    "format_leaderboard": "genreclf.tuning.results",
    "leaderboard": "genreclf.tuning.results",
    "TuningResult": "genreclf.tuning.search",
    "tune": "genreclf.tuning.search",
    "resolve": "genreclf.tuning.search_space",
    "make_tuner": "genreclf.tuning.tuners",
}


__getattr__, __dir__ = lazy_api(__name__, _API, globals())


__all__ = list(_API)
