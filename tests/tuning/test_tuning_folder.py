"""`genreclf.tuning.tuning_folder`: new, resumed (same settings) or started-over searches."""

import json

import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import tuning_folder

SPEC = {"model": "ngram", "tuner": "random", "objective": "val_macro_f1", "max_epochs": 1,
        "executions_per_trial": 1, "max_trials": 2, "data": {"val_split": 0.1}}  # fmt: skip


def _open(directory, spec, resume, overwrite, tuner_id):
    """What `tune` does with its folder: `check_resume`, then (the folder held) `ready`."""
    tuning_folder.check_resume(directory, resume, overwrite)
    return tuning_folder.ready(directory, spec, overwrite, tuner_id)


def _saved(folder, spec=SPEC):
    (folder / "trials").mkdir(parents=True)
    (folder / "trials" / "tuner0.json").write_text("{}")
    (folder / "tune.json").write_text(json.dumps({**spec, "space": {"lr": "Float(0.001..0.03)"}}))


def test_a_new_folder_has_nothing_to_resume(tmp_path):
    assert _open(tmp_path / "new", SPEC, False, False, "tuner0") == {}
    with pytest.raises(ConfigError, match=r"no search to resume: .* pass resume=False"):
        _open(tmp_path / "new", SPEC, True, False, "tuner0")


def test_resuming_returns_the_saved_search_and_refuses_changed_settings(tmp_path):
    _saved(tmp_path)
    with pytest.raises(ConfigError, match="already holds a search"):
        _open(tmp_path, SPEC, False, False, "tuner0")
    saved = _open(tmp_path, {**SPEC, "max_trials": 5}, True, False, "chief")
    assert saved["space"] == {"lr": "Float(0.001..0.03)"}
    assert (tmp_path / "trials" / "chief.json").exists()  # KerasTuner reloads this tuner's file
    changed = {**SPEC, "data": {"val_split": 0.2}}
    with pytest.raises(ConfigError, match=r"data.val_split=0.1 \(now 0.2\)"):
        _open(tmp_path, changed, True, False, "tuner0")
    with pytest.raises(ConfigError, match=r"space.lr='Float\(0.001..0.03\)' \(now None\)"):
        tuning_folder.check_same_search(tmp_path, saved, {"space": {}}, ("space",))


def test_classes_in_another_order_are_refused_and_older_searches_held_them_as_text(tmp_path):
    ratings = {**SPEC, "labels": ["1", "2", "10"]}  # by value, as runs order ratings now
    _saved(tmp_path, {**SPEC, "labels": ["1", "10", "2"]})
    with pytest.raises(ConfigError, match=r"labels=\['1', '10', '2'\] \(now \['1', '2', '10'\]\)"):
        _open(tmp_path, ratings, True, False, "tuner0")
    older = tmp_path / "older"
    _saved(older)  # written before tune.json held the classes: text order
    with pytest.raises(ConfigError, match=r"labels=\['1', '10', '2'\]"):
        _open(older, ratings, True, False, "tuner0")
    genres = {**SPEC, "labels": ["comedy", "drama"]}
    assert _open(older, genres, True, False, "tuner0")["labels"] == genres["labels"]


def test_overwrite_clears_the_search(tmp_path):
    _saved(tmp_path)
    assert _open(tmp_path, SPEC, False, True, "tuner0") == {}
    assert not (tmp_path / "tune.json").exists() and not (tmp_path / "trials").exists()


def _trial_files(folder, *ids):
    from keras_tuner import HyperParameters
    from keras_tuner.engine.trial import Trial

    for trial_id in ids:
        (folder / "trials" / f"trial_{trial_id}").mkdir()
        state = Trial(HyperParameters(), trial_id=trial_id, status="COMPLETED").get_state()
        (folder / "trials" / f"trial_{trial_id}" / "trial.json").write_text(json.dumps(state))


def _resume(folder, oracle):
    """`tune --resume` on `folder` up to KerasTuner's reload: what it says (stderr)."""
    from genreclf.tuning import saved_state

    (folder / "trials" / "oracle.json").write_text(json.dumps(oracle))
    _open(folder, SPEC, True, False, "tuner0")
    saved_state.check_before_reload(folder / "trials", "tuner0", {})  # the tuner's reload


def test_a_resumed_search_says_what_it_keeps_and_runs_again(tmp_path, capsys):
    # `train` and `label` say what they resume; a resumed search said only KerasTuner's
    # "Reloading Tuner from ...".
    folder = tmp_path / "s"
    _saved(folder)
    _trial_files(folder, "0", "1", "2")
    _resume(folder, {"ongoing_trials": {"tuner0": "2"}, "start_order": ["0", "1", "2"],
                     "end_order": ["0", "1"]})  # fmt: skip
    assert capsys.readouterr().err == (
        f"resuming the search in {folder}: 2 trials ended (kept); trial 2 was running when "
        "the search stopped: it runs again\n"
    )


def test_a_resumed_search_says_a_lost_trial_is_not_run_again(tmp_path, capsys):
    folder = tmp_path / "s"
    _saved(folder)
    _trial_files(folder, "0", "3")  # trials 1 (ended) and 2 (running): no trial.json
    _resume(folder, {"ongoing_trials": {"tuner0": "2", "tuner1": "3"},
                     "start_order": ["0", "1", "2", "3"], "end_order": ["0", "1"]})  # fmt: skip
    # Was said before they were dropped: "2 trials ended (kept); trial 2, 3 was running
    # when the search stopped: it runs again", and trial 2 is never run again.
    assert capsys.readouterr().err == (
        f"resuming the search in {folder}: 1 trial ended (kept); trial 1, 2 lost (no whole "
        "trial.json): listed as failed, not run again; trial 3 was running when the search "
        "stopped: it runs again\n"
    )
