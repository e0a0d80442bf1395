"""`tf.distribute` for `genreclf train --strategy mirrored|multi-worker`.

- `mirrored`: `tf.distribute.MirroredStrategy` over the local GPUs (one
  replica on the CPU when there is none), for one machine with several GPUs.
- `multi-worker`: `tf.distribute.MultiWorkerMirroredStrategy`, one process
  per machine, the cluster described by `TF_CONFIG`, e.g. on the first of two
  workers:

      TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
                  "task": {"type": "worker", "index": 0}}' genreclf train ... --strategy multi-worker

  Every worker runs the same command on the same data; the training batches
  are sharded between the workers by rows (`AutoShardPolicy.DATA`: each worker
  takes every n-th batch of the global, identically shuffled stream; the
  `--batch-size` is the global batch). The model is built, adapted and
  compiled inside `strategy.scope()`. Only the chief (worker 0, or the task
  of type `chief`) writes the run folder; the other workers write theirs
  into `<run>/.worker-<index>`, deleted when training ends. A killed job
  resumes when every worker reruns its command and finds its folder again (a
  shared filesystem, or the same working directory on a persistent disk):
  each restores its own crash backup, so all start again at the same epoch.
  A resumed cross-validation keeps the folds that the chief keeps, on every
  worker (`worker_agreement.chief_decides`), and only the chief logs to MLflow.

`train` creates the strategy before it runs any TensorFlow op:
`MultiWorkerMirroredStrategy` must configure collective ops at program start.
"""

import contextlib
import functools
import json
import logging
import os
import pathlib
import shutil

from genreclf.errors import ConfigError
from genreclf.training.worker_agreement import is_multi_worker

logger = logging.getLogger("genreclf.training")

STRATEGIES = ("mirrored", "multi-worker")


_STRATEGIES = {}


def make_strategy(name):
    """The `tf.distribute.Strategy` called `name` (None: no strategy, returns None).

    One strategy per name and process: later calls (every fold of a
    cross-validation) return the same object.

    Example:

    >>> make_strategy(None) is None
    True
    >>> type(make_strategy("mirrored")).__name__  # doctest: +SKIP
    'MirroredStrategy'
    """
    if name is None:
        return None
    if name not in _STRATEGIES:
        _STRATEGIES[name] = _create(name)
    return _STRATEGIES[name]


def _create(name):
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi-worker":
        cluster = _tf_config()
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        logger.info(
            "multi-worker training: task %s of %s",
            cluster.get("task"),
            {k: len(v) for k, v in cluster.get("cluster", {}).items()},
        )
        return strategy
    raise ConfigError(
        f"Unknown distribution strategy. Expected one of {STRATEGIES} or none. "
        f"Received: strategy={name!r}."
    )


def _tf_config():
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        raise ConfigError(
            "--strategy multi-worker needs the TF_CONFIG environment variable, e.g. "
            '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
            '"task": {"type": "worker", "index": 0}} on the first worker. Received: TF_CONFIG unset.'
        )
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ConfigError(
            f"TF_CONFIG is not valid JSON ({e.msg}). Received: TF_CONFIG={raw!r}."
        ) from None
    if "cluster" not in config or "task" not in config:
        raise ConfigError(f"TF_CONFIG needs a 'cluster' and a 'task'. Received: TF_CONFIG={raw!r}.")
    return config


