"""`hybrid`: any text encoder plus numeric and categorical feature branches.

The text branch is another family's model up to its head (`bilstm`,
`ngram`, `transformer` or `pretrained`, with its own `encoder_config`); the
numeric features are stacked, optionally log-scaled and normalised with
statistics of the training split; each categorical feature goes through a
`StringLookup` fitted on the training split and an embedding (or one-hot).
All branches are concatenated before the classification head, and every
step is a layer, so the model (and its SavedModel) takes `text` plus one
input per feature, named after the feature.
"""

import keras
import numpy as np
from keras import ops

from genreclf.errors import ConfigError
from genreclf.models.family import FAMILIES
from genreclf.models.family import register_family
from genreclf.models.heads import classification_head
from genreclf.models.heads import text_input
from genreclf.models.setting_checks import Setting
from genreclf.models.setting_checks import mapping
from genreclf.models.setting_checks import one_of
from genreclf.models.setting_checks import rate
from genreclf.models.setting_checks import whole

# The built-in families an encoder can be: those whose model ends in one
# `scores` layer over one representation (`classification_head`); not
# `stack`, whose scores blend several heads, nor `hybrid`.
TEXT_FAMILIES = ("bilstm", "ngram", "transformer", "pretrained")
# The built-in families that are never an encoder.
NOT_ENCODERS = ("stack", "hybrid")

HYBRID_DEFAULTS = {
    "encoder": "bilstm",
    "encoder_config": {},
    "categorical_encoding": "embedding",
    "embedding_dim": 8,
    "max_categories": 1000,
    "log_scale": "auto",
    "hidden_dim": 64,
    "dropout": 0.3,
}


class _EncoderSetting(Setting):
    """`encoder`: a built-in text family, or a family you registered yourself.

    Any registered family but `NOT_ENCODERS` is taken at its word;
    `text_encoder` refuses its model if the `scores` layer has no single
    representation to stop at.
    """

    def accepts(self, value):
        if value in self.choices:
            return True
        return isinstance(value, str) and value in FAMILIES and value not in NOT_ENCODERS

    def description(self):
        return super().description() + " (or a text family you registered yourself)"


class _ColumnsSetting(Setting):
    """`log_scale`: `"auto"`, one column name or a list of column names (None: none)."""

    def accepts(self, value):
        if value is None or isinstance(value, str):  # None: as configs before 2026-12-06
            return True
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)

    def description(self):
        return "'auto', a column name or a list of column names ([] or None for none)"


# `encoder_config` is checked by the encoder family's own declaration; the
# columns `log_scale` names, by `_numeric_branch`.
HYBRID_CHECKS = {
    "encoder": _EncoderSetting("choice", choices=TEXT_FAMILIES),
    "log_scale": _ColumnsSetting("text"),
    "encoder_config": mapping(),
    "categorical_encoding": one_of("embedding", "one_hot"),
    "embedding_dim": whole(1),
    "max_categories": whole(1),
    "hidden_dim": whole(0),
    "dropout": rate(),
}


@keras.saving.register_keras_serializable(package="genreclf")
class StackNumeric(keras.layers.Layer):
    """Stacks `[batch]` numeric columns into `float32 [batch, n]`.

    Args:
        log_scale: one bool per column: apply `sign(x) * log1p(|x|)` to it
            (for heavy-tailed counts such as views).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> layer = StackNumeric(log_scale=[False, True])
    >>> layer([np.array([2.0]), np.array([np.e - 1])]).numpy().round(3).tolist()
    [[2.0, 1.0]]
    """

    def __init__(self, log_scale=None, **kwargs):
        super().__init__(**kwargs)
        self.log_scale = [bool(v) for v in (log_scale or [])]

    def call(self, inputs):
        columns = []
        for i, column in enumerate(inputs):
            column = ops.reshape(ops.cast(column, "float32"), (-1,))
            if i < len(self.log_scale) and self.log_scale[i]:
                column = ops.sign(column) * ops.log1p(ops.abs(column))
            columns.append(column)
        return ops.stack(columns, axis=1)

    def compute_output_shape(self, inputs_shape):
        return (inputs_shape[0][0], len(inputs_shape))

    def get_config(self):
        return {**super().get_config(), "log_scale": self.log_scale}


