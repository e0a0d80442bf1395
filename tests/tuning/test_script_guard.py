"""`genreclf.tuning.script_guard`: an unguarded search is refused before a trial process reruns the script."""

import runpy
import textwrap

import pytest

import genreclf
from genreclf.tuning import script_guard
from genreclf.tuning import tune
from genreclf.tuning.script_guard import check_guarded
from genreclf.tuning.script_guard import unguarded_line
from genreclf.tuning.trial_startup import ScriptRerunError

from .conftest import TINY_NGRAM

HEAD = """
import contextlib
from genreclf.tuning.script_guard import unguarded_line

def search(flag=True):
    args = dict(flag=flag)
    args.update(more=1)
    return unguarded_line()
"""


def _run(tmp_path, body):
    """Runs a script as `python script.py` would (its module is `__main__`); returns its globals."""
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(HEAD) + textwrap.dedent(body))
    return str(path), runpy.run_path(str(path), run_name="__main__")


def _line(path, text):
    return [i for i, line in enumerate(open(path), 1) if line.strip() == text][0]


@pytest.mark.parametrize(
    "body, line",
    [
        ("RESULT = unguarded_line()\n", "RESULT = unguarded_line()"),
        ("RESULT = search()\n", "RESULT = search()"),
        (
            "with contextlib.nullcontext():\n    RESULT = search(flag=False)\n",
            "RESULT = search(flag=False)",
        ),
        (
            "def main():\n    with contextlib.nullcontext():\n        return search()\n"
            "RESULT = main()\n",
            "RESULT = main()",
        ),
    ],
)
def test_a_call_the_script_reaches_in_a_straight_line_is_found(tmp_path, body, line):
    path, found = _run(tmp_path, body)
    assert found["RESULT"] == (path, _line(path, line))


@pytest.mark.parametrize(
    "body",
    [
        'RESULT = None\nif __name__ == "__main__":\n    RESULT = search()\n',
        "RESULT = None\nif True:\n    RESULT = search()\n",
        "RESULT = None\nfor _ in range(1):\n    RESULT = search()\n",
        "RESULT = None\ntry:\n    RESULT = search()\nexcept ValueError:\n    pass\n",
        "RESULT = True and search()\n",
        "RESULT = search() if True else None\n",
        # A function that may return before the call: a trial process could take that way.
        "def main(stop=False):\n    if stop:\n        return None\n    return search()\n"
        "RESULT = main()\n",
        "def main():\n    for _ in range(1):\n        pass\n    return search()\nRESULT = main()\n",
        "RESULT = [search() for _ in range(1)][0]\n",
        "RESULT = (lambda: search())()\n",
    ],
)
def test_a_call_a_trial_process_might_not_reach_is_left_to_it(tmp_path, body):
    _, found = _run(tmp_path, body)
    assert found["RESULT"] is None


def test_no_script_no_refusal():
    assert unguarded_line() is None  # pytest's own `__main__` reaches tests through conditions
    check_guarded()


def test_the_refusal_names_the_line_and_the_fix(tmp_path):
    body = """
    from genreclf.tuning.script_guard import check_guarded
    WORK = "done"  # e.g. a genreclf.train(...) a trial process would run again
    check_guarded("tune()")
    """
    with pytest.raises(ScriptRerunError) as info:
        _run(tmp_path, body)
    message = str(info.value)
    path = str(tmp_path / "script.py")
    line = _line(path, 'check_guarded("tune()")')
    assert message.startswith(
        "tune() would run again in every trial process: guard the call with "
        f"`if __name__ == '__main__':` ({path}, line {line} runs it unguarded)."
    )
    assert "after everything above it" in message and "see README, Tuning" in message


def test_genreclfs_tuner_refuses_before_its_first_trial_process(tmp_path):
    body = """
    from genreclf.tuning.trial_process import TrialProcesses
    processes = TrialProcesses(prestart=False)
    processes.run()
    """
    with pytest.raises(ScriptRerunError, match=r"^genreclf's tuner.search\(\) would run again"):
        _run(tmp_path, body)


def test_a_tuner_of_ones_own_refuses_before_its_first_trial_process(tmp_path):
    # No `tune()`: genreclf's tuner checks the script itself before a trial process starts.
    body = f"""
    import genreclf
    from genreclf.tuning import NgramHyperModel, make_oracle, make_tuner
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    hypermodel = NgramHyperModel(data, max_epochs=1, **{TINY_NGRAM!r})
    tuner = make_tuner(make_oracle("random", max_trials=1), hypermodel, directory={str(tmp_path / "search")!r})
    tuner.search(data, validation_data=data, verbose=0)
    """
    with pytest.raises(ScriptRerunError, match=r"^genreclf's tuner.search\(\) would run again"):
        _run(tmp_path, body)
    assert not list((tmp_path / "search").glob("trials/trial_*/trial_process.log"))


def test_a_tune_search_checks_its_script_once(tmp_path, monkeypatch):
    # `tune()` checks the script when it starts; its tuner then skips its own
    # check before the first trial process (the same stack, the same answer).
    calls = []
    real = script_guard.unguarded_line

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(script_guard, "unguarded_line", counted)
    result = tune(
        genreclf.sample_path(),
        label="genre",
        text="overview",
        model="ngram",
        tuner="random",
        max_trials=1,
        max_epochs=1,
        directory=tmp_path / "search",
        search_space=dict(TINY_NGRAM),
        verbose=0,
    )
    assert [r["status"] for r in result.leaderboard] == ["COMPLETED"]  # a trial process ran
    assert len(calls) == 1
    # the record ends with the search: a tuner of one's own built next still checks
    script_guard.check_guarded("genreclf's tuner.search()")
    assert len(calls) == 2
