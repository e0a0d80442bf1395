import json
import logging
import pathlib
import shutil

import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.tuning import tune
from genreclf.tuning.results import read_trials

from .conftest import TINY_NGRAM
from .conftest import tiny_search


def _tune(directory, **kwargs):
    return tiny_search(directory, **kwargs)


def test_tune_writes_leaderboard_and_a_trainable_best_config(finished, tmp_path):
    from genreclf.cli import main as genreclf_main

    result = finished
    assert [r["status"] for r in result.leaderboard] == ["COMPLETED", "COMPLETED"]
    for name in ("tune.json", "leaderboard.csv", "leaderboard.json", "best.json"):
        assert (result.directory / name).exists(), name
    assert all(
        r["seconds"] > 0 and r["tuner"] == "tuner0" and r["epochs"] == 1
        for r in read_trials(result.directory)
    )
    best = json.loads(result.best_config_path.read_text())
    top = result.leaderboard[0]["hyperparameters"]
    assert best["model"] == "ngram" and best["label"] == "genre"
    assert best["model_config"]["max_tokens"] == 300  # fixed in the search space
    assert (best["model_config"]["ngrams"], best["lr"]) == (top["ngrams"], top["lr"])
    # `genreclf train --config best.json` accepts it as is.
    out = tmp_path / "retrained"
    assert (
        genreclf_main(
            ["train", "--config", str(result.best_config_path), "--out", str(out), "--quiet"]
        )
        == 0
    )
    run = genreclf.load_run(out)
    assert run.config["model_config"] == best["model_config"]
    assert 0.0 <= run.metrics["macro_f1"] <= 1.0


