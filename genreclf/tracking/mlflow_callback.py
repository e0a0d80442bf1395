"""`MlflowMetrics`: a Keras callback that logs each epoch's metrics to an MLflow run.

It addresses the run by id through MLflow's client, so it works in any
process that knows the tracking URI and the run id — the training process,
or a search's trial process whose run the tuner created.

A run killed at an epoch's end can leave that epoch in `history.csv` (and
in its backup, so the rerun does not train it again) but not in MLflow:
given the training's CSV log (`training`), the callback logs the epochs
the MLflow run lacks when the resumed training begins
(`missing_epochs.log_missing_epochs`).

Example:

>>> callback = MlflowMetrics("file:/tmp/doc_mlruns", "0123abcd")
>>> callback.run_id
'0123abcd'
"""

import math
import time

import keras


class MlflowMetrics(keras.callbacks.Callback):
    """Logs every number in an epoch's logs (loss, metrics, learning rate) at step = epoch.

    Args:
        uri: the MLflow tracking URI.
        run_id: the MLflow run to log into.
        per_training: prefix metrics with `fold_<i>/` for the i-th training
            that uses this callback (k-fold cross-validation fits one model
            per fold with the same callbacks).
        prefix: a fixed prefix of every metric name (e.g. `"execution_1/"`).
        training: a callable, called as each training begins, that returns
            `(name, history)`: the training's own prefix (`"fold_2/"`, or
            None for `per_training`'s count) and its Keras CSV log
            (`history.csv`, or None), whose epochs the MLflow run lacks are
            logged then. A resumed cross-validation keeps its finished folds
            without training them, so only the run folder can say which
            fold a training is.

    Example:

    >>> MlflowMetrics("sqlite:///mlflow.db", "abc", per_training=True).per_training
    True
    """

    def __init__(self, uri, run_id, per_training=False, prefix="", training=None):
        super().__init__()
        self.uri = uri
        self.run_id = run_id
        self.per_training = per_training
        self.prefix = prefix
        self.training = training
        self._trainings = 0
        self._name = None  # the training's own prefix, when `training` names it
        self._client = None

    def _prefix(self):
        if self._name is not None:
            return self.prefix + self._name
        return self.prefix + (f"fold_{self._trainings - 1}/" if self.per_training else "")

    def on_train_begin(self, logs=None):
        from genreclf.tracking.missing_epochs import log_missing_epochs
        from genreclf.tracking.mlflow_tracker import make_client

        self._trainings += 1
        if self._client is None:
            self._client = make_client(self.uri)
        self._name, history = self.training() if self.training is not None else (None, None)
        if history is not None:  # a resumed training: the epochs before the kill
            log_missing_epochs(self._client, self.run_id, history, prefix=self._prefix())

    def on_epoch_end(self, epoch, logs=None):
        from mlflow.entities import Metric

        from genreclf.tracking.mlflow_tracker import safe_key

        now = int(time.time() * 1000)
        prefix = self._prefix()
        metrics = []
        for name, value in (logs or {}).items():
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if math.isfinite(value):
                metrics.append(Metric(safe_key(prefix + name), value, now, int(epoch)))
        if metrics:
            self._client.log_batch(self.run_id, metrics=metrics)
