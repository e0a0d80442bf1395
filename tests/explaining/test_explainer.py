"""`Explainer` on every kind of model: the method chosen, completeness, the words."""

import unicodedata

import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.explaining.explainer import Explainer
from genreclf.explaining.layers import find_layer
from genreclf.models.blending import WeightedScores
from genreclf.models.heads import text_input
from genreclf.models.ngram import build_ngram
from genreclf.models.pretrained.builder import build_pretrained
from genreclf.models.stack import build_stack
from genreclf.models.transformer import build_transformer

TEXTS = [
    "a crew of thieves plans a heist on a space station",
    "a haunted house whispers to the family at night",
    "two strangers fall in love on a night train",
]
LABELS = ["crime", "horror", "romance"]
TEXT = "Two strangers' love on a night train!"


def _random_head(model, name, seed=0):
    rng = np.random.default_rng(seed)
    layer = model.get_layer(name)
    layer.set_weights([rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()])
    return model


def _transformer():
    return build_transformer(
        3,
        train_texts=TEXTS,
        word_dim=16,
        embedding_dim=8,
        num_heads=2,
        intermediate_dim=8,
        max_length=16,
        num_layers=1,
    )


def _complete(explanation, tolerance):
    for entry in explanation.labels:
        assert abs(entry.completeness_gap()) < tolerance, (entry.label, entry.completeness_gap())


def test_transformer_is_explained_by_integrated_gradients_on_its_embedding():
    explainer = Explainer(_transformer(), LABELS, steps=64)
    assert explainer.kind == "integrated_gradients"
    (explanation,) = explainer.explain([TEXT], top_k=3)
    assert explanation.units == "score" and "'embedding'" in explanation.method
    assert "64 steps, Gauss-Legendre" in explanation.method  # its blocks' rule: `quadrature`
    words = ["Two", "strangers", "love", "on", "a", "night", "train"]
    assert [w.text for w in explanation.words] == words
    _complete(explanation, 5e-3)
    assert all(abs(e.unplaced) < 1e-6 for e in explanation.labels)  # padding gets nothing


@pytest.mark.parametrize(
    ("analyzer", "layer", "gap"), [("word", "tfidf", 1e-4), ("word+char_wb", "tfidf_union", 1e-3)]
)
def test_ngram_with_a_hidden_layer_gets_integrated_gradients_on_the_ngram_vector(
    analyzer, layer, gap
):
    # word+char_wb: the probed union reads a list of towers (it crashed the run's report).
    model = build_ngram(
        3,
        multi_label=True,
        train_texts=TEXTS,
        max_tokens=80,
        hidden_dim=4,
        solver="adamw",
        analyzer=analyzer,
        dropout=0.2,
    )
    _random_head(_random_head(model, "hidden"), "scores", 1)
    explainer = Explainer(model, LABELS, steps=64)
    assert explainer.kind == "integrated_gradients" and explainer.ig_layer == layer
    (explanation,) = explainer.explain([TEXT])
    _complete(explanation, gap)  # more ReLU kinks on the path: a wider midpoint-rule gap
    assert np.abs(explanation.labels[0].attributions).max() > 0


def test_pretrained_word_pieces_are_merged_into_words(tiny_preset):
    model = build_pretrained(3, preset=tiny_preset, mode="frozen", max_length=16)
    (explanation,) = Explainer(model, LABELS, steps=32).explain(["The ghosts' zzyzx train."])
    _complete(explanation, 5e-3)
    words = [w.text for w in explanation.words]
    assert words == ["The", "ghosts", "zzyzx", "train"]
    # "ghosts" is ghost ##s in the tiny vocabulary, "zzyzx" [UNK]: every word gets its pieces.
    assert all(np.abs(e.attributions).min() > 0 for e in explanation.labels)


def tiny_stack(preset):
    """`stack` with a tiny encoder (windows of 6 word pieces, at most 4), random heads."""
    model = build_stack(3, train_texts=TEXTS, preset=preset, max_length=8, max_chunks=4)
    _random_head(model, "tfidf_scores", 1)
    _random_head(model, "encoder_scores", 2)
    blend = model.get_layer("scores")
    heads = len(blend.get_weights()[0])  # the TF-IDF head first
    blend.set_weights([np.array([0.7] + [0.3 / (heads - 1)] * (heads - 1), dtype="float32")])
    return model


