"""bench/epochs.py replays early stopping on logged scores exactly as Keras runs it."""

import doctest
import pathlib
import sys

import keras
import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))

import epochs  # noqa: E402


class _Scripted(keras.callbacks.Callback):
    """Logs a scripted validation score, as if the model had scored it."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs["val_macro_f1"] = self.values[epoch]


@pytest.mark.parametrize(
    "values, patience, start",
    [
        ([0.1, 0.3, 0.2, 0.25, 0.5, 0.1], 2, 1),
        ([0.9, 0.1, 0.3, 0.2, 0.2, 0.2, 0.6], 3, 2),
        ([0.1, 0.2, 0.3, 0.4], 6, 2),
        ([0.5, 0.4], 6, 2),  # shorter than the warmup: Keras keeps the last weights
    ],
)
def test_the_replay_keeps_the_epoch_keras_keeps(values, patience, start):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    stop = keras.callbacks.EarlyStopping(
        monitor="val_macro_f1",
        mode="max",
        patience=patience,
        start_from_epoch=start,
        restore_best_weights=True,
    )
    history = model.fit(
        np.zeros((4, 1)),
        np.zeros((4, 1)),
        epochs=len(values),
        verbose=0,
        callbacks=[_Scripted(values), stop],
    )
    kept = epochs.kept_epoch(values, patience, start)
    ran = len(history.history["loss"])
    assert kept == (stop.best_epoch if ran > start else ran - 1)
    assert kept < ran


def test_a_seed_line_shows_kept_plateau_and_best():
    scores = [0.1] * 5 + [0.2] * 10
    line = epochs.seed_line(0, scores, kept=3)
    assert line == "seed 0: kept epoch 4 0.1000 | plateau 0.2000 | best epoch 6 0.2000"
    assert doctest.testmod(epochs).failed == 0
