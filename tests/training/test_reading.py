"""Reading a run's rows (`genreclf.training.reading`): files, synthetic rows, the split."""

import json
import re
import shutil

import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.training import TrainConfig
from genreclf.training import reading
from genreclf.training import trainer


def test_synthetic_rows_join_the_training_split_only(trained_run, tmp_path):
    aug = tmp_path / "aug.jsonl"
    rows = [
        {
            "text": f"A lonely cowboy number {i} rides across the burning desert.",
            "labels": ["western"],
            "source": "synthetic",
            "model": "test",
        }
        for i in range(5)
    ]
    aug.write_text("".join(json.dumps(r) + "\n" for r in rows))
    run = genreclf.train(
        config=trained_run.path / "config.json", augment=str(aug), out=tmp_path / "aug", verbose=0
    )
    assert run.fingerprint["num_synthetic"] == 5
    assert run.fingerprint["val_sha256"] == trained_run.fingerprint["val_sha256"]
    assert run.fingerprint["num_train"] == trained_run.fingerprint["num_train"] + 5


def _sample_rows():
    import csv

    with open(genreclf.sample_path(), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write_csv(path, rows, columns):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_detected_columns_are_recorded_so_evaluate_reads_the_same_ones(tmp_path):
    # Trained without --text/--label: config.json names the columns detected.
    # A test file with a "text" column beside "overview" was scored on the
    # "text" column, detected again (here the titles), without a word.
    run = genreclf.train(genreclf.sample_path(), model="ngram", epochs=1,
                         model_config={"max_tokens": 300}, out=tmp_path / "run", verbose=0)  # fmt: skip
    assert (run.config["text"], run.config["label"]) == ("overview", "genre")
    rows = [{**row, "text": row["title"]} for row in _sample_rows()[:60]]
    plain = _write_csv(tmp_path / "plain.csv", rows, ["overview", "genre"])
    titled = _write_csv(tmp_path / "titled.csv", rows, ["text", "overview", "genre"])
    scores = [genreclf.evaluate(run, data, out=tmp_path / data.stem) for data in (plain, titled)]
    assert scores[0]["macro_f1"] == scores[1]["macro_f1"]
    assert scores[0]["num_examples"] == 60


def test_validation_rows_with_a_class_the_training_rows_lack_are_refused(tmp_path):
    rows = _sample_rows()
    train = _write_csv(tmp_path / "train.csv", rows[:200], ["overview", "genre"])
    val = rows[200:260]
    val[3] = {**val[3], "genre": "musical"}  # no training row is a musical
    val_path = _write_csv(tmp_path / "val.csv", val, ["overview", "genre"])
    args = dict(text="overview", label="genre", model="ngram", epochs=1,
                model_config={"max_tokens": 300}, val_data=str(val_path), verbose=0)  # fmt: skip
    with pytest.raises(DataError, match=r"val\.csv:5: field 'genre': unknown label 'musical'"):
        genreclf.train(train, out=tmp_path / "refused", **args)
    assert not (tmp_path / "refused" / "labels.json").exists()
    run = genreclf.train(train, out=tmp_path / "run", skip_bad_rows=True, **args)
    assert "musical" not in run.labels and run.metrics["num_examples"] == 59


def test_validation_rows_are_read_in_their_own_format_with_the_training_columns(tmp_path):
    rows = _sample_rows()
    train = _write_csv(tmp_path / "train.csv", rows[:200], ["overview", "genre"])
    val = tmp_path / "val.jsonl"
    val.write_text(
        "".join(
            json.dumps({"overview": r["overview"], "genre": r["genre"]}) + "\n"
            for r in rows[200:260]
        )
    )
    run = genreclf.train(train, model="ngram", epochs=1, model_config={"max_tokens": 300},
                         val_data=str(val), out=tmp_path / "run", verbose=0)  # fmt: skip
    assert run.metrics["num_examples"] == 60
    columns = run.config["text"], run.config["label"], run.config["format"]
    assert columns == ("overview", "genre", "auto")  # each file's format is its own


def test_the_trainer_still_offers_the_reading_functions_others_import():
    # genreclf.tuning, genreclf.held_out and tests import these from `trainer`;
    # `train` reads through `trainer.read_dataset` (test_output_lock patches it).
    assert trainer.read_dataset is reading.read_dataset
    assert trainer.read_validation_rows is reading.read_validation_rows
    assert trainer.training_rows is reading.training_rows


def test_a_synthetic_row_of_a_single_label_task_carries_one_label(tmp_path):
    aug = tmp_path / "aug.jsonl"
    rows = [{"text": "A cowboy rides.", "labels": ["western"]},
            {"text": "A cowboy sings.", "labels": ["western", "musical"]}]  # fmt: skip
    aug.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(
        ConfigError, match=r"aug\.jsonl:2: .* exactly one label\. Received: labels="
    ):
        reading.read_augment_rows(aug, multi_label=False)
    both = reading.read_augment_rows(
        aug, multi_label=True, real_labels={"western": 3, "musical": 1}
    )
    assert both.sources == ["synthetic", "synthetic"] and both.multi_label is True


def test_skip_bad_rows_applies_to_the_augment_file_too(tmp_path):
    # `--skip-bad-rows` was not passed on: the error advising it came back with it.
    aug = tmp_path / "aug.jsonl"
    aug.write_text('{"text": "A cowboy rides.", "labels": ["western"]}\n{"text": "A cow\n')
    with pytest.raises(DataError, match=r"aug\.jsonl:2: invalid JSON \(Unterminated string "
                       r"starting at column 10\)\..*--skip-bad-rows"):  # fmt: skip
        reading.read_augment_rows(aug, multi_label=False)
    rows = reading.read_augment_rows(aug, multi_label=False, skip_bad_rows=True)
    assert rows.texts == ["A cowboy rides."]


@pytest.mark.parametrize(
    "content, reason",
    [
        ("text,labels\nA cowboy rides.,western\n", r"aug\.jsonl: No JSON object found\. "),
        (
            '{"text": "A cowboy rides.", "label": "western"}\n',
            r"field 'labels': Column 'labels' "
            r"not found\. Columns present: \['text', 'label'\]\. ",
        ),  # fmt: skip
    ],
)
def test_an_augment_file_of_another_shape_is_told_the_augment_format(tmp_path, content, reason):
    # The hints were the training file's: `--label`, and {"text": ..., "label": "drama"}.
    aug = tmp_path / "aug.jsonl"
    aug.write_text(content)
    with pytest.raises(DataError) as error:
        reading.read_augment_rows(aug, multi_label=False)
    message = str(error.value)
    assert re.search(
        reason + r'Expected one JSON object per line with "text" and "labels"', message
    )
    assert "--label on the command line" not in message and "(`--label`" not in message


def test_the_jsonl_hints_of_an_augment_file_show_its_own_row(tmp_path):
    # The JSON Lines reader's hints showed the training file's row, {"text": ..., "label": ...}.
    aug = tmp_path / "aug.jsonl"
    aug.write_text('{"text": "A cowboy rides.", "labels": ["western"]}\n["A cowboy sings."]\n')
    with pytest.raises(DataError) as error:
        reading.read_augment_rows(aug, multi_label=False)
    assert str(error.value) == (
        f"{aug}:2: expected a JSON object with named fields. Received: a JSON list. Write the "
        'row as an object, like {"text": "A cowboy rides.", "labels": ["western"]}, or pass '
        "skip_bad_rows=True (`--skip-bad-rows`) to skip such rows."
    )
    aug.write_text("text,labels\nA cowboy rides.,western\n")
    with pytest.raises(DataError) as error:
        reading.read_augment_rows(aug, multi_label=False)
    assert str(error.value) == (
        f'{aug}: No JSON object found. Expected one JSON object per line with "text" and '
        '"labels", like {"text": "A cowboy rides.", "labels": ["western"]}.'
    )


def test_an_aclimdb_folder_without_train_says_what_a_run_reads(tmp_path):
    # `genreclf train` and `genreclf.train` have no split to choose: the hint said
    # `Pass split='train' or split='test'`.
    review = tmp_path / "imdb" / "aclImdb" / "test" / "pos" / "0_9.txt"
    review.parent.mkdir(parents=True)
    review.write_text("A ghost, loved it.", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        reading.read_dataset(TrainConfig(data=str(tmp_path / "imdb")))
    message = str(caught.value)
    assert "split=" not in message
    assert message.endswith("pass the folder holding their pos/ and neg/ (e.g. `aclImdb/test`).")


def test_min_confidence_is_refused_for_a_file_genreclf_label_did_not_write():
    cfg = TrainConfig(data=str(genreclf.sample_path()), min_confidence=0.5)
    with pytest.raises(
        ConfigError, match=r"min_confidence applies to the JSONL .*--min-confidence"
    ):
        reading.read_dataset(cfg)


def test_recorded_columns_never_override_given_ones():
    cfg = TrainConfig(data=str(genreclf.sample_path()), text="title", label="genre")
    dataset = reading.read_dataset(cfg)
    reading.record_source(cfg, dataset, reading.COLUMN_OPTIONS)
    assert (cfg.text, cfg.label, cfg.format) == ("title", "genre", "auto")
    detected = TrainConfig(data=str(genreclf.sample_path()))
    reading.record_source(detected, reading.read_dataset(detected), reading.COLUMN_OPTIONS)
    assert (detected.text, detected.label, detected.format) == ("overview", "genre", "auto")


def test_a_dataset_read_by_a_relative_path_is_recorded_where_it_was_read(tmp_path, monkeypatch):
    # A notebook reads movies.csv, changes folder, then trains: config.json named
    # movies.csv in the new folder (no such file, or another one).
    (tmp_path / "data").mkdir()
    shutil.copy(genreclf.sample_path(), tmp_path / "data" / "movies.csv")
    monkeypatch.chdir(tmp_path / "data")
    dataset = genreclf.load_dataset("movies.csv", text="overview", label="genre")
    assert dataset.path == "movies.csv"  # errors keep naming it as it was given
    monkeypatch.chdir(tmp_path)
    cfg = TrainConfig()
    reading.record_source(cfg, dataset)
    assert cfg.to_json_dict()["data"] == str(tmp_path / "data" / "movies.csv")


def test_reading_options_a_dataset_was_not_read_with_are_refused_not_recorded(tmp_path):
    # train(data, text="title") trained on data's overviews, recorded text="title" in
    # config.json, and evaluate(run, "test.csv") then scored the test file's titles.
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    out = tmp_path / "run"
    with pytest.raises(ConfigError, match=r"Received: text='title'; the TextDataset has text='o"):
        genreclf.train(data, text="title", model="ngram", out=out)
    with pytest.raises(ConfigError, match=r"Received: label='genres', multi_label=True; the Te"):
        genreclf.train(data, label="genres", multi_label=True, model="ngram", out=out)
    in_memory = genreclf.TextDataset(data.texts, data.labels)  # no columns to compare
    with pytest.raises(ConfigError, match=r"Received: multi_label=True; .* multi_label=False\."):
        genreclf.train(in_memory, multi_label=True, model="ngram", out=out)
    several = genreclf.load_dataset(genreclf.sample_path(), label="genres", sep="|")
    with pytest.raises(ConfigError, match=r"Received: sep=','; the TextDataset has sep='\|'"):
        genreclf.train(several, sep=",", model="ngram", out=out)
    assert not (out / "config.json").exists()


def test_a_format_a_dataset_was_not_read_in_is_warned_about_and_the_read_one_recorded(
    tmp_path, caplog
):
    # format='tsv' with rows read as CSV trained on them without a word; refusing it
    # refused a CSV run's settings beside a JSONL dataset (**cfg), whose rows are its own.
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    with caplog.at_level("WARNING", logger="genreclf.training"):
        run = genreclf.train(data, format="tsv", model="ngram", out=tmp_path / "a", verbose=0)
    assert run.config["format"] == "csv"
    assert "format='tsv' is not the format the TextDataset was read in ('csv')" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="genreclf.training"):
        run = genreclf.train(data, format="auto", model="ngram", out=tmp_path / "b", verbose=0)
    assert run.config["format"] == "csv" and "is not the format" not in caplog.text


def test_a_separator_beside_single_label_rows_is_ignored_as_a_files_is(tmp_path):
    # (review) train(frame or dataset, sep="|") of a single-label column was refused:
    # the dataset records sep=None, and train(path, sep="|") of the same rows trains.
    import pandas as pd

    frame = pd.read_csv(genreclf.sample_path())
    args = dict(text="overview", label="genre", sep="|", model="ngram", verbose=0)
    assert genreclf.train(frame, out=tmp_path / "a", **args).config["sep"] is None
    data = genreclf.load_dataset(genreclf.sample_path(), label="genre", sep="|")
    assert genreclf.train(data, out=tmp_path / "b", sep="|", model="ngram", verbose=0)


def test_a_config_files_columns_give_way_to_the_datasets(trained_run, tmp_path):
    # train(titles, config="runs/x/config.json") was refused: "Received: text='overview'
    # ... Leave them out", naming a value the user never passed.
    import pandas as pd

    frame = pd.read_csv(genreclf.sample_path()).rename(columns={"overview": "plot"})
    data = genreclf.load_dataset(frame, text="plot", label="genre")
    config = trained_run.path / "config.json"
    assert json.loads(config.read_text())["text"] == "overview"
    run = genreclf.train(data, config=str(config), out=tmp_path / "run", verbose=0)
    assert (run.config["text"], run.config["label"]) == ("plot", "genre")
    assert run.config.get("data") is None  # a frame: not the config file's training file
    assert run.config["format"] == "auto"  # nor its format (a frame has none)


def test_the_split_holds_out_val_split_and_synthetic_rows_join_training(tmp_path):
    cfg = TrainConfig(data=str(genreclf.sample_path()), refit=False, val_split=0.2, seed=1)
    dataset = reading.read_dataset(cfg)
    aug = tmp_path / "aug.jsonl"
    aug.write_text(json.dumps({"text": "A cowboy rides.", "labels": ["western"]}) + "\n")
    synthetic = reading.read_augment_rows(aug, False, dataset.label_counts())
    train_set, val_set = reading.training_rows(dataset, synthetic, cfg)
    assert (len(train_set), len(val_set)) == (248 + 1, 62)
    assert train_set.is_synthetic().sum() == 1 and val_set.is_synthetic().sum() == 0
    assert reading.training_rows(dataset, None, cfg)[1].texts == val_set.texts  # seeded


def test_refit_needs_a_family_that_fits_itself():
    cfg = TrainConfig(model="bilstm", refit=True)
    with pytest.raises(ConfigError, match=r"--refit .* Received: model='bilstm'"):
        reading.training_rows(None, None, cfg)


def test_a_jsonl_val_data_beside_a_csv_dataset_is_read_as_jsonl(tmp_path):
    # (review) the dataset's recorded format ("csv") read every other file as CSV too.
    import pandas as pd

    frame = pd.read_csv(genreclf.sample_path())
    val = tmp_path / "val.jsonl"
    frame.head(40)[["overview", "genre"]].to_json(val, orient="records", lines=True)
    data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    run = genreclf.train(data, val_data=str(val), model="ngram", out=tmp_path / "r", verbose=0)
    assert run.config["format"] == "csv" and run.metrics["num_examples"] == 40


def test_a_datasets_feature_columns_are_recorded_so_evaluate_reads_them_from_a_file(tmp_path):
    # train(load_dataset(..., features=["year"]), model="hybrid") recorded features=[],
    # so evaluate(run, "test.csv") then refused the file: "Pass features={'year': ...}".
    rows = _sample_rows()[:40]
    path = _write_csv(tmp_path / "m.csv", rows, ["overview", "genre", "year", "title"])
    data = genreclf.load_dataset(path, text="overview", label="genre", features=["year"])
    args = dict(model="hybrid", model_config={"encoder": "ngram"}, epochs=2, verbose=0)
    run = genreclf.train(data, out=tmp_path / "run", **args)
    assert (run.config["features"], run.config["categorical"]) == (["year"], [])
    assert genreclf.evaluate(run, path, out=tmp_path / "eval")["num_examples"] == 40
    with pytest.raises(ConfigError, match=r"Received: features=\['runtime'\]; the TextData"):
        genreclf.train(data, features=["runtime"], out=tmp_path / "other", **args)
    assert not (tmp_path / "other" / "config.json").exists()
    # none named, as a text-only run's config.json records them: not compared
    reading.check_options_recorded_as_read({"features": [], "categorical": []}, data)
