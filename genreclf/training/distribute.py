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
  into a temporary folder that is deleted at the end.

`train` creates the strategy before it runs any TensorFlow op:
`MultiWorkerMirroredStrategy` must configure collective ops at program start.
"""

import contextlib
import json
import logging
import os
import shutil
import tempfile

from genreclf.errors import ConfigError

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
            cluster.get("task"), {k: len(v) for k, v in cluster.get("cluster", {}).items()},
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
        raise ConfigError(f"TF_CONFIG is not valid JSON ({e.msg}). Received: TF_CONFIG={raw!r}.") from None
    if "cluster" not in config or "task" not in config:
        raise ConfigError(
            "TF_CONFIG needs a 'cluster' and a 'task'. "
            f"Received: TF_CONFIG={raw!r}."
        )
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
    """The folder this process writes its run into: `out` on the chief, else a temp dir.

    Use as a context manager; a non-chief worker's temporary folder is deleted
    on exit.

    Example:

    >>> with WorkerFolder("runs/x", None) as folder:
    ...     str(folder)
    'runs/x'
    """

    def __init__(self, out, strategy):
        self.out = out
        self.chief = is_chief(strategy)
        self.path = None

    def __enter__(self):
        if self.chief:
            self.path = self.out
        else:
            self.path = tempfile.mkdtemp(prefix="genreclf-worker-")
        return self.path

    def __exit__(self, *exc):
        if not self.chief and self.path:
            shutil.rmtree(self.path, ignore_errors=True)
        return False