def test_stack_blends_the_exact_tfidf_tower_and_the_encoder(tiny_preset):
    model = tiny_stack(tiny_preset)
    explainer = Explainer(model, LABELS, steps=32)
    assert explainer.kind == "stack"
    (explanation,) = explainer.explain([TEXT + " " + TEXTS[0]], top_k=3)
    assert explanation.units == "score"
    _complete(explanation, 2e-3)
    scores = model({"text": tf.constant([TEXT + " " + TEXTS[0]])}).numpy()[0]
    for entry in explanation.labels:
        assert entry.value == pytest.approx(scores[LABELS.index(entry.label)], abs=1e-6)
    (tower,) = explanation.parts.values()
    assert tower.units == "logit"
    _complete(tower, 1e-5)


def test_a_long_stack_text_is_explained_with_its_windows_and_every_word(tiny_preset):
    model = tiny_stack(tiny_preset)
    explainer = Explainer(model, LABELS, steps=16)
    words = " ".join(TEXTS).split()
    text = " ".join(np.random.default_rng(0).choice(words, 20_000))
    sizes, run_pass = [], explainer.ig._run_pass

    def counting_pass(inputs, alphas, *args):
        sizes.append(int(alphas.shape[0]))  # the batch: the text once per alpha
        return run_pass(inputs, alphas, *args)

    explainer.ig._run_pass = counting_pass
    one_copy = 4 * 8 * find_layer(model, "token_embedding").output_dim  # 4 windows of 8
    explainer.ig.pass_values = 2 * one_copy
    (explanation,) = explainer.explain([text], top_k=2)
    # The text once at t = 0 and t = 1 (no tape), then 2 copies a pass: not steps x text.
    assert sizes == [2] + [2] * 8
    assert len(explanation.words) == 20_000
    _complete(explanation, 2e-3)
    scores = model({"text": tf.constant([text])}).numpy()[0]
    inputs = {"text": np.asarray([text], dtype=object)}
    for entry in explanation.labels:
        k = LABELS.index(entry.label)
        assert entry.value == pytest.approx(scores[k], abs=1e-6)
        # Past the encoder's 4 windows of 6 word pieces, a word reaches only the TF-IDF tower.
        tower = explainer.tower.explain(text, explanation.words, inputs, [k], "score")
        np.testing.assert_allclose(
            entry.attributions[100:], explainer.weight * tower.words[100:, 0], atol=1e-9
        )
        assert np.abs(entry.attributions[:24] - explainer.weight * tower.words[:24, 0]).max() > 0


def test_an_ensemble_is_the_weighted_sum_of_its_members():
    first = _random_head(build_ngram(3, train_texts=TEXTS, max_tokens=80), "scores")
    second = _transformer()
    text = text_input()
    members = [
        keras.Model(m.input, m.output, name=f"member_{i}")({"text": text})
        for i, m in enumerate([first, second])
    ]
    scores = WeightedScores([0.25, 0.75], name="scores")(members)
    model = keras.Model({"text": text}, scores, name="ensemble")
    explainer = Explainer(model, LABELS, steps=64)
    assert explainer.kind == "ensemble"
    (explanation,) = explainer.explain([TEXT], top_k=2)
    _complete(explanation, 1e-2)
    classes = [e.label for e in explanation.labels]
    (a,) = Explainer(first, LABELS).explain([TEXT], labels=classes, units="score")
    (b,) = Explainer(second, LABELS, steps=64).explain([TEXT], labels=classes)
    for entry, ea, eb in zip(explanation.labels, a.labels, b.labels):
        np.testing.assert_allclose(
            entry.attributions, 0.25 * ea.attributions + 0.75 * eb.attributions, atol=1e-6
        )


def test_an_ensemble_member_at_weight_zero_is_not_attributed():
    first = _random_head(build_ngram(3, train_texts=TEXTS, max_tokens=80), "scores")
    text = text_input()
    members = [
        keras.Model(m.input, m.output, name=f"member_{i}")({"text": text})
        for i, m in enumerate([first, _transformer()])
    ]
    scores = WeightedScores([1.0, 0.0], name="scores")(members)
    model = keras.Model({"text": text}, scores, name="ensemble")
    (explanation,) = Explainer(model, LABELS, steps=8).explain([TEXT], top_k=2)
    assert "1.00 ×" in explanation.method and "0.00 ×" not in explanation.method
    classes = [e.label for e in explanation.labels]
    (alone,) = Explainer(first, LABELS).explain([TEXT], labels=classes, units="score")
    for entry, single in zip(explanation.labels, alone.labels):
        np.testing.assert_allclose(entry.attributions, single.attributions, atol=1e-6)


