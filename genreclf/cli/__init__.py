"""The `genreclf` command: a thin layer over the Python API.

`train`, `evaluate`, `predict` and `ensemble` live here; `export`, `serve`, `augment` and
`tune` are dispatched lazily to their packages, and `import genreclf` loads no
TensorFlow, so `genreclf --help` and `genreclf train --help` answer at once.

TensorFlow's C++ start-up lines (`cuInit` errors on machines without a GPU,
oneDNN and CPU-feature notices) and its Python warnings are silenced unless
`--verbose` comes before the command:

    genreclf --verbose train movies.csv ...

SIGTERM (what a scheduler, `kill` or `docker stop` sends) stops a command
as Ctrl-C does: `Terminated`, a `KeyboardInterrupt`, is raised where the
command is, so its clean-up runs (an augmentation's record of what the
requests in flight cost, a tracked run marked killed, a run folder's lock),
and it exits 143; a second SIGTERM during that clean-up is ignored. `genreclf
serve` keeps its own handling (a graceful drain, exit 0).

Example:

>>> from genreclf.cli import main
>>> main(["--version"])  # doctest: +ELLIPSIS
genreclf ...
0
"""

import contextlib
import importlib
import logging
import os
import signal
import sys
import threading

from genreclf.errors import GenreclfError
from genreclf.version import __version__

# subcommand -> (module with `main(argv) -> int`, one-line help)
COMMANDS = {
    "train": ("genreclf.cli.train", "train a classifier and write a run folder"),
    "evaluate": ("genreclf.cli.evaluate", "score a run on labelled data; compare two runs"),
    "predict": ("genreclf.cli.predict", "predict the genres of synopses with a run"),
    "explain": ("genreclf.cli.explain", "show the words that pushed each top genre"),
    "ensemble": ("genreclf.cli.ensemble", "join trained runs into one run and one model"),
    "labels": ("genreclf.cli.labels", "find likely mislabelled rows of a data file (cleanlab)"),
    "export": (
        "genreclf.export.cli",
        "export a run as a versioned SavedModel for TF Serving; verify one",
    ),
    "serve": ("genreclf.serving.cli", "serve SavedModels over TF Serving's REST and gRPC protocol"),
    "augment": (
        "genreclf.augment.cli",
        "plan, generate and audit GPT-written synopses for rare genres",
    ),
    "tune": ("genreclf.tuning.cli", "KerasTuner search over a model family; show results"),
    "label": (
        "genreclf.cli.label",
        "label unlabelled texts: keywords -> zero-shot -> run -> LLM; audit",
    ),
}


def _usage():
    lines = [
        f"usage: genreclf [--verbose] <command> [options]   (genreclf {__version__})",
        "",
        "commands:",
    ]
    lines += [f"  {name:<9} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines += [
        "",
        "options:",
        "  -v, --verbose  show TensorFlow's start-up and warning messages, and debug logs",
        "  -V, --version  print the version",
        "",
        "Run `genreclf <command> --help` for the options of each command.",
    ]
    return "\n".join(lines)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's `KeyboardInterrupt` is, so the same clean-up runs."""


def _raise_terminated(signum, frame):
    if os.getpid() != _owner[0]:  # a forked child that kept the handler: die as by default
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    # once: a second SIGTERM (a wrapper that signals the whole group, `timeout`) would
    # interrupt the clean-up the first one started
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


_owner = [None]  # the process that installed `_raise_terminated`


def _default_sigterm_in_child():
    """After a fork (a `multiprocessing` pool's workers, cleanlab's): SIGTERM's default.
    `Pool.terminate` stops its workers with SIGTERM; raising `Terminated` there instead
    left `labels check` waiting on them for ever."""
    if signal.getsignal(signal.SIGTERM) is _raise_terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


os.register_at_fork(after_in_child=_default_sigterm_in_child)


@contextlib.contextmanager
def sigterm_as_interrupt():
    """SIGTERM raises `Terminated` in the main thread while the block runs.

    Example:

    >>> with sigterm_as_interrupt():
    ...     signal.getsignal(signal.SIGTERM) is _raise_terminated
    True
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    _owner[0] = os.getpid()
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv=None):
    """Entry point of the `genreclf` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = False
    while argv and argv[0] in ("-v", "--verbose"):
        verbose = True
        argv = argv[1:]
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    if argv[0] in ("-V", "--version"):
        print(f"genreclf {__version__}")
        return 0
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"genreclf: unknown command {command!r}.\n\n{_usage()}", file=sys.stderr)
        return 2
    _configure_logging(verbose)
    module_name = COMMANDS[command][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        print(
            f"genreclf {command}: a package it needs is missing ({e.name}). Install "
            f"the extra: pip install 'genreclf[{_EXTRAS.get(command, 'dev')}]'.",
            file=sys.stderr,
        )
        return 2
    # `serve` drains on SIGTERM itself, and exits at once after it (`serving/cli.py`)
    stop = contextlib.nullcontext() if command == "serve" else sigterm_as_interrupt()
    try:
        with stop:
            return int(module.main(rest) or 0)
    except GenreclfError as e:
        print(f"genreclf {command}: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # a path the user gave that cannot be read or written
        print(f"genreclf {command}: error: {describe_os_error(e)}", file=sys.stderr)
        return 1
    except Terminated:
        print(f"genreclf {command}: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"genreclf {command}: interrupted", file=sys.stderr)
        return 130


def describe_os_error(error):
    """One line for an `OSError` on a user's path: the path, the reason, what to check.

    Example:

    >>> describe_os_error(NotADirectoryError(20, "Not a directory", "afile.txt/g"))
    "Cannot use 'afile.txt/g': Not a directory. Check the paths given on the command line: ..."
    """
    where = f"Cannot use {error.filename!r}" if error.filename else "A file operation failed"
    return (
        f"{where}: {error.strerror or error}. Check the paths given on the command line: "
        "a folder where a folder is expected, a parent that exists, and the permission "
        "to write there."
    )


def _configure_logging(verbose):
    """Sets TensorFlow's C++ log level (read when it loads) and Python logging."""
    # 3 hides TensorFlow's C++ INFO, WARNING and ERROR lines (the cuInit error
    # of CPU-only machines is one); 0 shows them all.
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "0" if verbose else "3"
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    level = logging.DEBUG if verbose else logging.INFO
    logging.getLogger("genreclf").setLevel(level)  # genreclf.augment, .export, .serving too
    if not verbose:
        # TensorFlow and absl log Python warnings (retracing, deprecations)
        # through the root handlers; keep their errors only.
        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_libraries)


def _quiet_libraries(record):
    return record.levelno >= logging.ERROR or not record.name.startswith(("absl", "tensorflow"))


_EXTRAS = {"serve": "serving", "augment": "augment", "tune": "tune", "export": "serving"}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
