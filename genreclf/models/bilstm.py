"""`bilstm`: TextVectorization → Embedding → Bidirectional(LSTM) → Dropout → Dense.

The seed architecture, with every size configurable. The LSTM keeps the
cuDNN-compatible settings (tanh/sigmoid, no recurrent dropout, not unrolled,
right-padded masks) so Keras runs the fused cuDNN kernel on a GPU.

The defaults differ from the seed's (`embedding_dim=128, dropout=0.5,
spatial_dropout=0.2`, random vectors, patience 3) where a few thousand
synopses showed it (bench/RESULTS.md, part 7): the embedding starts from
MiniLM's word-piece vectors at their full width of 384, rescaled to unit
standard deviation so AdamW refines them instead of overwriting them in a few
hundred steps; dropout is light (0.2, 0.1) since the starting vectors already
regularise; training runs up to 30 epochs and early stopping waits 6; and the
mean of the text's word vectors goes to the output layer beside the pooled
BiLSTM outputs (`embedding_skip`), a bag-of-words path around the LSTM that
lifted every imdb_genre27 seed over 0.9 × TF-IDF + LR. Texts
are read up to `max_length="auto"` tokens, as in `transformer`: 200, raised
toward the training texts' 90th percentile of length, up to 300
(`genreclf.preprocessing.sequence_length`).
"""

import keras

from genreclf.errors import ConfigError
from genreclf.models.family import register_family
from genreclf.models.heads import classification_head
from genreclf.models.heads import text_input
from genreclf.models.pooling import MaskedGlobalPooling1D
from genreclf.models.pooling import pool_over_time
from genreclf.models.pretrained.word_vectors import init_embedding
from genreclf.models.pretrained.word_vectors import resolve_embedding_init
from genreclf.models.setting_checks import flag
from genreclf.models.setting_checks import one_of
from genreclf.models.setting_checks import rate
from genreclf.models.setting_checks import text
from genreclf.models.setting_checks import whole
from genreclf.preprocessing import make_text_vectorizer
from genreclf.preprocessing.sequence_length import resolve_max_length

BILSTM_DEFAULTS = {
    "max_tokens": 20000,
    "max_length": "auto",
    "embedding_dim": 384,
    "lstm_units": 64,
    "lstm_layers": 1,
    "dropout": 0.2,
    "spatial_dropout": 0.1,
    "word_dropout": 0.0,
    "pooling": "max",
    "embedding_skip": True,
    "hidden_dim": 0,
    "embedding_init": "auto",
    "train_embedding": True,
}


POOLINGS = ("last", "max", "mean", "mean_max")

BILSTM_CHECKS = {
    "max_tokens": whole(1, also=(None,)),
    "max_length": whole(1, also=("auto",)),
    "embedding_dim": whole(1),
    "lstm_units": whole(1),
    "lstm_layers": whole(1),
    "dropout": rate(),
    "spatial_dropout": rate(),
    "word_dropout": rate(),
    "pooling": one_of(*POOLINGS),
    "embedding_skip": flag(),
    "hidden_dim": whole(0),
    "embedding_init": text(also=(None,)),
    "train_embedding": flag(),
}

# Training defaults for the arguments a user leaves "auto". 30 epochs and
# patience 6: on a few thousand rows validation macro-F1 zigzags while the
# validation loss still falls; 20 epochs with patience 3 stopped imdb_genre27
# runs early (mean 0.205 against 0.242 over three seeds; bench/RESULTS.md,
# part 7).
BILSTM_TRAINING_DEFAULTS = {
    "lr": 2e-3,
    "schedule": "cosine",
    "weight_decay": 1e-4,
    "epochs": 30,
    "patience": 6,
}

# The default KerasTuner search space, in `genreclf tune --set`'s vocabulary
# (a list: a choice; `{"min", "max", "step", "sampling"}`: a range); the
# training arguments it leaves out take `genreclf.tuning`'s generic space.
BILSTM_SEARCH_SPACE = {
    "max_tokens": [10000, 20000],
    "max_length": [100, 200, 300],
    # 384 (the default): MiniLM's whole width, so the word-piece starting
    # vectors are kept unprojected.
    "embedding_dim": [32, 64, 128, 384],
    "lstm_units": [16, 32, 64],
    "lstm_layers": {"min": 1, "max": 2},
    "dropout": {"min": 0.0, "max": 0.5, "step": 0.1},
    "spatial_dropout": {"min": 0.0, "max": 0.3, "step": 0.1},
    "pooling": ["max", "mean", "last", "mean_max"],
    "embedding_skip": [True, False],
    "lr": {"min": 3e-4, "max": 1e-2, "sampling": "log"},
}


