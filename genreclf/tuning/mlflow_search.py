"""A search in MLflow: one parent run for the search, one child run per trial.

`tune(..., mlflow_uri=...)` (`genreclf tune --mlflow URI`) opens the
search's run (parameters: the search's `tune.json` spec; at the end the best
score and the leaderboard, `best.json` and `tune.json` as artefacts). The
tuner creates each trial's run as a child of it (MLflow's
`mlflow.parentRunId` tag) with the trial's hyperparameters, hands the child
run's id down to the trial's own process — where `MlflowMetrics` logs each
epoch — and ends it with the trial's score and status.

A killed search resumed (`--resume`) goes on in the same search run,
remembered in the folder (`mlflow.json`). A trial the kill cut short trains
again from its first epoch, so it gets a new child run (tagged
`genreclf.retry_of`), and the run it left RUNNING is ended as KILLED.

Example:

>>> trial_status("COMPLETED"), trial_status("FAILED")
('FINISHED', 'FAILED')
"""

import pathlib

from genreclf.tuning import results


def trial_status(kerastuner_status):
    """The MLflow run status of a KerasTuner trial status."""
    return "FINISHED" if kerastuner_status == "COMPLETED" else "FAILED"


def search_tracker(uri, experiment, directory):
    """The search's `MlflowTracker`, not started yet (a bad URI or missing extra fails here)."""
    from genreclf.tracking.mlflow_tracker import TRACKING_FILE
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    directory = pathlib.Path(directory)
    return MlflowTracker(
        uri,
        experiment=experiment,
        run_name=f"tune {directory.name}",
        tags={"genreclf.command": "tune", "genreclf.tuning_dir": str(directory.resolve())},
        resume_file=directory / TRACKING_FILE,  # a resumed search goes on in its run
    )


def start_search(tracker, tuner, spec):
    """Logs `spec` into the started search run, and tells `tuner` to log trials under it.

    A resumed search's run holds its first `spec` already. MLflow parameters
    are written once, so a bound the resume changed (`--max-trials`,
    `--max-time`) is recorded as the tag `genreclf.resumed.<name>`.
    """
    from genreclf.tracking.mlflow_tracker import flatten_params

    params = flatten_params({k: v for k, v in spec.items() if k != "started"})
    logged = tracker.client.get_run(tracker.run_id).data.params
    tracker.log_params({k: v for k, v in params.items() if k not in logged})
    for key, value in params.items():
        if key in logged and logged[key] != value:
            tracker.client.set_tag(tracker.run_id, f"genreclf.resumed.{key}", value)
    tuner.mlflow = {
        "uri": tracker.uri,
        "experiment_id": tracker.experiment_id,
        "parent_run_id": tracker.run_id,
    }


def log_search(tracker, result):
    """Logs a finished search: the best score and its files."""
    done = [r for r in result.leaderboard if r.get("rank")]
    metrics = {"completed_trials": len(done), "trials": len(result.leaderboard)}
    if done and done[0].get("score") is not None:
        metrics["best_score"] = done[0]["score"]
    tracker.log_metrics(metrics)
    for name in (
        results.TUNE_SPEC,
        results.LEADERBOARD_CSV,
        results.LEADERBOARD_JSON,
        results.BEST_CONFIG,
        results.KFOLD,
    ):
        if (result.directory / name).exists():
            tracker.log_artifact(result.directory / name)


def start_trial_run(mlflow, trial):
    """Creates a trial's child run with its hyperparameters; returns the run id.

    A trial that already has an unfinished run under the search's (a killed
    search's trial, run again on `--resume`) trains again from its first
    epoch: that run is ended as KILLED, and the new one names it
    (`genreclf.retry_of`), so neither run's epochs are logged twice.
    """
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    tracker = MlflowTracker(mlflow["uri"], run_name=f"trial {trial.trial_id}")
    tracker.experiment_id = mlflow["experiment_id"]
    unfinished = tracker.client.search_runs(
        [mlflow["experiment_id"]],
        filter_string=(
            f"tags.`mlflow.parentRunId` = '{mlflow['parent_run_id']}' and "
            f"tags.`genreclf.trial_id` = '{trial.trial_id}' and attributes.status = 'RUNNING'"
        ),
    )
    for cut_short in unfinished:
        tracker.client.set_terminated(cut_short.info.run_id, status="KILLED")
    retry = {"genreclf.retry_of": unfinished[0].info.run_id} if unfinished else {}
    run = tracker.client.create_run(
        mlflow["experiment_id"],
        tags={
            "mlflow.parentRunId": mlflow["parent_run_id"],
            "mlflow.runName": f"trial {trial.trial_id}",
            "genreclf.trial_id": str(trial.trial_id),
            **retry,
        },
    )
    tracker.run_id = run.info.run_id
    tracker.log_params(dict(trial.hyperparameters.values))
    return tracker.run_id


def end_trial_run(mlflow, run_id, trial):
    """Logs a finished trial's score and best metric values, and ends its run."""
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    tracker = MlflowTracker(mlflow["uri"])
    tracker.run_id = run_id
    final = {}
    if trial.score is not None:
        final["score"] = trial.score
    for name in trial.metrics.metrics:
        best = trial.metrics.get_best_value(name)
        if best is not None:
            final[f"best.{name}"] = best
    tracker.log_metrics(final)
    tracker.end(trial_status(trial.status))
