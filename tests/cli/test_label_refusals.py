"""`genreclf label` refuses what it cannot use: usage errors, bad values, no stage that can run."""

import pytest

from genreclf.cli import main
from tests.cli.test_label_cli import _two_genres


def test_nothing_to_label_with_is_a_clear_error(files, tmp_path, capsys):
    _, unlabelled = files
    assert main(["label", str(unlabelled), "--out", str(tmp_path / "o.jsonl")]) == 1
    assert "Pass --genres" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags,words",
    [
        (["--thresholds", "keywords=5"], ["argument --thresholds", "at most 1", "keywords=5.0"]),
        (["--thresholds", "keywords=0.5,classifier=-0.1"], ["classifier=-0.1"]),
        (["--target-precision", "2"], ["argument --target-precision", "above 0", "=2.0"]),
        (["--target-precision", "0"], ["target_precision=0.0", "--target-precision 0.9"]),
    ],
)
def test_thresholds_and_target_precision_out_of_range_are_usage_errors(
    flags, words, files, tmp_path, capsys
):
    labelled, unlabelled = files
    out = tmp_path / "o.jsonl"
    argv = ["label", str(unlabelled), "--out", str(out), "--genres", str(tmp_path / "g.yaml")]
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--calibrate", str(labelled), *flags])
    assert exit_.value.code == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "error" in x]
    assert line.startswith("genreclf label: error: argument ")
    for word in words:
        assert word in line, line
    assert not out.exists()


@pytest.mark.parametrize("option, value", [("--top-k", "0"), ("--min-df", "0"), ("--min-df", "x")])
def test_keywords_counts_below_one_are_usage_errors(option, value, files, tmp_path, capsys):
    labelled, _ = files
    out = tmp_path / "g.yaml"
    with pytest.raises(SystemExit) as exit_:
        main(
            [
                "label",
                "keywords",
                str(labelled),
                "--label",
                "genre",
                "--out",
                str(out),
                option,
                value,
            ]
        )
    assert exit_.value.code == 2
    (line,) = [x for x in capsys.readouterr().err.splitlines() if "error" in x]
    assert line.startswith(f"genreclf label keywords: error: argument {option}: expected a whole ")
    assert f"Received: {value!r}. Pass e.g." in line
    assert not out.exists()


def test_keywords_that_leave_every_genre_empty_are_an_error_not_a_file(files, tmp_path, capsys):
    labelled, _ = files
    out = tmp_path / "g.yaml"
    argv = ["label", "keywords", str(labelled), "--label", "genre", "--out", str(out)]
    assert main([*argv, "--min-df", "1000"]) == 1
    err = capsys.readouterr().err
    assert "No genre got a keyword" in err and "Lower min_df (`--min-df 3`, the default)" in err
    assert not out.exists()
    assert main([*argv, "--min-df", "2", "--top-k", "1"]) == 0
    assert "horror:" in capsys.readouterr().out and out.exists()


def test_keywords_do_not_write_over_an_existing_genres_file(files, tmp_path, capsys):
    # A rerun of `label keywords` replaced the genres.yaml whose descriptions were edited.
    labelled, _ = files
    out = tmp_path / "genres.yaml"
    out.write_text("genres:\n  horror: {description: My own words., keywords: [ghost]}\n")
    argv = ["label", "keywords", str(labelled), "--label", "genre", "--min-df", "2"]
    assert main([*argv, "--out", str(out)]) == 1
    assert "Pass --overwrite to replace it" in capsys.readouterr().err
    assert "My own words." in out.read_text()
    assert main([*argv, "--out", str(out), "--overwrite"]) == 0
    assert "My own words." not in out.read_text()


def test_the_python_api_refuses_thresholds_and_target_precision_out_of_range(files, tmp_path):
    from genreclf.errors import ConfigError
    from genreclf.labelling import build_cascade
    from genreclf.labelling import label

    genres = {"horror": {"keywords": ["ghost"]}}
    with pytest.raises(ConfigError, match=r"at most 1\. Received: keywords=1\.5\."):
        build_cascade(genres, stages=("keywords",), thresholds={"keywords": 1.5})
    _, unlabelled = files
    with pytest.raises(ConfigError, match=r"Received: target_precision=1\.2\."):
        label(unlabelled, out=tmp_path / "o.jsonl", genres=genres, target_precision=1.2)
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("option, value", [("--budget-usd", "0"), ("--budget-tokens", "-1")])
def test_a_budget_that_allows_no_request_is_a_usage_error(option, value, capsys):
    from genreclf.cli.label import build_audit_parser
    from genreclf.cli.label import build_parser

    with pytest.raises(SystemExit):  # before any stage runs
        build_parser().parse_args(
            ["data.csv", "--genres", "g.yaml", "--out", "o.jsonl", option, value]
        )
    assert f"argument {option}: expected a" in capsys.readouterr().err
    if option == "--budget-usd":
        with pytest.raises(SystemExit):
            build_audit_parser().parse_args(["o.jsonl", "--judge", "llm", option, value])
        assert f"argument {option}: expected a number above 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    "stages,needs",
    [("keywords,classifier", "classifier needs run= (`--run RUN`)"), ("llm", "llm needs llm=")],
)
def test_stages_asked_for_that_cannot_run_are_refused(files, tmp_path, capsys, stages, needs):
    _, unlabelled = files
    genres = _two_genres(tmp_path, "ghost")
    out = tmp_path / "o.jsonl"
    argv = ["label", str(unlabelled), "--genres", str(genres), "--stages", stages]
    assert main(argv + ["--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert needs in err and "No stage can run" not in err
    assert not out.exists()
