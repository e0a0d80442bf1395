"""`ngram`: TF-IDF n-grams → a linear layer (logistic regression done right) or a small MLP.

The default is scikit-learn's TF-IDF + logistic regression, inside a Keras
graph: 1–2-grams with a minimum document frequency of 2, sublinear tf, smooth
IDF, L2-normalised (`genreclf.preprocessing.tfidf`), and a linear head fitted
to the optimum by a convex solver (`solver="lbfgs"`, L2 penalty `1/c`,
balanced class weights;
`genreclf.training.linear_heads`). Multi-label
thresholds are chosen on 5-fold out-of-fold scores, and the head is refitted
on every training row. `solver="adamw"` (or `hidden_dim > 0`) trains the same
graph with genreclf's Keras recipe instead, as the tuner and hybrid models do.

`analyzer="char_wb"` swaps the word n-grams for word-boundary character
2–5-grams (scikit-learn's `analyzer="char_wb"`, in the graph), which survive
typos and inflected languages; `"word+char_wb"` concatenates both towers
(each L2-normalised, as scikit-learn's `FeatureUnion` of the two would).
"""

import keras
import numpy as np

from genreclf.models.family import register_family
from genreclf.models.heads import classification_head
from genreclf.models.heads import text_input
from genreclf.models.setting_checks import number
from genreclf.models.setting_checks import one_of
from genreclf.models.setting_checks import rate
from genreclf.models.setting_checks import whole
from genreclf.preprocessing import make_text_vectorizer

SOLVERS = ("lbfgs", "adamw")
ANALYZERS = ("word", "char_wb", "word+char_wb")
CHAR_SUFFIX = "_char"

NGRAM_DEFAULTS = {
    "max_tokens": 200000,
    "ngrams": 2,
    "min_df": 2,
    "mode": "tf_idf",
    "hidden_dim": 0,
    "dropout": 0.0,
    "solver": "lbfgs",
    "c": None,
    "analyzer": "word",
    "char_max_tokens": 20000,
}

NGRAM_CHECKS = {
    "max_tokens": whole(1, also=(None,)),
    "ngrams": whole(1),
    "min_df": whole(1),
    "mode": one_of("tf_idf", "multi_hot", "count"),
    "hidden_dim": whole(0),
    "dropout": rate(),
    "solver": one_of(*SOLVERS),
    "c": number(above=0, also=(None, "auto")),
    "analyzer": one_of(*ANALYZERS),
    "char_max_tokens": whole(1, also=(None,)),
}


def tfidf_features(
    text,
    train_texts,
    *,
    max_tokens,
    ngrams,
    min_df,
    name="tfidf",
    analyzer="word",
    char_max_tokens=None,
):
    """The TF-IDF tower: `text` → L2-normalised sublinear TF-IDF `[batch, V + 1]`.

    Column 0 is the unknown n-gram (always 0). The word tower's layers are
    `name` and `{name}_counts`, the character tower's `{name}_char` and
    `{name}_char_counts`; with `analyzer="word+char_wb"` the two towers'
    outputs are concatenated (`[batch, V_word + 1 + V_char + 1]`). The
    character tower keeps its `char_max_tokens` most frequent n-grams
    (`max_tokens` when None).
    """
    from genreclf.preprocessing.tfidf import SublinearTfIdf
    from genreclf.preprocessing.tfidf import fit_tfidf_vocabulary
    from genreclf.preprocessing.tfidf import make_count_vectorizer

    if analyzer not in ANALYZERS:
        raise _bad_analyzer(analyzer)
    if train_texts is None:
        raise _needs_texts()
    train_texts = _as_list(train_texts)
    towers = []
    for part in analyzer.split("+"):
        tower = name if part == "word" else name + CHAR_SUFFIX
        vocabulary, idf = fit_tfidf_vocabulary(
            train_texts,
            ngrams=ngrams,
            min_df=min_df,
            max_tokens=max_tokens if part == "word" else char_max_tokens or max_tokens,
            analyzer=part,
        )
        counts = make_count_vectorizer(vocabulary, ngrams, name=f"{tower}_counts", analyzer=part)
        towers.append(SublinearTfIdf(idf, name=tower)(counts(text)))
    if len(towers) == 1:
        return towers[0]
    return keras.layers.Concatenate(name=f"{name}_union")(towers)


def _towers(model, name):
    """`(layer name, analyzer)` of each TF-IDF tower of `model`, in column order."""
    names = {layer.name for layer in model.layers}
    found = [(n, a) for n, a in ((name, "word"), (name + CHAR_SUFFIX, "char_wb")) if n in names]
    if not found:
        raise ValueError(f"The model has no TF-IDF tower named {name!r}.")
    return found


