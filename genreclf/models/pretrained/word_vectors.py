"""`encoder_word_vectors`: starting word vectors for a from-scratch model, from a local encoder.

`bilstm` and `transformer` learn their embeddings from the training rows, and
on a few thousand synopses most words are seen too rarely to learn anything.
A BERT-family encoder's input token embeddings (MiniLM: 30,522 word pieces ×
384) already place "detective" near "investigator"; this module turns them
into one starting vector per word of a model's own vocabulary: the mean of the
word's WordPiece vectors (keras-hub's `WordPieceTokenizer` splits it, with the
preset's lower-casing and accent rules), centred, and projected onto the
leading principal components when the model's embedding is narrower than the
encoder's. Only the starting values come from the encoder: the model keeps its
own word-level `TextVectorization` and trains its embedding like any other
weight, and the saved model stores those weights, so nothing is read from the
preset at load or serving time.

Written with NumPy rather than a library because the projection is three lines
of an SVD; the matrix is read from the preset's `model.safetensors` with the
`safetensors` package (a Hugging Face folder) or from the keras-hub backbone.
"""

import functools

import numpy as np

from genreclf.errors import ConfigError

_HF_KEY = "embeddings.word_embeddings.weight"


@functools.lru_cache(maxsize=2)
def _encoder_pieces(preset):
    """`(pieces [V, D] float32, tokenize, oov id)` of a preset, read once per process."""
    import keras_hub
    import tensorflow as tf

    from genreclf.models.pretrained.presets import is_hf_folder
    from genreclf.models.pretrained.presets import load_encoder
    from genreclf.models.pretrained.presets import load_tokenizer
    from genreclf.models.pretrained.presets import resolve_preset
    from genreclf.models.pretrained.presets import tokenizer_settings

    path = resolve_preset(preset)
    weights = path / "model.safetensors"
    matrix = None
    if is_hf_folder(path) and weights.is_file():
        from safetensors import safe_open

        with safe_open(str(weights), framework="numpy") as f:
            if _HF_KEY in f.keys():
                matrix = np.asarray(f.get_tensor(_HF_KEY), dtype="float32")
        settings = tokenizer_settings(path, load_tokenizer(preset))
    if matrix is None:
        backbone, settings = load_encoder(preset)
        matrix = np.asarray(backbone.token_embedding.embeddings, dtype="float32")
    tokenizer = keras_hub.tokenizers.WordPieceTokenizer(
        vocabulary=settings["vocabulary"],
        lowercase=settings["lowercase"],
        strip_accents=settings["strip_accents"],
        oov_token=settings["oov_token"],
    )
    # The TF Text path (as in the model graphs), not keras-hub's eager Python one.
    # autograph=False: converting keras-hub's tokenizer took seconds; its ops need none.
    tokenize = tf.function(
        tokenizer.tokenize, input_signature=[tf.TensorSpec([None], tf.string)], autograph=False
    )
    return matrix, tokenize, tokenizer.token_to_id(settings["oov_token"])


