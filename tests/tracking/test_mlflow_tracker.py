"""`--mlflow` on `genreclf train` and `ensemble`, read back from a real local MLflow store."""

import json
import sys

import pytest

import genreclf
from genreclf.errors import ConfigError

pytest.importorskip("mlflow")

# Two folds of a tiny Keras-recipe ngram: each fold trains epoch by epoch.
TWO_FOLDS = dict(
    text="overview",
    label="genre",
    model="ngram",
    epochs=2,
    folds=2,
    model_config={"max_tokens": 500, "ngrams": 1, "solver": "adamw"},
    verbose=0,
)


def _client(uri):
    from mlflow.tracking import MlflowClient

    from genreclf.tracking.mlflow_tracker import make_client

    make_client(uri)  # allows the file: store under MLflow 3
    return MlflowClient(tracking_uri=uri)


def _only_run(client, experiment="genreclf"):
    experiment = client.get_experiment_by_name(experiment)
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    return runs[0]


def _artifacts(client, run_id, path=None):
    return sorted(a.path for a in client.list_artifacts(run_id, path))


@pytest.fixture(scope="module")
def keras_run(tmp_path_factory):
    """A tiny Keras-fitted ngram run trained by the CLI with --mlflow on a file: store."""
    from genreclf.cli import main

    root = tmp_path_factory.mktemp("mlflow_train")
    uri = f"file:{root / 'mlruns'}"
    out = root / "unigrams"
    argv = [
        "train",
        str(genreclf.sample_path()),
        "--text",
        "overview",
        "--label",
        "genre",
        "--model",
        "ngram",
        "--epochs",
        "2",
        "--set",
        "max_tokens=500",
        "--set",
        "ngrams=1",
        "--set",
        "solver=adamw",
        "--out",
        str(out),
        "--mlflow",
        uri,
        "--quiet",
    ]
    assert main(argv) == 0
    return uri, genreclf.load_run(out)


def test_train_logs_config_epochs_report_plots_and_model(keras_run):
    uri, run = keras_run
    client = _client(uri)
    logged = _only_run(client)
    assert logged.info.status == "FINISHED"
    assert logged.data.tags["mlflow.runName"] == "unigrams"
    params = logged.data.params
    assert params["model"] == "ngram" and params["label"] == "genre"
    assert params["model_config.max_tokens"] == "500" and params["epochs"] == "2"
    # Per epoch: one value per epoch of every Keras log, at steps 0 and 1.
    history = client.get_metric_history(logged.info.run_id, "val_macro_f1")
    assert [m.step for m in history] == [0, 1]
    assert all(0.0 <= m.value <= 1.0 for m in history)
    assert len(client.get_metric_history(logged.info.run_id, "loss")) == 2
    # The final report's numbers.
    assert logged.data.metrics["final.macro_f1"] == pytest.approx(run.metrics["macro_f1"])
    assert "final.per_class.drama.f1" in logged.data.metrics
    files = _artifacts(client, logged.info.run_id)
    for name in ("config.json", "metrics.json", "report.md", "confusion.png", "history.csv"):
        assert name in files, name
    assert _artifacts(client, logged.info.run_id, "model") == ["model/model.keras"]
    local = client.download_artifacts(logged.info.run_id, "report.md")
    assert open(local, encoding="utf-8").read() == (run.path / "report.md").read_text("utf-8")


@pytest.mark.large  # a SQLite store's first use runs MLflow's migrations (5-15 s)
def test_a_family_that_fits_itself_logs_its_out_of_fold_report_to_sqlite(tmp_path):
    pytest.importorskip("sqlalchemy")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    run = genreclf.train(
        genreclf.sample_path(),
        text="overview",
        label="genre",
        model="ngram",
        model_config={"max_tokens": 500, "ngrams": 1},
        out=tmp_path / "convex",
        verbose=0,
        mlflow_uri=uri,
        mlflow_experiment="convex",
    )
    client = _client(uri)
    logged = _only_run(client, "convex")
    assert logged.info.status == "FINISHED"
    assert "out-of-fold" in run.metrics["evaluated_on"]
    assert logged.data.metrics["final.macro_f1"] == pytest.approx(run.metrics["macro_f1"])
    assert "model/model.keras" in _artifacts(client, logged.info.run_id, "model")