def tfidf_tower_matrix(model, texts, name="tfidf"):
    """The sparse features `[n, V]` that `model`'s TF-IDF tower(s) compute for `texts`.

    The unknown n-gram columns (one per tower) are left out; `tower_sizes`
    gives each tower's width so a kernel fitted on this matrix can be put back
    (`with_unknown_rows`).
    """
    import scipy.sparse

    from genreclf.preprocessing.tfidf import tfidf_matrix

    blocks = []
    for tower, analyzer in _towers(model, name):
        counts = model.get_layer(f"{tower}_counts")
        vocabulary = counts.get_vocabulary()[1:]  # drop the unknown-token entry
        idf = model.get_layer(tower).get_config()["idf"]
        ngrams = counts.get_config()["ngrams"]
        ngrams = max(ngrams) if isinstance(ngrams, (list, tuple)) else ngrams
        blocks.append(tfidf_matrix(texts, vocabulary, idf, ngrams, analyzer=analyzer))
    return blocks[0] if len(blocks) == 1 else scipy.sparse.hstack(blocks).tocsr()


def tower_sizes(model, name="tfidf"):
    """The vocabulary size of each TF-IDF tower of `model`, in column order."""
    return [len(model.get_layer(tower).get_config()["idf"]) for tower, _ in _towers(model, name)]


def with_unknown_rows(kernel, sizes):
    """`kernel [sum(sizes), K]` with a zero row before each tower's block (its unknown column).

    Example:

    >>> with_unknown_rows(np.ones((3, 1)), [2, 1]).ravel().tolist()
    [0.0, 1.0, 1.0, 0.0, 1.0]
    """
    blocks, start = [], 0
    for size in sizes:
        blocks += [np.zeros((1, kernel.shape[1]), dtype=kernel.dtype), kernel[start : start + size]]
        start += size
    return np.vstack(blocks)


def set_linear_head(model, layer_name, kernel, bias, unknown_row=False):
    """Copies a fitted `kernel [D, K]` and `bias [K]` into a Dense layer."""
    if unknown_row:  # the input's column 0 (unknown n-grams) gets weight 0
        kernel = np.vstack([np.zeros((1, kernel.shape[1]), dtype=kernel.dtype), kernel])
    model.get_layer(layer_name).set_weights([kernel, bias])


def _as_list(texts):
    from genreclf.models.registry import text_list

    return list(text_list(texts))


def _bad_analyzer(analyzer):
    from genreclf.errors import ConfigError

    return ConfigError(
        f"Unknown analyzer. Expected one of {ANALYZERS}. Received: analyzer={analyzer!r}."
    )


def _needs_texts():
    from genreclf.errors import ConfigError

    return ConfigError(
        "The TF-IDF vocabulary is fitted on the training texts. Received: "
        "train_texts=None. Pass train_texts=[...] to build_model."
    )


def build_ngram(
    num_classes,
    multi_label=False,
    train_texts=None,
    max_tokens=200000,
    ngrams=2,
    min_df=2,
    mode="tf_idf",
    hidden_dim=0,
    dropout=0.0,
    solver="lbfgs",
    c=None,
    analyzer="word",
    char_max_tokens=20000,
):
    """Builds the bag-of-n-grams classifier.

    Args:
        num_classes: number of classes K.
        multi_label: sigmoid scores if True, softmax otherwise.
        train_texts: texts to fit the n-gram vocabulary and IDF weights on.
        max_tokens: word n-gram vocabulary size (the most frequent).
        ngrams: n-grams from 1 to this size.
        min_df: `tf_idf` mode: keep n-grams found in at least this many texts.
        mode: `"tf_idf"` (sublinear, smooth IDF, L2-normalised — scikit-learn's
            `TfidfVectorizer(sublinear_tf=True)`), `"multi_hot"` or `"count"`
            (Keras `TextVectorization` vectors, L2-normalised).
        hidden_dim: 0 for a linear model, else the width of one ReLU layer
            (trained by the Keras recipe).
        dropout: dropout on the n-gram vector (Keras recipe only).
        solver: `"lbfgs"`: the linear head is fitted by scikit-learn's convex
            solver (the default; needs `hidden_dim=0` and `mode="tf_idf"`);
            `"adamw"`: genreclf's Keras recipe.
        c: the inverse L2 penalty of the `lbfgs` solver (scikit-learn's `C`),
            `"auto"`: chosen on 5-fold out-of-fold macro-F1 from
            `genreclf.training.linear_heads.C_GRID`, or None (the default):
            4 for word n-grams (on imdb_genre27's 27 skewed classes `"auto"`
            was worse on held-out rows than the fixed 4), `"auto"` for
            `analyzer="char_wb"` (each word gives ~14 correlated character
            n-grams, and the penalty they need varies by dataset: at 10%
            character edits `"auto"` loses 0.08× (imdb_genre27) and 0.48×
            (tmdb_genres) of words' loss where 4 loses 0.50× and 0.61×).
        analyzer: `"word"` (1..`ngrams`-grams of words), `"char_wb"`
            (word-boundary character 2–5-grams: robust to typos, any
            language) or `"word+char_wb"` (both towers side by side);
            `mode="tf_idf"` only. `min_df` applies per tower.
        char_max_tokens: the character tower's vocabulary size: its most
            frequent 2–5-grams. Keeping only frequent ones makes the tower
            robust to typos: random edits destroy a text's rare n-grams and
            create rare ones, and rare n-grams carry the largest IDF weights.
            At 10% character edits and `c=4`, 20,000 of them lose 0.50× (imdb_genre27),
            0.61× (tmdb_genres) and 0.18× (movielens_plots) the macro-F1
            that word n-grams lose, where keeping every n-gram loses 0.83×,
            0.75× and 0.16×; clean macro-F1 moves by −0.016 to −0.001
            (bench/RESULTS.md, "Typos").

    Example:

    >>> import tensorflow as tf
    >>> model = build_ngram(2, train_texts=["a heist", "a ghost"], max_tokens=20)
    >>> model({"text": tf.constant(["a ghost"])}).shape
    TensorShape([1, 2])
    """
    from genreclf.errors import ConfigError

    if solver not in SOLVERS:
        raise ConfigError(
            f"Unknown solver. Expected one of {SOLVERS}. Received: solver={solver!r}."
        )
    if analyzer not in ANALYZERS:
        raise _bad_analyzer(analyzer)
    if analyzer != "word" and mode != "tf_idf":
        raise ConfigError(
            f"Character n-grams are computed as TF-IDF. Received: analyzer={analyzer!r} with "
            f"mode={mode!r}. Use mode='tf_idf', or analyzer='word'."
        )
    text = text_input()
    if mode == "tf_idf":
        x = tfidf_features(
            text,
            train_texts,
            max_tokens=max_tokens,
            ngrams=ngrams,
            min_df=min_df,
            analyzer=analyzer,
            char_max_tokens=char_max_tokens,
        )
    else:
        vectorizer = make_text_vectorizer(
            train_texts, mode=mode, max_tokens=max_tokens, ngrams=ngrams
        )
        x = keras.layers.Rescaling(1.0, name="to_float")(vectorizer(text))  # int64 → float32
        x = keras.layers.UnitNormalization(name="l2_normalize")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="input_dropout")(x)
    if hidden_dim:
        x = keras.layers.Dense(hidden_dim, activation="relu", name="hidden")(x)
    scores = classification_head(
        x, num_classes, multi_label, dropout=dropout if hidden_dim else 0.0
    )
    return keras.Model({"text": text}, scores, name="ngram")


