"""A trial process that dies says why: its last output, and the missing `__main__` guard."""

import json
import multiprocessing
import os
import pathlib
import signal
import subprocess
import sys
import textwrap

import keras_tuner
import pytest

import genreclf
from genreclf.tuning.trial_process import TrialProcessError
from genreclf.tuning.trial_process import TrialProcesses
from genreclf.tuning.trial_startup import NAME_PREFIX
from genreclf.tuning.trial_startup import ScriptRerunError
from genreclf.tuning.trial_startup import check_not_in_trial_process

from .conftest import TINY_NGRAM
from .conftest import subprocess_env

HINT = (
    "tune() was called again in the trial process: guard the call with `if __name__ == '__main__':`"
)


def _script(tmp_path, body):
    """A user's script that tunes the sample (one tiny trial unless told otherwise)."""
    path = tmp_path / "tune_script.py"
    path.write_text(
        textwrap.dedent(
            f"""
            import json, multiprocessing
            import genreclf
            from genreclf.tuning import tune

            def search(**kwargs):
                args = dict(text="overview", label="genre", model="ngram", tuner="random",
                            max_trials=1, max_epochs=1, verbose=0, directory={str(tmp_path / "t")!r},
                            search_space={TINY_NGRAM!r})
                args.update(kwargs)
                return tune(genreclf.sample_path(), **args)
            """
        )
        + textwrap.dedent(body)
    )
    return subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_unguarded_tune_call_stops_the_search_with_the_fix(tmp_path):
    done = _script(
        tmp_path,
        """
        result = search(max_trials=3)
        print("after tune")
        """,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert f"ScriptRerunError: {HINT}" in done.stderr, done.stderr[-3000:]
    assert "after tune" not in done.stdout
    # The first trial's process said it in one line (no traceback, no second process).
    assert done.stderr.count("genreclf trial process") == 1, done.stderr[-3000:]
    assert "tune_script.py, line" in done.stderr
    # The search stopped at its first trial, whose message is the advice.
    rows = json.loads((tmp_path / "t" / "leaderboard.json").read_text())
    assert [r["status"] for r in rows] == ["FAILED"]
    assert HINT in rows[0]["message"]


def test_a_guarded_script_tunes(tmp_path):
    done = _script(
        tmp_path,
        """
        if __name__ == "__main__":
            print(repr(search()))
        """,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 trial, 1 completed, 0 failed; best val_macro_f1=" in done.stdout
    assert "genreclf trial process" not in done.stderr


def test_a_script_failing_in_the_trial_process_is_named_with_its_error(tmp_path):
    done = _script(
        tmp_path,
        """
        if multiprocessing.current_process().name != "MainProcess":
            raise RuntimeError("only the main process can read the secrets file")

        if __name__ == "__main__":
            search()
            print(json.dumps(genreclf.tuning.leaderboard({directory!r})))
        """.replace("{directory!r}", repr(str(tmp_path / "t"))),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (row,) = json.loads(done.stdout.strip().splitlines()[-1])
    assert row["status"] in ("INVALID", "FAILED"), row
    assert "ended while it started, before the trial began" in row["message"]
    assert "importing the search's script again" in row["message"]
    trial = json.loads((tmp_path / "t" / "trials" / "trial_0" / "trial.json").read_text())
    assert "| RuntimeError: only the main process can read the secrets file" in trial["message"]
    log = tmp_path / "t" / "trials" / "trial_0" / "trial_process.log"
    assert "only the main process" in log.read_text()


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


def test_tune_refuses_to_run_in_a_trial_process(tmp_path, monkeypatch):
    log = tmp_path / "process.log"
    monkeypatch.setattr(multiprocessing.current_process(), "name", NAME_PREFIX + str(log))
    with pytest.raises(ScriptRerunError, match=r"^tune\(\) was called again in the trial process"):
        genreclf.tuning.tune(genreclf.sample_path(), label="genre", directory=tmp_path / "t")
    assert HINT in log.read_text()
    assert not (tmp_path / "t").exists()
    monkeypatch.undo()
    check_not_in_trial_process()  # the main process again
