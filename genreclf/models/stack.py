"""`stack`: TF-IDF logistic regression and a frozen-encoder head, blended in one graph.

Two towers read the same raw text:

* TF-IDF n-grams (`ngram`'s features) → a linear head: what the words say;
* a frozen pretrained encoder (MiniLM, mean-pooled, long texts in windows,
  L2-normalised) → a linear head: what the text means.

Both heads are fitted by a convex solver (`genreclf.training.linear_heads`)
on every training row; the encoder's vectors are computed once per distinct
text and cached on disk (`genreclf.models.embedding_cache`). Their scores are
averaged with a weight chosen on 5-fold out-of-fold scores, and multi-label
thresholds are tuned on the same out-of-fold blend. The saved model contains
both towers and takes raw strings: one `.keras` file, one SavedModel.

This is the default recipe (`model="auto"`) wherever the MiniLM weights are
installed.
"""

import keras
import numpy as np

from genreclf.models.family import register_family
from genreclf.models.heads import text_input
from genreclf.models.ngram import set_linear_head
from genreclf.models.ngram import tfidf_features
from genreclf.models.ngram import tfidf_tower_matrix

AUTO = "auto"
WEIGHT_GRID = tuple(round(0.05 * i, 2) for i in range(21))

STACK_DEFAULTS = {
    "preset": "minilm",
    "max_length": 256,
    "max_chunks": 4,
    "max_tokens": 200000,
    "ngrams": 2,
    "min_df": 2,
    "c_tfidf": 4.0,
    "c_encoder": 1.0,
    "tfidf_weight": AUTO,
}


