import numpy as np
import pandas as pd
import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.errors import RunFolderError


def test_missing_folder_and_unfinished_run_are_explained(tmp_path):
    with pytest.raises(RunFolderError, match="No run folder"):
        genreclf.load_run(tmp_path / "nope")
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(RunFolderError, match="has no labels.json"):
        genreclf.load_run(tmp_path / "half")
    (tmp_path / "data").mkdir()  # e.g. a data folder passed where a run belongs
    (tmp_path / "data" / "movies.csv").write_text("overview,genre\n")
    with pytest.raises(RunFolderError, match="is not a run folder: it holds none of"):
        genreclf.load_run(tmp_path / "data")


def test_a_run_under_a_tilde_is_looked_for_in_the_home_folder(tmp_path, monkeypatch):
    # load_run("~/runs/ngram") looked for a folder named '~' and said only "nothing there".
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(RunFolderError, match="nothing there") as info:
        genreclf.load_run("~/runs/ngram")
    assert repr(str(tmp_path / "runs" / "ngram")) in str(info.value)


def test_a_file_a_tuning_folder_or_an_export_is_said_to_be_one(tmp_path):
    # Each was "is not a run folder: it holds none of a run's files", with no way to a run.
    (tmp_path / "texts.txt").write_text("A ghost.\n")
    with pytest.raises(RunFolderError, match=r"texts\.txt' \(a file, not a folder\)"):
        genreclf.load_run(tmp_path / "texts.txt")
    with pytest.raises(RunFolderError, match=r"nope' \(nothing there\)"):
        genreclf.load_run(tmp_path / "nope")
    tuning = tmp_path / "tuning"
    tuning.mkdir()
    (tuning / "tune.json").write_text("{}")
    with pytest.raises(RunFolderError, match=r"It is a tuning folder .*--config .*best\.json"):
        genreclf.load_run(tuning)
    version = tmp_path / "models" / "ngram" / "1"
    version.mkdir(parents=True)
    (version / "saved_model.pb").write_bytes(b"")
    for given in (version, version.parent, version.parent.parent):
        with pytest.raises(
            RunFolderError, match=r"It holds an exported SavedModel .*genreclf serve"
        ):
            genreclf.load_run(given)


def test_what_is_no_run_folder_path_is_a_config_error_not_a_type_error(trained_run):
    # These were TypeErrors from pathlib: "expected str, bytes or os.PathLike object".
    frame = pd.DataFrame({"overview": ["A ghost haunts a house."], "genre": ["horror"]})
    with pytest.raises(ConfigError, match=r"^path must be the path of a run folder") as caught:
        genreclf.load_run(frame)
    assert "Received: path=<a DataFrame of 1 row and 2 columns>" in str(caught.value)
    assert "load_run('runs/ngram').predict(df['overview'])" in str(caught.value)
    with pytest.raises(ConfigError, match=r"Received: path=None\. Pass the folder"):
        genreclf.Run(None)
    with pytest.raises(ConfigError, match=r"Received: path=\['runs/a'\] \(list\)"):
        genreclf.Run(["runs/a"])
    with pytest.raises(ConfigError, match=r"\(Run\)\. It is a Run already"):
        genreclf.load_run(trained_run)


def test_predict_returns_labels_scores_and_top_k(trained_run):
    results = trained_run.predict(
        ["A sheriff faces outlaws at noon.", "Robots rebel on Mars."], top_k=3
    )
    assert len(results) == 2
    for result in results:
        assert len(result["labels"]) == 1 and result["labels"][0] == result["top_labels"][0]
        assert result["top_scores"] == sorted(result["top_scores"], reverse=True)
        assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-4)


def test_one_string_is_one_text_for_predict_and_scores(trained_run):
    text = "A sheriff faces outlaws at noon."
    np.testing.assert_array_equal(trained_run.scores(text), trained_run.scores([text]))
    assert trained_run.scores(text).shape == (1, len(trained_run.labels))
    assert trained_run.predict(text) == trained_run.predict([text])


def test_series_arrays_tuples_and_generators_give_the_same_predictions(trained_run):
    texts = ["A sheriff faces outlaws at noon.", "Robots rebel on Mars.", "A ghost story."]
    expected = trained_run.predict(texts)
    series = pd.Series(["header row"] + texts).iloc[1:]  # an index that does not start at 0
    assert trained_run.predict(series) == expected
    assert trained_run.predict(np.array(texts)) == expected
    assert trained_run.predict(tuple(texts)) == expected
    assert trained_run.predict(t for t in texts) == expected  # read once, not emptied
    np.testing.assert_array_equal(trained_run.scores(t for t in texts), trained_run.scores(texts))


