import csv
import json

import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import format_leaderboard
from genreclf.tuning import leaderboard
from genreclf.tuning.results import write_leaderboard


def _write_trial(root, trial_id, status, score, values, seconds=1.5, message=None):
    folder = root / "trials" / f"trial_{trial_id}"
    folder.mkdir(parents=True)
    metrics = (
        {
            "metrics": {
                "val_macro_f1": {
                    "direction": "max",
                    "observations": [{"value": [score], "step": 1}],
                }
            }
        }
        if score is not None
        else {"metrics": {}}
    )
    (folder / "trial.json").write_text(
        json.dumps(
            {
                "trial_id": trial_id,
                "hyperparameters": {"space": [], "values": values},
                "metrics": metrics,
                "score": score,
                "best_step": 1,
                "status": status,
                "message": message,
            }
        )
    )
    (folder / "genreclf_trial.json").write_text(
        json.dumps(
            {
                "trial_id": trial_id,
                "tuner_id": "tuner0",
                "seconds": seconds,
                "epochs": 2,
                "status": status,
            }
        )
    )


@pytest.fixture
def folder(tmp_path):
    _write_trial(tmp_path, "0", "COMPLETED", 0.4, {"lr": 0.01, "tuner/epochs": 2})
    _write_trial(
        tmp_path,
        "1",
        "FAILED",
        None,
        {"lr": 5.0},
        message="Traceback...\nFailedTrialError: loss became nan at batch 3",
    )
    _write_trial(tmp_path, "2", "COMPLETED", 0.6, {"lr": 0.001})
    (tmp_path / "tune.json").write_text(
        json.dumps({"direction": "max", "objective": "val_macro_f1"})
    )
    return tmp_path


def test_completed_trials_best_first_then_failed(folder):
    rows = leaderboard(folder)
    assert [(r["trial"], r["rank"]) for r in rows] == [("2", 1), ("0", 2), ("1", None)]
    assert rows[1]["hyperparameters"] == {"lr": 0.01}  # tuner/* bookkeeping hidden
    assert rows[2]["message"] == "FailedTrialError: loss became nan at batch 3"
    assert rows[0]["metrics"] == {"val_macro_f1": 0.6}
    assert [r["trial"] for r in leaderboard(folder, direction="min")][:2] == ["0", "2"]


def test_trials_keep_their_order_when_a_resumed_search_pads_ids_wider(folder):
    # `--max-trials` raised from 3 to 12 on resume: KerasTuner's new ids are "03", "04"
    _write_trial(folder, "03", "FAILED", None, {"lr": 0.1}, message="ValueError: bad")
    _write_trial(folder, "04", "COMPLETED", 0.5, {"lr": 0.002})
    from genreclf.tuning.results import read_trials

    assert [r["trial"] for r in read_trials(folder)] == ["0", "1", "2", "03", "04"]
    assert [r["trial"] for r in leaderboard(folder)] == ["2", "04", "0", "1", "03"]


def test_the_best_epoch_counts_from_the_trials_first_scored_epoch(folder):
    """KerasTuner's best step counts the scored epochs only: after a warmup, from epoch 2."""
    record_path = folder / "trials" / "trial_2" / "genreclf_trial.json"
    record = json.loads(record_path.read_text())
    # a record written before genreclf kept the first scored epoch cannot place the step
    assert {r["trial"]: r["best_epoch"] for r in leaderboard(folder)}["2"] is None
    record_path.write_text(json.dumps({**record, "first_scored_epoch": 2}))
    assert {r["trial"]: r["best_epoch"] for r in leaderboard(folder)}["2"] == 4  # epochs 2, 3


def test_the_best_epoch_is_the_best_step_when_the_record_says_it_is_the_epoch(folder):
    """Since `scored_epochs.epochs_history`, KerasTuner's best step is the epoch itself."""
    record_path = folder / "trials" / "trial_2" / "genreclf_trial.json"
    record = {**json.loads(record_path.read_text()), "first_scored_epoch": 2}
    record_path.write_text(json.dumps({**record, "best_step_is_epoch": True}))
    assert {r["trial"]: r["best_epoch"] for r in leaderboard(folder)}["2"] == 2  # step 1


