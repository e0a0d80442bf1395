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


def test_predict_returns_labels_scores_and_top_k(trained_run):
    results = trained_run.predict(
        ["A sheriff faces outlaws at noon.", "Robots rebel on Mars."], top_k=3
    )
    assert len(results) == 2
    for result in results:
        assert len(result["labels"]) == 1 and result["labels"][0] == result["top_labels"][0]
        assert result["top_scores"] == sorted(result["top_scores"], reverse=True)
        assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-4)


def test_scores_refuses_a_bare_string(trained_run):
    with pytest.raises(ConfigError, match="wrap it in a list"):
        trained_run.scores("one synopsis")


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


def test_a_path_that_cannot_be_written_is_one_clear_error(trained_run, tmp_path, capsys):
    from genreclf.cli import main

    afile = tmp_path / "afile.txt"
    afile.write_text("")
    argv = ["export", str(trained_run.path), "--name", "g", "--base", str(afile)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"genreclf export: error: Cannot use '{afile}/g': Not a directory." in err, err
    assert "Traceback" not in err
