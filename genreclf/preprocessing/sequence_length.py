"""`resolve_max_length`: a sequence model's `max_length`, `"auto"` read off the texts.

Every text is padded or cut to `max_length` tokens, so the length is a
trade between what a model reads and what it costs: synopses of 40–120 words
fit in the seed's 200 tokens, while aclImdb reviews (median 174 words, 90th
percentile 464) are cut short there. `"auto"` keeps 200 and raises it toward
the training texts' 90th percentile of length when they run longer, up to
300 — 1.5 × the compute of 200. On aclImdb's 8 ratings this lifted
macro-F1 (mean of 3 seeds; bench/RESULTS.md, part 7) from 0.2989 to 0.3404
for `bilstm` and from 0.2989 to 0.3101 for `transformer`; 300 is the longest
length measured.

Counting words is a percentile over Python strings: no library does it for
us, and it needs none.
"""

import math

import numpy as np

from genreclf.errors import ConfigError
from genreclf.preprocessing.text_vectorizer import word_runs

AUTO = "auto"
AUTO_PERCENTILE = 90
AUTO_BOUNDS = (200, 300)


def word_count(text):
    """The number of tokens `normalize_words` leaves in `text` (letters, marks, digits).

    Example:

    >>> word_count("A detective's <br />case!"), word_count("हिन्दी फ़िल्म")
    (4, 2)
    """
    return len(word_runs(text))


def auto_max_length(texts, percentile=AUTO_PERCENTILE, bounds=AUTO_BOUNDS):
    """The `percentile`-th text length of `texts`, rounded up to 8, within `bounds`.

    Args:
        texts: the training texts (an empty or missing list gives `bounds[0]`).
        percentile: which length to cover, in [0, 100].
        bounds: `(shortest, longest)` lengths returned.

    Example:

    >>> auto_max_length(["a short synopsis"] * 10)
    200
    >>> auto_max_length(["word " * 250] * 10)
    256
    >>> auto_max_length(["word " * 900] * 10)
    300
    """
    low, high = bounds
    if not texts:
        return low
    length = float(np.percentile([word_count(t) for t in texts], percentile))
    return int(min(max(8 * math.ceil(length / 8), low), high))


def resolve_max_length(max_length, texts):
    """`max_length` itself, or `auto_max_length(texts)` for `"auto"`.

    Raises:
        ConfigError: for anything but a positive int or `"auto"`.

    Example:

    >>> resolve_max_length(128, None), resolve_max_length("auto", None)
    (128, 200)
    """
    if max_length == AUTO:
        if hasattr(texts, "as_numpy_iterator"):  # a tf.data.Dataset of strings
            texts = [t.decode("utf-8", "replace") for t in texts.as_numpy_iterator()]
        return auto_max_length(list(texts) if texts is not None else [])
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ConfigError(
            "max_length must be a positive number of tokens or 'auto' (200, raised toward "
            "the training texts' 90th percentile of length, up to 300). "
            f"Received: max_length={max_length!r}."
        )
    return max_length
