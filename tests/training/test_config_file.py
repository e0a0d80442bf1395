"""A bad value read from a `--config` file names the file and key, not the flag alone."""

import json

import pytest

from genreclf.errors import ConfigError
from genreclf.training import TrainConfig
from genreclf.training.trainer import make_config


def write_config(path, values):
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


FIX = "Correct the value in {path}, or pass the option to override it."


def test_a_bad_value_in_the_file_names_the_file_and_key(tmp_path):
    # It said "epochs (`--epochs`) must be ..." as if a flag had been given.
    path = write_config(tmp_path / "typecfg.json", {"epochs": "many"})
    with pytest.raises(ConfigError) as caught:
        make_config("movies.csv", config=str(path))
    assert str(caught.value) == (
        f"{path}: field 'epochs': epochs (`--epochs`) must be a whole number of at least 1, "
        "or 'auto'. Received: epochs='many'. Pass e.g. --epochs 20, or 'auto' for the model "
        "family's default. " + FIX.format(path=path)
    )


@pytest.mark.parametrize(
    "values, field, words",
    [
        ({"refit": 1}, "refit", "Received: refit=1."),
        ({"features": 1990}, "features", "Received: features=1990."),
        ({"ema": {"steps": 0}}, "ema", 'ema["steps"]'),
        ({"data": 5}, "data", "data takes a file path here."),
        ({"model": "ngramm"}, "model", "Received: model='ngramm'."),
    ],
)
def test_every_key_s_check_names_the_file(tmp_path, values, field, words):
    path = write_config(tmp_path / "c.json", {"model": "ngram", **values})
    with pytest.raises(ConfigError) as caught:
        make_config(config=path)
    message = str(caught.value)
    assert message.startswith(f"{path}: field {field!r}: ") and words in message
    assert message.endswith(FIX.format(path=path))


def test_an_option_overrides_a_bad_value_in_the_file(tmp_path):
    path = write_config(tmp_path / "c.json", {"epochs": "many", "data": 5, "multi_label": 1})
    # The option's value is used, and the file's never: as before, no error.
    cfg = make_config("movies.csv", config=path, epochs=2, label="genres").check()
    assert (cfg.epochs, cfg.data, cfg.multi_label) == (2, "movies.csv", None)


def test_a_bad_option_reads_as_before_beside_a_file(tmp_path):
    path = write_config(tmp_path / "c.json", {"epochs": 3})
    with pytest.raises(ConfigError) as caught:
        make_config("movies.csv", config=path, lr=-1.0).check()
    assert str(caught.value) == (
        "lr (`--lr`) must be a number above 0, or 'auto'. Received: lr=-1.0. Pass e.g. "
        "--lr 1e-3, or 'auto' for the model family's default."
    )


def test_unknown_keys_in_the_file_name_the_file(tmp_path):
    path = write_config(tmp_path / "c.json", {"epoch": 3})
    with pytest.raises(ConfigError) as caught:
        TrainConfig.from_json(path)
    assert str(caught.value).startswith(f"{path}: Unknown training configuration keys ['epoch']")
    with pytest.raises(ConfigError, match="Unknown training") as caught:
        TrainConfig.from_dict({"epoch": 3})  # no file: as before
    assert str(caught.value).startswith("Unknown training configuration keys")


def test_the_command_line_names_the_config_file(tmp_path, capsys, sample_csv):
    from genreclf.cli import main

    path = write_config(tmp_path / "typecfg.json", {"epochs": "many"})
    argv = ["train", str(sample_csv), "--config", str(path), "--out", str(tmp_path / "run")]
    assert main(argv) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"genreclf train: error: {path}: field 'epochs': epochs (`--epochs`)")
    assert not (tmp_path / "run").exists()