@pytest.mark.parametrize("method", ["predict", "scores"])
def test_a_dataframe_is_refused_with_its_text_column_named(trained_run, method):
    frame = pd.DataFrame({"title": ["Noon"], "year": [1952], "overview": ["A sheriff waits."]})
    with pytest.raises(ConfigError, match=r"not a DataFrame .*df\['overview'\]") as caught:
        getattr(trained_run, method)(frame)
    assert "['title', 'year', 'overview']" in str(caught.value)
    wide = pd.DataFrame({f"c{i}": ["x"] for i in range(30)})
    with pytest.raises(ConfigError, match=r"\.\.\. \(30 in all\)") as caught:
        getattr(trained_run, method)(wide)
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("method", ["predict", "scores"])
def test_a_dict_none_bytes_and_2d_arrays_are_refused(trained_run, method):
    call = getattr(trained_run, method)
    with pytest.raises(ConfigError, match=r"not a dict .*d\['text'\]"):
        call({"text": ["A ghost haunts a house."]})
    with pytest.raises(ConfigError, match="Received: None"):
        call(None)
    with pytest.raises(ConfigError, match=r"Received: 5 \(an int\)"):
        call(5)
    with pytest.raises(ConfigError, match="not bytes"):
        call(b"A ghost story.")
    with pytest.raises(ConfigError, match=r"shape \(2, 1\).*a\[:, 0\]"):
        call(np.array([["A ghost story."], ["A heist."]]))
    # A set's order is arbitrary: its results could not be matched to its texts.
    with pytest.raises(ConfigError, match=r"A set has none .*Received: a set of 2 items\. "):
        call({"A ghost story.", "A heist."})


@pytest.mark.parametrize("method", ["predict", "scores"])
def test_a_missing_or_non_string_text_is_named_by_its_position(trained_run, method):
    call = getattr(trained_run, method)
    with pytest.raises(DataError, match=r"texts\[1\]: expected a synopsis with some words\. "):
        call(["A ghost story.", np.nan])
    with pytest.raises(
        DataError, match=r"texts\[1\] \(index 8\).*Received: (None|nan), a missing value\."
    ):
        call(pd.Series(["A ghost story.", None], index=[7, 8]))
    with pytest.raises(
        DataError, match=r"texts\[0\]: expected a synopsis \(a str\)\. Received: 42"
    ):
        call([42])
    long_blank = " " * 10_000
    with pytest.raises(DataError, match=r"texts\[2\]") as caught:
        call(["A ghost story.", "A heist.", long_blank])
    assert len(str(caught.value)) < 300  # a short repr, not the whole text


def test_predict_refuses_blank_texts_as_the_cli_does(trained_run):
    with pytest.raises(DataError, match=r"texts\[1\]: expected a synopsis with some words"):
        trained_run.predict(["A sheriff faces outlaws at noon.", "   "])
    with pytest.raises(DataError, match=r"texts\[0\]"):
        trained_run.predict([None])


@pytest.mark.parametrize(
    "name, content, why",
    [
        ("config.json", "{not json", "JSONDecodeError"),
        ("config.json", "[1, 2, 3]", "expected a JSON object, found a list"),
        ("thresholds.json", '{"thresholds": "x"}', "ValueError"),
        ("labels.json", '{"labels": ["a", "b"], "multi_label": false}', "2 labels, 10 thresh"),
    ],
)
def test_a_damaged_run_file_is_one_clear_error(trained_run, tmp_path, name, content, why):
    import shutil

    from genreclf.cli import main

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    (copy / name).write_text(content)
    with pytest.raises(RunFolderError, match=f"has a damaged {name} .*{why}"):
        genreclf.load_run(copy)
    assert main(["predict", str(copy), "A ghost story."]) == 1  # one line, no traceback


