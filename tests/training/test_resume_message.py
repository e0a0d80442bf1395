"""A resumed training run says "resuming from epoch N" (issue 11, CLI item 7)."""

import keras
import pytest

import genreclf
from genreclf.training.callbacks import backed_up_epochs


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
    # What a multi-worker job compares between workers before restoring:
    # read from the files Keras wrote (fails if Keras changes its format).
    assert backed_up_epochs(tmp_path / "run" / "backup") == 1
    genreclf.train(genreclf.sample_path(), **kwargs)
    assert "resuming from epoch 2" in capfd.readouterr().err


def test_a_backup_without_its_epoch_record_reads_as_minus_one(tmp_path):
    assert backed_up_epochs(tmp_path / "missing") == 0
    (tmp_path / "latest.weights.h5").write_bytes(b"weights")
    (tmp_path / "training_metadata.json").write_text('{"epo')  # torn by a kill
    assert backed_up_epochs(tmp_path) == -1
