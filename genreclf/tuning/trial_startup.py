"""A trial process's start: what goes wrong while it imports the search's script again.

Python starts a trial process (multiprocessing's "forkserver" or "spawn",
see `genreclf.tuning.trial_process`) by importing the script that started the
search (`__main__`) again, under the name `__mp_main__`: every line of the
script outside `if __name__ == "__main__":` runs once more in each trial
process. A script that calls `tune()` unguarded would start a search in each
of them. `genreclf.tuning.script_guard` refuses such a call in the search's
process, before any trial process starts, when the script's source shows it;
for the rest, two things here turn it into a clear error on the search's side:

- `check_not_in_trial_process`, called by `tune()` and before a trial process
  is started: in a trial process it raises a `ScriptRerunError` (a
  `ConfigError`) at once, "tune() was called again in the trial process:
  guard the call with `if __name__ == '__main__':`", and writes it to the
  process's log: the search reads it there, fails the trial with it and stops.
- an exception hook (`install_hook`: in the trial processes' fork server,
  `genreclf.tuning.trial_server`, and in a spawned trial process when its
  script imports `genreclf.tuning`; never in the search's own process): the
  traceback of any other failure before the trial process runs its trial goes,
  as usual, to the console, and also to the trial process's log, which the
  search reads back into the trial's failure message. (A `ScriptRerunError`
  is one line on the console, naming the script's unguarded line.)

A trial process is known by its name (`multiprocessing.current_process().name`,
set before the script is imported again): `genreclf-trial-process:` followed
by the path of its log.
"""

import multiprocessing
import os
import sys
import traceback

from genreclf.errors import ConfigError

NAME_PREFIX = "genreclf-trial-process:"
# The first words of the error a trial process raises when the script it
# imports calls `tune()` (or starts genreclf's trial processes) again.
RERUN_HINT = (
    "was called again in the trial process: guard the call with `if __name__ == '__main__':`"
)


class ScriptRerunError(ConfigError):
    """The search's script, imported again in a trial process, started a search there (or would)."""


def trial_process_log():
    """The log file of this trial process (its output), or None outside trial processes.

    Example:

    >>> trial_process_log() is None  # the main process is no trial process
    True
    """
    name = multiprocessing.current_process().name
    return name[len(NAME_PREFIX) :] if name.startswith(NAME_PREFIX) else None


def write_log(text):
    """Appends `text` to this trial process's log (nothing outside trial processes)."""
    path = trial_process_log()
    if path is None:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")
    except OSError:  # the search went away: the console still shows it
        pass


def rerun_message(what="tune()"):
    """The error of a trial process whose script calls `what` again (see module doc).

    Example:

    >>> rerun_message().split(":")[0]
    'tune() was called again in the trial process'
    """
    script = _script() or "the script"
    return (
        f"{what} {RERUN_HINT}. Each trial process imports the script that started the "
        f"search ({script}) again, as Python's multiprocessing does, so every line of it "
        f"outside that guard runs again there: {what} included, which would start a "
        "search inside each trial, and every line above it, which ran once more in this "
        "trial process before the search stopped (reading data, a `genreclf.train(...)`: "
        "guard those too). Put the script's work in a function and call it under "
        "`if __name__ == '__main__':` (see README, Tuning)."
    )


def _script():
    """The path of the script that started the search (imported again as `__mp_main__`)."""
    for name in ("__mp_main__", "__main__"):
        path = getattr(sys.modules.get(name), "__file__", None)
        if path:
            return path
    return None


def check_not_in_trial_process(what="tune()"):
    """Raises `ScriptRerunError` in a trial process (and writes it to its log).

    Example:

    >>> check_not_in_trial_process()  # the main process: nothing to say
    """
    if trial_process_log() is None:
        return
    message = rerun_message(what)
    write_log(f"genreclf.tuning.trial_startup.ScriptRerunError: {message}")
    raise ScriptRerunError(message)


def _report_then(previous):
    def hook(kind, value, tb):
        if not isinstance(value, ScriptRerunError):
            write_log("".join(traceback.format_exception(kind, value, tb)))
            previous(kind, value, tb)
            return
        # Already in the log, and the search raises it with the advice: one
        # line here, where the script called it, instead of a traceback.
        where = ""
        for frame, line in traceback.walk_tb(tb):  # the script's unguarded line
            if frame.f_globals.get("__name__") == "__mp_main__":
                where = f" ({frame.f_code.co_filename}, line {line})"
                break
        sys.stderr.write(
            f"genreclf trial process {os.getpid()}: {str(value).split('. ')[0]}{where}.\n"
        )

    hook.genreclf_trial_startup = True
    return hook


def install_hook(always=False):
    """Makes `sys.excepthook` also write uncaught errors to the trial process's log.

    Only in a trial process, unless `always` (the fork server: its children
    are trial processes).
    """
    if not always and trial_process_log() is None:
        return
    if not getattr(sys.excepthook, "genreclf_trial_startup", False):
        sys.excepthook = _report_then(sys.excepthook)