def test_ensemble_is_logged_with_members_and_weights(keras_run, trained_run, tmp_path):
    uri = f"file:{tmp_path / 'mlruns'}"
    _, member = keras_run
    run = genreclf.ensemble(
        [trained_run.path, member.path], tmp_path / "ens", verbose=0, mlflow_uri=uri
    )
    client = _client(uri)
    logged = _only_run(client)
    assert logged.data.tags["genreclf.command"] == "ensemble"
    assert logged.data.params["model"] == "ensemble"
    weights = [float(w) for w in run.config["model_config"]["weights"]]
    assert logged.data.params["model_config.weights"] == str(weights)
    assert logged.data.metrics["final.macro_f1"] == pytest.approx(run.metrics["macro_f1"])
    files = _artifacts(client, logged.info.run_id)
    assert {"config.json", "report.md", "confusion.png", "model"} <= set(files)


def test_a_rerun_continues_an_unfinished_mlflow_run(tmp_path):
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    uri = f"file:{tmp_path / 'mlruns'}"
    first = MlflowTracker(uri, run_name="killed", resume_file=tmp_path / "mlflow.json").start()
    first.log_metrics({"val_macro_f1": 0.25}, step=0)  # then the process dies: no end()
    again = MlflowTracker(uri, run_name="killed", resume_file=tmp_path / "mlflow.json")
    with again:
        assert again.run_id == first.run_id
        again.log_metrics({"val_macro_f1": 0.5}, step=1)
    history = _client(uri).get_metric_history(first.run_id, "val_macro_f1")
    assert [(m.step, m.value) for m in history] == [(0, 0.25), (1, 0.5)]
    finished = MlflowTracker(uri, resume_file=tmp_path / "mlflow.json").start()
    assert finished.run_id != first.run_id  # a finished run is not reopened
    finished.end()


def test_missing_extra_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if MLflow were not installed
    with pytest.raises(ConfigError, match=r"pip install 'genreclf\[mlflow\]'"):
        genreclf.train(
            genreclf.sample_path(),
            label="genre",
            model="ngram",
            out=tmp_path / "run",
            mlflow_uri="file:./mlruns",
        )
    assert not (tmp_path / "run" / "model.keras").exists()


def test_a_bad_tracking_uri_is_a_clear_error(tmp_path):
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    with pytest.raises(ConfigError, match="Received: mlflow_uri='nope://x'"):
        MlflowTracker("nope://x")


@pytest.mark.parametrize("name", ["   ", "", "x" * 501])
def test_an_experiment_name_mlflow_refuses_is_a_clear_error(tmp_path, name):
    """MLflow refuses to create it (was: AttributeError on None; '' logged to 'genreclf')."""
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(ConfigError, match=rf"MLflow refuses the experiment name.*{name!r}"):
        MlflowTracker(uri, experiment=name).start()
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match="--mlflow-experiment"):
        genreclf.train(
            genreclf.sample_path(),
            label="genre",
            model="ngram",
            out=out,
            mlflow_uri=uri,
            mlflow_experiment=name,
            verbose=0,
        )
    assert not (out / "model.keras").exists()


def test_no_server_at_an_http_uri_is_said_at_once_not_after_minutes_of_retries(tmp_path):
    import socket

    from genreclf.tracking.mlflow_tracker import MlflowTracker

    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # genreclf's probe answers (MLflow's own client would retry for minutes first).
    with pytest.raises(
        ConfigError, match=rf"No MLflow server answers at 'http://127.0.0.1:{port}'"
    ):
        MlflowTracker(f"http://127.0.0.1:{port}")
    # Through train: refused before any run folder is made.
    import genreclf

    out = tmp_path / "run"
    with pytest.raises(ConfigError, match="No MLflow server answers"):
        genreclf.train(
            genreclf.sample_path(),
            label="genre",
            model="ngram",
            out=out,
            mlflow_uri=f"http://127.0.0.1:{port}",
            verbose=0,
        )
    assert not out.exists()


