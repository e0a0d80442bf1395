"""Integrated gradients on the embedding output: completeness on a tiny BiLSTM."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.explaining.integrated_gradients import IntegratedGradients
from genreclf.explaining.integrated_gradients import quadrature
from genreclf.models.heads import classification_head
from genreclf.models.heads import text_input
from genreclf.models.pooling import MaskedGlobalPooling1D
from genreclf.preprocessing import make_text_vectorizer

TEXTS = [
    "a crew of thieves plans a heist on a space station",
    "a haunted house whispers to the family at night",
    "two strangers fall in love on a night train",
]


def tiny_bilstm(multi_label=False):
    """The `bilstm` family's graph in small (text → ids → embedding → BiLSTM → max → Dense)."""
    text = text_input()
    vectorizer = make_text_vectorizer(TEXTS, mode="int", max_tokens=100, max_length=16)
    x = keras.layers.Embedding(vectorizer.vocabulary_size(), 8, mask_zero=True, name="embedding")(
        vectorizer(text)
    )
    x = keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=True), name="bilstm_0")(x)
    x = MaskedGlobalPooling1D("max", name="max_pool")(x)
    return keras.Model({"text": text}, classification_head(x, 3, multi_label), name="bilstm")


@pytest.mark.parametrize(("multi_label", "rule"), [(False, "midpoint"), (True, "gauss")])
def test_attributions_sum_to_the_score_change_from_the_baseline(multi_label, rule):
    model = tiny_bilstm(multi_label)
    ig = IntegratedGradients(model, "embedding", rule=rule)
    result = ig.attribute({"text": ["Two strangers fall in love."]}, classes=[0, 1, 2], steps=64)
    change = result.value - result.baseline
    assert np.abs(change).max() > 1e-3  # the test would be empty otherwise
    np.testing.assert_allclose(result.attributions.sum(axis=(0, 1)), change, atol=2e-3)
    np.testing.assert_allclose(
        result.value, model({"text": tf.constant(["Two strangers fall in love."])})[0], atol=1e-6
    )


def test_padding_positions_get_nothing_and_ids_are_the_tokens():
    model = tiny_bilstm()
    result = IntegratedGradients(model, "embedding").attribute(
        {"text": ["a night train"]}, classes=[0], steps=16
    )
    assert result.ids.shape == (1, 16)
    assert (result.ids[0, :3] > 0).all() and (result.ids[0, 3:] == 0).all()
    assert np.abs(result.attributions[0, 3:]).max() < 1e-7
    assert np.abs(result.attributions[0, :3]).max() > 0


def test_the_model_itself_is_untouched():
    model = tiny_bilstm()
    before = model({"text": tf.constant(TEXTS)}).numpy()
    IntegratedGradients(model, "embedding").attribute({"text": [TEXTS[0]]}, classes=[1], steps=8)
    np.testing.assert_array_equal(model({"text": tf.constant(TEXTS)}).numpy(), before)


def test_an_unknown_layer_is_refused():
    with pytest.raises(ValueError, match="No layer named 'nope'"):
        IntegratedGradients(tiny_bilstm(), "nope")


@pytest.mark.parametrize("steps", [0, -1, "8", True])
def test_steps_that_are_not_a_count_are_refused(steps):
    from genreclf.errors import ConfigError

    ig = IntegratedGradients(tiny_bilstm(), "embedding")
    # steps=0 was "'NoneType' object is not subscriptable".
    with pytest.raises(
        ConfigError,
        match=rf"steps must be a whole number of at least 1. Received: steps={steps!r}\.",
    ):
        ig.attribute({"text": [TEXTS[0]]}, classes=[0], steps=steps)


@pytest.mark.parametrize("rule", ["midpoint", "gauss"])
def test_steps_in_several_passes_give_the_same_attributions(rule):
    model = tiny_bilstm()
    ig = IntegratedGradients(model, "embedding", rule=rule)
    inputs = {"text": ["two strangers fall in love"]}
    whole = ig.attribute(inputs, classes=[0, 2], steps=24, batch_steps=24)
    parts = ig.attribute(inputs, classes=[0, 2], steps=24, batch_steps=5)
    np.testing.assert_allclose(parts.attributions, whole.attributions, atol=1e-6)
    np.testing.assert_allclose(parts.value, whole.value, atol=1e-7)
    np.testing.assert_allclose(parts.baseline, whole.baseline, atol=1e-7)