def test_existing_folder_needs_resume_or_overwrite(finished, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(finished.directory, folder)
    before = {r["trial"]: r["started"] for r in finished.leaderboard}
    with pytest.raises(ConfigError, match="--resume .* --overwrite"):
        _tune(folder)
    with pytest.raises(ConfigError, match="different settings: tuner='random'"):
        _tune(folder, tuner="bayesian", resume=True)
    with pytest.raises(ConfigError, match="not both"):
        _tune(folder, resume=True, overwrite=True)
    # The trials' settings must not change under them: best.json would claim
    # values they never trained with.
    with pytest.raises(
        ConfigError, match="different settings: space.max_tokens='300' \\(now '400'\\)\\. "
    ):
        _tune(folder, resume=True, search_space={**TINY_NGRAM, "max_tokens": 400})
    with pytest.raises(
        ConfigError, match="different settings: data.val_split=0.1 \\(now 0.2\\)\\. "
    ):
        _tune(folder, resume=True, val_split=0.2)
    with pytest.raises(ConfigError, match="different settings: max_epochs=1 \\(now 2\\)"):
        _tune(folder, resume=True, max_epochs=2)
    resumed = _tune(folder, max_trials=3, resume=True)
    assert len(resumed.leaderboard) == 3
    after = {r["trial"]: r["started"] for r in resumed.leaderboard}
    assert all(after[t] == before[t] for t in before)  # finished trials were not rerun


def test_a_data_file_edited_since_is_not_resumed(finished, tmp_path):
    # Only the file's path was compared: a search resumed on the file edited since scored
    # its new trials on other rows than its first ones, in one leaderboard.
    folder = tmp_path / "copy"
    shutil.copytree(finished.directory, folder)
    spec = json.loads((folder / "tune.json").read_text())
    assert spec["rows"]["count"] == 310  # the bundled sample's
    spec["rows"] = {"count": 200, "sha256": "0" * 64}  # started on the file before an edit
    (folder / "tune.json").write_text(json.dumps(spec))
    with pytest.raises(ConfigError, match=r"settings: rows.count=200 \(now 310\), rows.sha256="):
        _tune(folder, resume=True)


def test_a_validation_file_edited_since_is_not_resumed(tmp_path):
    # Only --val-data's path was compared: trials after the edit were scored on other rows.
    lines = pathlib.Path(genreclf.sample_path()).read_text(encoding="utf-8").splitlines()
    val = tmp_path / "val.csv"
    val.write_text("\n".join(lines[:61]) + "\n", encoding="utf-8")  # the header and 60 rows
    folder = tmp_path / "s"
    _tune(folder, max_trials=1, val_data=str(val))
    assert json.loads((folder / "tune.json").read_text())["val_rows"]["count"] == 60
    val.write_text("\n".join(lines[:41]) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"val_rows.count=60 \(now 40\), val_rows.sha256="):
        _tune(folder, max_trials=2, val_data=str(val), resume=True)


def test_overwrite_starts_over(tmp_path, caplog):
    folder = tmp_path / "s"
    (folder / "trials" / "trial_0").mkdir(parents=True)
    (folder / "trials" / "oracle.json").write_text("{}")
    (folder / "trials" / "trial_0" / "trial.json").write_text("{}")
    (folder / "tune.json").write_text("{}")
    with caplog.at_level(logging.WARNING, logger="genreclf.tuning"):
        result = _tune(folder, max_trials=1, overwrite=True, max_epochs=4)
    # A random search's trial trains its own epochs (up to max_epochs), as it always did,
    # and tune's own search passes nothing a trial ignores.
    assert not [r for r in caplog.records if "ignores" in r.getMessage()]
    assert result.leaderboard[0]["epochs"] <= result.leaderboard[0]["hyperparameters"]["epochs"]
    assert [r["trial"] for r in result.leaderboard] == ["0"]
    assert result.leaderboard[0]["status"] == "COMPLETED"


def test_hyperband_completes(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="genreclf.tuning"):
        result = _tune(tmp_path / "hb", tuner="hyperband", max_trials=1, max_epochs=2)
    assert [r["status"] for r in result.leaderboard] == ["COMPLETED"]
    assert not [r for r in caplog.records if "ignores" in r.getMessage()]  # tune's own search
    spec = json.loads((tmp_path / "hb" / "tune.json").read_text())
    assert spec["tuner"] == "hyperband"
    rows = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    assert spec["labels"] == rows.vocabulary().labels  # the order the trials' models score


@pytest.mark.large
def test_bayesian_completes(tmp_path):
    result = _tune(tmp_path / "bo", tuner="bayesian", max_trials=3)
    assert [r["status"] for r in result.leaderboard] == ["COMPLETED"] * 3


def test_multi_label_search_minimising_loss(tmp_path):
    result = _tune(tmp_path / "ml", label="genres", sep="|", objective="val_loss")
    scores = [r["score"] for r in result.leaderboard]
    assert len(scores) == 2 and scores == sorted(scores)
    assert result.best_config["multi_label"] is True and result.best_config["sep"] == "|"
    assert json.loads((tmp_path / "ml" / "tune.json").read_text())["direction"] == "min"


def test_unknown_argument():
    with pytest.raises(ConfigError, match="unknown arguments"):
        tune(genreclf.sample_path(), labels="genre")


def test_too_many_failures_end_with_a_clear_error_and_a_leaderboard(tmp_path):
    # Each value passes its own check (`setting_checks`), but the builder refuses
    # character n-grams counted rather than TF-IDF: every trial that samples
    # mode="count" fails.
    space = {
        **TINY_NGRAM,
        "mode": ["tf_idf", "count"],
        "analyzer": "char_wb",
        "ngrams": 1,
        "hidden_dim": [0, 4],
        "batch_size": [32, 64],
    }
    with pytest.raises(ConfigError, match="1 trials in a row failed .*computed as TF-IDF"):
        _tune(tmp_path / "f", search_space=space, max_trials=6, max_consecutive_failed_trials=1)
    rows = json.loads((tmp_path / "f" / "leaderboard.json").read_text())
    assert rows[-1]["status"] == "FAILED" and "mode='count'" in rows[-1]["message"]


def test_one_class_is_refused_before_the_tuning_folder_is_made(tmp_path):
    from genreclf.errors import DataError

    data = tmp_path / "drama.csv"
    data.write_text("overview,genre\n" + "".join(f"A family story {i}.,drama\n" for i in range(20)))
    with pytest.raises(
        DataError, match="drama.csv: field 'genre': a classifier needs at least two"
    ):
        tune(data, label="genre", text="overview", model="ngram", directory=tmp_path / "t",
             max_trials=1, max_epochs=1, verbose=0)  # fmt: skip
    assert not (tmp_path / "t").exists()
