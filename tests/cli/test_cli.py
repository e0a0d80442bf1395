import json
import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def genreclf(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "genreclf", *map(str, args)],
        capture_output=True,
        text=True,
        env=ENV,
        input=stdin,
        timeout=600,
    )


def test_help_lists_every_command_and_train_flags():
    result = genreclf("--help")
    assert result.returncode == 0
    for command in ("train", "evaluate", "predict", "export", "serve", "augment", "tune"):
        assert command in result.stdout
    train_help = genreclf("train", "--help").stdout
    for flag in (
        "--epochs",
        "--batch-size",
        "--seed",
        "--max-length",
        "--lr",
        "--schedule",
        "--class-weight",
        "--oversample",
        "--val-split",
        "--config",
        "--folds",
        "--multi-label",
        "--sep",
        "--ema",
    ):
        assert flag in train_help


def test_train_evaluate_predict(tmp_path, sample_csv):
    out = tmp_path / "run"
    result = genreclf(
        "train",
        sample_csv,
        "--text",
        "overview",
        "--label",
        "genres",
        "--sep",
        "|",
        "--model",
        "ngram",
        "--epochs",
        "1",
        "--set",
        "max_tokens=300",
        "--out",
        out,
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "macro_f1" in result.stdout
        and json.loads((out / "config.json").read_text())["multi_label"] is True
    )
    result = genreclf("evaluate", out, "--data", sample_csv, "--out", tmp_path / "eval")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "eval" / "report.md").exists()
    result = genreclf(
        "evaluate", out, "--data", sample_csv, "--compare", out, "--out", tmp_path / "cmp"
    )
    assert result.returncode == 0, result.stderr
    assert "Is the difference real?" in result.stdout
    assert "| micro F1 | +0.0000 | +0.0000 to +0.0000 | the rows do not tell them apart |" in (
        result.stdout
    )
    result = genreclf("predict", out, "-", "--json", stdin="A ghost story.\nA cowboy rides west.\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["text"] for line in lines] == ["A ghost story.", "A cowboy rides west."]


def test_bad_input_is_one_clear_line_not_a_traceback(tmp_path):
    data = tmp_path / "movies.csv"
    data.write_text("title,genre\nHeist,action\n")
    result = genreclf("train", data, "--model", "ngram", "--out", tmp_path / "run")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "movies.csv" in result.stderr and "text" in result.stderr


def test_one_class_is_refused_before_training(tmp_path):
    data = tmp_path / "movies.csv"
    data.write_text("overview,genre\n" + "".join(f"Plot {i}.,drama\n" for i in range(40)))
    result = genreclf("train", data, "--model", "ngram", "--epochs", "1", "--out", tmp_path / "run")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "field 'genre': a classifier needs at least two classes" in result.stderr
    assert "'drama'" in result.stderr
    assert not (tmp_path / "run" / "model.keras").exists()


def test_a_bad_moving_average_fails_before_training(tmp_path, sample_csv):
    flags = "--text overview --label genre --model ngram --ema 1.5".split()
    result = genreclf("train", sample_csv, *flags, "--out", tmp_path / "run")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Received: ema=1.5" in result.stderr
    assert not (tmp_path / "run" / "model.keras").exists()


def test_verbose_comes_before_the_command_and_controls_tensorflow_logs(monkeypatch, capsys):
    import logging

    from genreclf.cli import _configure_logging
    from genreclf.cli import _quiet_libraries
    from genreclf.cli import main

    assert main(["--verbose", "--version"]) == 0
    assert capsys.readouterr().out.startswith("genreclf ")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    _configure_logging(verbose=False)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert not _quiet_libraries(logging.makeLogRecord({"name": "absl", "levelno": logging.WARNING}))
    assert _quiet_libraries(logging.makeLogRecord({"name": "absl", "levelno": logging.ERROR}))
    assert _quiet_libraries(logging.makeLogRecord({"name": "genreclf", "levelno": logging.INFO}))
    _configure_logging(verbose=True)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert logging.getLogger("genreclf").level == logging.DEBUG
    logging.getLogger("genreclf").setLevel(logging.INFO)


def test_piped_training_logs_one_plain_line_an_epoch(tmp_path, sample_csv):
    flags = ["--text", "overview", "--label", "genre", "--model", "ngram", "--epochs", "2"]
    flags += ["--set", "solver=adamw", "--set", "max_tokens=300", "--out", tmp_path / "run"]
    result = genreclf("train", sample_csv, *flags)
    assert result.returncode == 0, result.stderr
    epochs = [line for line in result.stdout.splitlines() if " - val_loss: " in line]
    assert len(epochs) == 2, result.stdout  # Keras verbose=2: one summary line an epoch
    assert "\x1b[" not in result.stdout and "\r" not in result.stdout and "━" not in result.stdout


@pytest.mark.parametrize(
    "flags,received",
    [
        (["--lr", "-1"], "lr=-1.0"),
        (["--lr", "0"], "lr=0.0"),
        (["--weight-decay", "-0.5"], "weight_decay=-0.5"),
        (["--max-length", "0"], "max_length=0"),
        (["--seed", "-3"], "seed=-3"),
    ],
)
def test_an_out_of_range_training_setting_fails_before_training(
    flags, received, tmp_path, sample_csv, capsys
):
    from genreclf.cli import main

    argv = ["train", str(sample_csv), "--label", "genre", "--model", "ngram", "--epochs", "1"]
    assert main([*argv, *flags, "--out", str(tmp_path / "run"), "--quiet"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("genreclf train: error: ") and f"Received: {received}." in line
    assert not (tmp_path / "run").exists()


def test_no_training_data_names_the_positional_path_not_a_missing_flag(capsys):
    from genreclf.cli import main

    assert main(["train", "--model", "ngram"]) == 1
    err = capsys.readouterr().err
    assert "genreclf train: error: No training data." in err and "genreclf train DATA" in err
    assert "--data" not in err  # train takes the data as a positional path


@pytest.mark.parametrize(
    "fmt, files, fix",
    [
        (
            "csv",
            ["movies.csv", "notes.md"],
            "Pass the csv file inside it, e.g. '{data}/movies.csv'",
        ),
        ("jsonl", ["movies.csv"], "Pass the jsonl file itself"),
        ("parquet", [], "Pass the parquet file itself"),
    ],
)
def test_a_folder_with_a_file_format_says_a_folder_is_read_as_aclimdb(
    tmp_path, capsys, fmt, files, fix
):
    # Each format's reader opened the folder: "Cannot read the csv data: Is a directory."
    from genreclf.cli import main

    data = tmp_path / "data"
    data.mkdir()
    for name in files:
        (data / name).write_text("overview,genre\nA ghost.,horror\n")
    assert main(["train", str(data), "--format", fmt, "--out", str(tmp_path / "run")]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"genreclf train: error: {data}: This is a folder, not a {fmt} file: ")
    assert "a folder is read only as an aclImdb folder" in line
    assert fix.format(data=data) in line and "drop format= (`--format`)" in line
    assert not (tmp_path / "run").exists()
