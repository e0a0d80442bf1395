"""`mine_keywords`: each class's most discriminative terms, from labelled texts.

Terms are scored with scikit-learn's chi-squared test (`chi2`) of each term's
presence against each class (one class against the rest), keeping only terms
over-represented in the class and precise enough to vote for it alone. The
result feeds the keyword stage (`genreclf label keywords data.csv` writes it
into a `genres.yaml`).
"""

import numpy as np

from genreclf.errors import ConfigError
from genreclf.setting import number
from genreclf.setting import whole


def mine_keywords(texts, labels, top_k=20, min_df=3, min_precision=0.5, ngram_range=(1, 2)):
    """The `top_k` most discriminative terms of each class.

    Args:
        texts: the labelled texts.
        labels: one list of labels per text (single- or multi-label).
        top_k: terms kept per class at most.
        min_df: a term must occur in at least this many texts.
        min_precision: of the texts holding a term, at least this share must
            carry the class (so one keyword hit is real evidence).
        ngram_range: word n-grams considered (English stop words removed).

    Returns:
        `{label: [term, ...]}`, best first. A class may get no term; at
        least one class gets one.

    Raises:
        ConfigError: `top_k` or `min_df` not a whole number of at least 1,
            `min_precision` not in [0, 1], as many texts as label lists or
            none, or no class left with a keyword (the error says which
            setting to lower).

    Example:

    >>> texts = ["a ghost haunts the house", "the ghost returns", "a ghost ship",
    ...          "two chefs cook", "chefs compete", "chefs in love"]
    >>> labels = [["horror"]] * 3 + [["comedy"]] * 3
    >>> mine_keywords(texts, labels, top_k=1, min_df=2)
    {'comedy': ['chefs'], 'horror': ['ghost']}
    """
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.feature_selection import chi2

    from genreclf.labelling.genre_spec import normalize

    whole(1).check("top_k", top_k, where="`--top-k`", fix="Pass e.g. top_k=20.")
    whole(1).check("min_df", min_df, where="`--min-df`", fix="Pass e.g. min_df=3.")
    number(minimum=0, maximum=1).check("min_precision", min_precision, fix="Pass e.g. 0.5.")
    texts = [normalize(t) for t in texts]
    if len(texts) != len(labels) or not texts:
        raise ConfigError(
            "Expected as many label lists as texts, and at least one. Received: "
            f"len(texts)={len(texts)}, len(labels)={len(labels)}."
        )
    classes = sorted({label for row in labels for label in row})
    vectorizer = CountVectorizer(
        binary=True, stop_words="english", min_df=min(min_df, len(texts)), ngram_range=ngram_range
    )
    try:
        present = vectorizer.fit_transform(texts).tocsc()
    except ValueError as error:
        # sklearn's words for "no term is left" (none in min_df texts, or all stop words);
        # any other error, such as a setting it refuses, is raised as it is.
        if "empty vocabulary" in str(error):
            raise ConfigError(
                f"No genre got a keyword: every word of the {len(texts)} texts is an English "
                "stop word (or there are none). Expected texts with content words; mine "
                "more or longer labelled texts."
            ) from None
        if "no terms remain" not in str(error):
            raise
        raise _no_keywords(
            min_df, min_precision, len(texts), "no term occurs in that many texts"
        ) from None
    terms = vectorizer.get_feature_names_out()
    doc_freq = np.asarray(present.sum(axis=0)).ravel()
    out = {}
    for label in classes:
        y = np.array([label in row for row in labels])
        scores, _ = chi2(present, y)
        in_class = np.asarray(present[y].sum(axis=0)).ravel()
        precision = in_class / np.maximum(doc_freq, 1)
        keep = (precision >= min_precision) & (precision > y.mean()) & np.isfinite(scores)
        order = np.argsort(-np.where(keep, scores, -np.inf), kind="stable")
        out[label] = [str(terms[j]) for j in order[:top_k] if keep[j]]
    if not any(out.values()):
        raise _no_keywords(
            min_df,
            min_precision,
            len(texts),
            f"{len(terms)} terms occur in that many texts, but none is precise enough for a "
            f"class (min_precision={min_precision})",
        )
    return out


def _no_keywords(min_df, min_precision, count, why):
    """The error for mined keywords that would leave every genre without one: which to lower.

    Example:

    >>> print(_no_keywords(1000, 0.5, 310, "no term occurs in that many texts"))
    No genre got a keyword: ... Lower min_df (`--min-df 3`, the default), or mine more labelled texts.
    """
    if min_df > 3:
        fix = "Lower min_df (`--min-df 3`, the default)"
    elif min_df > 1:
        fix = "Lower min_df (`--min-df 1`)"
    else:
        fix = f"Lower min_precision (now {min_precision}: the share of a term's texts in the genre)"
    return ConfigError(
        f"No genre got a keyword: a keyword must occur in at least min_df={min_df} of the "
        f"{count} texts (`--min-df`), and {why}. Expected at least one keyword for some "
        f"genre. {fix}, or mine more labelled texts."
    )
