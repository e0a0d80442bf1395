"""`TextEmbedder`: MiniLM sentence vectors of texts, through the on-disk embedding cache.

The zero-shot stage compares a text's vector with each genre's. The vectors
come from the same frozen tower the `stack` family uses
(`genreclf.models.pretrained.sentence.sentence_embedding`, loaded offline from
the installed MiniLM preset) with the same window settings, so both share one
cache folder (`genreclf.models.embedding_cache`): a text embedded for training
is not embedded again for labelling.
"""

import numpy as np


class TextEmbedder:
    """Embeds texts with a frozen sentence encoder; each distinct text once, cached.

    Args:
        preset: `"minilm"` or a local preset directory (never downloaded).
        max_length: word pieces per encoder window.
        max_chunks: windows per text (long texts are averaged over windows).
        cache_dir: the embedding cache root (default
            `genreclf.models.embedding_cache.default_cache_dir()`).
        batch_size: texts per encoder call.

    Raises:
        ConfigError: `max_length` under 3 (a window holds `[CLS]`, `[SEP]`
            and a word piece), `max_chunks` or `batch_size` under 1, or any
            of them not a whole number.

    Example:

    >>> embedder = TextEmbedder()
    >>> embedder(["A ghost haunts a lighthouse."]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(
        self, preset="minilm", max_length=256, max_chunks=4, cache_dir=None, batch_size=64
    ):
        self.preset = preset
        from genreclf.setting import whole

        # A window holds [CLS], [SEP] and at least one word piece.
        self.max_length = int(whole(3).check("max_length", max_length))
        self.max_chunks = int(whole(1).check("max_chunks", max_chunks))
        self.cache_dir = cache_dir
        self.batch_size = int(whole(1).check("batch_size", batch_size))
        self._tower = None
        self._cache = None

    def _build(self):
        import keras

        from genreclf.models.embedding_cache import EmbeddingCache
        from genreclf.models.heads import text_input
        from genreclf.models.pretrained.sentence import encoder_cache_key
        from genreclf.models.pretrained.sentence import sentence_embedding

        text = text_input()
        vectors = sentence_embedding(
            text, preset=self.preset, max_length=self.max_length, max_chunks=self.max_chunks
        )
        self._tower = keras.Model({"text": text}, vectors, name="text_embedder")
        key = encoder_cache_key(self.preset, self.max_length, self.max_chunks)
        self._cache = EmbeddingCache(
            key, dim=self._tower.output_shape[-1], directory=self.cache_dir
        )

    def __call__(self, texts, verbose=0):
        """L2-normalised vectors `float32 [len(texts), dim]`."""
        from genreclf.models.embedding_cache import cached_embeddings

        texts = [str(t) for t in texts]
        if self._tower is None:
            self._build()
        if not texts:
            return np.zeros((0, self._tower.output_shape[-1]), dtype="float32")
        return cached_embeddings(
            self._tower,
            texts,
            self._cache,
            batch_size=self.batch_size,
            verbose=verbose,
            name="zero-shot encoder",
        )
