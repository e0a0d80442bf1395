"""`output_lock`: one job at a time per output (a run folder, an augment or label file).

Two `genreclf train` runs on one folder retrain over each other (one deletes
the other's log, a third file lock inside Keras' backup fails); two
`augment run` or `label` runs on one file send every request twice and
append every row twice. The lock is `filelock`'s (an OS-level `flock`, so a
killed job leaves no stale lock): the second job is refused at once, naming
the output.
"""

import contextlib
import os

from genreclf.errors import GenreclfError


class OutputInUseError(GenreclfError, RuntimeError):
    """Another genreclf job is writing the same output."""


@contextlib.contextmanager
def output_lock(output, job, lock_path=None):
    """Holds the lock of `output` for `job`, or raises `OutputInUseError` at once.

    Args:
        output: the folder or file the job writes (named in the error).
        job: what writes it, e.g. `"genreclf train"`.
        lock_path: the lock file; default `<output>/.lock` for a folder that
            exists, else `<output>.lock`.

    Example:

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with output_lock(folder, "genreclf train"):
    ...     with output_lock(folder, "genreclf train"):
    ...         pass
    Traceback (most recent call last):
    ...
    genreclf.output_lock.OutputInUseError: Another genreclf train is writing ...
    """
    import filelock

    output = os.fspath(output)
    if lock_path is None:
        lock_path = os.path.join(output, ".lock") if os.path.isdir(output) else output + ".lock"
    os.makedirs(os.path.dirname(os.path.abspath(lock_path)), exist_ok=True)
    lock = filelock.FileLock(lock_path, timeout=0, thread_local=False)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise OutputInUseError(
            f"Another {job} is writing {output!r} (it holds {lock_path!r}). Wait for it to "
            "finish, or write elsewhere (--out). A killed job holds no lock: rerun it."
        ) from None
    try:
        yield
    finally:
        lock.release()
