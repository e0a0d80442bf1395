"""`MlflowMetrics`: a Keras callback that logs each epoch's metrics to an MLflow run.

It addresses the run by id through MLflow's client, so it works in any
process that knows the tracking URI and the run id — the training process,
or a search's trial process whose run the tuner created.

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

    Example:

    >>> MlflowMetrics("sqlite:///mlflow.db", "abc", per_training=True).per_training
    True
    """

    def __init__(self, uri, run_id, per_training=False, prefix=""):
        super().__init__()
        self.uri = uri
        self.run_id = run_id
        self.per_training = per_training
        self.prefix = prefix
        self._trainings = 0
        self._client = None

    def _prefix(self):
        return self.prefix + (f"fold_{self._trainings - 1}/" if self.per_training else "")

    def on_train_begin(self, logs=None):
        self._trainings += 1
        if self._client is None:
            from genreclf.tracking.mlflow_tracker import make_client

            self._client = make_client(self.uri)

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
