"""The frozen sentence-embedding tower: raw text → one L2-normalised vector.

sentence-transformers' recipe for MiniLM (masked mean of the last hidden
states, then L2 normalisation), with long texts read in windows
(`genreclf.models.pretrained.chunking`) and averaged before normalising.

`layers=N` reads the last N transformer blocks instead of the last one
(all of them when the encoder has fewer):
each block's states are pooled and normalised the same way, and the N
vectors are concatenated and scaled by 1/sqrt(N), so the result is still a
unit vector (its dot products are the mean of the blocks' cosines). The
last block of a sentence encoder is trained for sentence similarity; the
blocks below it keep more of what the words are about. A logistic
regression on the last three MiniLM blocks scored 0.510 / 0.302 / 0.541
held-out macro-F1 on movielens_plots / imdb_genre27 / tmdb_genres against
0.493 / 0.275 / 0.525 on the last block alone (means over 5 / 3 / 1
splits, bench/RESULTS.md, "Reading three encoder blocks").
The tower is part of the model's graph; `encoder_cache_key` names what
changes its output, so its vectors can be cached per text
(`genreclf.models.embedding_cache`).
"""

import functools
import hashlib
import pathlib

import keras
import numpy as np

from genreclf.errors import ConfigError
from genreclf.models.pretrained.builder import _encoder_inputs
from genreclf.models.pretrained.builder import _sequence_output
from genreclf.models.pretrained.chunking import BertChunkPreprocessor
from genreclf.models.pretrained.chunking import ChunkMeanPooling
from genreclf.models.pretrained.presets import load_encoder
from genreclf.models.pretrained.presets import resolve_preset
from genreclf.models.pretrained.token_pooling import MaskedTokenPooling

EMBEDDING_LAYER = "sentence_embedding"
_FORMAT = 2  # bump when the tower's computation changes


def sentence_embedding(
    text,
    preset="minilm",
    max_length=128,
    max_chunks=8,
    layers=1,
    name=EMBEDDING_LAYER,
    last_block=False,
):
    """Adds the frozen tower to a functional graph; returns `[batch, dim]` embeddings.

    Args:
        text: the `string [batch]` Keras input.
        preset: `"minilm"` or a local preset directory (never downloaded).
        max_length: word pieces per window, `[CLS]` and `[SEP]` included.
        max_chunks: windows per text (long texts); 1 truncates.
        layers: the encoder's last `layers` transformer blocks are read
            (all of them if it has fewer); `dim` is the number read × the
            encoder's width. 1 is sentence-transformers' embedding.
        name: the name of the output layer.
        last_block: also return the last block's own unit vector (the
            embedding's last `width` dimensions, rescaled): `(embedding,
            last)`. With one block read, both are the same tensor.

    Example:

    >>> import keras
    >>> text = keras.Input(shape=(), dtype="string", name="text")
    >>> sentence_embedding(text, max_length=32).shape  # doctest: +SKIP
    (None, 384)
    >>> sentence_embedding(text, max_length=32, layers=3).shape  # doctest: +SKIP
    (None, 1152)
    """
    check_layers(layers)
    backbone, settings = load_encoder(preset, dropout=0.0)
    backbone.trainable = False
    max_positions = getattr(backbone, "max_sequence_length", None)
    if max_positions and max_length > max_positions:
        raise ConfigError(
            f"max_length exceeds the encoder's {max_positions} positions. "
            f"Received: max_length={max_length}. Use at most {max_positions} "
            "(longer texts are read in windows: raise max_chunks)."
        )
    packed = BertChunkPreprocessor(
        settings.pop("vocabulary"),
        sequence_length=max_length,
        max_chunks=max_chunks,
        name="bert_chunker",
        **settings,
    )(text)
    inputs = _encoder_inputs(backbone, packed)
    blocks = transformer_blocks(backbone)[-layers:]
    if len(blocks) <= 1:
        states = _sequence_output(backbone(inputs))
        embedding = _unit_text_vector(states, packed, text, name=name)
        return (embedding, embedding) if last_block else embedding
    reader = keras.Model(backbone.inputs, [b.output for b in blocks], name="encoder_blocks")
    reader.trainable = False
    vectors = [
        _unit_text_vector(states, packed, text, name="block_embedding", below=len(blocks) - 1 - i)
        for i, states in enumerate(reader(inputs))
    ]
    joined = keras.layers.Concatenate(name="blocks")(vectors)
    embedding = keras.layers.Rescaling(len(blocks) ** -0.5, name=name)(joined)
    return (embedding, vectors[-1]) if last_block else embedding


def _unit_text_vector(states, packed, text, name, below=0):
    """Token states → masked mean per window → mean per text → unit vector.

    `below` counts blocks under the last (0: the last), a suffix of the layer names.
    """
    suffix = f"_{below}" if below else ""
    windows = MaskedTokenPooling("mean", name=f"window_mean{suffix}")(
        states, packed["padding_mask"]
    )
    pooled = ChunkMeanPooling(name=f"chunk_mean{suffix}")(windows, packed["chunk_text"], text)
    return keras.layers.UnitNormalization(name=f"{name}{suffix}")(pooled)


def last_block_of(vectors, width):
    """The last block's unit vectors `[n, width]` from embeddings `[n, blocks × width]`.

    Example:

    >>> import numpy as np
    >>> last_block_of(np.array([[0.6, 0.0, 0.0, 0.8]]) / np.sqrt(2), 2).round(3).tolist()
    [[0.0, 0.8]]
    """
    blocks = vectors.shape[1] // width
    return vectors[:, -width:] * np.float32(np.sqrt(blocks))


def check_layers(layers):
    """`layers` as an int ≥ 1, or a `ConfigError` saying what was expected.

    Example:

    >>> check_layers(3)
    3
    >>> check_layers(0)
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: layers must be a positive int: ...
    """
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise ConfigError(
            "layers must be a positive int: how many of the encoder's last transformer "
            f"blocks to read. Received: layers={layers!r}. Use 1 (the last block) or 3."
        )
    return layers


def transformer_blocks(backbone):
    """The backbone's transformer blocks, first to last (keras-hub's BERT family
    names them `transformer_layer_<i>`; an encoder without such names has none,
    and is read at its output)."""
    prefix = "transformer_layer_"
    blocks = [layer for layer in backbone.layers if layer.name.startswith(prefix)]
    return sorted(blocks, key=lambda layer: int(layer.name[len(prefix) :]))


def encoder_cache_key(preset, max_length, max_chunks, layers=1):
    """What determines the tower's output: the preset's files and the settings."""
    path = resolve_preset(preset)
    files = tuple(
        (str(p.relative_to(path)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(path.rglob("*"))
        if p.is_file()
    )
    return {
        "tower": "masked-mean, window-mean, l2",
        "format": _FORMAT,
        "preset_sha256": _preset_digest(str(path), files),
        "max_length": int(max_length),
        "max_chunks": int(max_chunks),
        # Added only when it is not 1, so caches written before it stay valid.
        **({"layers": int(layers)} if layers != 1 else {}),
    }


@functools.lru_cache(maxsize=8)
def _preset_digest(path, files):
    """SHA-256 of a preset's files, read once per process while they are unchanged."""
    digest = hashlib.sha256()
    for name, _, _ in files:
        digest.update(name.encode())
        with open(pathlib.Path(path) / name, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()