def test_every_png_of_the_run_folder_is_logged(keras_run, tmp_path):
    import shutil

    from genreclf.tracking.mlflow_tracker import MlflowTracker

    _, run = keras_run
    folder = tmp_path / "calibrated"
    shutil.copytree(run.path, folder)
    shutil.copy(run.path / "confusion.png", folder / "reliability.png")  # as calibration adds
    uri = f"file:{tmp_path / 'mlruns'}"
    with MlflowTracker(uri, run_name="calibrated") as tracker:
        tracker.log_run_folder(folder)
    files = _artifacts(_client(uri), tracker.run_id)
    assert {"confusion.png", "reliability.png"} <= set(files)


@pytest.mark.large  # two folds of Keras training
def test_cross_validation_logs_each_fold_epochs_under_its_own_prefix(tmp_path):
    uri = f"file:{tmp_path / 'mlruns'}"
    genreclf.train(genreclf.sample_path(), out=tmp_path / "cv", mlflow_uri=uri, **TWO_FOLDS)
    client = _client(uri)
    logged = _only_run(client)
    for fold in (0, 1):
        history = client.get_metric_history(logged.info.run_id, f"fold_{fold}/val_macro_f1")
        assert [m.step for m in history] == [0, 1]
    assert "final.cross_validation.summary.macro_f1.mean" in logged.data.metrics


def test_overwriting_a_finished_run_starts_a_new_mlflow_run(tmp_path):
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    uri, out = f"file:{tmp_path / 'mlruns'}", tmp_path / "run"
    tiny = dict(text="overview", label="genre", model="ngram", out=out, verbose=0)
    genreclf.train(genreclf.sample_path(), epochs=1, **tiny)
    # The folder finished, but the MLflow run it names did not (killed while uploading).
    dangling = MlflowTracker(uri, run_name="run", resume_file=out / "mlflow.json").start()
    with pytest.raises(ConfigError, match="Received: mlflow_uri='nope://x'"):
        genreclf.train(
            genreclf.sample_path(), overwrite=True, mlflow_uri="nope://x", epochs=2, **tiny
        )
    assert genreclf.Run(out).config["epochs"] == 1  # a bad URI leaves the old run loadable
    run = genreclf.train(genreclf.sample_path(), overwrite=True, mlflow_uri=uri, epochs=2, **tiny)
    logged = _client(uri).get_run(json.loads((out / "mlflow.json").read_text())["run_id"])
    assert logged.info.run_id != dangling.run_id and logged.info.status == "FINISHED"
    assert logged.data.params["epochs"] == "2" and run.config["epochs"] == 2


def test_epochs_in_history_csv_that_mlflow_lacks_are_logged_at_their_step(tmp_path):
    from genreclf.tracking.mlflow_tracker import MlflowTracker

    uri = f"file:{tmp_path / 'mlruns'}"
    history = tmp_path / "history.csv"
    # Epoch 1 reached history.csv but not MLflow; epoch 4's row was cut short by a kill.
    history.write_text(
        "epoch,loss,val_macro_f1\n0,0.9,0.1\n1,0.8,0.2\n2,0.7,NA\n3,0.6,0.4\n4,0.5,0."
    )
    with MlflowTracker(uri, run_name="resumed") as tracker:
        for epoch, loss, f1 in [(0, 0.9, 0.1), (2, 0.7, None), (3, 0.6, 0.4)]:
            tracker.log_metrics({"loss": loss, "val_macro_f1": f1}, step=epoch)
        assert tracker.log_missing_epochs(history) == [1]
        assert tracker.log_missing_epochs(history) == []  # nothing twice
        assert tracker.log_missing_epochs(history, prefix="fold_0/") == [0, 1, 2, 3]
    client = _client(uri)

    def steps(key):
        return [(m.step, m.value) for m in client.get_metric_history(tracker.run_id, key)]

    assert sorted(steps("val_macro_f1")) == [(0, 0.1), (1, 0.2), (3, 0.4)]
    assert sorted(steps("loss")) == [(0, 0.9), (1, 0.8), (2, 0.7), (3, 0.6)]
    assert sorted(steps("fold_0/loss")) == sorted(steps("loss"))


