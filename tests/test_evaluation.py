import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.errors import RunFolderError


def test_evaluate_writes_report_files(trained_run, sample_csv, tmp_path):
    report = genreclf.evaluate(trained_run, sample_csv, out=tmp_path / "eval")
    assert report["num_examples"] == 310
    for name in ("report.md", "metrics.json", "confusion.png"):
        assert (tmp_path / "eval" / name).exists()


def test_unknown_label_names_file_and_line(trained_run, tmp_path):
    data = tmp_path / "test.csv"
    data.write_text("overview,genre\nA heist.,action\nA musical on ice.,musical\n")
    # The field is the file's label column, and the error says how to skip such rows.
    with pytest.raises(DataError, match=r"test.csv:3: field 'genre'.*'musical'.*--skip-bad-rows"):
        genreclf.evaluate(trained_run, data)


def test_a_run_trained_on_a_loaded_dataset_is_evaluated_on_its_label_column(
    sample_csv, tmp_path, caplog, trained_run
):
    # The sample has two label columns: `genre` (one genre) and `genres` (several).
    # Auto-detection picks `genre`; a run trained on `genres` must be scored on it.
    data = genreclf.load_dataset(sample_csv, text="overview", label="genres")
    run = genreclf.train(data, model="ngram", out=tmp_path / "run", verbose=0)
    config = run.config
    assert (config["data"], config["label"], config["text"]) == (
        str(sample_csv),
        "genres",
        "overview",
    )
    assert config["sep"] == "|" and config["format"] == "csv"
    # A single-label run split no cell, so it records no separator.
    assert genreclf.load_run(trained_run.path).config["sep"] is None
    report = genreclf.evaluate(run, sample_csv, out=tmp_path / "eval")
    assert report["per_class"]["drama"]["support"] == sum("drama" in row for row in data.labels)
    assert "does not record the label column" not in caplog.text
    # A part of the file is not the file: its columns are kept, not the path.
    part = genreclf.train(data.subset(range(200)), model="ngram", out=tmp_path / "part", verbose=0)
    assert part.config["data"] is None and part.config["label"] == "genres"


def test_compare_two_runs_side_by_side(trained_run, tmp_path):
    report = genreclf.evaluate(trained_run, compare=trained_run.path, out=tmp_path / "cmp")
    assert "| accuracy |" in report["comparison"] and "| thriller |" in report["comparison"]
    assert (tmp_path / "cmp" / "compare.md").exists()


def test_skip_bad_rows_drops_unknown_labels_and_counts_them(trained_run, tmp_path, caplog):
    data = tmp_path / "test.csv"
    data.write_text("overview,genre\nA heist.,action\nA musical on ice.,musical\nA ghost.,horror\n")
    report = genreclf.evaluate(trained_run, data, skip_bad_rows=True, out=tmp_path / "eval")
    assert report["num_examples"] == 2
    assert "test.csv:3: field 'genre': unknown label 'musical'" in caplog.text
    assert "--skip-bad-rows" not in caplog.text  # it was given: its advice is moot


def test_compare_on_data_adds_paired_bootstrap_intervals(trained_run, sample_csv, tmp_path):
    convex = genreclf.train(
        sample_csv,
        text="overview",
        label="genre",
        model="ngram",
        model_config={"max_tokens": 2000},
        out=tmp_path / "convex",
        verbose=0,
    )
    report = genreclf.evaluate(trained_run, sample_csv, compare=convex, out=tmp_path / "cmp")
    other = genreclf.evaluate(convex, sample_csv, out=tmp_path / "other")
    intervals = report["paired_bootstrap"]
    assert set(intervals) == {"macro_f1", "accuracy", "rare_macro_f1"}
    for metric, entry in intervals.items():
        assert entry["a"] == pytest.approx(report[metric])
        assert entry["b"] == pytest.approx(other[metric])
        assert entry["low"] <= entry["high"] and entry["confidence"] == 0.95
    assert "### Is the difference real?" in (tmp_path / "cmp" / "compare.md").read_text()


