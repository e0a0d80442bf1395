import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import genreclf
from genreclf.errors import DataError
from genreclf.errors import RunFolderError
from genreclf.training import TrainConfig

RUN_FILES = (
    "config.json",
    "labels.json",
    "thresholds.json",
    "model.keras",
    "history.csv",
    "metrics.json",
    "report.md",
    "fingerprint.json",
)


def test_single_label_run_folder_is_complete(trained_run):
    for name in RUN_FILES + ("confusion.png",):
        assert (trained_run.path / name).exists(), name
    assert not (trained_run.path / "backup").exists()
    assert (trained_run.path / "logs").is_dir()
    metrics = trained_run.metrics
    assert 0.0 <= metrics["macro_f1"] <= 1.0 and metrics["num_examples"] == 31
    assert len(trained_run.labels) == 10 and not trained_run.multi_label


def test_config_json_alone_retrains(trained_run, tmp_path):
    config = TrainConfig.from_json(trained_run.path / "config.json")
    assert config.model == "ngram" and config.data.endswith("movies.csv")
    rerun = genreclf.train(
        config=trained_run.path / "config.json", out=tmp_path / "again", verbose=0
    )
    assert rerun.fingerprint["train_sha256"] == trained_run.fingerprint["train_sha256"]
    assert rerun.fingerprint["val_sha256"] == trained_run.fingerprint["val_sha256"]


def test_multi_label_run_has_tuned_thresholds(trained_multilabel_run):
    run = trained_multilabel_run
    assert run.multi_label and len(run.thresholds) == len(run.labels) == 10
    assert not (run.path / "confusion.png").exists()
    prediction = run.predict(["A ghost haunts a lonely lighthouse keeper."], top_k=2)[0]
    assert len(prediction["top_labels"]) == 2 and set(prediction["scores"]) == set(run.labels)


def test_cross_validation_reports_mean_and_std(tmp_path, sample_csv):
    run = genreclf.train(
        sample_csv,
        text="overview",
        label="genre",
        model="ngram",
        epochs=1,
        folds=2,
        model_config={"max_tokens": 500},
        out=tmp_path / "cv",
        verbose=0,
    )
    cv = run.metrics["cross_validation"]
    assert cv["k"] == 2 and len(cv["folds"]) == 2
    assert set(cv["summary"]["macro_f1"]) == {"mean", "std"}
    assert (run.path / "model.keras").exists() and (
        run.path / "folds" / "fold_1" / "model.keras"
    ).exists()


def test_bad_rows_name_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("overview,genre\nA heist in space.,action\n   ,drama\n")
    with pytest.raises(DataError, match=r"bad.csv:3: field 'overview'"):
        genreclf.train(bad, model="ngram", epochs=1, out=tmp_path / "run", verbose=0)


KILL_AT_EPOCH = textwrap.dedent(
    """
    import os, signal, sys, keras, numpy as np, genreclf

    def weights_and_averages(model):
        averages = [v for v in model.optimizer.variables if v.name.endswith("_average")]
        return np.concatenate([np.ravel(v.numpy()) for v in model.trainable_variables]), (
            np.concatenate([np.ravel(v.numpy()) for v in averages]) if averages else np.zeros(0)
        )

    class KillAfter(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):  # after the backup's restore
            np.savez(sys.argv[1] + ".begin.npz", *weights_and_averages(self.model))

        def on_epoch_end(self, epoch, logs=None):
            if epoch == int(sys.argv[2]):
                np.savez(sys.argv[1] + ".killed.npz", *weights_and_averages(self.model))
                os.kill(os.getpid(), signal.SIGKILL)

    genreclf.train(genreclf.sample_path(), text="overview", label="genre", model="ngram",
                   epochs=4, patience=10, model_config={"max_tokens": 500, "solver": "adamw"},
                   ema=float(sys.argv[3]), out=sys.argv[1],
                   verbose=0, callbacks=[KillAfter()])
    """
)


KILL_WHILE_WRITING = textwrap.dedent(
    """
    import os, signal, sys, keras, genreclf

    if sys.argv[2] == "kill":  # SIGKILL right after model.keras is written
        save = keras.Model.save

        def save_then_die(self, *args, **kwargs):
            save(self, *args, **kwargs)
            os.kill(os.getpid(), signal.SIGKILL)

        keras.Model.save = save_then_die
    genreclf.train(genreclf.sample_path(), text="overview", label="genre", model="ngram",
                   epochs=3, patience=10, model_config={"max_tokens": 500, "solver": "adamw"},
                   out=sys.argv[1], verbose=0)
    """
)


def test_a_run_killed_while_writing_its_folder_is_refused_then_completed_without_retraining(
    tmp_path,
):
    out = tmp_path / "run"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    killed = subprocess.run([sys.executable, "-c", KILL_WHILE_WRITING, str(out), "kill"], env=env)
    assert killed.returncode == -9
    assert (out / "model.keras").exists() and not (out / "thresholds.json").exists()
    # Half written: refused, where it used to predict at thresholds of 0.5 (macro-F1 0).
    with pytest.raises(RunFolderError, match="has no thresholds.json: training did not finish"):
        genreclf.load_run(out)
    logged = (out / "history.csv").stat().st_mtime_ns
    resumed = subprocess.run([sys.executable, "-c", KILL_WHILE_WRITING, str(out), "-"], env=env)
    assert resumed.returncode == 0
    # Trained once: the rerun only wrote the folder (retraining rewrites the log).
    assert (out / "history.csv").stat().st_mtime_ns == logged
    assert not (out / "fitted.weights.h5").exists()
    assert genreclf.load_run(out).metrics["num_examples"] == 31


