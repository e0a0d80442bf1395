"""Hyperparameter search with KerasTuner: hypermodels per family, tuners, distributed search.

>>> import genreclf, keras_tuner
>>> from genreclf.data import train_val_split
>>> from genreclf.tuning import BiLSTMHyperModel, make_objective
>>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
>>> train, val = train_val_split(data, 0.2, seed=0)  # trials are scored on rows they did not train on
>>> hypermodel = BiLSTMHyperModel(train, vocabulary=data.vocabulary(), lstm_units=[16, 32])
>>> tuner = keras_tuner.RandomSearch(hypermodel, objective=make_objective(hypermodel.objective),
...                                  max_trials=3, directory="/tmp/kt", overwrite=True)
>>> tuner.search(train, validation_data=val)  # doctest: +SKIP
>>> genreclf.train(data, config=hypermodel.train_config(  # doctest: +SKIP
...     tuner.get_best_hyperparameters(1)[0]), out="runs/kt_best")

Or one call (and `genreclf tune ...` on the command line): `genreclf.tuning.tune(...)`,
in a script under `if __name__ == "__main__":` (its trial processes import the script again).
"""

from genreclf.lazy_api import lazy_api
from genreclf.tuning.trial_startup import install_hook as _install_hook

# In a spawned trial process (the script that started the search imported
# again): a failure of the script there also reaches the search's message.
_install_hook()

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
    "TuningResult": "genreclf.tuning.tuning_result",
    "tune": "genreclf.tuning.search",
    "resolve": "genreclf.tuning.search_space",
    "make_tuner": "genreclf.tuning.tuners",
}


__getattr__, __dir__ = lazy_api(__name__, _API, globals())


__all__ = list(_API)