def test_paired_intervals_align_label_order_and_need_the_same_rows():
    from types import SimpleNamespace

    import numpy as np

    from genreclf.run_comparison import paired_intervals

    labels = ["comedy", "drama", "horror"]
    order = [1, 2, 0]  # B's columns: drama, horror, comedy
    targets = np.eye(3, dtype="int64")[[0, 1, 2] * 20]
    wrong = targets.copy()
    wrong[:12] = np.roll(targets[:12], 1, axis=1)  # A is wrong on 12 of 60 rows
    a = SimpleNamespace(labels=labels, multi_label=False)
    b = SimpleNamespace(labels=[labels[k] for k in order], multi_label=False)
    rows = SimpleNamespace(texts=[f"text {i}" for i in range(60)])
    report = {"rare_classes": ["horror"]}
    # B is right on every row, written in its own column order.
    second = (b, rows, targets[:, order], targets[:, order])
    intervals = paired_intervals((a, rows, targets, wrong), second, report)
    assert intervals["accuracy"]["a"] == pytest.approx(48 / 60)
    assert intervals["accuracy"]["b"] == intervals["rare_macro_f1"]["b"] == 1.0
    assert intervals["accuracy"]["difference"] == pytest.approx(12 / 60)
    fewer = SimpleNamespace(texts=rows.texts[:-1])
    short = (b, fewer, targets[:-1, order], targets[:-1, order])
    assert paired_intervals((a, rows, targets, wrong), short, report) is None
    multi = SimpleNamespace(labels=b.labels, multi_label=True)
    assert paired_intervals((a, rows, targets, wrong), (multi, *second[1:]), report) is None
    relabelled = (b, rows, np.roll(targets, 1, axis=0)[:, order], targets[:, order])
    assert paired_intervals((a, rows, targets, wrong), relabelled, report) is None


def test_compare_without_data_scores_both_runs_on_the_rows_both_held_out(
    trained_run, sample_csv, tmp_path
):
    # Fitted on every row: it saved out-of-fold scores, so it has a held-out
    # score for each of trained_run's validation rows.
    convex = genreclf.train(
        sample_csv, text="overview", label="genre", model="ngram", out=tmp_path / "c", verbose=0
    )
    report = genreclf.evaluate(trained_run, compare=convex, out=tmp_path / "cmp")
    intervals = report["paired_bootstrap"]
    # trained_run is scored on its own validation split, as in its own report.
    assert intervals["macro_f1"]["a"] == pytest.approx(trained_run.metrics["macro_f1"], abs=1e-6)
    assert intervals["macro_f1"]["b"] != pytest.approx(convex.metrics["macro_f1"])
    rows = trained_run.metrics["num_examples"]
    assert (
        f"Both runs scored on the validation split of {trained_run.path.name}"
        in (report["comparison"])
    )
    assert (
        f": {rows} rows, each scored by a model that did not train on it" in (report["comparison"])
    )
    assert "cover different data" not in report["comparison"]


def test_out_without_data_writes_the_runs_own_report_there(trained_run, tmp_path):
    report = genreclf.evaluate(trained_run, out=tmp_path / "own")
    assert report["macro_f1"] == trained_run.metrics["macro_f1"]
    for name in ("report.md", "metrics.json", "confusion.png"):
        assert (tmp_path / "own" / name).exists(), name


def test_a_label_only_the_first_run_knows_names_the_compared_run(trained_run, tmp_path):
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    keep = [i for i, labels in enumerate(data.labels) if "western" not in labels]
    other = genreclf.train(data.subset(keep), model="ngram", out=tmp_path / "no_western",
                           verbose=0)  # fmt: skip
    test = tmp_path / "test.csv"
    test.write_text("overview,genre\nA heist.,action\nA sheriff rides out.,western\n")
    with pytest.raises(DataError, match=r"test.csv:3: .*'western'.*compared run '.*no_western'"):
        genreclf.evaluate(trained_run, test, compare=other)


