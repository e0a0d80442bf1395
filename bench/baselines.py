"""The quality benchmark's strong baselines: (a) TF-IDF + LR, (b) MiniLM + LR, (c) their average.

What a careful engineer writes in 60 lines of scikit-learn, fitted by
`bench/quality.py` beside genreclf's rows on the same held-out rows:

- (a) `tfidf+lr`: TfidfVectorizer(1–2-grams, sublinear tf, min_df 2, 200k
  features) + LogisticRegression(C=4, balanced); multi-label: one-vs-rest,
  per-class thresholds tuned on 5-fold out-of-fold training scores;
- (b) `minilm+lr`: frozen MiniLM sentence embeddings (mean-pooled,
  L2-normalised, first 256 word pieces — sentence-transformers' setting) +
  LogisticRegression(C=1, balanced), thresholds the same way;
- (c) `avg(a,b)`: the average of (a)'s and (b)'s probabilities, thresholds
  tuned on the averaged out-of-fold scores.

(a) is `baseline_scores(tfidf_features(train, test), train, test, vocabulary,
c=4.0)`, (b) the same on `minilm_features` with `c=1.0`; each returns the
test scores and the out-of-fold training scores that `thresholds_for` tunes
the thresholds on.
"""

import numpy as np


def out_of_fold(fit_predict, n_rows, train, folds=5):
    """Out-of-fold scores of `fit_predict(train_idx, val_idx)` on genreclf's stratified folds."""
    from genreclf.data import kfold_indices

    scores = None
    for train_idx, val_idx in kfold_indices(train, k=folds, seed=0):
        part = fit_predict(train_idx, val_idx)
        if scores is None:
            scores = np.zeros((n_rows, part.shape[1]), dtype="float32")
        scores[val_idx] = part
    return scores


def logistic(x, y, multi_label, c, k):
    """scikit-learn LR(C, balanced): a `predict(x) -> [n, K]` closure."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    if multi_label:
        present = np.flatnonzero(y.any(axis=0))
        model = OneVsRestClassifier(lr).fit(x, y[:, present])

        def predict(z):
            out = np.zeros((z.shape[0], k), dtype="float32")
            out[:, present] = model.predict_proba(z)
            return out
    else:
        model = lr.fit(x, y.argmax(axis=1))

        def predict(z):
            out = np.zeros((z.shape[0], k), dtype="float32")
            out[:, model.classes_] = model.predict_proba(z)
            return out

    return predict


def out_of_fold_scores(x_train, train, vocabulary, c):
    """5-fold out-of-fold scores `[n, K]` of LR(C) on `train`'s features `x_train`."""
    y = train.targets(vocabulary)
    k, ml = vocabulary.num_classes, vocabulary.multi_label
    return out_of_fold(
        lambda tr, va: logistic(x_train[tr], y[tr], ml, c, k)(x_train[va]), len(train), train
    )


def baseline_scores(features, train, test, vocabulary, c):
    """`(test scores, out-of-fold train scores)` of LR(C) on `features(train_rows, test_rows)`."""
    x_train, x_test = features
    oof = out_of_fold_scores(x_train, train, vocabulary, c)
    y, k = train.targets(vocabulary), vocabulary.num_classes
    return logistic(x_train, y, vocabulary.multi_label, c, k)(x_test), oof


def tfidf_vectorizer():
    """(a)'s vectorizer, not yet fitted: 1–2-grams, sublinear tf, min_df 2, 200k features."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=200000)


def tfidf_features(train, test):
    """(a)'s features: `(train matrix, test matrix)`, the vectorizer fitted on `train`."""
    vectorizer = tfidf_vectorizer()
    return vectorizer.fit_transform(train.texts), vectorizer.transform(test.texts)


def minilm_features(train, test):
    """sentence-transformers-style MiniLM embeddings (first 256 word pieces), cached."""
    import keras

    from genreclf.models.embedding_cache import EmbeddingCache
    from genreclf.models.embedding_cache import cached_embeddings
    from genreclf.models.heads import text_input
    from genreclf.models.pretrained.sentence import encoder_cache_key
    from genreclf.models.pretrained.sentence import sentence_embedding

    text = text_input()
    tower = keras.Model({"text": text}, sentence_embedding(text, max_length=256, max_chunks=1))
    cache = EmbeddingCache(encoder_cache_key("minilm", 256, 1), dim=tower.output_shape[-1])
    return (
        cached_embeddings(tower, train.texts, cache),
        cached_embeddings(tower, test.texts, cache),
    )


def thresholds_for(oof, train, vocabulary):
    from genreclf.metrics import tune_thresholds

    return tune_thresholds(train.targets(vocabulary), oof) if vocabulary.multi_label else None