def test_a_run_stopped_after_history_csv_took_its_epoch_fills_mlflow_on_resume(tmp_path):
    """The state a kill at an epoch's end leaves (qa35a repro_I): the epoch is in
    history.csv and in the backup, so the rerun does not train it again, but the
    MLflow callback (the last) never logged it. Stopped here by a KeyboardInterrupt
    (Ctrl-C) from a user callback's epoch-end work, which runs after genreclf's
    CSV log and backup and before the MLflow callback: deterministic, no timing."""
    import csv

    import keras

    class CtrlC(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    uri, out = f"file:{tmp_path / 'mlruns'}", tmp_path / "run"
    tiny = dict(
        text="overview",
        label="genre",
        model="ngram",
        epochs=3,
        patience=10,
        model_config={"max_tokens": 500, "ngrams": 1, "solver": "adamw"},
        out=out,
        verbose=0,
        mlflow_uri=uri,
    )
    with pytest.raises(KeyboardInterrupt):
        genreclf.train(genreclf.sample_path(), callbacks=[CtrlC()], **tiny)
    client = _client(uri)
    killed = _only_run(client)
    run_id = killed.info.run_id

    def logged(key):
        return {m.step: m.value for m in client.get_metric_history(run_id, key)}

    def csv_log():
        with open(out / "history.csv", newline="") as f:
            return {int(row["epoch"]): float(row["val_macro_f1"]) for row in csv.DictReader(f)}

    assert killed.info.status == "KILLED" and (out / "backup").is_dir()
    assert sorted(csv_log()) == [0, 1] and sorted(logged("val_macro_f1")) == [0]

    genreclf.train(genreclf.sample_path(), **tiny)
    assert _only_run(client).info.status == "FINISHED"  # the same MLflow run, continued
    assert sorted(csv_log()) == [0, 1, 2]  # epoch 1 was not trained again
    for key in ("val_macro_f1", "loss", "val_loss"):
        assert sorted(logged(key)) == [0, 1, 2], key
    assert logged("val_macro_f1") == pytest.approx(csv_log())


@pytest.mark.large  # two folds of Keras training, then one resumed
def test_a_resumed_cross_validation_logs_each_fold_under_its_own_prefix(tmp_path):
    """The rerun keeps fold 0 untrained: its next training is fold 1, not a second fold 0."""
    import keras

    class CtrlCInSecondFold(keras.callbacks.Callback):
        trainings = 0

        def on_train_begin(self, logs=None):
            self.trainings += 1

        def on_epoch_end(self, epoch, logs=None):
            if self.trainings == 2:
                raise KeyboardInterrupt  # fold 1's epoch 0 is in its history.csv, not MLflow

    uri = f"file:{tmp_path / 'mlruns'}"
    tiny = dict(out=tmp_path / "cv", mlflow_uri=uri, **TWO_FOLDS)
    with pytest.raises(KeyboardInterrupt):
        genreclf.train(genreclf.sample_path(), callbacks=[CtrlCInSecondFold()], **tiny)
    genreclf.train(genreclf.sample_path(), **tiny)
    client = _client(uri)
    logged = _only_run(client)
    assert logged.info.status == "FINISHED"
    for fold in (0, 1):
        history = client.get_metric_history(logged.info.run_id, f"fold_{fold}/val_macro_f1")
        assert sorted(m.step for m in history) == [0, 1], fold