def test_compare_on_data_says_why_runs_of_other_classes_get_no_intervals(trained_run, tmp_path):
    # It said "did not score the same rows with the same labels (rows dropped by
    # --skip-bad-rows, other label columns, or ...)": none of which was so.
    data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    keep = [i for i, labels in enumerate(data.labels) if "western" not in labels]
    other = genreclf.train(data.subset(keep), model="ngram", epochs=2, out=tmp_path / "nine",
                           model_config={"max_tokens": 2000}, verbose=0)  # fmt: skip
    test = tmp_path / "test.csv"
    test.write_text("overview,genre\nA heist.,action\nA ghost.,horror\n")
    report = genreclf.evaluate(trained_run, test, compare=other, out=tmp_path / "cmp")
    assert "paired_bootstrap" not in report
    assert (
        "No paired intervals: the two runs score other classes (only "
        f"{trained_run.path.name}: ['western']); paired intervals need the same classes."
    ) in report["comparison"]
    assert "other label columns" not in report["comparison"]


def test_runs_that_share_no_class_are_refused_not_compared(trained_run, tmp_path, capsys):
    from genreclf.cli import main

    stars = [f"{'A dull' if i % 2 else 'A fine'} film, part {i}." for i in range(40)]
    ratings = genreclf.TextDataset(stars, [["1"] if i % 2 else ["9"] for i in range(40)])
    other = genreclf.train(ratings, model="ngram", out=tmp_path / "stars", verbose=0)
    with pytest.raises(ConfigError, match=r"at least one class in common.*stars' with 2 classes"):
        genreclf.evaluate(trained_run, compare=other)
    assert not (trained_run.path / "evaluation" / "compare.md").exists()
    assert main(["evaluate", str(trained_run.path), "--compare", str(other.path)]) != 0
    assert "share no class" in capsys.readouterr().err


def test_a_file_like_the_training_file_is_read_in_the_format_given_at_training(tmp_path):
    # TSV without quoting is never detected: a text opening with a quote would
    # swallow the rows after it if the test file were read as quoted TSV.
    rows = [(f'"Run," said the {w} in town {i}.', g) for i in range(30)
            for w, g in (("ghost", "horror"), ("cowboy", "western"))]  # fmt: skip
    for name, part in (("train.tsv", rows[:40]), ("test.tsv", rows[40:])):
        (tmp_path / name).write_text(
            "overview\tgenre\n" + "".join(f"{t}\t{g}\n" for t, g in part), encoding="utf-8"
        )
    run = genreclf.train(tmp_path / "train.tsv", format="tsv-unquoted", model="ngram",
                         out=tmp_path / "run", verbose=0)  # fmt: skip
    report = genreclf.evaluate(run, tmp_path / "test.tsv", out=tmp_path / "eval")
    assert report["num_examples"] == 20


def test_a_frame_evaluation_is_titled_and_located_as_a_dataframe(trained_run, tmp_path):
    import pandas as pd

    frame = pd.read_csv(genreclf.sample_path()).iloc[:40]
    genreclf.evaluate(trained_run, frame, out=tmp_path / "eval")
    title = (tmp_path / "eval" / "report.md").read_text().splitlines()[0]
    assert title.endswith(" on a DataFrame"), title  # it said "on a TextDataset"
    unseen = frame.assign(genre=["action"] * 4 + ["musical"] * 36)
    # An unknown label said "line 5: ..." where every other error of a frame says DataFrame:N.
    with pytest.raises(DataError, match=r"^DataFrame:5: field 'genre': Unknown label 'musical'"):
        genreclf.evaluate(trained_run, unseen, out=tmp_path / "unseen")
    rows = genreclf.TextDataset(frame.overview, frame.genre)
    genreclf.evaluate(trained_run, rows, out=tmp_path / "rows")
    assert (tmp_path / "rows" / "report.md").read_text().startswith("# ngram on a TextDataset")


