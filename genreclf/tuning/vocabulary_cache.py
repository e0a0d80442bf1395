"""`VocabularyCache`: adapt each `TextVectorization` configuration once per search.

Every trial builds a new model, and every genreclf model adapts its
`TextVectorization` on the training texts (seconds on large data, most of the
build time of a small model). The vocabulary depends only on the training
texts and the layer's vocabulary settings (output mode, `max_tokens`, n-grams,
standardization, split), not on `max_length`, so a hypermodel with fixed
training texts can reuse it: inside `with cache:`, `TextVectorization.adapt`
looks the configuration up and sets the stored vocabulary (and IDF weights)
instead of scanning the texts again. The built model is identical to one
adapted from scratch (same vocabulary, same sizes, same outputs).
"""

import logging
import threading

import keras
import numpy as np

logger = logging.getLogger("genreclf.tuning")

_PATCH_LOCK = threading.Lock()


def _key(layer):
    config = layer.get_config()
    standardize = config.get("standardize")
    if isinstance(standardize, dict):  # a registered function, serialized
        standardize = standardize.get("config") or str(standardize)
    return (
        config.get("output_mode"),
        config.get("max_tokens"),
        str(config.get("ngrams")),
        str(standardize),
        str(config.get("split")),
        bool(config.get("sparse", False)),
    )


class VocabularyCache:
    """An in-memory cache of adapted vocabularies for one set of training texts.

    Use one cache per set of training texts (a hypermodel owns one). Within
    `with cache:`, every `keras.layers.TextVectorization.adapt` call in this
    thread is answered from the cache when the layer's vocabulary settings
    were adapted before.

    Example:

    >>> from genreclf.preprocessing import make_text_vectorizer
    >>> cache = VocabularyCache()
    >>> with cache:
    ...     a = make_text_vectorizer(["a heist", "a ghost"], max_tokens=10, max_length=4)
    ...     b = make_text_vectorizer(["a heist", "a ghost"], max_tokens=10, max_length=8)
    >>> cache.hits, cache.misses, a.get_vocabulary() == b.get_vocabulary()
    (1, 1, True)
    """

    def __init__(self):
        self._entries = {}
        self.hits = 0
        self.misses = 0

    def __len__(self):
        return len(self._entries)

    def clear(self):
        """Forgets every stored vocabulary."""
        self._entries.clear()

    def __enter__(self):
        _install()
        _ACTIVE.caches = getattr(_ACTIVE, "caches", []) + [self]
        return self

    def __exit__(self, *exc):
        _ACTIVE.caches = _ACTIVE.caches[:-1]
        return False

    def _adapt(self, layer, original, data, *args, **kwargs):
        key = _key(layer)
        entry = self._entries.get(key)
        if entry is not None:
            vocabulary, idf = entry
            layer.set_vocabulary(vocabulary, idf_weights=idf)
            self.hits += 1
            return None
        result = original(layer, data, *args, **kwargs)
        vocabulary = layer.get_vocabulary()
        idf = None
        if layer.get_config().get("output_mode") == "tf_idf":
            idf = np.asarray(layer._lookup_layer.idf_weights_const)  # no public getter
        self._entries[key] = (vocabulary, idf)
        self.misses += 1
        logger.debug("adapted a vocabulary of %d entries for %s", len(vocabulary), key)
        return result


_ACTIVE = threading.local()
_ORIGINAL_ADAPT = None


def _install():
    """Wraps `TextVectorization.adapt` once; the wrapper is inert outside a cache."""
    global _ORIGINAL_ADAPT
    with _PATCH_LOCK:
        if _ORIGINAL_ADAPT is not None:
            return
        original = keras.layers.TextVectorization.adapt
        _ORIGINAL_ADAPT = original

        def adapt(layer, data, *args, **kwargs):
            caches = getattr(_ACTIVE, "caches", None)
            if not caches:
                return original(layer, data, *args, **kwargs)
            return caches[-1]._adapt(layer, original, data, *args, **kwargs)

        adapt.__doc__ = original.__doc__
        keras.layers.TextVectorization.adapt = adapt
