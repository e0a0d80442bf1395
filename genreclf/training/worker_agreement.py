"""Decisions every worker of a multi-worker job must take together.

Each worker of `--strategy multi-worker` checks some things on its own disk
(its crash backup, its claim on the run folder, a finished fold). Were they
to decide apart, some would step into a collective the others never reach
and wait there for ever; so each decision is all-gathered: the same epoch to
resume after (`check_same_start`), every worker's consent (`all_agree`), or
the chief's word (`chief_decides`).
"""

from genreclf.errors import RunFolderError


def is_multi_worker(strategy):
    """Whether `strategy` is a `MultiWorkerMirroredStrategy`."""
    import tensorflow as tf

    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)


def check_same_start(strategy, completed, backup_dir):
    """Fails, on every worker, unless all workers resume after the same epoch.

    Each worker of a multi-worker job restores its own crash backup. If one
    worker's backup was lost (its `<run>/.worker-<index>` deleted, or a disk
    the rerun cannot see), it starts at epoch 1 beside workers that resume
    later, and without this check both fail in their first collective step
    with an error that does not say why. Every worker's count of completed
    epochs is all-gathered here, before the first step, so each raises the
    same `RunFolderError` instead. Without multi-worker training it does
    nothing.

    Args:
        strategy: the `tf.distribute.Strategy` (or None).
        completed: the epochs this worker's backup says were completed (0
            without a backup, -1 for weights without their epoch: see
            `callbacks.backed_up_epochs`).
        backup_dir: this worker's backup folder, named in the error.

    Example:

    >>> check_same_start(None, 2, "runs/x/backup")  # no strategy: nothing to check
    """
    if strategy is None or not is_multi_worker(strategy):
        return
    import tensorflow as tf

    value = strategy.experimental_distribute_values_from_function(
        lambda _: tf.constant([completed], tf.int64)
    )
    done = [int(v) for v in strategy.gather(value, axis=0).numpy()]
    if len(set(done)) == 1:
        return
    starts = starts_by_task(_task_names(strategy), done)
    raise RunFolderError(
        "The workers of this multi-worker job would resume at different epochs: "
        f"{', '.join(f'{name} {_start(n)}' for name, n in starts)}. "
        "Each worker resumes from its own crash backup (the chief's in <run>/backup, the "
        "others' in <run>/.worker-<index>/backup), so one of them was lost or belongs to "
        "another run. Restore the missing backup, or delete the run folder on every worker "
        f"to start over. This worker's backup: {backup_dir}. Received: completed epochs "
        f"per worker={[n for _, n in starts]}."
    )


def all_agree(strategy, agreed):
    """True on every worker if every worker passes True (an all-gather), else False on all.

    For a step each worker checks on its own before training, such as its
    claim on the run folder: one worker that stops alone would leave the
    others waiting in their first collective, so all stop together. Without
    multi-worker training it returns `agreed`.

    Example:

    >>> all_agree(None, False)
    False
    """
    if strategy is None or not is_multi_worker(strategy):
        return bool(agreed)
    return all(_gathered(strategy, agreed))


def _gathered(strategy, value):
    """Every replica's `value` (True or False), in replica order: the chief's first."""
    import tensorflow as tf

    value = strategy.experimental_distribute_values_from_function(
        lambda _: tf.constant([int(bool(value))], tf.int64)
    )
    return [bool(v) for v in strategy.gather(value, axis=0).numpy()]


def chief_decides(strategy, decision):
    """The chief's `decision` (True or False), returned on every worker.

    Workers that read their own disks can see different things: a resumed
    cross-validation whose chief kept a finished fold that another worker,
    on a disk without it, would train again. Training apart, they would step
    through different collectives and hang. Each worker passes what it would
    decide; all take the chief's (an all-gather, whose first replica is the
    chief's). Without multi-worker training it returns `decision`.

    Args:
        strategy: the `tf.distribute.Strategy` (or None).
        decision: what this worker would decide on its own.

    Example:

    >>> chief_decides(None, True)  # no strategy: this process decides
    True
    """
    if strategy is None or not is_multi_worker(strategy):
        return bool(decision)
    return _gathered(strategy, decision)[0]


def starts_by_task(names, completed):
    """Pairs each task with its backup's epoch count, from one count per replica.

    The all-gather returns one count per replica, in replica order: each
    task's replicas in a row (one per GPU of the worker, one on a CPU). A
    task's replicas read the same backup, so its first replica speaks for
    it. When the counts cannot be split evenly among the tasks, the replicas
    are named instead.

    Args:
        names: the tasks in replica order (`"the chief"`, `"worker 0"`, ...).
        completed: the gathered counts, one per replica.

    Returns:
        A list of `(name, completed)` pairs.

    Example:

    >>> starts_by_task(["the chief", "worker 0"], [2, 2, 0, 0])  # two GPUs each
    [('the chief', 2), ('worker 0', 0)]
    >>> starts_by_task(["the chief", "worker 0"], [2, 0, 0])
    [('replica 0', 2), ('replica 1', 0), ('replica 2', 0)]
    """
    per_task, rest = divmod(len(completed), len(names)) if names else (0, 1)
    if per_task == 0 or rest:
        return [(f"replica {index}", n) for index, n in enumerate(completed)]
    return list(zip(names, completed[::per_task]))


def _start(completed):
    if completed > 0:
        return f"after epoch {completed}"
    if completed < 0:
        return "from the start, with restored weights (a backup without its epoch)"
    return "from the start (no backup)"


def _task_names(strategy):
    """The cluster's tasks in replica order: the chief, then the workers by index."""
    cluster = strategy.cluster_resolver.cluster_spec().as_dict()
    names = ["the chief"] * len(cluster.get("chief", []))
    return names + [f"worker {index}" for index in range(len(cluster.get("worker", [])))]