def test_bad_arguments_say_what_was_expected():
    from genreclf.errors import ConfigError

    explainer = Explainer(build_ngram(3, train_texts=TEXTS, max_tokens=80), LABELS)
    with pytest.raises(ConfigError, match="wrap it in a list"):
        explainer.explain(TEXT)
    with pytest.raises(ConfigError, match="Unknown labels"):
        explainer.explain([TEXT], labels=["western"])
    with pytest.raises(
        ConfigError, match=r"Received: labels='crime'. Pass e.g. labels=\['crime'\]"
    ):
        explainer.explain([TEXT], labels="crime")
    with pytest.raises(ConfigError, match="labels names no label"):
        explainer.explain([TEXT], labels=[])
    assert explainer.explain([TEXT], features={"year": [1999.0]})[0].labels  # left aside
    assert explainer.explain([TEXT], features={})[0].labels


def test_rating_labels_are_taken_as_predict_gives_them():
    # Run.predict gives a rating run's labels as ints; explain refused them:
    # "Unknown labels [10]. Expected labels of this run: ['1', '5', '10']".
    from genreclf.errors import ConfigError

    explainer = Explainer(build_ngram(3, train_texts=TEXTS, max_tokens=80), ["1", "5", "10"])
    (by_int,) = explainer.explain([TEXT], labels=[10, np.int64(1)])
    (by_name,) = explainer.explain([TEXT], labels=["10", "1"])
    assert [e.label for e in by_int.labels] == ["10", "1"]
    for a, b in zip(by_int.labels, by_name.labels):
        np.testing.assert_array_equal(a.attributions, b.attributions)
    with pytest.raises(ConfigError, match=r"Unknown labels \[7, True\]"):
        explainer.explain([TEXT], labels=[7, True])


def test_a_top_k_or_steps_that_is_not_a_count_is_refused():
    from genreclf.errors import ConfigError

    model = build_ngram(3, train_texts=TEXTS, max_tokens=80)
    explainer = Explainer(model, LABELS)
    # -1 explained K-1 labels, 0 none, "2" was a TypeError; steps=0 one in explain().
    for value, shown in [(-1, "-1"), (0, "0"), ("2", "'2'"), (True, "True"), (1.5, "1.5")]:
        with pytest.raises(
            ConfigError,
            match=rf"top_k must be a whole number of at least 1, or null/None\. "
            rf"Received: top_k={shown}\. Pass e.g. top_k=3",
        ):
            explainer.explain([TEXT], top_k=value)
        with pytest.raises(
            ConfigError,
            match=rf"steps must be a whole number of at least 1. Received: steps={shown}\. "
            "Pass e.g. steps=16",
        ):
            Explainer(model, LABELS, steps=value)
    with pytest.raises(ConfigError, match=r"Received: steps=null/None\."):
        Explainer(model, LABELS, steps=None)
    assert len(explainer.explain([TEXT], top_k=np.int64(5))[0].labels) == 3  # more: all of them
    assert len(explainer.explain([TEXT], top_k=None)[0].labels) == 3  # as Run.predict: every one


def test_hybrid_explains_the_text_with_the_features_held_fixed():
    from genreclf.models import build_model

    features = {"year": np.array([1990.0, 2005.0, 2020.0]), "country": np.array(["us", "fr", "us"])}
    model = build_model(
        "hybrid",
        3,
        train_texts=TEXTS,
        train_features=features,
        encoder="transformer",
        encoder_config={
            "embedding_dim": 8,
            "num_heads": 2,
            "intermediate_dim": 8,
            "max_length": 16,
            "num_layers": 1,
        },
    )
    explainer = Explainer(model, LABELS, steps=64)
    assert explainer.kind == "integrated_gradients"
    row = {"year": np.array([1999.0]), "country": np.array(["fr"])}
    (explanation,) = explainer.explain([TEXT], features=row)
    _complete(explanation, 5e-3)
    inputs = {
        "text": tf.constant([TEXT]),
        "year": tf.constant([1999.0]),
        "country": tf.constant(["fr"]),
    }
    scores = model(inputs).numpy()[0]
    assert [e.score for e in explanation.labels] == pytest.approx(sorted(scores)[::-1], abs=1e-6)
    _bad_features_are_refused(explainer)


def _bad_features_are_refused(explainer):
    """The hybrid model's features checked by name and count, not by Keras or a slice."""
    from genreclf.errors import ConfigError

    texts = [TEXT, TEXT]
    refused = [
        # Keras' "Missing data for input 'year'" before.
        (
            None,
            r"reads the features \['country', 'year'\] beside the text. Received: features=None",
        ),
        ([1999.0, 2000.0], r"features takes a dict \{name: values\}.*Received: features=\[1999"),
        (
            {"year": [1999.0] * 2},
            r"Received: features with \['year'\] \(unknown: \[\], missing: \['country'\]\)",
        ),
        (
            {"year": [1999.0] * 2, "country": ["fr"] * 2, "views": [3, 4]},
            r"unknown: \['views'\], missing: \[\]",
        ),
        # An IndexError before: one value for every text.
        (
            {"year": 1999.0, "country": ["fr"] * 2},
            r"features\['year'\] must hold one value per text \(2 texts\). Received: "
            r"features\['year'\]=1999.0. Pass e.g. features=\{'year': \[1999.0\] \* 2\}",
        ),
        ({"year": [1999.0], "country": ["fr"] * 2}, r"one value per text \(2 texts\)"),
        (
            {"year": ["1999", "2000"], "country": ["fr"] * 2},
            r"'year' is numeric. Received: features\['year'\]=\['1999'",
        ),
    ]
    for features, message in refused:
        with pytest.raises(ConfigError, match=message):
            explainer.explain(texts, features=features, top_k=1)


