"""The frozen sentence-embedding tower: raw text → one L2-normalised vector.

sentence-transformers' recipe for MiniLM (masked mean of the last hidden
states, then L2 normalisation), with long texts read in windows
(`genreclf.models.pretrained.chunking`) and averaged before normalising.
The tower is part of the model's graph; `encoder_cache_key` names what
changes its output, so its vectors can be cached per text
(`genreclf.models.embedding_cache`).
"""

import functools
import hashlib
import pathlib

import keras

from genreclf.models.pretrained.builder import _encoder_inputs
from genreclf.models.pretrained.builder import _sequence_output
from genreclf.models.pretrained.chunking import BertChunkPreprocessor
from genreclf.models.pretrained.chunking import ChunkMeanPooling
from genreclf.models.pretrained.presets import load_encoder
from genreclf.models.pretrained.presets import resolve_preset
from genreclf.models.pretrained.token_pooling import MaskedTokenPooling

EMBEDDING_LAYER = "sentence_embedding"
_FORMAT = 2  # bump when the tower's computation changes


def sentence_embedding(text, preset="minilm", max_length=128, max_chunks=8, name=EMBEDDING_LAYER):
    """Adds the frozen tower to a functional graph; returns `[batch, dim]` embeddings.

    Args:
        text: the `string [batch]` Keras input.
        preset: `"minilm"` or a local preset directory (never downloaded).
        max_length: word pieces per window, `[CLS]` and `[SEP]` included.
        max_chunks: windows per text (long texts); 1 truncates.
        name: the name of the output layer.

    Example:

    >>> import keras
    >>> text = keras.Input(shape=(), dtype="string", name="text")
    >>> sentence_embedding(text, max_length=32).shape  # doctest: +SKIP
    (None, 384)
    """
    backbone, settings = load_encoder(preset, dropout=0.0)
    backbone.trainable = False
    max_positions = getattr(backbone, "max_sequence_length", None)
    if max_positions and max_length > max_positions:
        from genreclf.errors import ConfigError

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
    states = _sequence_output(backbone(_encoder_inputs(backbone, packed)))
    windows = MaskedTokenPooling("mean", name="window_mean")(states, packed["padding_mask"])
    pooled = ChunkMeanPooling(name="chunk_mean")(windows, packed["chunk_text"], text)
    return keras.layers.UnitNormalization(name=name)(pooled)


def encoder_cache_key(preset, max_length, max_chunks):
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
