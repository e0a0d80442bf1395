"""A trial process that dies says why: its last output, and the missing `__main__` guard."""

import json
import multiprocessing
import subprocess
import sys
import textwrap

import pytest

import genreclf
from genreclf.tuning.trial_startup import NAME_PREFIX
from genreclf.tuning.trial_startup import ScriptRerunError
from genreclf.tuning.trial_startup import check_not_in_trial_process

from .conftest import TINY_NGRAM
from .conftest import subprocess_env

HINT = (
    "tune() was called again in the trial process: guard the call with `if __name__ == '__main__':`"
)
UNGUARDED = (
    "tune() would run again in every trial process: guard the call with "
    "`if __name__ == '__main__':`"
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


def test_an_unguarded_tune_call_is_refused_before_the_script_runs_again(tmp_path):
    done = _script(
        tmp_path,
        """
        with open("work.txt", "a") as f:  # the work above the call (e.g. genreclf.train)
            f.write("done\\n")
        result = search(max_trials=3)
        print("after tune")
        """,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert f"ScriptRerunError: {UNGUARDED}" in done.stderr, done.stderr[-3000:]
    assert "tune_script.py, line 15 runs it unguarded" in done.stderr
    assert "after tune" not in done.stdout
    # Refused in the search's process: no trial process ran the script (and its work) again.
    assert (tmp_path / "work.txt").read_text() == "done\n"
    assert "genreclf trial process" not in done.stderr
    assert not (tmp_path / "t").exists()


def test_an_unguarded_call_the_script_does_not_show_stops_the_search_with_the_fix(tmp_path):
    done = _script(
        tmp_path,
        """
        with open("work.txt", "a") as f:  # the work above the call (e.g. genreclf.train)
            f.write("done\\n")
        for _ in range(1):  # a loop: the search's process cannot tell, the trial process can
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
    # It ran the work above the call once more before the refusal, and the message says so.
    assert (tmp_path / "work.txt").read_text() == "done\ndone\n"
    assert "every line above it, which ran once more in this trial process" in done.stderr
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


def test_tune_refuses_to_run_in_a_trial_process(tmp_path, monkeypatch):
    log = tmp_path / "process.log"
    monkeypatch.setattr(multiprocessing.current_process(), "name", NAME_PREFIX + str(log))
    with pytest.raises(ScriptRerunError, match=r"^tune\(\) was called again in the trial process"):
        genreclf.tuning.tune(genreclf.sample_path(), label="genre", directory=tmp_path / "t")
    assert HINT in log.read_text()
    assert not (tmp_path / "t").exists()
    monkeypatch.undo()
    check_not_in_trial_process()  # the main process again
