"""A trial process's log: written by the process, relayed to the console, kept when it dies.

A trial process (`genreclf.tuning.trial_process`) writes its error output
(stderr: warnings, TensorFlow's logs, the Python stack of a crash) to a log
file (`output_to`), which the search's process copies to its own stderr as
it grows (`Relay`): the console shows what it showed before, and a process
that dies without a result leaves its last words.

A trial process that crashes (segfault, out of memory, `SIGKILL`) fails its
trial with a `TrialProcessError` (`ended_without_result`): how the process
ended (its exit code or signal) and the last 25 lines of its output, the
whole log kept in `trial_<id>/trial_process.log`.
"""

import os
import shutil
import signal
import sys
import threading

from genreclf.tuning.trial_startup import RERUN_HINT
from genreclf.tuning.trial_startup import ScriptRerunError

# The lines of a dead trial process's log its trial's failure message shows,
# each cut to a length (a crash report lists every extension module on one line).
_TAIL_LINES = 25
_LINE_CHARS = 300


class TrialProcessError(RuntimeError):
    """A trial process ended without a result (crashed or was killed)."""


def output_to(path):
    """Sends this process's stderr (file descriptor 2: Python's and C++'s) to `path`.

    Called by the trial process itself; returns the log's size before (its
    output from there on is the trial's).
    """
    sys.stderr.flush()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.dup2(fd, 2)
    finally:
        os.close(fd)
    return os.path.getsize(path)


class Relay:
    """Copies what a trial process appends to its log (from `offset`) to this process's stderr.

    A daemon thread copies every `interval` seconds until `stop()`, which
    copies the rest.

    Example:

    >>> import tempfile
    >>> log = tempfile.NamedTemporaryFile(suffix=".log", delete=False).name
    >>> relay = Relay(log)
    >>> relay.stop()
    >>> remove_log(log)
    """

    def __init__(self, path, offset=0, interval=0.2):
        self._path, self._offset = path, offset
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _run(self, interval):
        while not self._stop.wait(interval):
            self._copy()

    def _copy(self):
        try:
            with open(self._path, "rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except OSError:
            return
        self._offset += len(chunk)
        while chunk:
            try:
                chunk = chunk[os.write(2, chunk) :]
            except OSError:  # no stderr to write to
                return

    def stop(self):
        """Copies the rest and stops."""
        self._stop.set()
        self._thread.join()
        self._copy()


def remove_log(path):
    """Removes a trial process's log, if it is still there.

    Example:

    >>> remove_log("/nonexistent/process_1.log")  # nothing to remove: no error
    """
    try:
        os.remove(path)
    except OSError:
        pass


def _tail(text):
    """The last lines of a log, each behind `| ` (no line of it reads as the trial's error).

    Example:

    >>> print(_tail("TensorFlow says hi\\n\\nValueError: bad\\n" + "x" * 1000)[:60])
    | TensorFlow says hi
    | ValueError: bad
    | xxxxxxxxxxxxxxxxxxx
    >>> _tail("x" * 1000).endswith("x ...")
    True
    """
    lines = [line for line in text.splitlines() if line.strip()][-_TAIL_LINES:]
    return "\n".join(
        f"| {line[:_LINE_CHARS]}{' ...' if len(line) > _LINE_CHARS else ''}" for line in lines
    )


def _how_it_ended(exitcode, started=True):
    if exitcode is None:
        return "it did not exit"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        if name == "SIGKILL":
            return "killed by SIGKILL: most often the system's out-of-memory killer"
        return f"killed by {name}: a crash"
    if not started:  # an error while importing, not the trial's memory
        return f"exit code {exitcode}"
    return f"exit code {exitcode}: a crash, or killed for memory"


def ended_without_result(exitcode, log, started, output):
    """The error of a trial process that ended without sending a result; removes its log.

    Args:
        exitcode: the process's exit code (`-N`: killed by signal N).
        log: the process's log file.
        started: whether it had started (imported the search's script again).
        output: where to keep the log (e.g. `trial_<id>/trial_process.log`).

    Returns:
        A `ScriptRerunError` when the script started a search again in the
        process (no `if __name__ == "__main__":` guard), else a
        `TrialProcessError` saying how it ended, with its last output.

    Example:

    >>> error = ended_without_result(-9, "/nonexistent.log", started=True, output=None)
    >>> print(error)  # doctest: +NORMALIZE_WHITESPACE
    TrialProcessError: the trial's process ended without a result (killed by SIGKILL: most
    often the system's out-of-memory killer). The search goes on; rerun crashed trials with
    --retries.
    """
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    for line in text.splitlines():
        if RERUN_HINT in line:  # the script called tune() again, as it would in every trial
            remove_log(log)
            return ScriptRerunError(line.split("ScriptRerunError: ", 1)[-1])
    kept = None
    if text.strip() and output:
        try:
            shutil.copyfile(log, output)
            kept = output
        except OSError:
            pass
    remove_log(log)
    main = getattr(sys.modules.get("__main__"), "__file__", None)
    if started:
        message = (
            f"TrialProcessError: the trial's process ended without a result "
            f"({_how_it_ended(exitcode)}). The search goes on; rerun crashed trials with "
            "--retries."
        )
    else:
        message = (
            f"TrialProcessError: the trial's process ended while it started, before the "
            f"trial began ({_how_it_ended(exitcode, started=False)})."
        )
        if main and f'File "{main}"' in text:
            message += (
                f" It failed while importing the search's script again ({main}): each "
                "trial process runs every line of it outside `if __name__ == '__main__':`; "
                "guard the script's work with it."
            )
        elif main:
            message += (
                f" A trial process imports the search's script ({main}) again: code of it "
                "outside `if __name__ == '__main__':` may have failed there (its error is "
                "in the search's output)."
            )
    if text.strip():
        where = f" ({kept})" if kept else ""
        message += f" Its last output{where}:\n{_tail(text)}"
    return TrialProcessError(message)