def test_table_and_files(folder):
    rows = leaderboard(folder)
    table = format_leaderboard(rows, objective="val_macro_f1")
    lines = table.splitlines()
    assert lines[0].split() == [
        "rank",
        "trial",
        "status",
        "val_macro_f1",
        "epochs",
        "time",
        "hyperparameters",
    ]
    assert lines[1].split()[:4] == ["1", "2", "COMPLETED", "0.6000"]
    assert "FAILED" in lines[3]
    csv_path, json_path = write_leaderboard(folder, rows)
    with open(csv_path) as f:
        table = list(csv.DictReader(f))
    assert [r["trial"] for r in table] == ["2", "0", "1"] and table[0]["lr"] == "0.001"
    assert json.loads(json_path.read_text())[0]["score"] == 0.6


def test_not_a_tuning_folder(tmp_path):
    with pytest.raises(ConfigError, match="not a tuning folder"):
        leaderboard(tmp_path)


def test_a_half_written_trial_is_left_out_with_a_warning_naming_its_file(folder, caplog):
    """A search killed while KerasTuner saved a trial: the others are still listed."""
    half = folder / "trials" / "trial_3" / "trial.json"
    half.parent.mkdir()
    half.write_text('{"trial_id": "3", "status": "COMPL')
    nameless = folder / "trials" / "trial_4" / "trial.json"
    nameless.parent.mkdir()
    nameless.write_text('{"status": "COMPLETED", "score": 0.9}')
    wrong = folder / "trials" / "trial_5" / "trial.json"
    wrong.parent.mkdir()
    wrong.write_text('{"trial_id": "5", "status": "COMPLETED", "score": "high"}')
    with caplog.at_level("WARNING", logger="genreclf.tuning"):
        rows = leaderboard(folder)
    assert [r["trial"] for r in rows] == ["2", "0", "1"]
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 3
    assert f"{half} is damaged (JSONDecodeError: " in warnings[0]
    assert "leaves trial 3 out" in warnings[0] and "restore it from a copy" in warnings[0]
    assert (
        f"{nameless} is damaged (expected a 'trial_id' string. Received: trial_id=None)"
        in (warnings[1])
    )
    assert "Received: score='high'" in warnings[2]


def test_a_damaged_trial_record_lists_the_trial_without_it(folder, caplog):
    record = folder / "trials" / "trial_2" / "genreclf_trial.json"
    record.write_text('{"trial_id": "2", "tuner_')
    with caplog.at_level("WARNING", logger="genreclf.tuning"):
        rows = leaderboard(folder)
    assert rows[0]["trial"] == "2" and rows[0]["score"] == 0.6 and rows[0]["seconds"] is None
    assert f"{record} is damaged" in caplog.text


def test_a_damaged_tune_json_is_a_clear_error_for_show_and_resume(folder, capsys):
    from genreclf.cli import main
    from genreclf.tuning import tuning_folder

    spec = folder / "tune.json"
    spec.write_text("{bad")
    with pytest.raises(ConfigError, match=r"tune.json is damaged \(JSONDecodeError: .*--overwrite"):
        leaderboard(folder)
    tuning_folder.check_resume(folder, True, False)  # tune's --resume: a search is there
    with pytest.raises(ConfigError, match="tune.json is damaged"):
        tuning_folder.ready(folder, {"model": "ngram"}, False, "tuner0")
    spec.write_text("[1, 2]")
    with pytest.raises(ConfigError, match=r"is damaged \(TypeError: expected a JSON object"):
        leaderboard(folder)
    assert main(["tune", "show", str(folder)]) == 1
    err = capsys.readouterr().err
    assert f"genreclf tune: error: {spec} is damaged" in err and "Traceback" not in err


def test_the_leaderboard_files_are_replaced_whole(tmp_path):
    # They were rewritten in place: a search killed while writing left half a file.
    rows = [{"rank": 1, "trial": "0", "status": "COMPLETED", "score": 0.5, "hyperparameters": {}}]
    csv_path, json_path = write_leaderboard(tmp_path, rows)
    before = (csv_path.stat().st_ino, json_path.stat().st_ino)
    write_leaderboard(tmp_path, rows)
    assert (
        before[0] != csv_path.stat().st_ino and before[1] != json_path.stat().st_ino
    )  # renamed over
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leaderboard.csv", "leaderboard.json"]