def is_chief(strategy):
    """True unless `strategy` is multi-worker and this process is not its chief.

    The chief is the task of type `chief`, or worker 0 when the cluster has no
    `chief` task.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    if strategy is None or resolver is None or not resolver.cluster_spec().as_dict():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    if task_type == "chief":
        return True
    has_chief = "chief" in resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief


def writes_run_folder(name):
    """Whether this process writes the run folder of a job on strategy `name`.

    True but on a multi-worker job's other workers, whose chief writes it
    (`is_chief` of `make_strategy(name)`).

    Example:

    >>> writes_run_folder(None)
    True
    """
    return is_chief(make_strategy(name))


def scope(strategy):
    """`strategy.scope()`, or a no-op context without a strategy."""
    return strategy.scope() if strategy is not None else contextlib.nullcontext()


def shard(dataset, strategy, policy="DATA"):
    """Sets the auto-shard policy of a `tf.data.Dataset` for `strategy`.

    `"DATA"` splits the batches between the workers (training and validation);
    `"OFF"` gives every worker every batch (prediction, where each worker needs
    all the scores).
    """
    if strategy is None:
        return dataset
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = getattr(
        tf.data.experimental.AutoShardPolicy, policy
    )
    return dataset.with_options(options)


class WorkerFolder:
    """The folder this process writes its run into: `out` on the chief.

    A non-chief worker writes into `<out>/.<task>-<index>`: its crash backup
    must outlive a killed job, so that every worker resumes at the chief's
    epoch (a worker starting afresh beside a resuming chief fails both in
    their first collective step). The folder is deleted when training ends
    without an error (with `out` and its parents too if the worker created
    them and they are empty, i.e. on a disk the chief does not share, as a
    cross-validation fold's `out/folds/fold_<i>`); after a kill or an error it stays, and
    the same command resumes. Deleting the run folder starts it over.

    Use as a context manager.

    Example:

    >>> with WorkerFolder("runs/x", None) as folder:
    ...     str(folder)
    'runs/x'
    """

    def __init__(self, out, strategy):
        self.out = out
        self.chief = is_chief(strategy)
        resolver = getattr(strategy, "cluster_resolver", None)
        self.task = None if self.chief else f"{resolver.task_type}-{resolver.task_id}"
        self.path = None
        self._created = []

    def __enter__(self):
        if self.chief:
            self.path = self.out
        else:
            out = pathlib.Path(self.out)
            self._created = [p for p in (out, *out.parents) if not p.exists()]
            self.path = str(out / f".{self.task}")
            os.makedirs(self.path, exist_ok=True)
        return self.path

    def __exit__(self, exc_type, *exc):
        if not self.chief and self.path and exc_type is None:
            shutil.rmtree(self.path, ignore_errors=True)
            for folder in self._created:  # `out` and the parents made for it, innermost first
                try:
                    os.rmdir(folder)  # only if empty: the chief's, on a shared disk, is not
                except OSError:
                    break
        return False


def prepare_model(model, strategy):
    """Works around a Keras 3 limitation with `MultiWorkerMirroredStrategy`.

    Before its first step, Keras' TensorFlow trainer builds the model from the
    first distributed batch, which it *reduces* across workers with
    `strategy.reduce("MEAN", batch)` (`_maybe_symbolic_build`). With
    `MultiWorkerMirroredStrategy` that is a collective all-reduce of the
    batch: it cannot reduce a dict of inputs, nor strings at all (a genreclf
    batch is `{"text": tf.string [b]}`), and fit fails with "Attempt to
    convert a value ({'text': PerReplica:{...}}) ... to a Tensor". Only the
    shapes and dtypes of that batch matter, so the model is built from this
    worker's local part of it instead.

    Keras 3.15 also averages each step's logs over the workers with
    `strategy.reduce("MEAN", value, axis=0)`, which fails on scalar logs
    ("Invalid reduction dimension 0 for input with 0 dimensions",
    tensorflow/tensorflow#72388; the trainer hard-codes `reduction="auto"`,
    so `distribute_reduction_method` does not help). The train and test steps
    are wrapped to return each log as a 1-element vector, which that
    reduction averages over the workers back to a scalar. Validation is not
    sharded (see `shard`), so the validation metrics early stopping and
    checkpoints watch are the same on every worker, and the workers stop at
    the same epoch.

    Other strategies are left alone.
    """
    if strategy is None or not is_multi_worker(strategy):
        return model
    import tensorflow as tf

    for name in ("train_step", "test_step"):
        setattr(model, name, _vector_logs(getattr(model, name)))
    # A distributed predict splits rows between workers and all-gathers the
    # scores; every caller here (validation report, threshold tuning) wants
    # all rows on every worker, so predict locally instead.
    model.predict = functools.partial(predict, model, strategy=strategy)

    original = model._maybe_symbolic_build

    def _maybe_symbolic_build(iterator=None, data_batch=None):
        if iterator is not None:
            for _, _, it in iterator:
                batch = next(it)
                data_batch = tf.nest.map_structure(
                    lambda v: (
                        strategy.experimental_local_results(v)[0]
                        if isinstance(v, tf.distribute.DistributedValues)
                        else v
                    ),
                    batch,
                )
                break
        return original(iterator=None, data_batch=data_batch)

    model._maybe_symbolic_build = _maybe_symbolic_build
    return model


def _vector_logs(step):
    import tensorflow as tf

    def wrapped(data):
        logs = step(data)
        return {k: tf.reshape(v, [1]) if v.shape.rank == 0 else v for k, v in logs.items()}

    return wrapped


def predict(model, inputs, strategy=None, batch_size=256, verbose=0, **kwargs):
    """Scores of `model` on `inputs` (a dict of arrays), every row, on every worker.

    Without multi-worker training this is `model.predict`. With it, each
    worker computes all the scores itself in plain batched calls: a
    distributed `predict` would split the rows between the workers and gather
    them with collective ops, which gains nothing on a validation set.
    """
    import numpy as np

    if strategy is None or not is_multi_worker(strategy):
        return np.asarray(model.predict(inputs, batch_size=batch_size, verbose=verbose, **kwargs))
    batch_size = batch_size or 256
    n = len(next(iter(inputs.values())))
    parts = []
    for start in range(0, n, batch_size):
        batch = {k: v[start : start + batch_size] for k, v in inputs.items()}
        parts.append(np.asarray(model(batch, training=False)))
    return np.concatenate(parts) if parts else np.zeros((0,) + tuple(model.output_shape[1:]))
