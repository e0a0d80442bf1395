"""A finished run folder is refused unless overwritten; its folds are kept only for the same run."""

import json

import keras
import pytest

import genreclf
from genreclf.cli import main
from genreclf.errors import ConfigError
from genreclf.errors import RunFolderError

TINY = dict(
    text="overview",
    label="genre",
    model="ngram",
    epochs=1,
    model_config={"max_tokens": 500, "solver": "adamw"},
    verbose=0,
)


def _mtimes(folder, pattern="**/*"):
    return {p: p.stat().st_mtime_ns for p in folder.glob(pattern) if p.is_file()}


def test_a_finished_run_is_refused_and_left_as_it_was(tmp_path):
    out = tmp_path / "run"
    genreclf.train(genreclf.sample_path(), out=out, **TINY)
    before = _mtimes(out)
    refused = r"already holds a finished run \(ngram, macro-F1 0\.\d{4}\).*overwrite=True"
    with pytest.raises(ConfigError, match=refused):
        genreclf.train(genreclf.sample_path(), out=out, **{**TINY, "epochs": 2})
    assert _mtimes(out) == before
    assert genreclf.Run(out).config["epochs"] == 1


def test_overwrite_trains_over_it_with_the_new_settings(tmp_path):
    out = tmp_path / "run"
    genreclf.train(genreclf.sample_path(), out=out, **TINY)
    model = _mtimes(out, "model.keras")
    run = genreclf.train(genreclf.sample_path(), out=out, overwrite=True, **{**TINY, "epochs": 2})
    assert run.config["epochs"] == 2
    assert len((out / "history.csv").read_text().splitlines()) == 1 + 2  # header, 2 epochs
    assert _mtimes(out, "model.keras") != model


def test_the_command_line_says_how_to_train_over_it(tmp_path, capsys):
    args = [
        "train",
        str(genreclf.sample_path()),
        *("--text", "overview", "--label", "genre", "--model", "ngram", "--epochs", "1"),
        *("--out", str(tmp_path / "run"), "--quiet"),
    ]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 1
    assert "already holds a finished run" in capsys.readouterr().err
    # Refused before the data is read: a missing file is not even opened.
    assert main(["train", str(tmp_path / "missing.csv"), *args[2:]]) == 1
    assert "already holds a finished run" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0


def test_folds_are_kept_for_the_same_settings_and_retrained_for_others(tmp_path):
    out = tmp_path / "cv"
    genreclf.train(genreclf.sample_path(), out=out, folds=2, **TINY)
    folds = _mtimes(out, "folds/*/model.keras")
    assert len(folds) == 2
    genreclf.train(genreclf.sample_path(), out=out, folds=2, overwrite=True, **TINY)
    assert _mtimes(out, "folds/*/model.keras") == folds  # same settings and rows: kept
    run = genreclf.train(
        genreclf.sample_path(), out=out, folds=2, overwrite=True, **{**TINY, "epochs": 2}
    )
    retrained = _mtimes(out, "folds/*/model.keras")
    assert all(retrained[path] != folds[path] for path in folds)
    assert all(genreclf.Run(path.parent).config["epochs"] == 2 for path in folds)
    assert run.config["epochs"] == 2


def test_folds_an_older_recipe_trained_are_retrained_not_kept(tmp_path):
    from genreclf.training.finished_runs import recipe_version

    out = tmp_path / "cv"
    genreclf.train(genreclf.sample_path(), out=out, folds=2, **TINY)
    fingerprints = sorted(out.glob("folds/*/fingerprint.json"))
    assert [json.loads(p.read_text())["recipe_version"] for p in fingerprints] == [2, 2]
    folds = _mtimes(out, "folds/*/model.keras")
    # fold 0 as the genreclf before words kept their marks trained it (ngram at 1)
    older = json.loads(fingerprints[0].read_text())
    fingerprints[0].write_text(json.dumps({**older, "recipe_version": 1}))
    genreclf.train(genreclf.sample_path(), out=out, folds=2, overwrite=True, **TINY)
    again = _mtimes(out, "folds/*/model.keras")
    changed = [path.parent.name for path in folds if again[path] != folds[path]]
    assert changed == ["fold_0"]  # retrained; fold_1, same recipe, kept
    assert json.loads(fingerprints[0].read_text())["recipe_version"] == recipe_version("ngram")
    # words keep their combining marks: every word-level family's older folds retrain
    assert recipe_version("stack") == 3 and recipe_version("transformer") == 3
    assert recipe_version("bilstm") == 3 and recipe_version("pretrained") == 1