@register_family(
    "bilstm",
    defaults=BILSTM_DEFAULTS,
    training_defaults=BILSTM_TRAINING_DEFAULTS,
    search_space=BILSTM_SEARCH_SPACE,
    checks=BILSTM_CHECKS,
    version=3,  # 2: the words' mean beside the BiLSTM (`embedding_skip`); 3: marks
)
def build_bilstm(
    num_classes,
    multi_label=False,
    train_texts=None,
    max_tokens=20000,
    max_length="auto",
    embedding_dim=384,
    lstm_units=64,
    lstm_layers=1,
    dropout=0.2,
    spatial_dropout=0.1,
    word_dropout=0.0,
    pooling="max",
    embedding_skip=True,
    hidden_dim=0,
    embedding_init="auto",
    train_embedding=True,
):
    """Builds the BiLSTM classifier (raw strings in, per-class scores out).

    Args:
        num_classes: number of classes K.
        multi_label: sigmoid scores if True, softmax otherwise.
        train_texts: texts to fit the vocabulary on (a list, or a `tf.data.Dataset`
            of strings). Without them the vectorizer is unfitted: adapt
            `model.get_layer("text_vectorizer")` before calling the model (the
            embeddings then start random, not from the encoder's vectors).
        max_tokens: vocabulary size.
        max_length: tokens kept per text; `"auto"`: 200, raised toward the
            training texts' 90th percentile of length, up to 300.
        embedding_dim: embedding width (the seed: 128; the default, 384, is
            MiniLM's, so its word-piece vectors start unprojected).
        lstm_units: LSTM units per direction (the seed: 64).
        lstm_layers: stacked BiLSTM layers.
        dropout: dropout before the output layer (the seed: 0.5).
        spatial_dropout: dropout of whole embedding channels (regularises the
            embedding on small data; 0 disables it).
        word_dropout: share of whole tokens whose vectors are zeroed in
            training, the others scaled by 1 / (1 - rate) (Keras `Dropout`
            with one draw per token; 0 disables it).
        pooling: `"last"` (the seed: the final states), `"max"` or `"mean"`
            over time of the BiLSTM outputs.
        embedding_skip: also hand the output layer the mean of the text's word
            vectors (after the dropouts), beside the pooled BiLSTM outputs: a
            bag-of-words path around the LSTM (the seed: False; measured in
            bench/RESULTS.md, "`bilstm` passes the words' mean").
        hidden_dim: width of an extra ReLU layer before the output (0: none).
        embedding_init: where the embedding starts: `"auto"` (from MiniLM's
            word-piece embeddings when the MiniLM weights are installed,
            random otherwise), `"minilm"` or a local BERT-family preset
            directory, or `"random"` (see
            `genreclf.models.pretrained.word_vectors`). Encoder vectors are
            rescaled to unit standard deviation, so training refines them
            rather than overwriting them (`word_vectors.unit_scale`).
        train_embedding: train the embedding with the rest of the model
            (False keeps the starting vectors fixed).

    Example:

    >>> import tensorflow as tf
    >>> model = build_bilstm(3, train_texts=["a heist", "a ghost"],
    ...                      embedding_dim=4, lstm_units=4)
    >>> model({"text": tf.constant(["a ghost story"])}).shape
    TensorShape([1, 3])
    """
    if pooling not in POOLINGS:
        raise ConfigError(f"pooling must be one of {POOLINGS}. Received: pooling={pooling!r}.")
    preset = resolve_embedding_init(embedding_init)
    max_length = resolve_max_length(max_length, train_texts)
    text = text_input()
    vectorizer = make_text_vectorizer(
        train_texts, mode="int", max_tokens=max_tokens, max_length=max_length
    )
    tokens = vectorizer(text)
    embedding = keras.layers.Embedding(
        vectorizer.vocabulary_size() if train_texts is not None else max_tokens,
        embedding_dim,
        mask_zero=True,
        trainable=train_embedding,
        name="embedding",
    )
    x = embedding(tokens)
    if preset is not None and train_texts is not None:
        init_embedding(embedding, vectorizer, preset, scale=True)
    if word_dropout:
        x = keras.layers.Dropout(word_dropout, noise_shape=(None, None, 1), name="word_dropout")(x)
    if spatial_dropout:
        x = keras.layers.SpatialDropout1D(spatial_dropout, name="spatial_dropout")(x)
    words = x
    for i in range(lstm_layers):
        last = i == lstm_layers - 1
        x = keras.layers.Bidirectional(
            keras.layers.LSTM(lstm_units, return_sequences=not (last and pooling == "last")),
            name=f"bilstm_{i}",
        )(x)
    if pooling != "last":
        x = pool_over_time(x, pooling)
    if embedding_skip:
        bag = MaskedGlobalPooling1D("mean", name="embedding_mean_pool")(words)
        x = keras.layers.Concatenate(name="lstm_and_words")([x, bag])
    if hidden_dim:
        x = keras.layers.Dropout(dropout, name="hidden_dropout")(x)
        x = keras.layers.Dense(hidden_dim, activation="relu", name="hidden")(x)
    scores = classification_head(x, num_classes, multi_label, dropout=dropout)
    return keras.Model({"text": text}, scores, name="bilstm")