def _npz_bytes(**arrays):
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["oof_scores.npz", "training_rows.npz"])
@pytest.mark.parametrize(
    "content, why",
    [
        (b"", "EOFError"),
        (_npz_bytes(rows=np.arange(50))[:300], "BadZipFile"),  # a write cut short
        (b"rows,0,1,2\n", "ValueError"),
        (_npz_bytes(other=np.arange(3)), "KeyError"),
    ],
)
def test_a_damaged_arrays_file_is_one_clear_error(trained_run, tmp_path, name, content, why):
    # They were tracebacks (zipfile.BadZipFile, EOFError) from `genreclf ensemble` and
    # `genreclf evaluate --compare / --data`.
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    (copy / name).write_bytes(content)
    run = genreclf.load_run(copy)
    read = run.out_of_fold if name == "oof_scores.npz" else run.training_rows
    with pytest.raises(RunFolderError, match=f"has a damaged {name} \\({why}"):
        read()


@pytest.mark.parametrize("cut", [0, 200])
def test_a_truncated_model_file_is_a_damaged_run_not_a_file_not_found(trained_run, tmp_path, cut):
    # Keras said "File not found: filepath=... accessible .keras zip file" of a file that exists.
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    model = copy / "model.keras"
    model.write_bytes(model.read_bytes()[:cut])
    with pytest.raises(RunFolderError, match=r"has a damaged model\.keras \(not a \.keras zip"):
        genreclf.load_run(copy).predict(["A ghost story."])


def test_a_model_of_other_labels_is_a_damaged_run_not_scores_under_wrong_names(
    trained_run, tmp_path
):
    # Its scores were returned under the first labels' names.
    import json
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    labels = json.loads((copy / "labels.json").read_text())
    labels["labels"] = labels["labels"] + ["extra-genre"]
    (copy / "labels.json").write_text(json.dumps(labels))
    thresholds = json.loads((copy / "thresholds.json").read_text())
    thresholds["thresholds"] = thresholds["thresholds"] + [0.5]
    (copy / "thresholds.json").write_text(json.dumps(thresholds))
    width = len(labels["labels"])
    run = genreclf.load_run(copy)
    with pytest.raises(RunFolderError, match=rf"the model scores {width - 1} classes, labels\.json "
                       rf"lists {width}"):  # fmt: skip
        run.predict(["A ghost story."])


def test_a_run_trained_again_after_it_was_opened_answers_with_the_new_labels(trained_run, tmp_path):
    # A Run opened before its folder was trained again (a notebook's cell rerun) loaded the
    # new model on first use but named its scores with the labels read before.
    import json
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    run = genreclf.load_run(copy)  # labels read, model not loaded yet
    labels = json.loads((copy / "labels.json").read_text())
    renamed = [f"new-{name}" for name in labels["labels"]]
    (copy / "labels.json").write_text(json.dumps({**labels, "labels": renamed}))
    prediction = run.predict(["A ghost story."])[0]
    assert run.labels == renamed and set(prediction["scores"]) == set(renamed)
    (copy / "model.keras").unlink()  # loaded already: the model in memory keeps answering
    assert run.predict(["A ghost story."])[0]["labels"][0] in renamed
    with pytest.raises(RunFolderError, match=r"has no model\.keras"):
        genreclf.load_run(copy)