def test_bilstm_family_integrated_gradients_are_complete_and_on_words():
    from genreclf.models.bilstm import build_bilstm

    model = build_bilstm(3, train_texts=TEXTS, embedding_dim=8, lstm_units=4, max_length=16)
    explainer = Explainer(model, LABELS, steps=64)
    assert explainer.ig_layer == "embedding" and explainer.ig.rule == "midpoint"
    (explanation,) = explainer.explain([TEXT + " zzyzx"], top_k=3)
    _complete(explanation, 5e-3)
    # Out-of-vocabulary "zzyzx" still has a position and an embedding: it gets a share too.
    assert [w.text for w in explanation.words][-1] == "zzyzx"
    assert all(abs(e.unplaced) < 1e-7 for e in explanation.labels)  # padding: nothing


@pytest.mark.parametrize("hidden_dim", [None, 4])
@pytest.mark.parametrize("units", ["auto", "score"])
def test_a_text_of_no_known_ngram_is_explained_by_the_bias_alone(hidden_dim, units):
    options = {"hidden_dim": hidden_dim, "solver": "adamw"} if hidden_dim else {}
    model = _random_head(build_ngram(3, train_texts=TEXTS, max_tokens=80, **options), "scores")
    explainer = Explainer(model, LABELS, steps=8)
    (explanation,) = explainer.explain(["zzzz qqqq"], top_k=3, units=units)
    assert [w.text for w in explanation.words] == ["zzzz", "qqqq"]
    scores = model({"text": tf.constant(["zzzz qqqq"])}).numpy()[0]
    for entry in explanation.labels:
        assert entry.attributions.tolist() == [0.0, 0.0] and entry.unplaced == 0.0
        assert entry.value == pytest.approx(entry.baseline, abs=1e-6)  # nothing but the bias
        assert entry.score == pytest.approx(scores[LABELS.index(entry.label)], abs=1e-6)
    if explainer.kind == "linear" and explanation.units == "logit":
        bias = model.get_layer("scores").get_weights()[1]
        assert [e.value for e in explanation.labels] == pytest.approx(
            [bias[LABELS.index(e.label)] for e in explanation.labels], abs=1e-6
        )


def test_a_decomposed_word_gets_its_ngrams_attribution():
    model = build_ngram(3, train_texts=TEXTS + ["a café at night"], max_tokens=80, min_df=1)
    explainer = Explainer(_random_head(model, "scores"), LABELS)
    text = unicodedata.normalize("NFD", "A café at night")  # the graph's NFKC composes é
    (explanation,) = explainer.explain([text], top_k=3)
    assert [w.text for w in explanation.words] == ["A", "cafe\u0301", "at", "night"]
    _complete(explanation, 1e-5)
    for entry in explanation.labels:
        assert entry.attributions[1] != 0 and entry.unplaced == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize("standardize", ["normalize_words", "normalize_text"])
def test_hindi_words_get_the_attributions_of_their_tokens(standardize):
    from genreclf.models.pooling import MaskedGlobalPooling1D
    from genreclf.preprocessing import make_text_vectorizer

    # Vowel signs, viramas and a nukta are combining marks: `normalize_words`
    # keeps them in the words, `normalize_text` (models saved before it) made them spaces.
    text = "एक हिन्दी फ़िल्म"
    vectorizer = make_text_vectorizer(
        TEXTS + [text], max_tokens=60, max_length=12, standardize=standardize
    )
    inputs = text_input()
    x = keras.layers.Embedding(60, 4, mask_zero=True, name="embedding")(vectorizer(inputs))
    x = MaskedGlobalPooling1D("mean")(keras.layers.Dense(4, "tanh")(x))
    model = keras.Model({"text": inputs}, keras.layers.Dense(3, "softmax", name="scores")(x))
    (explanation,) = Explainer(model, LABELS, steps=16).explain([text], top_k=1)
    assert [w.text for w in explanation.words] == text.split()
    entry = explanation.labels[0]
    assert np.all(entry.attributions != 0) and abs(entry.unplaced) < 1e-7