def test_hybrid_folds_retrain_when_their_encoder_family_changes_and_only_then(tmp_path):
    from genreclf.training.finished_runs import recipe_version
    from genreclf.training.finished_runs import same_recipe

    out = tmp_path / "cv"
    hybrid = {**TINY, "model": "hybrid", "features": ["year"]}
    hybrid["model_config"] = {"encoder": "ngram", "encoder_config": {"max_tokens": 500}}
    genreclf.train(genreclf.sample_path(), out=out, folds=2, **hybrid)
    fingerprints = sorted(out.glob("folds/*/fingerprint.json"))
    recorded = [json.loads(p.read_text())["recipe_version"] for p in fingerprints]
    assert recorded == [{"hybrid": 1, "ngram": 2}] * 2  # its own version and its encoder's
    folds = _mtimes(out, "folds/*/model.keras")
    # fold 0 as the genreclf before parts were recorded wrote it: one number, 3,
    # for an ngram encoder at version 1, before words kept their marks
    older = json.loads(fingerprints[0].read_text())
    fingerprints[0].write_text(json.dumps({**older, "recipe_version": 3}))
    genreclf.train(genreclf.sample_path(), out=out, folds=2, overwrite=True, **hybrid)
    again = _mtimes(out, "folds/*/model.keras")
    assert [path.parent.name for path in folds if again[path] != folds[path]] == ["fold_0"]
    # What one number meant: 2 raised for the bilstm encoder, 3 for the transformer;
    # the pretrained encoder is unchanged since, the others have changed again.
    assert same_recipe(3, "hybrid", {"encoder": "pretrained"})
    assert not same_recipe(2, "hybrid", {"encoder": "ngram"})
    assert not same_recipe(3, "hybrid", {"encoder": "transformer"})
    assert not same_recipe(4, "hybrid", {"encoder": "pretrained"})  # no genreclf wrote 4
    assert recipe_version("hybrid") == {"hybrid": 1, "bilstm": recipe_version("bilstm")}


def test_folds_scoring_the_classes_in_another_order_are_retrained_not_kept(tmp_path):
    out = tmp_path / "cv"
    genreclf.train(genreclf.sample_path(), out=out, folds=2, **TINY)
    folds = _mtimes(out, "folds/*/model.keras")
    # fold 1 as an older genreclf, which ordered ratings as text, left its classes
    labels_file = out / "folds" / "fold_1" / "labels.json"
    started = json.loads(labels_file.read_text())
    labels_file.write_text(json.dumps({**started, "labels": started["labels"][::-1]}))
    genreclf.train(genreclf.sample_path(), out=out, folds=2, overwrite=True, **TINY)
    again = _mtimes(out, "folds/*/model.keras")
    assert [path.parent.name for path in folds if again[path] != folds[path]] == ["fold_1"]
    assert json.loads(labels_file.read_text())["labels"] == started["labels"]


def test_folds_trained_from_a_relative_path_are_kept(tmp_path, monkeypatch):
    # config.json holds the data file's absolute path; the rerun names it as the user did.
    import shutil

    shutil.copy(genreclf.sample_path(), tmp_path / "movies.csv")
    monkeypatch.chdir(tmp_path)
    genreclf.train("movies.csv", out="cv", folds=2, **TINY)
    folds = _mtimes(tmp_path / "cv", "folds/*/model.keras")
    genreclf.train("movies.csv", out="cv", folds=2, overwrite=True, **TINY)
    assert _mtimes(tmp_path / "cv", "folds/*/model.keras") == folds


class _Killed(Exception):
    pass


def test_killed_while_training_over_it_leaves_an_unfinished_folder_that_resumes(tmp_path):
    out = tmp_path / "cv"
    genreclf.train(genreclf.sample_path(), out=out, folds=2, **TINY)

    def kill(epoch, logs):
        raise _Killed

    with pytest.raises(_Killed):  # in the first fold: the old summary is still on disk
        genreclf.train(
            genreclf.sample_path(),
            out=out,
            folds=2,
            overwrite=True,
            callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=kill)],
            **{**TINY, "epochs": 2},
        )
    with pytest.raises(RunFolderError, match="did not finish"):
        genreclf.Run(out)  # not the old run's summary beside half-retrained folds
    run = genreclf.train(genreclf.sample_path(), out=out, folds=2, **{**TINY, "epochs": 2})
    assert run.config["epochs"] == 2
    assert all(genreclf.Run(out / "folds" / f"fold_{i}").config["epochs"] == 2 for i in (0, 1))


def test_folds_trained_on_oversampled_rows_are_kept_too(tmp_path):
    out = tmp_path / "cv"
    genreclf.train(genreclf.sample_path(), out=out, folds=2, oversample=True, **TINY)
    folds = _mtimes(out, "folds/*/model.keras")
    genreclf.train(
        genreclf.sample_path(), out=out, folds=2, oversample=True, overwrite=True, **TINY
    )
    assert _mtimes(out, "folds/*/model.keras") == folds


def test_an_ensemble_over_a_finished_run_is_refused_unless_overwritten(trained_run, tmp_path):
    second = genreclf.train(genreclf.sample_path(), out=tmp_path / "second", **TINY)
    out = tmp_path / "ens"
    genreclf.ensemble([trained_run, second], out, verbose=0)
    model = _mtimes(out, "model.keras")
    with pytest.raises(ConfigError, match=r"already holds a finished run \(ensemble"):
        genreclf.ensemble([trained_run, second], out, verbose=0)
    assert _mtimes(out, "model.keras") == model
    genreclf.ensemble([trained_run, second], out, verbose=0, overwrite=True)
    assert _mtimes(out, "model.keras") != model