def test_what_is_no_run_or_no_data_is_refused_saying_what_each_takes(trained_run):
    # These were TypeErrors ("expected str, bytes or os.PathLike") or printed the rows.
    import pandas as pd

    frame = pd.read_csv(genreclf.sample_path())
    with pytest.raises(ConfigError, match=r"^run must be a run folder path or a Run .*None\."):
        genreclf.evaluate(None, frame)
    with pytest.raises(
        ConfigError,
        match=r"Received: a DataFrame of 310 rows and \d+ columns\. The run comes first",
    ):
        genreclf.evaluate(frame, trained_run)
    with pytest.raises(ConfigError, match=r"^compare must be a run folder path or a Run .*DataF"):
        genreclf.evaluate(trained_run, frame, compare=frame)
    for data, received in (
        (frame.overview.tolist(), "a list of 310 items"),
        (frame.overview, "a Series of 310 rows"),
        ({"text": ["a"]}, "a dict of 1 key"),
    ):
        with pytest.raises(ConfigError) as caught:
            genreclf.evaluate(trained_run, data)
        assert str(caught.value).startswith("data must be a file path, a pandas DataFrame or a")
        assert f"Received: {received}." in str(caught.value) and len(str(caught.value)) < 300
    # Reading options without data were dropped without a word (the run's own report came back).
    with pytest.raises(ConfigError, match=r"Received: text='title' and data=None\. Pass the rows"):
        genreclf.evaluate(trained_run, text="title")
    with pytest.raises(ConfigError, match=r"Received: skip_bad_rows=True and data=None"):
        genreclf.evaluate(trained_run, skip_bad_rows=True)


def test_an_out_that_is_no_folder_path_is_refused_before_any_scoring(trained_run, tmp_path):
    import pandas as pd

    frame = pd.read_csv(genreclf.sample_path())
    # This was pandas' "The truth value of a DataFrame is ambiguous".
    with pytest.raises(ConfigError, match=r"^out must be the path of a folder for the report "):
        genreclf.evaluate(trained_run, frame, out=frame)
    notes = tmp_path / "notes.md"
    notes.write_text("mine")
    # These were a FileExistsError (or NotADirectoryError) after the scoring.
    for out in (notes, notes / "report"):
        with pytest.raises(ConfigError, match=r"^out must be a folder for the report, not a fi"):
            genreclf.evaluate(trained_run, frame, out=out)
    assert notes.read_text() == "mine"


def test_rows_the_run_trained_on_are_counted_and_warned_about(sample_csv, tmp_path, caplog):
    data = genreclf.load_dataset(sample_csv, text="overview", label="genre")
    run = genreclf.train(data.subset(range(250)), model="ngram", out=tmp_path / "run", verbose=0)
    assert len(run.training_rows()) == 250
    with caplog.at_level("WARNING", logger="genreclf"):
        report = genreclf.evaluate(run, data, out=tmp_path / "all")
    assert report["rows_trained_on"] == 250
    assert "250 of the 310 rows given for evaluation are training rows" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="genreclf"):
        report = genreclf.evaluate(run, data.subset(range(250, 310)), out=tmp_path / "new")
    assert report["rows_trained_on"] == 0 and "training rows" not in caplog.text
    # A text it trained on counts whatever labels it carries now.
    relabelled = genreclf.TextDataset(data.texts[:5], ["drama"] * 5)
    assert run.trained_on(relabelled).all()


def test_the_compared_runs_training_rows_are_warned_about_too(sample_csv, tmp_path, caplog):
    # Only the first run's were: rows both trained on read as a fair comparison.
    data = genreclf.load_dataset(sample_csv, text="overview", label="genre")
    first, second = (
        genreclf.train(data.subset(range(250)), model="ngram", out=tmp_path / name, verbose=0)
        for name in ("first", "second")
    )
    with caplog.at_level("WARNING", logger="genreclf"):
        genreclf.evaluate(first, data, compare=second, out=tmp_path / "all")
    said = [r.getMessage() for r in caplog.records if "training rows of" in r.getMessage()]
    assert [m.split("training rows of ")[1].split(":")[0] for m in said] == [
        str(first.path),
        str(second.path),
    ]
    assert all(m.startswith("250 of the 310 rows given for evaluation") for m in said)


def test_a_run_without_its_metrics_json_names_the_folder_and_the_fix(
    trained_run, sample_csv, tmp_path
):
    import shutil

    copy = shutil.copytree(trained_run.path, tmp_path / "copy")
    (copy / "metrics.json").unlink()
    with pytest.raises(RunFolderError, match=r"'.*copy' has no metrics.json.*--data FILE"):
        genreclf.evaluate(copy)
    assert genreclf.evaluate(copy, sample_csv)["num_examples"] == 310  # data still works


