"""Exact contributions of a linear TF-IDF head: attributions + bias == logit."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.explaining.explainer import Explainer
from genreclf.explaining.linear import activate
from genreclf.explaining.linear import linear_contributions
from genreclf.explaining.linear import score_contributions
from genreclf.models.ngram import build_ngram

TEXTS = [
    "a crew of thieves plans a heist on a space station",
    "a haunted house whispers to the family at night",
    "two strangers fall in love on a night train",
    "the night train carries a ghost and a thief",
]


def _randomised(model, layer="scores", seed=0):
    rng = np.random.default_rng(seed)
    head = model.get_layer(layer)
    head.set_weights([rng.normal(size=w.shape).astype("float32") for w in head.get_weights()])
    return model


@pytest.mark.parametrize(
    "multi_label, mode, analyzer",
    [
        (False, "tf_idf", "word"),
        (True, "tf_idf", "word"),
        (False, "multi_hot", "word"),
        (True, "multi_hot", "word"),
        (False, "tf_idf", "char_wb"),
        (True, "tf_idf", "word+char_wb"),
    ],
)
def test_attributions_plus_bias_equal_the_graph_logit(multi_label, mode, analyzer):
    model = _randomised(
        build_ngram(
            4,
            multi_label=multi_label,
            train_texts=TEXTS,
            max_tokens=80,
            mode=mode,
            **({} if analyzer == "word" else {"analyzer": analyzer}),
        )
    )
    labels = ["crime", "horror", "romance", "scifi"]
    texts = ["A thief's night train, a ghost train!", "Love on a space station."]
    explanations = Explainer(model, labels).explain(texts, top_k=4)
    head = model.get_layer("scores")
    logits = keras.Model(model.input, head.input)({"text": tf.constant(texts)}).numpy()
    logits = logits @ head.get_weights()[0] + head.get_weights()[1]
    scores = model({"text": tf.constant(texts)}).numpy()
    for explanation, row, row_scores in zip(explanations, logits, scores):
        assert explanation.units == "logit"
        for entry in explanation.labels:
            k = labels.index(entry.label)
            total = entry.attributions.sum() + entry.unplaced + entry.baseline
            assert abs(total - row[k]) < 1e-5
            assert abs(entry.value - row[k]) < 1e-5
            assert entry.unplaced == pytest.approx(0.0, abs=1e-6)
            assert abs(entry.score - row_scores[k]) < 1e-6


def test_an_ngram_spanning_two_words_is_split_between_them():
    model = _randomised(build_ngram(2, train_texts=TEXTS, max_tokens=200))
    explanation = Explainer(model, ["a", "b"]).explain(["night train"], top_k=1)[0]
    kernel = model.get_layer("scores").get_weights()[0]
    vocab = model.get_layer("tfidf_counts").get_vocabulary()
    x = keras.Model(model.input, model.get_layer("tfidf").output)(
        {"text": tf.constant(["night train"])}
    ).numpy()[0]
    k = ["a", "b"].index(explanation.labels[0].label)
    night, train, both = (vocab.index(g) for g in ("night", "train", "night train"))
    expected_night = x[night] * kernel[night, k] + x[both] * kernel[both, k] / 2
    assert explanation.labels[0].attributions[0] == pytest.approx(expected_night, abs=1e-6)


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
def test_contributions_carried_into_scores_sum_to_the_score_change(activation):
    rng = np.random.default_rng(1)
    x = np.abs(rng.normal(size=30)) * (rng.random(30) < 0.3)
    kernel, bias = rng.normal(size=(30, 5)), rng.normal(size=5)
    columns, contributions, logits = linear_contributions(x, kernel, bias)
    attributions, baseline = score_contributions(contributions, bias, activation, [0, 3])
    change = activate(logits, activation)[[0, 3]] - baseline
    np.testing.assert_allclose(attributions.sum(axis=0), change, atol=1e-4)


def test_a_character_ngram_lands_on_the_word_it_was_cut_from():
    model = _randomised(build_ngram(2, train_texts=TEXTS, max_tokens=400, analyzer="char_wb"))
    text = "Ghost's train"
    (explanation,) = Explainer(model, ["a", "b"]).explain([text], top_k=1)
    assert [w.text for w in explanation.words] == ["Ghost", "s", "train"]
    kernel = model.get_layer("scores").get_weights()[0]
    vocab = model.get_layer("tfidf_char_counts").get_vocabulary()
    x = keras.Model(model.input, model.get_layer("tfidf_char").output)(
        {"text": tf.constant([text])}
    ).numpy()[0]
    k = ["a", "b"].index(explanation.labels[0].label)
    # " train " n-grams cover only "train"; the whole token's 2-5-grams sum to its share.
    grams = {" train "[a : a + n] for n in range(2, 6) for a in range(7 - n + 1)}
    expected = sum(x[vocab.index(g)] * kernel[vocab.index(g), k] for g in grams if g in vocab)
    assert explanation.labels[0].attributions[2] == pytest.approx(expected, abs=1e-6)