@keras.saving.register_keras_serializable(package="genreclf")
class WeightedScores(keras.layers.Layer):
    """`sum_i weights[i] * inputs[i]` for score tensors of the same shape.

    The weights are a (non-trainable) variable, so fitted values are saved
    with the model's weights.

    Args:
        weights: one weight per input (they should sum to 1).
        **kwargs: `keras.layers.Layer` arguments.

    Example:

    >>> import numpy as np
    >>> WeightedScores([0.25, 0.75])([np.ones((1, 2)), np.zeros((1, 2))]).numpy().tolist()
    [[0.25, 0.25]]
    """

    def __init__(self, weights=(0.5, 0.5), **kwargs):
        super().__init__(**kwargs)
        self.initial_weights = [float(w) for w in weights]
        self.mix = self.add_weight(
            name="mix",
            shape=(len(self.initial_weights),),
            initializer=keras.initializers.Constant(self.initial_weights),
            trainable=False,
        )

    def call(self, inputs):
        return sum(self.mix[i] * x for i, x in enumerate(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "weights": self.initial_weights}


def build_stack(
    num_classes,
    multi_label=False,
    train_texts=None,
    preset="minilm",
    max_length=256,
    max_chunks=4,
    max_tokens=200000,
    ngrams=2,
    min_df=2,
    c_tfidf=4.0,
    c_encoder=1.0,
    tfidf_weight=AUTO,
):
    """Builds the two-tower model (heads unfitted: `fit_stack` fits them).

    Args:
        num_classes: number of classes K.
        multi_label: sigmoid scores if True, softmax otherwise.
        train_texts: texts to fit the TF-IDF vocabulary on.
        preset: the frozen encoder: `"minilm"` or a local preset directory.
        max_length: word pieces per encoder window (256, sentence-transformers'
            setting for MiniLM, read one 150-word synopsis better than two
            128-piece windows in bench/quality.py).
        max_chunks: encoder windows per text (long texts: 4 × 256 pieces).
        max_tokens: TF-IDF vocabulary size.
        ngrams: TF-IDF n-grams from 1 to this size.
        min_df: TF-IDF minimum document frequency.
        c_tfidf: inverse L2 penalty of the TF-IDF head, or `"auto"` (chosen
            on out-of-fold scores, see `genreclf.training.linear_heads`).
            Choosing it out-of-fold moved held-out macro-F1 by less than its
            noise in bench/quality.py, so the default is the fixed 4.
        c_encoder: inverse L2 penalty of the encoder head, or `"auto"`.
        tfidf_weight: the TF-IDF head's share of the blended scores, or
            `"auto"` (chosen on out-of-fold scores).

    Example:

    >>> model = build_stack(3, train_texts=["a heist", "a ghost"])  # doctest: +SKIP
    >>> model.output_shape  # doctest: +SKIP
    (None, 3)
    """
    from genreclf.errors import ConfigError
    from genreclf.models.pretrained.sentence import sentence_embedding

    if tfidf_weight != AUTO and not 0.0 <= float(tfidf_weight) <= 1.0:
        raise ConfigError(
            f"tfidf_weight must be 'auto' or between 0 and 1. Received: tfidf_weight={tfidf_weight!r}."
        )
    activation = "sigmoid" if multi_label else "softmax"
    text = text_input()
    words = tfidf_features(text, train_texts, max_tokens=max_tokens, ngrams=ngrams, min_df=min_df)
    meaning = sentence_embedding(text, preset=preset, max_length=max_length, max_chunks=max_chunks)
    word_scores = keras.layers.Dense(
        num_classes, activation=activation, dtype="float32", name="tfidf_scores"
    )(words)
    meaning_scores = keras.layers.Dense(
        num_classes, activation=activation, dtype="float32", name="encoder_scores"
    )(meaning)
    weight = 0.5 if tfidf_weight == AUTO else float(tfidf_weight)
    scores = WeightedScores([weight, 1.0 - weight], dtype="float32", name="scores")(
        [word_scores, meaning_scores]
    )
    return keras.Model({"text": text}, scores, name="stack")


def encoder_features(model, texts, config, verbose=0):
    """The frozen tower's vectors of `texts`, through the on-disk cache."""
    from genreclf.models.embedding_cache import EmbeddingCache
    from genreclf.models.embedding_cache import cached_embeddings
    from genreclf.models.pretrained.sentence import EMBEDDING_LAYER
    from genreclf.models.pretrained.sentence import encoder_cache_key

    tower = keras.Model(model.input, model.get_layer(EMBEDDING_LAYER).output)
    key = encoder_cache_key(config["preset"], config["max_length"], config["max_chunks"])
    cache = EmbeddingCache(key, dim=tower.output_shape[-1])
    return cached_embeddings(tower, texts, cache, verbose=verbose, name="encoder")


def choose_blend(first, second, targets, multi_label, grid=WEIGHT_GRID):
    """The weight of `first` (and thresholds) maximizing macro-F1 of the blend.

    Args:
        first, second: out-of-fold scores `[n, K]` of the two heads.
        targets: `[n, K]` targets.
        multi_label: thresholds tuned (shrunk) per weight, else arg-max.
        grid: candidate weights.

    Returns:
        `(weight, thresholds, macro_f1)`; thresholds is None for single-label.

    Example:

    >>> targets = np.eye(2)[[0, 1, 0, 1]]
    >>> good, noise = targets * 0.8 + 0.1, np.full((4, 2), 0.5)
    >>> choose_blend(good, noise, targets, multi_label=False)[0] > 0
    True
    """
    from genreclf.metrics.thresholds import tune_thresholds_shrunk
    from genreclf.training.linear_heads import macro_f1

    best = (-1.0, 0.5, None)
    for weight in grid:
        blended = weight * first + (1.0 - weight) * second
        thresholds = tune_thresholds_shrunk(targets, blended) if multi_label else None
        score = macro_f1(targets, blended, multi_label, thresholds)
        # Ties go to the weight nearest an even blend.
        if score > best[0] + 1e-9 or (
            abs(score - best[0]) <= 1e-9 and abs(weight - 0.5) < abs(best[1] - 0.5)
        ):
            best = (score, weight, thresholds)
    return best[1], best[2], best[0]


def fit_stack(
    model, train_set, vocabulary, config, *, folds=5, seed=0, class_weight=True, verbose=1
):
    """Fits both heads convexly on every row and the blend on out-of-fold scores."""
    from genreclf.training.linear_heads import fit_head

    multi_label = vocabulary.multi_label
    words = fit_head(
        tfidf_tower_matrix(model, train_set.texts),
        train_set,
        vocabulary,
        c=config["c_tfidf"],
        folds=folds,
        seed=seed,
        class_weight=class_weight,
        verbose=verbose,
        name="tf-idf",
    )
    vectors = encoder_features(model, train_set.texts, config, verbose=verbose)
    meaning = fit_head(
        vectors,
        train_set,
        vocabulary,
        c=config["c_encoder"],
        folds=folds,
        seed=seed,
        class_weight=class_weight,
        verbose=verbose,
        name="encoder",
    )
    mask = words.oof_mask
    targets = train_set.targets(vocabulary)[mask]
    grid = WEIGHT_GRID if config["tfidf_weight"] == AUTO else (float(config["tfidf_weight"]),)
    weight, thresholds, score = choose_blend(
        words.oof_scores[mask], meaning.oof_scores[mask], targets, multi_label, grid=grid
    )
    if verbose:
        print(f"stack: tf-idf weight {weight:.2f}, out-of-fold macro-F1 {score:.4f}", flush=True)
    set_linear_head(model, "tfidf_scores", words.kernel, words.bias, unknown_row=True)
    set_linear_head(model, "encoder_scores", meaning.kernel, meaning.bias)
    model.get_layer("scores").set_weights([np.asarray([weight, 1.0 - weight], dtype="float32")])
    oof = weight * words.oof_scores + (1.0 - weight) * meaning.oof_scores
    return {"thresholds": thresholds, "oof_scores": oof, "oof_mask": mask, "tfidf_weight": weight}


register_family(
    "stack",
    defaults=STACK_DEFAULTS,
    training_defaults={"lr": 1e-3, "schedule": "constant", "weight_decay": 0.0},
    fit=fit_stack,
)(build_stack)