class _KillAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise KeyboardInterrupt  # as if the process were killed after epoch 1


BILSTM = dict(
    text="overview",
    label="genre",
    model="bilstm",
    epochs=3,
    model_config={"embedding_dim": 4, "lstm_units": 2, "max_length": 8, "max_tokens": 200},
    verbose=0,
)


def _killed_after_one_epoch(out, data=None):
    with pytest.raises(KeyboardInterrupt):
        genreclf.train(
            data or genreclf.sample_path(), out=out, callbacks=[_KillAfterFirstEpoch()], **BILSTM
        )
    assert (out / "backup").is_dir()


def test_an_unfinished_run_resumes_only_with_its_own_settings(tmp_path, capfd):
    out = tmp_path / "run"
    _killed_after_one_epoch(out)
    config = (out / "config.json").read_text()
    # Another learning rate would train the last epochs at it under a config.json
    # claiming all were; another model size cannot load the backup at all.
    for change, named in (({"lr": 0.5}, "lr: 'auto' → 0.5"), ({"epochs": 4}, "epochs: 3 → 4")):
        with pytest.raises(ConfigError, match="holds an unfinished run with other settings") as e:
            genreclf.train(genreclf.sample_path(), out=out, **{**BILSTM, **change})
        assert named in str(e.value) and "--overwrite (overwrite=True)" in str(e.value)
        assert "Rerun with its settings to resume it" in str(e.value)
    bigger = {**BILSTM["model_config"], "lstm_units": 3}
    with pytest.raises(ConfigError, match=r"model_config: .*'lstm_units': 2.* → .*'lstm_units': 3"):
        genreclf.train(genreclf.sample_path(), out=out, **{**BILSTM, "model_config": bigger})
    assert (out / "config.json").read_text() == config and (out / "backup").is_dir()
    fingerprint = (out / "fingerprint.json").read_text()
    started = json.loads(fingerprint)
    (out / "fingerprint.json").write_text(json.dumps({**started, "recipe_version": 0}))
    with pytest.raises(ConfigError, match=r"the bilstm recipe \(version 0 → 3: another genreclf"):
        genreclf.train(genreclf.sample_path(), out=out, **BILSTM)  # an older genreclf's run
    (out / "fingerprint.json").write_text(fingerprint)
    # Its weights score the classes in the order it started with (an older
    # genreclf ordered ratings as text): another order cannot resume them.
    labels = (out / "labels.json").read_text()
    started_labels = json.loads(labels)
    reordered = {**started_labels, "labels": started_labels["labels"][::-1]}
    (out / "labels.json").write_text(json.dumps(reordered))
    with pytest.raises(ConfigError, match=r"the classes or their order \(\['western'") as e:
        genreclf.train(genreclf.sample_path(), out=out, **BILSTM)
    # no rerun scores them in that order: only --overwrite (or another --out) is offered
    assert "Rerun with its settings" not in str(e.value)
    assert "Pass --overwrite (overwrite=True) to start afresh" in str(e.value)
    (out / "labels.json").write_text(labels)
    capfd.readouterr()
    run = genreclf.train(genreclf.sample_path(), out=out, **BILSTM)  # its own settings
    assert "resuming from epoch 2" in capfd.readouterr().err and run.config["epochs"] == 3


def test_other_rows_are_named_and_overwrite_starts_afresh(tmp_path, capfd, caplog):
    out = tmp_path / "run"
    _killed_after_one_epoch(out)
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    fewer = data.subset(range(200))
    with pytest.raises(ConfigError, match=r"the training rows \(\d+ → \d+ rows\)"):
        genreclf.train(fewer, out=out, **BILSTM)
    capfd.readouterr()
    run = genreclf.train(fewer, out=out, overwrite=True, **{**BILSTM, "lr": 0.01})
    assert "unfinished run: starting afresh, overwrite=True" in caplog.text
    assert "resuming" not in capfd.readouterr().err and run.config["lr"] == 0.01


def test_the_same_rows_from_a_moved_file_resume(tmp_path, capfd):
    import shutil

    moved = tmp_path / "elsewhere" / "movies.csv"
    moved.parent.mkdir()
    shutil.copy(genreclf.sample_path(), moved)
    out = tmp_path / "run"
    _killed_after_one_epoch(out)
    capfd.readouterr()
    genreclf.train(moved, out=out, **BILSTM)  # a preempted job restarted on another disk
    assert "resuming from epoch 2" in capfd.readouterr().err


def test_keras_training_arguments_a_convex_fit_ignores_are_named(tmp_path, caplog):
    convex = {**TINY, "model_config": {"max_tokens": 500}}  # ngram's default: a convex fit
    del convex["epochs"]
    with caplog.at_level("WARNING", logger="genreclf.training"):
        genreclf.train(genreclf.sample_path(), out=tmp_path / "plain", **convex)
        assert "have no effect" not in caplog.text
        genreclf.train(genreclf.sample_path(), out=tmp_path / "lr", **{**convex, "lr": 0.1})
    assert "these Keras training arguments have no effect: lr=0.1." in caplog.text