def encoder_word_vectors(words, dim, preset="minilm", seed=0):
    """One starting vector per word, from the encoder's WordPiece embeddings.

    Args:
        words: the model's vocabulary (a `TextVectorization`'s
            `get_vocabulary()`: index 0 is padding, index 1 out-of-vocabulary).
        dim: the model's embedding width. Narrower than the encoder: the
            vectors are projected onto their `dim` leading principal
            components; wider: the extra columns start small and random.
        preset: `"minilm"` or a local BERT-family preset directory.
        seed: seed of the random columns (only when `dim` exceeds the encoder's).

    Returns:
        `float32 [len(words), dim]`: zeros for padding, the mean vector for
        out-of-vocabulary (and for words none of whose pieces the encoder knows).

    Example:

    >>> vectors = encoder_word_vectors(["", "[UNK]", "detective", "heist"], 8)  # doctest: +SKIP
    >>> vectors.shape  # doctest: +SKIP
    (4, 8)
    """
    import scipy.sparse
    import tensorflow as tf

    if dim < 1:
        raise ConfigError(f"The embedding width must be at least 1. Received: dim={dim}.")
    words = [str(w) for w in words]
    pieces, tokenize, unknown = _encoder_pieces(str(preset))
    ids = tokenize(tf.constant(words))
    flat = ids.flat_values.numpy()
    rows = ids.value_rowids().numpy()
    known = flat != unknown
    membership = scipy.sparse.csr_matrix(
        (np.ones(int(known.sum())), (rows[known], flat[known])),
        shape=(len(words), pieces.shape[0]),
    )
    sums = np.asarray(membership @ pieces, dtype="float64")  # each word: the sum of its pieces
    counts = np.asarray(membership.sum(axis=1), dtype="float64").ravel()
    found = counts > 0
    found[:2] = False  # padding and out-of-vocabulary are not words
    vectors = np.zeros_like(sums)
    vectors[found] = sums[found] / counts[found, None]
    if not found.any():
        return np.zeros((len(words), dim), dtype="float32")
    centre = vectors[found].mean(axis=0)
    vectors[found] -= centre
    if dim < vectors.shape[1]:
        _, _, components = np.linalg.svd(vectors[found], full_matrices=False)
        vectors = vectors @ components[:dim].T
        if vectors.shape[1] < dim:  # fewer words than `dim`: the remaining columns start at 0
            vectors = np.pad(vectors, ((0, 0), (0, dim - vectors.shape[1])))
    elif dim > vectors.shape[1]:
        rng = np.random.default_rng(seed)
        scale = float(vectors[found].std())
        extra = rng.normal(0.0, scale, size=(len(words), dim - vectors.shape[1]))
        vectors = np.concatenate([vectors, extra * found[:, None]], axis=1)
    vectors[~found] = 0.0
    return vectors.astype("float32")


def resolve_embedding_init(embedding_init):
    """The preset `embedding_init` names, or None for random starting vectors.

    Args:
        embedding_init: `"auto"` (MiniLM when its weights package and
            `safetensors` are installed, else random), `"minilm"` or a local
            preset directory, or `None`/`"random"`.

    Example:

    >>> resolve_embedding_init("random") is None
    True
    """
    if embedding_init in (None, "random"):
        return None
    if embedding_init == "auto":
        import importlib.util

        from genreclf.models.pretrained.presets import PRESET_PACKAGES

        needed = (PRESET_PACKAGES["minilm"][0], "safetensors")
        if all(importlib.util.find_spec(m) is not None for m in needed):
            return "minilm"
        return None
    if not isinstance(embedding_init, str):
        raise ConfigError(
            "embedding_init must be 'auto', 'minilm', a local preset directory, or "
            f"'random'/None. Received: embedding_init={embedding_init!r}."
        )
    return embedding_init


def unit_scale(vectors):
    """`vectors` divided by the standard deviation of their non-zero rows' entries.

    MiniLM's word-piece vectors have entries of standard deviation about
    0.05. Adam moves every weight by about its learning rate per step
    whatever the weight's scale, so at 2e-3 a few hundred steps overwrite
    such small vectors; at unit scale the same steps are small changes and
    the pretrained geometry survives training (bench/RESULTS.md, part 7).

    Example:

    >>> v = unit_scale(np.array([[0.0, 0.0], [0.1, -0.1], [-0.1, 0.1]]))
    >>> v.tolist()
    [[0.0, 0.0], [1.0, -1.0], [-1.0, 1.0]]
    """
    vectors = np.asarray(vectors, dtype="float32")
    used = np.abs(vectors).sum(axis=1) > 0
    spread = float(vectors[used].std()) if used.any() else 0.0
    return vectors / spread if spread > 0 else vectors


def init_embedding(layer, vectorizer, preset="minilm", seed=0, scale=False):
    """Sets a built `Embedding` layer's weights from `encoder_word_vectors`.

    Args:
        layer: a built `keras.layers.Embedding` over `vectorizer`'s token ids.
        vectorizer: the fitted `TextVectorization` feeding it.
        preset: see `encoder_word_vectors`.
        seed: see `encoder_word_vectors`.
        scale: rescale the vectors to unit standard deviation (`unit_scale`).

    Example:

    >>> init_embedding(model.get_layer("embedding"), vectorizer)  # doctest: +SKIP
    """
    rows, dim = layer.embeddings.shape
    words = vectorizer.get_vocabulary()[:rows]
    vectors = np.zeros((rows, dim), dtype="float32")
    vectors[: len(words)] = encoder_word_vectors(words, dim, preset=preset, seed=seed)
    layer.embeddings.assign(unit_scale(vectors) if scale else vectors)
