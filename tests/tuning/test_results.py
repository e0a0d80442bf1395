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