def test_an_aclimdb_folder_without_train_says_what_evaluate_reads(trained_run, tmp_path):
    # `evaluate` has no split to choose: the hint said `Pass split='train' or split='test'`.
    review = tmp_path / "imdb" / "aclImdb" / "test" / "pos" / "0_9.txt"
    review.parent.mkdir(parents=True)
    review.write_text("A ghost, loved it.", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        genreclf.evaluate(trained_run, tmp_path / "imdb", out=tmp_path / "eval")
    message = str(caught.value)
    assert "split=" not in message
    assert message.endswith("pass the folder holding their pos/ and neg/ (e.g. `aclImdb/test`).")


def test_classes_without_rows_are_named_beside_a_macro_f1_that_counts_them(
    trained_run, tmp_path, caplog
):
    # One row read as accuracy 1.0 and macro-F1 1/K without a word.
    import logging

    import pandas as pd

    rows = pd.read_csv(genreclf.sample_path()).head(1)
    with caplog.at_level(logging.WARNING, logger="genreclf"):
        report = genreclf.evaluate(trained_run, rows, out=tmp_path / "eval")
    absent = report["classes_without_rows"]
    assert len(absent) == len(trained_run.labels) - 1
    said = [r.getMessage() for r in caplog.records if " no rows in " in r.getMessage()]
    assert said and said[0].startswith(f"{len(absent)} of the run's {len(trained_run.labels)} ")
    assert "none is among the rare classes" in said[0]
    # The rare classes were the classes without rows, each averaged in as F1 0.
    (scored,) = [name for name in trained_run.labels if name not in absent]
    assert report["rare_classes"] == [scored]
    assert report["rare_macro_f1"] == report["per_class"][scored]["f1"]
    markdown = (tmp_path / "eval" / "report.md").read_text(encoding="utf-8")
    assert f"No rows of {len(absent)} classes ({', '.join(absent)})" in markdown


def test_one_class_without_rows_is_said_in_the_singular(caplog):
    import logging

    from genreclf.evaluation import warn_classes_without_rows

    report = {"per_class": {"war": {"support": 0}, "drama": {"support": 3}}}
    with caplog.at_level(logging.WARNING, logger="genreclf"):
        warn_classes_without_rows(report, "m.csv")
    said = caplog.records[0].getMessage()
    assert said.startswith("1 of the run's 2 classes has no rows in m.csv (war)")


def test_a_run_trained_again_after_it_was_opened_is_evaluated_with_its_new_labels(
    trained_run, sample_csv, tmp_path
):
    # Run.model read a retrained folder again, but evaluate read the rows' labels (and the
    # targets' columns) with the labels of the Run opened before: unknown labels, or columns
    # in another order scored without a word.
    import json
    import shutil

    import pandas as pd

    copy = tmp_path / "run"
    shutil.copytree(trained_run.path, copy)
    run = genreclf.load_run(copy)  # labels read, model not loaded yet
    labels = json.loads((copy / "labels.json").read_text())
    (copy / "labels.json").write_text(
        json.dumps({**labels, "labels": [f"new-{name}" for name in labels["labels"]]})
    )
    rows = pd.read_csv(sample_csv)
    rows["genre"] = "new-" + rows["genre"]
    report = genreclf.evaluate(run, rows, text="overview", label="genre", out=tmp_path / "e")
    assert report["num_examples"] == len(rows)
    assert report["macro_f1"] == pytest.approx(
        genreclf.evaluate(trained_run, sample_csv, out=tmp_path / "o")["macro_f1"]
    )


def test_a_run_folder_is_refused_as_the_reports_out(trained_run, sample_csv, tmp_path):
    # Its metrics.json and report.md were replaced by the test rows': run.metrics changed.
    import shutil

    copy = shutil.copytree(trained_run.path, tmp_path / "run")
    before = (copy / "metrics.json").read_bytes()
    with pytest.raises(ConfigError, match=r"not a run folder: .*Received: out='.*run', a run"):
        genreclf.evaluate(trained_run, sample_csv, out=copy)
    assert (copy / "metrics.json").read_bytes() == before
    assert genreclf.evaluate(trained_run, sample_csv, out=copy / "evaluation")["num_examples"]
