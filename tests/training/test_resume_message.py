"""A resumed training run says "resuming from epoch N" (issue 11, CLI item 7)."""

import keras
import pytest

import genreclf
from genreclf.training.backup_folder import backed_up_epochs


class _KillAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt  # as if the process were killed after epoch 1


def train_three_epochs(out, callbacks=(), **model_config):
    """A tiny `bilstm` with dropout, three epochs (what a killed run must end as)."""
    return genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="bilstm",
        epochs=3,
        patience=5,
        model_config={"embedding_dim": 4, "lstm_units": 2, "max_length": 8,
                      "max_tokens": 200, "dropout": 0.5, **model_config},
        out=out,
        callbacks=list(callbacks),
        verbose=0,
    )  # fmt: skip


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


def test_a_resumed_run_ends_as_the_unkilled_run_would(tmp_path):
    # The rows' order of each epoch and dropout's masks are drawn as in the
    # unkilled run (the pipeline's pass is replayed, the seed states are
    # backed up), so the resumed run trains the same weights.
    import numpy as np

    def train(out, callbacks=()):
        return train_three_epochs(out, callbacks, word_dropout=0.2)

    unkilled = train(tmp_path / "unkilled")
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path / "resumed", [_KillAfterFirstEpoch()])
    resumed = train(tmp_path / "resumed")
    for a, b in zip(unkilled.model.get_weights(), resumed.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    history = [(tmp_path / name / "history.csv").read_text() for name in ("unkilled", "resumed")]
    assert history[0] == history[1]


class _KillBetweenWeightsAndRecord(keras.callbacks.Callback):
    """After epoch `at`'s backup: leave the folder as a kill inside Keras' save of epoch
    `at` would (its weights written, its record, seed states and log row not yet)."""

    def __init__(self, backup, history, at=2):
        super().__init__()
        self.backup, self.history, self.at, self.kept = backup, history, at, {}

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.at - 1:  # the last complete backup, as the kill leaves it
            for name in ("training_metadata.json", "seed_states.json", "latest.weights.h5"):
                self.kept[name] = (self.backup / name).read_bytes()
            return
        if epoch + 1 != self.at:
            return
        (self.backup / "latest.weights.h5.bkp").write_bytes(self.kept["latest.weights.h5"])
        for name in ("training_metadata.json", "seed_states.json"):
            (self.backup / name).write_bytes(self.kept[name])
        rows = self.history.read_text().splitlines(keepends=True)
        self.history.write_text("".join(rows[: self.at]))  # the header and epoch 1
        raise KeyboardInterrupt


@pytest.mark.large  # three bilstm runs; the plain kill-and-resume tests stay in CI
def test_a_kill_between_an_epochs_weights_and_its_record_does_not_repeat_the_epoch(tmp_path, capfd):
    import numpy as np

    train = train_three_epochs

    unkilled = train(tmp_path / "unkilled")
    run = tmp_path / "resumed"
    kill = _KillBetweenWeightsAndRecord(run / "backup", run / "history.csv")
    with pytest.raises(KeyboardInterrupt):
        train(run, [kill])
    capfd.readouterr()
    resumed = train(run)
    err = capfd.readouterr().err
    for a, b in zip(unkilled.model.get_weights(), resumed.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    history = [(tmp_path / name / "history.csv").read_text() for name in ("unkilled", "resumed")]
    assert history[0] == history[1]
    assert "held the weights of epoch 2 under the record of epoch 1" in err
    assert "resuming from epoch 2" in err


def test_the_first_epochs_weights_without_a_record_start_the_run_afresh(tmp_path, capsys):
    from genreclf.training.backup_folder import rewind_weights_ahead_of_record

    (tmp_path / "latest.weights.h5").write_bytes(b"epoch 1")
    assert rewind_weights_ahead_of_record(tmp_path)
    assert not (tmp_path / "latest.weights.h5").exists()
    assert "starting afresh" in capsys.readouterr().err
    assert not rewind_weights_ahead_of_record(tmp_path)  # nothing left to rewind


def backup_folder(path, weights, previous, record_epoch, seeds_epoch, seeds_weights):
    """A backup folder's files, their contents given (what Keras and genreclf write)."""
    import hashlib
    import json

    path.mkdir()
    (path / "latest.weights.h5").write_bytes(weights)
    (path / "latest.weights.h5.bkp").write_bytes(previous)
    (path / "training_metadata.json").write_text(json.dumps({"epoch": record_epoch, "batch": 0}))
    digest = hashlib.sha256(seeds_weights).hexdigest()
    seeds = {"epoch": seeds_epoch, "states": [], "weights_sha256": digest}
    (path / "seed_states.json").write_text(json.dumps(seeds))
    return path


def test_only_a_torn_backup_is_rewound_whatever_the_file_times(tmp_path):
    import os

    from genreclf.training.backup_folder import rewind_weights_ahead_of_record

    # Torn: epoch 3's weights under epoch 2's record; the copy aside is epoch 2's.
    torn = backup_folder(tmp_path / "torn", b"W3", b"W2", 2, 2, b"W2")
    os.utime(torn / "latest.weights.h5", ns=(0, 0))  # older than everything: still torn
    assert rewind_weights_ahead_of_record(torn)
    assert (torn / "latest.weights.h5").read_bytes() == b"W2"
    assert not rewind_weights_ahead_of_record(torn)  # in step now
    # Healthy, its files copied in any order (new times): left alone.
    healthy = backup_folder(tmp_path / "healthy", b"W2", b"W1", 2, 2, b"W2")
    os.utime(healthy / "seed_states.json", ns=(0, 0))
    assert not rewind_weights_ahead_of_record(healthy)
    assert (healthy / "latest.weights.h5").read_bytes() == b"W2"
    # Killed after the record, before the seed states: weights and record agree.
    lagging = backup_folder(tmp_path / "lagging", b"W3", b"W2", 3, 2, b"W2")
    assert not rewind_weights_ahead_of_record(lagging)
    # Killed again while the resumed run copied the weights aside: a cut copy is no
    # better than the weights, so nothing is put back.
    cut = backup_folder(tmp_path / "cut", b"W2", b"W", 2, 2, b"W2")
    assert not rewind_weights_ahead_of_record(cut)
    assert (cut / "latest.weights.h5").read_bytes() == b"W2"


class _KillWhileWritingTheRecord(keras.callbacks.Callback):
    """After epoch `at`'s backup: leave the folder as a kill inside Keras' write of epoch
    `at`'s record would (its weights written, the record truncated, the copies aside, the
    seed states and log row of epoch `at - 1`)."""

    def __init__(self, backup, history, at=2):
        super().__init__()
        self.backup, self.history, self.at, self.seeds = backup, history, at, None

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.at - 1:
            self.seeds = (self.backup / "seed_states.json").read_bytes()
        if epoch + 1 != self.at:
            return
        (self.backup / "training_metadata.json").write_bytes(b"")  # opened "w", not written
        (self.backup / "seed_states.json").write_bytes(self.seeds)
        rows = self.history.read_text().splitlines(keepends=True)
        self.history.write_text("".join(rows[: self.at]))  # the header and epoch 1
        raise KeyboardInterrupt


def test_a_kill_while_writing_an_epochs_record_resumes_from_the_epoch_before(tmp_path, capfd):
    # Keras truncates the record, then writes it: a kill between the two left an empty
    # record, and every rerun failed with a JSONDecodeError from inside Keras.
    import numpy as np

    unkilled = train_three_epochs(tmp_path / "unkilled")
    run = tmp_path / "resumed"
    with pytest.raises(KeyboardInterrupt):
        train_three_epochs(run, [_KillWhileWritingTheRecord(run / "backup", run / "history.csv")])
    capfd.readouterr()
    resumed = train_three_epochs(run)
    err = capfd.readouterr().err
    assert "cut epoch record (killed while writing epoch 2's)" in err
    assert "resuming from epoch 2" in err
    for a, b in zip(unkilled.model.get_weights(), resumed.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    history = [(tmp_path / name / "history.csv").read_text() for name in ("unkilled", "resumed")]
    assert history[0] == history[1]


def test_a_cut_first_record_starts_afresh(tmp_path, capsys):
    from genreclf.training.backup_folder import backed_up_epochs
    from genreclf.training.backup_folder import rewind_weights_ahead_of_record

    (tmp_path / "latest.weights.h5").write_bytes(b"epoch 1")
    (tmp_path / "training_metadata.json").write_text('{"epo')  # no copy aside: the first
    assert rewind_weights_ahead_of_record(tmp_path)
    assert backed_up_epochs(tmp_path) == 0
    assert "starting afresh" in capsys.readouterr().err


def _kill_while_saving(monkeypatch, name):
    """Makes the next `save_weights` of a file named `name*` stop as a kill would: half
    of the file written, then `KeyboardInterrupt`."""
    import pathlib

    real = keras.Model.save_weights

    def cut(self, filepath, *args, **kwargs):
        real(self, filepath, *args, **kwargs)
        if pathlib.Path(filepath).name.startswith(name):
            monkeypatch.setattr(keras.Model, "save_weights", real)
            data = pathlib.Path(filepath).read_bytes()
            pathlib.Path(filepath).write_bytes(data[: len(data) // 2])
            raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save_weights", cut)


@pytest.mark.parametrize("name", ["best", "fitted"])
def test_a_kill_while_saving_weights_leaves_no_cut_file_behind(tmp_path, monkeypatch, name):
    # Keras writes HDF5 in place: a best checkpoint cut by a kill failed the resumed
    # run when it loaded it (OSError: truncated file), and cut fitted weights failed
    # every rerun. Each is written beside and renamed when whole.
    run = tmp_path / "run"
    _kill_while_saving(monkeypatch, name)
    with pytest.raises(KeyboardInterrupt):
        train_three_epochs(run)
    assert not (run / f"{name}.weights.h5").exists()
    assert not (run / "checkpoints" / f"{name}.weights.h5").exists()
    resumed = train_three_epochs(run)
    assert (run / "model.keras").exists() and resumed.metrics["macro_f1"] >= 0