def test_a_path_that_cannot_be_written_is_one_clear_error(trained_run, tmp_path, capsys):
    from genreclf.cli import main

    afile = tmp_path / "afile.txt"
    afile.write_text("")
    argv = ["export", str(trained_run.path), "--name", "g", "--base", str(afile)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    # Refused by name before the model loads (was OSError's "Cannot use '.../g': Not a directory").
    assert (
        f"genreclf export: error: base must be a TF Serving base folder, not a file. Received: "
        f"base='{afile}'." in err
    ), err
    assert "Traceback" not in err


@pytest.mark.parametrize("top_k", ["2", -1, 0, 1.5, True])
def test_top_k_that_is_not_a_whole_number_of_at_least_one_is_refused(trained_run, top_k):
    with pytest.raises(
        ConfigError,
        match=rf"top_k must be a whole number of at least 1, or null/None\. Received: top_k={top_k!r}",
    ):
        trained_run.predict(["A sheriff faces outlaws at noon."], top_k=top_k)


def test_top_k_none_or_above_the_labels_gives_every_label(trained_run):
    texts = ["A sheriff faces outlaws at noon."]
    every = trained_run.predict(texts, top_k=None)[0]
    assert len(every["top_labels"]) == len(trained_run.labels) == 10
    assert trained_run.predict(texts, top_k=50) == [every]
    assert len(trained_run.predict(texts, top_k=np.int64(2))[0]["top_labels"]) == 2


@pytest.mark.parametrize("batch_size", [0, "8", 2.0])
def test_scores_batch_size_is_checked(trained_run, batch_size):
    with pytest.raises(ConfigError, match=r"batch_size must be a whole number of at least 1"):
        trained_run.scores(["A sheriff faces outlaws at noon."], batch_size=batch_size)


def _train_again(folder, other):
    """Writes `other`'s run files into `folder`, as a training into it would."""
    import shutil

    for name in ("config.json", "labels.json", "model.keras", "metrics.json", "thresholds.json"):
        shutil.copyfile(other.path / name, folder / name)  # new mtimes, as training writes


def test_a_retrained_folder_gives_no_stale_labels_or_thresholds_beside_its_model(
    trained_run, trained_multilabel_run, tmp_path
):
    # Only the model re-read a folder trained again: `labels`, `thresholds` and `config` kept
    # what the Run read when it opened until the model loaded, then changed under the caller.
    import shutil

    new = trained_multilabel_run
    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    run = genreclf.load_run(copy)
    assert run.refresh() is False  # nothing written since it opened
    _train_again(copy, new)
    assert run.labels == new.labels and run.multi_label  # before the model loads
    np.testing.assert_array_equal(run.thresholds, new.thresholds)
    assert run.config["model"] == "bilstm" and run.metrics == new.metrics
    assert run.model.output_shape[-1] == len(run.labels)
    assert set(run.predict(["A ghost story."])[0]["scores"]) == set(new.labels)


def test_a_loaded_run_keeps_to_its_model_until_refresh_reads_the_folder_again(
    trained_run, trained_multilabel_run, tmp_path
):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    run = genreclf.load_run(copy)
    model = run.model
    _train_again(copy, trained_multilabel_run)
    # Loaded: the labels stay those of the model in memory, which keeps answering.
    assert run.labels == trained_run.labels and run.model is model
    assert set(run.predict(["A ghost story."])[0]["scores"]) == set(trained_run.labels)
    assert run.refresh() is True
    assert run.labels == trained_multilabel_run.labels and run.multi_label
    np.testing.assert_array_equal(run.thresholds, trained_multilabel_run.thresholds)
    assert run.model is not model and run.model.output_shape[-1] == len(run.labels)
    assert run.refresh() is False and run.model is run.model  # unchanged: the model is kept


def test_refresh_of_a_folder_being_trained_again_raises_and_keeps_the_run(trained_run, tmp_path):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    run = genreclf.load_run(copy)
    _ = run.model
    (copy / "thresholds.json").unlink()  # a training into the folder, under way
    with pytest.raises(RunFolderError, match=r"has no thresholds\.json: training did not finish"):
        run.refresh()
    assert run.labels == trained_run.labels  # what it read before, with its model
    assert run.predict(["A ghost story."])[0]["labels"][0] in trained_run.labels
    assert repr(run) == f"Run({str(copy)!r}, model='ngram')"


def test_a_folder_being_trained_again_leaves_what_was_read_before_the_model_loads(
    trained_run, tmp_path
):
    # Reading `labels` raised "training did not finish there" while a training rewrote it.
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    run = genreclf.load_run(copy)
    (copy / "thresholds.json").unlink()  # a training into the folder, under way
    assert run.labels == trained_run.labels and run.config == trained_run.config
    np.testing.assert_array_equal(run.thresholds, trained_run.thresholds)
    with pytest.raises(RunFolderError, match=r"has no thresholds\.json"):
        run.refresh()  # asked for: it says so


def test_evaluate_refreshes_a_run_whose_model_loaded_before_its_folder_was_trained_again(
    trained_run, sample_csv, tmp_path
):
    import json
    import shutil

    import pandas as pd

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    run = genreclf.load_run(copy)
    _ = run.model  # loaded: before, evaluate scored this model, with the labels read then
    labels = json.loads((copy / "labels.json").read_text())
    renamed = [f"new-{name}" for name in labels["labels"]]
    (copy / "labels.json").write_text(json.dumps({**labels, "labels": renamed}))
    rows = pd.read_csv(sample_csv)
    rows["genre"] = "new-" + rows["genre"]
    report = genreclf.evaluate(run, rows, text="overview", label="genre", out=tmp_path / "e")
    assert set(report["per_class"]) == set(renamed) and run.labels == renamed
