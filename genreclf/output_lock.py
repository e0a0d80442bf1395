"""`output_lock`: one job at a time per output (a run folder, an augment or label file).

Two `genreclf train` runs on one folder retrain over each other (one deletes
the other's log, a third file lock inside Keras' backup fails); two
`augment run` or `label` runs on one file send every request twice and
append every row twice. The lock is `filelock`'s (an OS-level `flock`, so a
killed job leaves no stale lock): the second job is refused at once, naming
the output.

A job may take the lock it already holds again, in the same thread: `train`
holds its run folder from its finished-run check to its last file
(`genreclf.training.finished_runs.claimed_run_folder`), and the fitting and
ensembling steps inside it take the same folder's lock. Another thread or
process is refused.
"""

import contextlib
import hashlib
import os
import tempfile
import threading

from genreclf.errors import GenreclfError


class OutputInUseError(GenreclfError, RuntimeError):
    """Another genreclf job is writing the same output."""


_held = threading.local()  # `.outputs`: the absolute paths this thread holds


@contextlib.contextmanager
def output_lock(output, job):
    """Holds the lock of `output` for `job`, or raises `OutputInUseError` at once.

    The lock file lives in the temporary folder (`genreclf-locks/`, named by
    the output's resolved path, symbolic links followed), so nothing is left
    beside the output and no folder is made before the job makes it.

    Args:
        output: the folder or file the job writes (named in the error).
        job: what writes it, e.g. `"genreclf train"`.

    Example:

    >>> import tempfile, threading
    >>> folder = tempfile.mkdtemp()
    >>> def second_job():
    ...     try:
    ...         with output_lock(folder, "genreclf train"):
    ...             print("written twice")
    ...     except OutputInUseError as error:
    ...         print(str(error).split(" is writing")[0])  # the other job holds it
    >>> with output_lock(folder, "genreclf train"):
    ...     with output_lock(folder, "genreclf train"):  # the same job, again: held
    ...         job = threading.Thread(target=second_job)
    ...         job.start()
    ...         job.join()
    Another genreclf job
    """
    import filelock

    output = os.path.realpath(os.fspath(output))  # one lock however the path is spelled
    held = _held.__dict__.setdefault("outputs", set())
    if output in held:  # this thread holds it already: the outer hold releases it
        yield
        return
    locks = os.path.join(tempfile.gettempdir(), "genreclf-locks")
    os.makedirs(locks, exist_ok=True)
    name = hashlib.sha256(output.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    lock = filelock.FileLock(os.path.join(locks, name + ".lock"), timeout=0, thread_local=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise OutputInUseError(
            f"Another genreclf job is writing {output!r}, so this {job} cannot. Wait "
            "for it to finish, or give this job another output path. A killed job holds no lock: "
            "rerun it."
        ) from None
    held.add(output)
    try:
        yield
    finally:
        held.discard(output)
        lock.release()