def _solves_convexly(config):
    return (
        config.get("solver") == "lbfgs"
        and not config.get("hidden_dim")
        and config.get("mode") == "tf_idf"
    )


def head_penalty(config):
    """The `lbfgs` head's `C` for an `ngram` config: `c`, or its analyzer's default.

    Example:

    >>> head_penalty({"c": None, "analyzer": "word"}), head_penalty({"c": None, "analyzer": "char_wb"})
    (4.0, 'auto')
    """
    if config.get("c") is not None:
        return config["c"]
    return "auto" if config.get("analyzer") == "char_wb" else 4.0


def fit_ngram(
    model, train_set, vocabulary, config, *, folds=5, seed=0, class_weight=True, verbose=1
):
    """Fits the linear head convexly; returns `thresholds`, `oof_scores` and the `c` used.

    Thresholds (multi-label) are tuned on out-of-fold scores, shrunk toward a
    global threshold for classes with few positives; the final head is
    fitted on every row of `train_set`.
    """
    from genreclf.training.linear_heads import fit_head

    x = tfidf_tower_matrix(model, train_set.texts)
    head = fit_head(
        x,
        train_set,
        vocabulary,
        c=head_penalty(config),
        folds=folds,
        seed=seed,
        class_weight=class_weight,
        verbose=verbose,
        name="tf-idf",
    )
    kernel = with_unknown_rows(head.kernel, tower_sizes(model))
    set_linear_head(model, "scores", kernel, head.bias)
    return {
        "thresholds": head.thresholds,
        "oof_scores": head.oof_scores,
        "oof_mask": head.oof_mask,
        "choices": {"c": float(head.c)},
    }


# KerasTuner searches the Keras-trained variant (the convex fit has nothing to
# tune by gradient; the tuner refuses families that fit themselves).
NGRAM_SEARCH_SPACE = {
    "solver": "adamw",
    "max_tokens": [20000, 50000],
    "ngrams": {"min": 1, "max": 3},
    "hidden_dim": [0, 64],
    "dropout": {"min": 0.0, "max": 0.5, "step": 0.1},
    "lr": {"min": 1e-3, "max": 1e-1, "sampling": "log"},  # the default, 5e-2, inside
    "analyzer": list(ANALYZERS),
}

register_family(
    "ngram",
    defaults=NGRAM_DEFAULTS,
    search_space=NGRAM_SEARCH_SPACE,
    training_defaults={"lr": 5e-2, "schedule": "constant", "weight_decay": 1e-2},
    fit=fit_ngram,
    fit_when=_solves_convexly,
    checks=NGRAM_CHECKS,
    version=2,  # 2: words keep their combining marks (`normalize_words`)
)(build_ngram)
