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

from genreclf.tuning.families import BiLSTMHyperModel
from genreclf.tuning.families import NgramHyperModel
from genreclf.tuning.families import TransformerHyperModel
from genreclf.tuning.families import make_hypermodel
from genreclf.tuning.hypermodel import FamilyHyperModel
from genreclf.tuning.objective import make_objective
from genreclf.tuning.oracles import TUNERS
from genreclf.tuning.oracles import make_oracle
from genreclf.tuning.results import format_leaderboard
from genreclf.tuning.results import leaderboard
from genreclf.tuning.search import TuningResult
from genreclf.tuning.search import tune
from genreclf.tuning.search_space import resolve
from genreclf.tuning.tuners import make_tuner
