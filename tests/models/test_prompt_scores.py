"""`PromptScores`, the stack's label-name head, and how it is fitted."""

import keras
import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.models.prompt_scores import DEFAULT_PROMPTS
from genreclf.models.prompt_scores import PromptScores
from genreclf.models.prompt_scores import fit_prompt_head
from genreclf.models.prompt_scores import fit_temperature
from genreclf.models.prompt_scores import prompt_scores
from genreclf.models.prompt_scores import prompt_texts


def _unit(rows):
    rows = np.asarray(rows, dtype="float32")
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_the_layer_matches_its_numpy_twin_and_reloads(tmp_path):
    rng = np.random.default_rng(0)
    labels, texts = rng.normal(size=(3, 5)), rng.normal(size=(4, 5)).astype("float32")
    inputs = keras.Input((5,))
    model = keras.Model(inputs, PromptScores(3, name="prompts")(inputs))
    model.get_layer("prompts").set_prompts(labels, temperature=7.0)
    expected = prompt_scores(texts, labels, 7.0)
    np.testing.assert_allclose(np.asarray(model(texts)), expected, atol=1e-5)
    np.testing.assert_allclose(expected.sum(axis=1), 1.0, atol=1e-5)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(np.asarray(restored(texts)), expected, atol=1e-5)
    # the text vector's length does not matter: only its direction is compared
    np.testing.assert_allclose(np.asarray(model(texts * 3.0)), expected, atol=1e-5)


def test_fit_temperature_sharpens_as_far_as_the_rows_allow():
    targets = np.eye(3)[[0, 1, 2] * 20]
    clean = targets * 0.5  # each row closest to its own label
    noisy = clean.copy()
    noisy[::3] = np.roll(noisy[::3], 1, axis=1)  # a third of the rows closest to another
    assert fit_temperature(clean, targets) > 50  # as sharp as the bound allows, nearly
    assert 1.0 < fit_temperature(noisy, targets) < fit_temperature(clean, targets)
    multi = np.array([[1, 1, 0], [0, 1, 1]] * 10, dtype="float32")  # shares for multi-label
    assert 1.0 <= fit_temperature(multi * 0.5, multi) <= 100.0


def test_label_vectors_are_the_mean_of_each_names_prompts():
    space = {"comedy": [1, 0, 0], "horror": [0, 1, 0], "a comedy movie": [1, 0, 1]}
    space.update({"a horror movie": [0, 1, 1], "sci fi": [0, 0, 1], "a sci fi movie": [0, 0, 1]})
    embed = lambda texts: _unit([space[t] for t in texts])  # noqa: E731
    texts = _unit([[1, 0, 0.2], [0.1, 1, 0], [1, 0, 0], [0, 0.2, 1]])
    targets = np.eye(3)[[0, 1, 0, 2]]
    layer = PromptScores(3)
    layer.build((None, 3))
    fitted = fit_prompt_head(
        layer, embed, texts, ["comedy", "horror", "sci-fi"], targets, ["{}", "a {} movie"]
    )
    assert fitted["used"] and fitted["prompts"] == ["{}", "a {} movie"]
    comedy = _unit([np.add(_unit([[1, 0, 0]])[0], _unit([[1, 0, 1]])[0])])[0]
    np.testing.assert_allclose(layer.get_weights()[0][0], comedy, atol=1e-6)
    assert float(layer.get_weights()[1]) == pytest.approx(fitted["temperature"])
    assert fitted["scores"].argmax(axis=1).tolist() == [0, 1, 0, 2]
    np.testing.assert_allclose(
        fitted["scores"], np.asarray(layer(texts)), atol=1e-5
    )  # the blend is chosen on what the layer computes


def test_ratings_leave_the_head_unused_and_uniform():
    def embed(texts):
        raise AssertionError(f"ratings' names should not be embedded: {texts}")

    layer = PromptScores(3)
    layer.build((None, 2))
    fitted = fit_prompt_head(
        layer, embed, np.ones((4, 2)), ["1", "2", "10"], np.eye(3)[[0, 1, 2, 0]]
    )
    assert not fitted["used"] and fitted["temperature"] is None
    np.testing.assert_allclose(fitted["scores"], 1 / 3)
    # asked for explicitly, prompts are used even for numbers ("a 10 movie")
    embed = lambda texts: _unit(np.eye(2)[[i % 2 for i in range(len(texts))]] + 0.1)  # noqa: E731
    assert fit_prompt_head(
        layer, embed, np.ones((4, 2)), ["1", "2", "10"], np.eye(3)[[0, 1, 2, 0]], ["a {} movie"]
    )["used"]


def test_prompt_texts_fill_every_prompt_with_every_name():
    filled = prompt_texts(["Science Fiction", "game-show", "tv_movie"])
    assert len(filled) == len(DEFAULT_PROMPTS)
    assert filled[1] == ["a Science Fiction movie", "a game show movie", "a tv movie movie"]
    with pytest.raises(ConfigError, match="one '\\{\\}'"):
        prompt_texts(["war"], ["{} {}"])
