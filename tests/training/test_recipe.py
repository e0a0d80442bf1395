"""`Recipe.fit` traces the train step once: the optimizer is built before `fit`."""

import keras
import numpy as np

import genreclf
from genreclf.data import train_val_split
from genreclf.models import build_model
from genreclf.training import TrainConfig
from genreclf.training.recipe import Recipe
from genreclf.training.recipe import build_optimizer


class CountsTraces(keras.Model):
    """A functional model whose Python `train_step` runs once per trace of the step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.traces = 0

    def train_step(self, data):
        self.traces += 1
        return super().train_step(data)


def _dense():
    inputs = keras.Input((2,))
    return CountsTraces(inputs, keras.layers.Dense(1)(inputs))


def test_keras_alone_traces_a_step_that_builds_the_optimizer_twice():
    # What `build_optimizer` is for; if Keras ever builds first itself, this fails.
    model = _dense()
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((8, 2)), np.zeros((8, 1)), epochs=2, verbose=0)
    assert model.traces == 2


def test_a_built_optimizer_is_traced_once_and_trains_alike():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 2)), rng.normal(size=(16, 1))
    weights = {}
    for build in (False, True):
        keras.utils.set_random_seed(0)
        model = _dense()
        model.compile(optimizer="adam", loss="mse")
        if build:
            build_optimizer(model)
        model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
        assert model.traces == (1 if build else 2)
        weights[build] = model.get_weights()
    for built, lazy in zip(weights[True], weights[False]):
        np.testing.assert_allclose(built, lazy, rtol=1e-6)


def test_recipe_fit_traces_the_train_step_once():
    data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    train, val = train_val_split(data, 0.2, seed=0)
    vocabulary = data.vocabulary()
    built = build_model(
        "ngram", vocabulary.num_classes, train_texts=train.texts, max_tokens=200, solver="adamw"
    )
    model = CountsTraces(built.input, built.output)
    recipe = Recipe(TrainConfig(model="ngram", epochs=2, batch_size=64), train, vocabulary)
    recipe.compile(model)
    recipe.fit(model, val, verbose=0)
    assert model.traces == 1
