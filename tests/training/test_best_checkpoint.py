import keras
import numpy as np
import pytest

from genreclf.training.callbacks import BACKUP_DIR
from genreclf.training.callbacks import BEST_WEIGHTS
from genreclf.training.callbacks import BestCheckpoint
from genreclf.training.callbacks import ResumingEarlyStopping
from genreclf.training.callbacks import logged_scores
from genreclf.training.callbacks import make_callbacks


def _checkpoint_of(callbacks):
    return next(c for c in callbacks if isinstance(c, BestCheckpoint))


def _epoch_ends(checkpoint, path, values):
    """Ends epochs with these monitored values; the epochs at which the file changed."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    checkpoint.set_model(model)
    saved = []
    for epoch, value in values.items():
        model.layers[0].kernel.assign(np.full((2, 1), float(epoch)))
        checkpoint.on_epoch_end(epoch, {"val_macro_f1": value})
        if path.exists() and float(_kernel(path, model)) == epoch:
            saved.append(epoch)
    return saved


def _kernel(path, model):
    model.load_weights(path)
    return model.layers[0].kernel.numpy()[0, 0]


def test_warmup_epochs_are_not_kept(tmp_path):
    path = tmp_path / BEST_WEIGHTS
    checkpoint = _checkpoint_of(make_callbacks(tmp_path, start_from_epoch=2, tensorboard=False))
    # Epoch 0 scores best, but early stopping does not watch it: nor does the checkpoint.
    assert _epoch_ends(checkpoint, path, {0: 0.9, 1: 0.1, 2: 0.5, 3: 0.4, 4: 0.6}) == [2, 4]


@pytest.mark.parametrize("keep_last", [True, False])
def test_a_trial_too_short_to_pass_the_warmup_keeps_its_last_epoch(tmp_path, keep_last):
    path = tmp_path / "checkpoint.weights.h5"
    checkpoint = BestCheckpoint(path, start_from_epoch=2, keep_last=keep_last, mode="max")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    assert _epoch_ends(checkpoint, path, {0: 0.9, 1: 0.1}) == []
    checkpoint.on_train_end()
    assert path.exists() is keep_last  # KerasTuner reads a trial's checkpoint
    if keep_last:
        assert _kernel(path, model) == 1.0


def test_a_long_enough_trial_keeps_its_best_epoch_after_the_warmup(tmp_path):
    path = tmp_path / "checkpoint.weights.h5"
    checkpoint = BestCheckpoint(path, monitor="val_loss", mode="min", start_from_epoch=1)
    checkpoint.keep_last = True
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    checkpoint.set_model(model)
    for epoch, loss in {0: 0.1, 1: 0.5, 2: 0.9}.items():
        model.layers[0].kernel.assign(np.full((2, 1), float(epoch)))
        checkpoint.on_epoch_end(epoch, {"val_loss": loss})
    checkpoint.on_train_end()
    assert _kernel(path, model) == 1.0  # the lowest loss after the warmup, not the last


def test_a_resumed_run_keeps_a_better_epoch_from_before_the_kill(tmp_path):
    (tmp_path / BACKUP_DIR).mkdir()  # resuming: the killed run's log counts
    (tmp_path / "history.csv").write_text(
        "epoch,loss,val_macro_f1\n0,1.0,0.95\n1,0.9,0.2\n2,0.8,0.7\n3,0.7,0.3\n"
    )
    path = tmp_path / BEST_WEIGHTS
    checkpoint = _checkpoint_of(make_callbacks(tmp_path, start_from_epoch=2, tensorboard=False))
    # Epoch 2's 0.7 is the bar (not the warmup's 0.95): 0.6 is not kept, 0.75 is.
    assert _epoch_ends(checkpoint, path, {4: 0.6, 5: 0.75}) == [5]


def test_a_fresh_run_ignores_an_old_log(tmp_path):
    (tmp_path / "history.csv").write_text("epoch,val_macro_f1\n2,0.99\n")  # no backup: stale
    checkpoint = _checkpoint_of(make_callbacks(tmp_path, tensorboard=False))
    assert _epoch_ends(checkpoint, tmp_path / BEST_WEIGHTS, {2: 0.1}) == [2]


@pytest.mark.parametrize(
    "log",
    [
        "0,0.9\n1,0.1\n2,0.7\n3,0.6\n",  # epoch 3 did not improve on epoch 2
        "0,0.9\n1,0.1\n2,0.7\n3,NA\n",  # nor did a score CSVLogger could not write
        "0,0.9\n1,0.1\n2,0.7\n",  # nor did an epoch killed before its row was written
    ],
)
def test_a_resumed_run_stops_where_it_would_have_stopped(tmp_path, log):
    (tmp_path / BACKUP_DIR).mkdir()
    (tmp_path / "history.csv").write_text("epoch,val_macro_f1\n" + log)
    callbacks = make_callbacks(tmp_path, patience=2, start_from_epoch=2, tensorboard=False)
    stopping = next(c for c in callbacks if isinstance(c, ResumingEarlyStopping))
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    stopping.set_model(model)
    stopping.on_train_begin()
    stopping.on_epoch_end(4, {"val_macro_f1": 0.65})  # the second epoch without improvement
    assert model.stop_training


def test_a_replayed_log_follows_min_delta(tmp_path):
    (tmp_path / BACKUP_DIR).mkdir()
    (tmp_path / "history.csv").write_text("epoch,val_macro_f1\n0,0.5\n1,0.52\n")
    resumed = logged_scores(tmp_path / "history.csv", "val_macro_f1")
    stopping = ResumingEarlyStopping(patience=2, min_delta=0.05, resumed=resumed)
    stopping.set_model(keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]))
    stopping.on_train_begin()
    assert (stopping.best, stopping.wait) == (0.5, 1)  # 0.52 is within min_delta of 0.5
