"""`tune(..., mlflow_uri=...)`: the search is one MLflow run, each trial a nested run."""

import json

import pytest

import genreclf
from genreclf.tuning import tune

from .conftest import TINY_NGRAM

pytest.importorskip("mlflow")


def test_each_trial_is_a_run_nested_under_the_search(tmp_path):
    from mlflow.tracking import MlflowClient

    from genreclf.tracking.mlflow_tracker import make_client

    uri = f"file:{tmp_path / 'mlruns'}"
    result = tune(
        genreclf.sample_path(),
        label="genre",
        text="overview",
        model="ngram",
        tuner="random",
        max_trials=2,
        max_epochs=2,
        directory=tmp_path / "search",
        search_space=dict(TINY_NGRAM),
        verbose=0,
        mlflow_uri=uri,
        mlflow_experiment="search",
    )
    make_client(uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("search")
    runs = client.search_runs([experiment.experiment_id])
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1
    parent = parents[0]
    assert parent.info.status == "FINISHED" and parent.data.tags["genreclf.command"] == "tune"
    assert parent.data.params["model"] == "ngram" and parent.data.params["tuner"] == "random"
    best = result.leaderboard[0]
    assert parent.data.metrics["best_score"] == pytest.approx(best["score"])
    files = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"leaderboard.csv", "best.json", "tune.json"} <= files

    children = client.search_runs(
        [experiment.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'",
    )
    assert len(children) == 2
    by_trial = {r.data.tags["genreclf.trial_id"]: r for r in children}
    for row in result.leaderboard:
        child = by_trial[row["trial"]]
        assert child.info.status == "FINISHED"
        assert child.data.metrics["score"] == pytest.approx(row["score"])
        # The trial's hyperparameters, and its epochs logged from the trial's own process.
        for name, value in row["hyperparameters"].items():
            expected = value if isinstance(value, str) else json.dumps(value)
            assert child.data.params[name] == expected, name
        history = client.get_metric_history(child.info.run_id, "val_macro_f1")
        assert [m.step for m in history] == list(range(row["epochs"]))


def test_a_resumed_search_goes_on_in_its_run_and_ends_its_cut_short_trials_run(tmp_path):
    """A killed search leaves its run and its last trial's run RUNNING: `--resume` goes
    on in the search's run, rather than opening a second one beside it, and ends the
    cut-short trial's run as KILLED: the trial trains again in a new run that names it."""
    import types

    from mlflow.tracking import MlflowClient

    from genreclf.tracking.mlflow_tracker import make_client
    from genreclf.tuning.mlflow_search import start_trial_run

    uri = f"file:{tmp_path / 'mlruns'}"
    args = dict(
        label="genre",
        text="overview",
        model="ngram",
        tuner="random",
        max_epochs=2,
        directory=tmp_path / "search",
        search_space=dict(TINY_NGRAM),
        verbose=0,
        mlflow_uri=uri,
        mlflow_experiment="search",
    )
    tune(genreclf.sample_path(), max_trials=1, **args)
    make_client(uri)
    client = MlflowClient(tracking_uri=uri)
    experiment_id = client.get_experiment_by_name("search").experiment_id
    [parent_id] = [
        r.info.run_id
        for r in client.search_runs([experiment_id])
        if "mlflow.parentRunId" not in r.data.tags
    ]
    # As `kill -9` during trial 1 leaves them: the search's run and trial 1's unfinished.
    client.update_run(parent_id, status="RUNNING")
    mlflow = {"uri": uri, "experiment_id": experiment_id, "parent_run_id": parent_id}
    cut_short = types.SimpleNamespace(
        trial_id="1", hyperparameters=types.SimpleNamespace(values={"lr": 0.01})
    )
    trial_run = start_trial_run(mlflow, cut_short)

    result = tune(genreclf.sample_path(), max_trials=2, resume=True, **args)
    runs = client.search_runs([experiment_id])
    assert [r.info.run_id for r in runs if "mlflow.parentRunId" not in r.data.tags] == [parent_id]
    assert client.get_run(trial_run).info.status == "KILLED"
    children = {
        r.data.tags["genreclf.trial_id"]: r
        for r in runs
        if r.info.run_id not in (parent_id, trial_run)
    }
    assert sorted(children) == ["0", "1"]
    assert children["1"].data.tags["genreclf.retry_of"] == trial_run
    assert {r.info.status for r in runs if r.info.run_id != trial_run} == {"FINISHED"}
    steps = [m.step for m in client.get_metric_history(children["1"].info.run_id, "val_macro_f1")]
    assert steps == sorted(set(steps))  # each epoch once
    search_run = client.get_run(parent_id).data
    assert search_run.metrics["completed_trials"] == len(result.leaderboard) == 2
    assert search_run.params["max_trials"] == "1"  # written once: the resume's bound is a tag
    assert search_run.tags["genreclf.resumed.max_trials"] == "2"


def test_a_folder_holding_a_search_is_refused_before_the_mlflow_store_is_made(tmp_path):
    # The store (here a SQLite file) was made, then the folder refused.
    from genreclf.errors import ConfigError

    search = tmp_path / "search"
    (search / "trials").mkdir(parents=True)
    (search / "trials" / "tuner0.json").write_text("{}")
    (search / "tune.json").write_text(json.dumps({"model": "ngram"}))
    store = tmp_path / "mlflow.db"
    with pytest.raises(ConfigError, match="already holds a search"):
        tune(
            genreclf.sample_path(),
            label="genre",
            text="overview",
            model="ngram",
            directory=search,
            search_space=dict(TINY_NGRAM),
            verbose=0,
            mlflow_uri=f"sqlite:///{store}",
        )
    assert not store.exists()
