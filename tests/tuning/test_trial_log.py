"""`genreclf.tuning.trial_log`: a trial process's output reaches the console, and its last words."""

import os
import pathlib
import signal
import sys

import keras_tuner
import pytest

from genreclf.tuning.trial_log import TrialProcessError
from genreclf.tuning.trial_process import TrialProcesses


class _Crash(keras_tuner.HyperModel):
    """A trial that writes a line to stderr, then dies of a segmentation fault."""

    def build(self, hp):
        sys.stderr.write("last words before the crash\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGSEGV)


class _Talk(keras_tuner.HyperModel):
    """A trial that writes a line to stderr, then fails."""

    def build(self, hp):
        sys.stderr.write("a warning from inside the trial\n")
        sys.stderr.flush()
        raise keras_tuner.errors.FailedTrialError("no model today")


@pytest.fixture
def importable_tests(monkeypatch):
    # Trial processes unpickle this module's hypermodels.
    root = str(pathlib.Path(__file__).parents[2])
    monkeypatch.syspath_prepend(root)
    monkeypatch.setenv("PYTHONPATH", root)


def _task(hypermodel, tmp_path):
    return dict(
        hypermodel=hypermodel,
        hp_config=keras_tuner.HyperParameters().get_config(),
        fit_args=(),
        fit_kwargs={},
        seed=0,
        checkpoint=str(tmp_path / "checkpoint.weights.h5"),
    )


def test_a_crashed_trial_process_leaves_its_last_output(tmp_path, importable_tests):
    processes = TrialProcesses(prestart=False)
    kept = tmp_path / "trial_process.log"
    try:
        with pytest.raises(TrialProcessError) as info:
            processes.run(output=str(kept), **_task(_Crash(), tmp_path))
    finally:
        processes.close()
    message = str(info.value)
    assert "ended without a result (killed by SIGSEGV" in message
    assert "| last words before the crash" in message
    assert "Fatal Python error: Segmentation fault" in message  # the crash's Python stack
    assert "last words before the crash" in kept.read_text()


def test_a_trial_process_output_still_reaches_the_console(tmp_path, importable_tests, capfd):
    processes = TrialProcesses(prestart=False)
    try:
        with pytest.raises(keras_tuner.errors.FailedTrialError, match="no model today"):
            processes.run(output=str(tmp_path / "kept.log"), **_task(_Talk(), tmp_path))
    finally:
        processes.close()
    assert "a warning from inside the trial" in capfd.readouterr().err
    assert not (tmp_path / "kept.log").exists()  # a trial that answered keeps no log


def test_the_trial_process_module_still_offers_its_error():
    from genreclf.tuning import trial_process

    assert trial_process.TrialProcessError is TrialProcessError
