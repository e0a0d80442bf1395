"""HyperModels of the built-in families: `BiLSTMHyperModel`, `TransformerHyperModel`, `NgramHyperModel`.

Each is a thin `FamilyHyperModel` with the family's arguments spelled out
(for discoverability); the search space itself is the family's declaration
(`register_family(..., search_space=...)`). An argument is a fixed value, a
KerasTuner hyperparameter definition (or a list, shorthand for `Choice`), or
`None` for the declared search space.
"""

from genreclf.tuning.hypermodel import FamilyHyperModel


class BiLSTMHyperModel(FamilyHyperModel):
    """Search space over the `bilstm` family (see `genreclf.models.bilstm`).

    Default space: `max_tokens` {10k, 20k}, `max_length` {100, 200, 300},
    `embedding_dim` {32, 64, 128, 384}, `lstm_units` {16, 32, 64}, `lstm_layers`
    1–2, `dropout` 0–0.5, `spatial_dropout` 0–0.3, `pooling` {max, mean, last, mean_max},
    `embedding_skip` {True, False},
    plus the training space (learning rate, weight decay, schedule, batch
    size, class weighting, epochs).

    Example:

    >>> import genreclf, keras_tuner
    >>> from keras_tuner.engine.hyperparameters import Choice
    >>> from genreclf.data import train_val_split
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> train, val = train_val_split(data, 0.2, seed=0)
    >>> hypermodel = BiLSTMHyperModel(train, vocabulary=data.vocabulary(), embedding_dim=8,
    ...                               lstm_units=Choice("u", [4, 8]), max_length=16, max_tokens=500)
    >>> tuner = keras_tuner.RandomSearch(hypermodel, objective=keras_tuner.Objective(
    ...     "val_macro_f1", "max"), max_trials=2, directory="/tmp/kt_doc", overwrite=True)
    >>> tuner.search(train, validation_data=val)  # doctest: +SKIP
    """

    def __init__(
        self,
        train,
        *,
        max_tokens=None,
        max_length=None,
        embedding_dim=None,
        lstm_units=None,
        lstm_layers=None,
        dropout=None,
        spatial_dropout=None,
        pooling=None,
        embedding_skip=None,
        hidden_dim=None,
        **kwargs,
    ):
        super().__init__(
            "bilstm",
            train,
            max_tokens=max_tokens,
            max_length=max_length,
            embedding_dim=embedding_dim,
            lstm_units=lstm_units,
            lstm_layers=lstm_layers,
            dropout=dropout,
            spatial_dropout=spatial_dropout,
            pooling=pooling,
            embedding_skip=embedding_skip,
            hidden_dim=hidden_dim,
            **kwargs,
        )


class TransformerHyperModel(FamilyHyperModel):
    """Search space over the `transformer` family (see `genreclf.models.transformer`).

    Default space: `max_tokens` {10k, 20k}, `max_length` {128, 200, 256},
    `word_dim` {384, 0 (the seed's layout)}, `embedding_dim` {128, 64},
    `num_layers` 1–3, `num_heads` {2, 4}, `intermediate_dim` {256, 128},
    `dropout` 0–0.3, `pooling` {mean, max}, `normalize_first` {True, False},
    plus the training space.

    Example:

    >>> import genreclf, keras_tuner
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> hypermodel = TransformerHyperModel(data, word_dim=16, embedding_dim=8, num_heads=2,
    ...     intermediate_dim=8, num_layers=1, max_length=16, max_tokens=500)
    >>> hypermodel.build(keras_tuner.HyperParameters()).output_shape
    (None, 10)
    """

    def __init__(
        self,
        train,
        *,
        max_tokens=None,
        max_length=None,
        word_dim=None,
        embedding_dim=None,
        num_layers=None,
        num_heads=None,
        intermediate_dim=None,
        dropout=None,
        pooling=None,
        normalize_first=None,
        **kwargs,
    ):
        super().__init__(
            "transformer",
            train,
            max_tokens=max_tokens,
            max_length=max_length,
            word_dim=word_dim,
            embedding_dim=embedding_dim,
            num_layers=num_layers,
            num_heads=num_heads,
            intermediate_dim=intermediate_dim,
            dropout=dropout,
            pooling=pooling,
            normalize_first=normalize_first,
            **kwargs,
        )


class NgramHyperModel(FamilyHyperModel):
    """Search space over the `ngram` family (see `genreclf.models.ngram`).

    Default space: the Keras-trained variant (`solver="adamw"`), `max_tokens`
    {20k, 50k}, `ngrams` 1–3, `hidden_dim` {0, 64}, `dropout` 0–0.5, plus the
    training space (`mode` stays `tf_idf` unless given). The convex variant
    (`solver="lbfgs"`) fits itself and is not tuned.

    Example:

    >>> import genreclf, keras_tuner
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> NgramHyperModel(data, max_tokens=500).build(keras_tuner.HyperParameters()).output_shape
    (None, 10)
    """

    def __init__(
        self,
        train,
        *,
        max_tokens=None,
        ngrams=None,
        mode=None,
        hidden_dim=None,
        dropout=None,
        solver=None,
        **kwargs,
    ):
        super().__init__(
            "ngram",
            train,
            max_tokens=max_tokens,
            ngrams=ngrams,
            mode=mode,
            solver=solver,
            hidden_dim=hidden_dim,
            dropout=dropout,
            **kwargs,
        )


def make_hypermodel(family, train, **kwargs):
    """The hypermodel of any registered `family` (built in or registered from outside).

    Its search space is the family's declaration; `**kwargs` are
    `FamilyHyperModel` arguments.

    Example:

    >>> import genreclf
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> make_hypermodel("bilstm", data).family
    'bilstm'
    """
    return FamilyHyperModel(family, train, **kwargs)
