"""`mine_keywords`: each class's most discriminative terms, from labelled texts.

Terms are scored with scikit-learn's chi-squared test (`chi2`) of each term's
presence against each class (one class against the rest), keeping only terms
over-represented in the class and precise enough to vote for it alone. The
result feeds the keyword stage (`genreclf label keywords data.csv` writes it
into a `genres.yaml`).
"""

import numpy as np

from genreclf.errors import ConfigError


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
        `{label: [term, ...]}`, best first.

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
    except ValueError:  # no term survives min_df / stop words
        return {c: [] for c in classes}
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
    return out