def text_encoder(family, num_classes, multi_label, train_texts, config):
    """Another family's model up to its head: `{"text"}` → representation.

    The family's builder ends in `classification_head` (an optional
    `head_dropout` and the `scores` layer); the returned model stops at the
    tensor that enters it.

    Example:

    >>> encoder = text_encoder("ngram", 2, False, ["a heist", "a ghost"],
    ...                        {"max_tokens": 20})
    >>> encoder.output_shape[-1] > 0
    True
    """
    from genreclf.models.registry import build_model  # other families: looked up at build time

    HYBRID_CHECKS["encoder"].check("encoder", family)
    model = build_model(
        family, num_classes, multi_label=multi_label, train_texts=train_texts, **config
    )
    names = {layer.name for layer in model.layers}
    if "scores" not in names:
        raise ConfigError(
            f"The {family!r} family's model has no 'scores' layer, so its "
            "representation cannot be found. Build it with "
            "genreclf.models.heads.classification_head."
        )
    head = model.get_layer("head_dropout" if "head_dropout" in names else "scores")
    if not isinstance(head.input, keras.KerasTensor):
        raise ConfigError(
            f"The {family!r} family's '{head.name}' layer takes several tensors, so no one "
            f"representation can feed a hybrid model. Expected an encoder of one of "
            f"{list(TEXT_FAMILIES)}. Received: encoder={family!r}."
        )
    name = f"{family}_encoder"
    if hasattr(model, "submodel"):  # e.g. `PretrainedModel`: keeps what trains when loaded
        return model.submodel(head.input, name=name)
    return keras.Model(model.input, head.input, name=name)


def _auto_log_scale(column):
    column = np.asarray(column, dtype="float64")
    if column.size == 0 or column.min() < 0:
        return False
    return bool(column.max() > 100.0 * (np.median(column) + 1.0))


def _split_features(train_features):
    numeric, categorical = {}, {}
    for name, column in (train_features or {}).items():
        column = np.asarray(column)
        if name == "text":
            raise ConfigError(
                "A feature cannot be named 'text' (the text input). Received: "
                "features including 'text'. Rename the column."
            )
        (numeric if column.dtype.kind in "fiub" else categorical)[name] = column
    return numeric, categorical


def _numeric_branch(numeric, log_scale):
    names = sorted(numeric)
    inputs = {n: keras.Input(shape=(), dtype="float32", name=n) for n in names}
    if log_scale == "auto":
        flags = [_auto_log_scale(numeric[n]) for n in names]
    else:
        columns = {log_scale} if isinstance(log_scale, str) else set(log_scale or ())
        unknown = sorted(columns - set(names))
        if unknown:
            raise ConfigError(
                f"log_scale names columns that are not numeric features: {unknown}. "
                f"Expected some of {names} or 'auto'. Received: log_scale={log_scale!r}."
            )
        flags = [n in columns for n in names]
    stacked = StackNumeric(log_scale=flags, name="numeric_features")
    values = _log(np.stack([numeric[n].astype("float64") for n in names], axis=1), flags)
    with np.errstate(invalid="ignore", over="ignore"):  # refused below
        mean, variance = values.mean(axis=0), values.var(axis=0)
    finite = np.isfinite(mean) & np.isfinite(variance)
    if not finite.all():  # a NaN would make every score NaN
        i = int(np.argmin(finite))
        raise ConfigError(
            f"The numeric feature {names[i]!r} has no finite mean and variance to be "
            f"normalised with. Received: {names[i]} with "
            f"{int((~np.isfinite(values[:, i])).sum())} NaN or infinite training value(s). "
            "Fill or drop them before training (e.g. pandas' fillna)."
        )
    normalizer = keras.layers.Normalization(
        mean=mean, variance=np.maximum(variance, 1e-12), name="numeric_normalization"
    )
    x = normalizer(stacked([inputs[n] for n in names]))
    return inputs, x


