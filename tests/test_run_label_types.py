"""`Run.predict` gives labels back as the run was trained with them: ints for ratings."""

import json
import shutil

import pandas as pd
import pytest

import genreclf

TEXT = "A ghost haunts a lighthouse keeper."


@pytest.fixture(scope="module")
def ratings_run(tmp_path_factory):
    """A tiny ngram run on a CSV whose label column holds the integers 1..10."""
    folder = tmp_path_factory.mktemp("ratings")
    rows = pd.read_csv(genreclf.sample_path())
    genres = sorted(rows["genre"].unique())
    rows["rating"] = rows["genre"].map({g: i + 1 for i, g in enumerate(genres)})
    assert rows["rating"].dtype.kind == "i" and rows["rating"].max() == 10
    rows[["overview", "rating"]].to_csv(folder / "ratings.csv", index=False)
    return genreclf.train(
        folder / "ratings.csv",
        text="overview",
        label="rating",
        model="ngram",
        epochs=2,
        model_config={"max_tokens": 2000, "solver": "adamw"},
        out=folder / "run",
        verbose=0,
    )


def test_a_run_trained_on_integer_labels_predicts_ints_after_load_run(ratings_run):
    saved = json.loads((ratings_run.path / "labels.json").read_text())
    assert saved["label_type"] == "int"
    assert saved["labels"] == [str(i) for i in range(1, 11)]  # names: the exported classes
    run = genreclf.load_run(ratings_run.path)
    assert run.labels == saved["labels"] and run.vocabulary.label_type == "int"
    result = run.predict([TEXT, "A heist crew plans one last job."], top_k=None)
    for row in result:
        assert [type(label) for label in row["labels"]] == [int]
        assert row["labels"][0] == row["top_labels"][0] in range(1, 11)
        assert sorted(row["top_labels"]) == list(range(1, 11)) == sorted(row["scores"])
    named = run.predict_names([TEXT], top_k=None)[0]
    assert named["labels"] == [str(result[0]["labels"][0])]
    assert named["top_labels"] == [str(label) for label in result[0]["top_labels"]]
    assert named["top_scores"] == result[0]["top_scores"]


def test_an_older_run_folder_without_label_type_still_loads_and_predicts_strings(
    ratings_run, tmp_path
):
    copy = tmp_path / "older"
    shutil.copytree(ratings_run.path, copy)
    saved = json.loads((copy / "labels.json").read_text())
    del saved["label_type"]  # as genreclf wrote labels.json before it recorded the type
    (copy / "labels.json").write_text(json.dumps(saved))
    run = genreclf.load_run(copy)
    assert run.vocabulary.label_type == "str"
    result = run.predict([TEXT])[0]
    assert result["labels"] == [str(ratings_run.predict([TEXT])[0]["labels"][0])]
    assert all(isinstance(label, str) for label in result["scores"])


def test_genreclf_predict_prints_the_class_names_as_the_served_model_does(ratings_run, capsys):
    from genreclf.cli import main

    assert main(["predict", str(ratings_run.path), TEXT, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.splitlines()[0])
    assert printed["labels"] == [str(ratings_run.predict([TEXT])[0]["labels"][0])]
    assert all(isinstance(label, str) for label in printed["top_labels"])
    assert main(["predict", str(ratings_run.path), TEXT]) == 0  # the table joins names
    assert "labels: " in capsys.readouterr().out


def test_a_genre_run_still_predicts_its_names(trained_run):
    assert trained_run.vocabulary.label_type == "str"
    assert "label_type" not in json.loads((trained_run.path / "labels.json").read_text())
    assert isinstance(trained_run.predict([TEXT])[0]["labels"][0], str)


def test_an_ensemble_predicts_ints_only_when_every_member_does(ratings_run, tmp_path):
    # It took its first member's type: [older, newer] gave strings, [newer, older] ints.
    newer, older = tmp_path / "newer", tmp_path / "older"
    shutil.copytree(ratings_run.path, newer)
    shutil.copytree(ratings_run.path, older)
    saved = json.loads((older / "labels.json").read_text())
    del saved["label_type"]
    (older / "labels.json").write_text(json.dumps(saved))
    cases = [([older, newer], str), ([newer, older], str), ([newer, ratings_run.path], int)]
    for members, expected in cases:
        joined = genreclf.ensemble(members, out=tmp_path / "ens", verbose=0, overwrite=True)
        assert type(joined.predict([TEXT])[0]["labels"][0]) is expected
