"""Tuning you can trust: reproducible trials, one process per trial, finite searches (issue 14)."""

import json
import os

import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.tuning.results import read_trials

from .conftest import tiny_search


def _tune(directory, **kwargs):
    return tiny_search(directory, **kwargs)


def test_retraining_best_json_from_another_folder_reproduces_the_trial(
    finished, tmp_path, monkeypatch
):
    from genreclf.cli import main as genreclf_main

    best = json.loads(finished.best_config_path.read_text())
    assert os.path.isabs(best["data"])  # works from any folder
    monkeypatch.chdir(tmp_path)
    assert (
        genreclf_main(
            ["train", "--config", str(finished.best_config_path), "--out", "again", "--quiet"]
        )
        == 0
    )
    retrained = genreclf.load_run(tmp_path / "again").metrics["macro_f1"]
    assert abs(retrained - finished.leaderboard[0]["score"]) <= 0.002


def test_identical_searches_score_identically(finished, tmp_path):
    again = _tune(tmp_path / "again")
    scores = {r["trial"]: r["score"] for r in finished.leaderboard}
    assert {r["trial"]: r["score"] for r in again.leaderboard} == pytest.approx(scores, abs=1e-6)


def test_each_trial_runs_in_its_own_process(finished):
    records = read_trials(finished.directory)
    pids = set()
    for row in records:
        record = json.loads(
            (
                finished.directory / "trials" / f"trial_{row['trial']}" / "genreclf_trial.json"
            ).read_text()
        )
        (process,) = record["processes"]
        assert process["pid"] != os.getpid() and process["max_rss_mb"] > 0
        pids.add(process["pid"])
    assert len(pids) == len(records) == 2


@pytest.mark.parametrize("count", [0, -3])
def test_zero_or_negative_trial_counts_are_clear_errors(tmp_path, count):
    with pytest.raises(
        ConfigError, match=f"max_trials must be a positive integer.*Received: max_trials={count}"
    ):
        _tune(tmp_path / "never", max_trials=count)
    with pytest.raises(ConfigError, match="max_epochs must be a positive integer"):
        _tune(tmp_path / "never", max_epochs=count)
    assert not (tmp_path / "never").exists()


def test_an_early_error_leaves_no_tuning_folder(tmp_path):
    with pytest.raises(ConfigError, match="does not take"):
        _tune(tmp_path / "early", search_space={"no_such_argument": [1, 2]})
    with pytest.raises(ConfigError, match="Unknown model family"):
        _tune(tmp_path / "early", model="no_such_family")
    with pytest.raises(ConfigError, match="fits itself"):
        _tune(tmp_path / "early", search_space={"solver": "lbfgs"})
    assert not (tmp_path / "early").exists()


def test_worker_timeout_follows_the_heartbeat_and_help_says_so(tmp_path):
    from genreclf.tuning.budgets import check_budgets
    from genreclf.tuning.cli import build_parser

    assert check_budgets(model="ngram", tuner="random", max_trials=1, max_epochs=1) == 60.0
    assert (
        check_budgets(model="ngram", tuner="random", max_trials=1, max_epochs=1, heartbeat=5)
        == 20.0
    )
    with pytest.raises(
        ConfigError, match=r"worker_timeout \(`--worker-timeout`\) must be a number above 0"
    ):
        check_budgets(model="ngram", tuner="random", max_trials=1, max_epochs=1, worker_timeout=0)
    text = " ".join(build_parser().format_help().split())
    assert "default: 4 heartbeats = 60 s" in text


def test_hyperband_trials_are_reproducible_from_best_json(tmp_path):
    """Promoted configurations train from scratch for their budget: best.json reproduces them."""
    result = _tune(tmp_path / "hb", tuner="hyperband", max_trials=4, max_epochs=3)
    best = result.leaderboard[0]
    assert best["budget"] in (1, 3) and result.best_config["epochs"] == best["budget"]
    run = genreclf.train(config=result.best_config, out=tmp_path / "again", verbose=0)
    assert abs(run.metrics["macro_f1"] - best["score"]) <= 0.002