def test_each_rule_integrates_what_it_should_exactly():
    # Midpoint: straight lines; Gauss-Legendre with n nodes: polynomials of degree 2n - 1.
    for rule, steps, degree in [("midpoint", 5, 1), ("gauss", 3, 5), ("gauss", 16, 31)]:
        nodes, weights = quadrature(steps, rule)
        assert nodes.shape == weights.shape == (steps,) and 0 < nodes.min() < nodes.max() < 1
        assert abs(weights @ nodes.astype("float64") ** degree - 1 / (degree + 1)) < 1e-6
    nodes, weights = quadrature(3, "midpoint")
    assert abs(weights @ nodes.astype("float64") ** 2 - 1 / 3) > 1e-3  # not beyond its degree
    with pytest.raises(ValueError, match=r"rule must be one of .* Received: rule='simpson'"):
        IntegratedGradients(tiny_bilstm(), "embedding", rule="simpson")


def _batch_sizes(ig):
    """Records how many copies of the text each pass through the probed model holds."""
    sizes, run_pass = [], ig._run_pass

    def counting_pass(inputs, alphas, *args):
        sizes.append(int(alphas.shape[0]))  # the batch: the text once per alpha
        return run_pass(inputs, alphas, *args)

    ig._run_pass = counting_pass
    return sizes


def test_a_bounded_pass_holds_the_same_copies_whatever_the_steps():
    model = tiny_bilstm()
    inputs = {"text": ["two strangers fall in love on a night train"]}
    whole = IntegratedGradients(model, "embedding").attribute(inputs, classes=[0, 1], steps=24)
    one_copy = 16 * 8  # max_length x embedding width: the probed values of one copy
    for steps in (8, 24):
        ig = IntegratedGradients(model, "embedding", pass_values=3 * one_copy)
        sizes = _batch_sizes(ig)
        result = ig.attribute(inputs, classes=[0, 1], steps=steps)
        # t = 0 and t = 1 first, no tape; then 3 steps a pass, however many steps.
        assert sizes[0] == 2 and max(sizes[1:]) == 3 and sum(sizes[1:]) == steps
    np.testing.assert_allclose(result.attributions, whole.attributions, atol=1e-6)
    np.testing.assert_allclose(result.value, whole.value, atol=1e-7)
    np.testing.assert_allclose(result.baseline, whole.baseline, atol=1e-7)


def test_an_unbounded_pass_carries_the_endpoints_with_the_first_steps():
    ig = IntegratedGradients(tiny_bilstm(), "embedding")
    sizes = _batch_sizes(ig)
    ig.attribute({"text": ["a night train"]}, classes=[0], steps=20, batch_steps=16)
    assert sizes == [2 + 16, 4]


@pytest.mark.parametrize("slow_after, traces", [(0.0, 1), (float("inf"), 0)])
def test_an_explainer_slow_eagerly_runs_traced_from_the_next_text_with_the_same_result(
    monkeypatch, slow_after, traces
):
    from genreclf.explaining import integrated_gradients

    monkeypatch.setattr(integrated_gradients, "TRACE_AFTER_SECONDS", slow_after)
    ig = IntegratedGradients(tiny_bilstm(), "embedding")
    inputs = {"text": ["two strangers fall in love on a night train"]}
    first = ig.attribute(inputs, classes=[0, 1], steps=8)  # eagerly, builds what it builds once
    assert not ig.traced
    ig.attribute(inputs, classes=[0, 1], steps=8)  # eagerly, timed
    again = ig.attribute(inputs, classes=[0, 1], steps=8)
    assert ig._graph_pass.experimental_get_tracing_count() == traces
    np.testing.assert_allclose(again.attributions, first.attributions, atol=1e-6)
    np.testing.assert_allclose(again.value, first.value, atol=1e-6)
    np.testing.assert_allclose(again.baseline, first.baseline, atol=1e-6)
