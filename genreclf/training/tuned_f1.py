"""`TunedThresholdF1`: validation macro-F1 at per-class thresholds tuned each epoch."""

import keras
import numpy as np

from genreclf.metrics import tune_thresholds
from genreclf.metrics.scores import averaged_scores
from genreclf.metrics.scores import binarize
from genreclf.metrics.scores import class_counts

TUNED_MONITOR = "val_tuned_macro_f1"


class TunedThresholdF1(keras.callbacks.Callback):
    """Logs `val_tuned_macro_f1` for multi-label models.

    A multi-label model is used with per-class thresholds tuned on validation,
    so that is the score to select epochs by. At a fixed 0.5 threshold, a
    model trained from scratch often predicts no positive at all for several
    epochs (macro-F1 0), and early stopping would end it before it learns.
    Put this callback before `EarlyStopping` and `ModelCheckpoint`.

    Args:
        inputs: the validation inputs (`{"text": ...}`).
        targets: the validation targets `float32 [n, K]`.
        batch_size: prediction batch size.

    Example:

    >>> import tensorflow as tf
    >>> callback = TunedThresholdF1({"text": tf.constant(["a"])}, [[1.0, 0.0]])
    >>> callback.monitor
    'val_tuned_macro_f1'
    """

    monitor = TUNED_MONITOR

    def __init__(self, inputs, targets, batch_size=256):
        super().__init__()
        self.inputs = inputs
        self.targets = np.asarray(targets, dtype="float32")
        self.batch_size = batch_size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        scores = np.asarray(self.model.predict(self.inputs, batch_size=self.batch_size, verbose=0))
        thresholds = tune_thresholds(self.targets, scores)
        predictions = binarize(scores, multi_label=True, thresholds=thresholds)
        logs[TUNED_MONITOR] = averaged_scores(*class_counts(self.targets, predictions))["macro_f1"]