@pytest.mark.parametrize(
    "ema",
    ["0", pytest.param("0.9", marks=pytest.mark.large)],  # each a kill and a resume: ~25 s
)
def test_a_killed_run_resumes_where_it_stopped(tmp_path, ema):
    out = tmp_path / "run"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    killed = subprocess.run([sys.executable, "-c", KILL_AT_EPOCH, str(out), "1", ema], env=env)
    assert killed.returncode == -9
    assert (out / "backup").exists() and not (out / "model.keras").exists()
    resumed = subprocess.run([sys.executable, "-c", KILL_AT_EPOCH, str(out), "-1", ema], env=env)
    assert resumed.returncode == 0
    epochs = [
        int(line.split(",")[0]) for line in (out / "history.csv").read_text().splitlines()[1:]
    ]
    assert epochs == [0, 1, 2, 3]  # epochs 0-1 before the kill, 2-3 after: none repeated
    if ema != "0":
        # At the kill, the callbacks held the average in the model and the raw
        # weights in the optimizer's slot; the resumed run starts from the raw
        # weights with the average restored, as if it had not been killed.
        killed, begin = np.load(f"{out}.killed.npz"), np.load(f"{out}.begin.npz")
        killed_model, killed_slot = killed["arr_0"], killed["arr_1"]
        begin_model, begin_slot = begin["arr_0"], begin["arr_1"]
        assert not np.allclose(killed_model, killed_slot)
        np.testing.assert_allclose(begin_model, killed_slot, rtol=1e-6)
        np.testing.assert_allclose(begin_slot, killed_model, rtol=1e-6)
    assert genreclf.load_run(out).metrics["num_examples"] == 31


@pytest.mark.parametrize(
    "data, received",
    [
        (["A heist.", "A ghost."] * 5000, "a list of 10,000 items"),
        ({"text": ["A heist."] * 5000, "label": ["crime"] * 5000}, "a dict of 2 keys"),
    ],
)
def test_rows_in_memory_that_are_no_dataset_are_refused_up_front(tmp_path, data, received):
    # make_config took str(data) as a file name: "[<every text>]: File not found."
    from genreclf.errors import ConfigError
    from genreclf.training.trainer import make_config

    with pytest.raises(ConfigError) as caught:
        genreclf.train(data, model="ngram", out=tmp_path / "run", verbose=0)
    message = str(caught.value)
    assert message.startswith("data must be a file path, a pandas DataFrame or a TextDataset.")
    assert f"Received: {received}." in message and "genreclf.TextDataset(texts, labels)" in message
    assert len(message) < 300 and not (tmp_path / "run").exists()
    with pytest.raises(ConfigError, match=r"Received: a list of 10,000 items"):
        make_config(["A heist."] * 10_000, model="ngram")


def test_texts_and_labels_keywords_point_to_a_text_dataset(tmp_path):
    from genreclf.errors import ConfigError

    texts = [f"A synopsis of film number {i}." for i in range(10_000)]
    with pytest.raises(ConfigError) as caught:
        genreclf.train(texts=texts, labels=["drama"] * 10_000, model="ngram", out=tmp_path / "r")
    assert texts[9] not in str(caught.value) and len(str(caught.value)) < 1200
    assert "genreclf.train(genreclf.TextDataset(texts, labels), ...)" in str(caught.value)


def test_a_config_for_another_label_column_detects_its_own_label_mode():
    from genreclf.training.trainer import make_config

    old = {"label": "genres", "multi_label": True, "sep": "|", "model": "ngram"}
    cfg = make_config("movies.csv", config=old, label="genre")
    assert (cfg.label, cfg.multi_label, cfg.sep) == ("genre", None, None)
    kept = make_config("movies.csv", config=old, label="genre", sep=";", multi_label=True)
    assert (kept.multi_label, kept.sep) == (True, ";")  # given again: kept
    same = make_config("movies.csv", config=old, label="genres")
    assert (same.multi_label, same.sep) == (True, "|")


def test_data_under_a_tilde_is_read_and_fingerprinted_from_the_home_folder(tmp_path, monkeypatch):
    import hashlib
    import shutil

    monkeypatch.setenv("HOME", str(tmp_path))
    shutil.copy(genreclf.sample_path(), tmp_path / "movies.csv")
    run = genreclf.train(
        "~/movies.csv", text="overview", label="genre", model="ngram", out="~/runs/a", verbose=0
    )
    assert run.path == tmp_path / "runs" / "a"
    digest = hashlib.sha256((tmp_path / "movies.csv").read_bytes()).hexdigest()
    assert run.fingerprint["data"] == str(tmp_path / "movies.csv")
    assert run.fingerprint["data_sha256"] == digest
