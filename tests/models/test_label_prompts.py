"""`genreclf.models.label_prompts`: the label names' sentences as a head."""

import keras
import numpy as np
import pytest

import genreclf
from genreclf.models.label_prompts import LabelPromptScores
from genreclf.models.label_prompts import label_sentences
from genreclf.models.label_prompts import prompt_scores


@pytest.mark.parametrize("multi_label", [False, True])
def test_the_layer_matches_its_numpy_twin_and_round_trips(multi_label, tmp_path):
    rng = np.random.default_rng(0)
    unit = lambda x: x / np.linalg.norm(x, axis=1, keepdims=True)  # noqa: E731
    vectors, labels = unit(rng.normal(size=(5, 6))), unit(rng.normal(size=(3, 6)))
    inputs = keras.Input((6,))
    layer = LabelPromptScores(3, multi_label=multi_label, name="label_scores")
    model = keras.Model(inputs, layer(inputs))
    layer.set_labels(labels)
    expected = prompt_scores(vectors, labels, multi_label)
    np.testing.assert_allclose(model(vectors.astype("float32")), expected, atol=1e-5)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(restored(vectors.astype("float32")), expected, atol=1e-5)
    assert LabelPromptScores.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match="Received: vectors.shape"):
        layer.set_labels(labels[:2])


def test_a_prompt_without_the_label_is_a_clear_error():
    with pytest.raises(genreclf.errors.ConfigError, match="Received: label_prompt="):
        label_sentences(["war"], "A film.")