def _log(values, flags):
    values = values.copy()
    for i, flag in enumerate(flags):
        if flag:
            values[:, i] = np.sign(values[:, i]) * np.log1p(np.abs(values[:, i]))
    return values


def _categorical_branch(categorical, encoding, embedding_dim, max_categories):
    inputs, outputs = {}, []
    for name in sorted(categorical):
        inputs[name] = keras.Input(shape=(), dtype="string", name=name)
        values = np.array([str(v) for v in categorical[name]], dtype=object)
        lookup = keras.layers.StringLookup(
            max_tokens=max_categories + 1,  # + the out-of-vocabulary index
            num_oov_indices=1,
            output_mode="one_hot" if encoding == "one_hot" else "int",
            name=f"{name}_lookup",
        )
        lookup.adapt(values)
        x = lookup(inputs[name])
        if encoding == "embedding":
            x = keras.layers.Embedding(
                lookup.vocabulary_size(), embedding_dim, name=f"{name}_embedding"
            )(x)
        outputs.append(x)
    return inputs, outputs


def hybrid_training_defaults(config):
    """Training defaults: a pretrained encoder's (by mode), else those of a BiLSTM-sized model.

    An `ngram` encoder too: the hybrid head's hidden layer over the TF-IDF
    features wants this rate, not the linear `ngram` head's 5e-2 (0.52
    against 0.43 macro-F1 on tmdb_genres with `year`; bench/RESULTS.md).

    Example:

    >>> hybrid_training_defaults({"encoder": "bilstm"})["lr"]
    0.002
    """
    config = config or {}
    if config.get("encoder") == "pretrained":
        mode = config.get("mode") or (config.get("encoder_config") or {}).get("mode")
        from genreclf.models.registry import get_family

        return get_family("pretrained").training_defaults_for({"mode": mode})
    return {"lr": 2e-3, "schedule": "cosine", "weight_decay": 1e-4}


# The default search space (see `genreclf.models.bilstm` for the vocabulary):
# the feature branch and head; the learning rate as a factor of the
# configuration's default (a pretrained encoder's mode, or the BiLSTM-sized one).
HYBRID_SEARCH_SPACE = {
    "hidden_dim": {"values": [32, 64, 128], "default": 64},
    "dropout": {"min": 0.0, "max": 0.5, "step": 0.1, "default": 0.3},
    "lr": None,
    "lr_factor": {"min": 0.25, "max": 4.0, "sampling": "log", "default": 1.0},
}


# Every family at its first recipe: what hybrid's recorded 1 was built on.
_FIRST_VERSIONS = {"hybrid": 1, **dict.fromkeys(TEXT_FAMILIES, 1)}


