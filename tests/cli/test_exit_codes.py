"""Every command that runs and ends exits the same way (README, "Exit codes"): 1 and one
`genreclf <command>: error:` line for an error, 2 for argparse's usage errors."""

import pytest

import genreclf
from genreclf.cli import main

SAMPLE = str(genreclf.sample_path())
COLUMNS = ("--text", "overview", "--label", "genre")

# (argv, a fragment of the error line): each fails on its arguments, before any training.
ERRORS = {
    "train": (
        ["train", SAMPLE, *COLUMNS, "--model", "nosuch", "--out", "{tmp}/run"],
        "Unknown model",
    ),
    "evaluate": (["evaluate", "{tmp}/no_run"], "No run folder"),
    "predict": (["predict", "{tmp}/no_run", "A heist."], "No run folder"),
    "explain": (["explain", "{tmp}/no_run", "A heist."], "No run folder"),
    "ensemble": (["ensemble", "{tmp}/no_run", "--out", "{tmp}/ens"], "No run folder"),
    "export": (
        ["export", "{tmp}/no_run", "--name", "g", "--base", "{tmp}/models"],
        "No run folder",
    ),
    "tune": (
        ["tune", SAMPLE, *COLUMNS, "--model", "ngram", "--dir", "{tmp}/t", "--max-failures", "0"],
        "--max-failures",
    ),
    "augment": (
        ["augment", "plan", SAMPLE, "--label", "genre", "--target-count", "10", "--genres", "x"],
        "Expected genres present in the data",
    ),
    "labels": (
        ["labels", "check", SAMPLE, *COLUMNS, "--out", "{tmp}/s.csv", "--top", "0"],
        "--top",
    ),
    "label": (["label", "{tmp}/missing.csv", "--out", "{tmp}/l.csv"], "Nothing to label with"),
}


def _exit_code(argv):
    try:
        return main(argv)
    except SystemExit as stop:  # argparse
        return stop.code


@pytest.mark.parametrize("command", sorted(ERRORS))
def test_an_error_is_exit_code_1_with_one_error_line(command, tmp_path, capsys):
    argv, fragment = ERRORS[command]
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert _exit_code(argv) == 1
    err = capsys.readouterr().err
    assert f"genreclf {command}" in err and ": error: " in err and fragment in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", sorted(ERRORS))
def test_an_unknown_option_is_exit_code_2(command, capsys):
    argv = ERRORS[command][0][:2] if command in ("augment", "labels") else [command]
    assert _exit_code([*argv, "--no-such-option"]) == 2
    assert "usage: " in capsys.readouterr().err


def test_sigterm_stops_a_command_as_ctrl_c_does_and_exits_143(tmp_path):
    # A scheduler's SIGTERM killed the process where it stood (exit -15): no clean-up,
    # no line saying why. It is raised as Ctrl-C's KeyboardInterrupt is, and said.
    import signal
    import subprocess
    import sys

    run = tmp_path / "run"
    argv = [sys.executable, "-m", "genreclf", "train", SAMPLE, *COLUMNS, "--model", "bilstm"]
    argv += ["--epochs", "200", "--out", str(run)]
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        first = proc.stdout.readline()  # printed by the command: the handler is in place
        assert first, proc.stderr.read()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 143, stderr
    assert "genreclf train: terminated (SIGTERM)" in stderr
    assert "Traceback" not in stderr


def test_a_second_sigterm_does_not_interrupt_the_clean_up_of_the_first():
    # (review) The handler stayed in place: a second SIGTERM (a wrapper signalling the
    # whole group) raised Terminated again inside the first one's clean-up.
    import os
    import signal
    import time

    from genreclf.cli import Terminated
    from genreclf.cli import sigterm_as_interrupt

    before = signal.getsignal(signal.SIGTERM)
    cleaned = False
    with pytest.raises(Terminated):
        with sigterm_as_interrupt():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(10)  # not reached: the handler raises at once
            finally:
                os.kill(os.getpid(), signal.SIGTERM)  # ignored: the clean-up goes on
                cleaned = True
    assert cleaned and signal.getsignal(signal.SIGTERM) == before


def test_a_forked_pool_inside_a_command_still_stops_its_workers():
    # labels check hung for ever (CI, 900 s): cleanlab's multiprocessing pool forked its
    # workers with genreclf's SIGTERM handler, and Pool.terminate's SIGTERM raised
    # Terminated in them instead of ending them.
    import subprocess
    import sys

    script = (
        "import multiprocessing, signal\n"
        "from genreclf.cli import sigterm_as_interrupt\n"
        "def default(_):\n"
        "    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL\n"
        "with sigterm_as_interrupt():\n"
        "    with multiprocessing.get_context('fork').Pool(2) as pool:\n"
        "        assert pool.map(default, [0, 1]) == [True, True]\n"
        "print('stopped')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout == "stopped\n", done.stderr
