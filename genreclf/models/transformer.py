"""`transformer`: keras-hub TokenAndPositionEmbedding + N × TransformerEncoder."""

import keras
import keras_hub

from genreclf.models.family import register_family
from genreclf.models.heads import classification_head
from genreclf.models.heads import text_input
from genreclf.models.pooling import MaskedGlobalPooling1D
from genreclf.models.pretrained.word_vectors import init_embedding
from genreclf.models.pretrained.word_vectors import resolve_embedding_init
from genreclf.preprocessing import make_text_vectorizer

TRANSFORMER_DEFAULTS = {
    "max_tokens": 20000,
    "max_length": 200,
    "embedding_dim": 64,
    "num_layers": 2,
    "num_heads": 4,
    "intermediate_dim": 128,
    "dropout": 0.2,
    "embedding_init": "auto",
}


TRANSFORMER_TRAINING_DEFAULTS = {"lr": 5e-4, "schedule": "cosine", "weight_decay": 1e-2}

# The default search space (see `genreclf.models.bilstm` for the vocabulary).
TRANSFORMER_SEARCH_SPACE = {
    "max_tokens": [10000, 20000],
    "max_length": [128, 200, 256],
    "embedding_dim": [32, 64, 128],
    "num_layers": {"min": 1, "max": 3},
    "num_heads": [2, 4],
    "intermediate_dim": [64, 128, 256],
    "dropout": {"min": 0.0, "max": 0.3, "step": 0.1},
    "lr": {"min": 1e-4, "max": 2e-3, "sampling": "log"},
}


@register_family(
    "transformer",
    defaults=TRANSFORMER_DEFAULTS,
    training_defaults=TRANSFORMER_TRAINING_DEFAULTS,
    search_space=TRANSFORMER_SEARCH_SPACE,
)
def build_transformer(
    num_classes,
    multi_label=False,
    train_texts=None,
    max_tokens=20000,
    max_length=200,
    embedding_dim=64,
    num_layers=2,
    num_heads=4,
    intermediate_dim=128,
    dropout=0.2,
    embedding_init="auto",
):
    """Builds a small Transformer encoder classifier trained from scratch.

    Args:
        num_classes: number of classes K.
        multi_label: sigmoid scores if True, softmax otherwise.
        train_texts: texts to fit the vocabulary on.
        max_tokens: vocabulary size.
        max_length: tokens kept per text (also the position-embedding length).
        embedding_dim: model width.
        num_layers: number of `TransformerEncoder` blocks.
        num_heads: attention heads per block.
        intermediate_dim: feed-forward width inside each block.
        dropout: dropout inside the blocks and before the output layer.
        embedding_init: where the token embedding starts: `"auto"` (from
            MiniLM's word-piece embeddings when the MiniLM weights are
            installed, random otherwise), `"minilm"` or a local BERT-family
            preset directory, or `"random"` (see
            `genreclf.models.pretrained.word_vectors`).

    Example:

    >>> import tensorflow as tf
    >>> model = build_transformer(2, train_texts=["a heist", "a ghost"],
    ...                           embedding_dim=8, num_heads=2, intermediate_dim=8,
    ...                           max_length=8, num_layers=1)
    >>> model({"text": tf.constant(["a ghost"])}).shape
    TensorShape([1, 2])
    """
    preset = resolve_embedding_init(embedding_init)
    text = text_input()
    vectorizer = make_text_vectorizer(
        train_texts, mode="int", max_tokens=max_tokens, max_length=max_length
    )
    tokens = vectorizer(text)
    embedding = keras_hub.layers.TokenAndPositionEmbedding(
        vocabulary_size=(vectorizer.vocabulary_size() if train_texts is not None else max_tokens),
        sequence_length=max_length,
        embedding_dim=embedding_dim,
        mask_zero=True,
        name="token_and_position_embedding",
    )
    x = embedding(tokens)
    if preset is not None and train_texts is not None:
        init_embedding(embedding.token_embedding, vectorizer, preset)
    for i in range(num_layers):
        x = keras_hub.layers.TransformerEncoder(
            intermediate_dim=intermediate_dim,
            num_heads=num_heads,
            dropout=dropout,
            name=f"transformer_encoder_{i}",
        )(x)
    x = MaskedGlobalPooling1D("mean", name="mean_pool")(x)
    scores = classification_head(x, num_classes, multi_label, dropout=dropout)
    return keras.Model({"text": text}, scores, name="transformer")