@register_family(
    "hybrid",
    defaults=HYBRID_DEFAULTS,
    training_defaults=hybrid_training_defaults,
    search_space=HYBRID_SEARCH_SPACE,
    checks=HYBRID_CHECKS,
    # Its own recipe; a run also records its encoder family's version.
    version=1,
    parts=lambda config: (config["encoder"],),
    # What a run that recorded one number (before 2026-12-07) was built on:
    # that number was raised whenever an encoder family's was.
    legacy_versions={
        1: _FIRST_VERSIONS,
        2: {**_FIRST_VERSIONS, "bilstm": 2},
        3: {**_FIRST_VERSIONS, "bilstm": 2, "transformer": 2},
    },
)
def build_hybrid(
    num_classes,
    multi_label=False,
    train_texts=None,
    train_features=None,
    encoder="bilstm",
    encoder_config=None,
    categorical_encoding="embedding",
    embedding_dim=8,
    max_categories=1000,
    log_scale="auto",
    hidden_dim=64,
    dropout=0.3,
    max_length=None,
    preset=None,
    mode=None,
):
    """Builds a text + features classifier (text and features in, scores out).

    Args:
        num_classes: number of classes K.
        multi_label: sigmoid scores if True, softmax otherwise.
        train_texts: texts to fit the encoder's vocabulary on.
        train_features: the training feature columns by name (numeric arrays
            become normalised inputs, string arrays categorical ones).
        encoder: the text family: `bilstm`, `ngram`, `transformer` or
            `pretrained`.
        encoder_config: the encoder family's own configuration.
        categorical_encoding: `"embedding"` or `"one_hot"`.
        embedding_dim: width of each categorical embedding.
        max_categories: most frequent values kept per categorical feature
            (the rest share the out-of-vocabulary index).
        log_scale: the numeric features (a name or a list of names) to
            pass through `sign(x) log1p(|x|)` before normalisation, or
            `"auto"` (non-negative columns whose maximum exceeds
            100 × (median + 1), e.g. view counts).
        hidden_dim: width of the ReLU layer over the concatenation (0: none).
        dropout: dropout on the concatenation and before the output layer.
        max_length, preset, mode: shortcuts passed into `encoder_config`
            (so `--max-length`, `--preset`, `--mode` reach the encoder).

    Example:

    >>> import numpy as np, tensorflow as tf
    >>> model = build_hybrid(2, train_texts=["a heist", "a ghost"],
    ...                      train_features={"views": np.array([10.0, 2000.0])},
    ...                      encoder="ngram", encoder_config={"max_tokens": 20})
    >>> model({"text": tf.constant(["a ghost"]), "views": tf.constant([5.0])}).shape
    TensorShape([1, 2])
    """
    if categorical_encoding not in ("embedding", "one_hot"):
        raise ConfigError(
            "categorical_encoding must be 'embedding' or 'one_hot'. "
            f"Received: categorical_encoding={categorical_encoding!r}."
        )
    HYBRID_CHECKS["log_scale"].check("log_scale", log_scale)  # also when called directly
    numeric, categorical = _split_features(train_features)
    if not numeric and not categorical:
        raise ConfigError(
            "The hybrid model needs at least one feature column. Received: no "
            "features. Pass --features (numeric) and/or --categorical columns, "
            "or use the encoder family on its own."
        )
    config = dict(encoder_config or {})
    for key, value in (("max_length", max_length), ("preset", preset), ("mode", mode)):
        if value is not None:
            config.setdefault(key, value)
    text = text_input()
    text_model = text_encoder(encoder, num_classes, multi_label, train_texts, config)
    branches = [text_model({"text": text})]
    inputs = {"text": text}
    if numeric:
        numeric_inputs, x = _numeric_branch(numeric, log_scale)
        inputs.update(numeric_inputs)
        branches.append(x)
    if categorical:
        categorical_inputs, outputs = _categorical_branch(
            categorical, categorical_encoding, embedding_dim, max_categories
        )
        inputs.update(categorical_inputs)
        branches.extend(outputs)
    x = keras.layers.Concatenate(name="concat_features")(branches)
    if hidden_dim:
        if dropout:
            x = keras.layers.Dropout(dropout, name="concat_dropout")(x)
        x = keras.layers.Dense(hidden_dim, activation="relu", name="hidden")(x)
    scores = classification_head(x, num_classes, multi_label, dropout=dropout)
    from genreclf.models.pretrained.builder import PretrainedModel

    if isinstance(text_model, PretrainedModel):
        # Its hooks reach the nested encoder's weights: LoRA adapters that a
        # checkpoint or a `.keras` file loaded as zeros learn again.
        return PretrainedModel(inputs, scores, name=f"hybrid_{encoder}")
    return keras.Model(inputs, scores, name=f"hybrid_{encoder}")
