"""A resumed training run says "resuming from epoch N" (issue 11, CLI item 7)."""

import keras
import pytest

import genreclf


class _KillAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt  # as if the process were killed after epoch 1


def test_resumed_run_says_from_which_epoch(tmp_path, capfd):
    kwargs = dict(
        text="overview",
        label="genre",
        model="bilstm",
        epochs=3,
        model_config={"embedding_dim": 4, "lstm_units": 2, "max_length": 8, "max_tokens": 200},
        out=tmp_path / "run",
        verbose=0,
    )
    with pytest.raises(KeyboardInterrupt):
        genreclf.train(genreclf.sample_path(), callbacks=[_KillAfterFirstEpoch()], **kwargs)
    assert "resuming" not in capfd.readouterr().err
    genreclf.train(genreclf.sample_path(), **kwargs)
    assert "resuming from epoch 2" in capfd.readouterr().err
