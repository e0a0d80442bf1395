"""`genreclf.label`'s arguments checked: switches, stage names, thresholds, inputs, names."""

import json

import numpy as np
import pandas as pd
import pytest

from genreclf.errors import ConfigError
from genreclf.labelling.api import build_cascade
from genreclf.labelling.api import label

from .conftest import HORROR_COMEDY

TEXTS = ["A ghost in the attic, a ghost in the hall.", "Two chefs and more chefs cook."]
KEYWORDS = dict(genres=HORROR_COMEDY, stages=["keywords"], thresholds={"keywords": 0.5})
LLM = dict(KEYWORDS, stages=["keywords", "llm"])


@pytest.mark.parametrize("value", ["no", "false", 1, 0])
def test_multi_label_must_be_a_switch(tmp_path, value):
    out = tmp_path / "out.jsonl"
    with pytest.raises(ConfigError) as error:
        label(TEXTS, out=out, multi_label=value, **KEYWORDS)
    assert f"Received: multi_label={value!r}" in str(error.value)
    assert "Pass multi_label=True, multi_label=False or multi_label=None" in str(error.value)
    assert not out.exists()


def test_build_cascade_checks_multi_label():
    with pytest.raises(ConfigError, match="Received: multi_label='yes'"):
        build_cascade(HORROR_COMEDY, stages=["keywords"], multi_label="yes")


def test_multi_label_numpy_bool_is_recorded_as_a_bool(tmp_path):
    out = tmp_path / "out.jsonl"
    label(TEXTS, out=out, multi_label=np.bool_(False), **KEYWORDS)
    settings = json.loads(out.with_name("out.jsonl.settings.json").read_text())
    assert settings["multi_label"] is False


@pytest.mark.parametrize("stages", ["keywords", " keywords ", "keywords,"])
def test_one_stage_name_is_that_stage(tmp_path, stages):
    args = dict(KEYWORDS, stages=stages)
    result = label(TEXTS, out=tmp_path / "out.jsonl", **args)
    assert result.by_stage["keywords"] == 2
    assert [s.name for s in build_cascade(HORROR_COMEDY, stages=stages).stages] == ["keywords"]


def test_comma_separated_stages_as_the_command_line_reads_them():
    cascade = build_cascade(HORROR_COMEDY, stages="keywords, zero_shot", embedder=object())
    assert [s.name for s in cascade.stages] == ["keywords", "zero_shot"]


@pytest.mark.parametrize("stages", [1, [1], {"keywords": 1}])
def test_stages_that_are_no_names_are_refused(stages):
    with pytest.raises(ConfigError, match=r"stages names the stages to run.*Received: stages="):
        build_cascade(HORROR_COMEDY, stages=stages)


def test_thresholds_string_is_refused_with_the_dict_to_pass(tmp_path):
    with pytest.raises(ConfigError) as error:
        label(TEXTS, out=tmp_path / "o.jsonl", **dict(KEYWORDS, thresholds="keywords=0.8"))
    message = str(error.value)
    assert "a dict {stage: threshold}" in message
    assert "Received: thresholds='keywords=0.8'" in message
    assert "Pass thresholds={'keywords': 0.8}" in message


def test_thresholds_list_is_refused():
    with pytest.raises(ConfigError, match=r"Received: thresholds=\[0.8\]"):
        build_cascade(HORROR_COMEDY, stages=["keywords"], thresholds=[0.8])


@pytest.mark.parametrize(
    "data",
    [
        pd.Series(TEXTS),
        np.array(TEXTS),
        (t for t in TEXTS),
        tuple(TEXTS),
    ],
    ids=["series", "array", "generator", "tuple"],
)
def test_texts_in_memory_are_labelled(tmp_path, data):
    out = tmp_path / "out.jsonl"
    result = label(data, out=out, **KEYWORDS)
    assert result.by_stage["keywords"] == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["labels"] for r in rows] == [["horror"], ["comedy"]]


@pytest.mark.parametrize("data", [None, 5])
def test_data_that_is_no_texts_names_label_s_argument(tmp_path, data):
    with pytest.raises(ConfigError) as error:
        label(data, out=tmp_path / "out.jsonl", **KEYWORDS)
    message = str(error.value)
    assert "genreclf.label's data" in message
    assert f"Received: data={data!r}" in message
    assert "open_records" not in message


def test_2d_array_is_refused_naming_label(tmp_path):
    with pytest.raises(ConfigError, match=r"genreclf.label\(\) takes a 1-D array"):
        label(np.array([TEXTS]), out=tmp_path / "out.jsonl", **KEYWORDS)


def test_misspelt_argument_is_named_with_a_guess(tmp_path):
    out = tmp_path / "out.jsonl"
    with pytest.raises(ConfigError) as error:
        label(TEXTS, out=out, thresold=0.5, **KEYWORDS)
    message = str(error.value)
    assert "Unknown argument 'thresold' of genreclf.label" in message
    assert "Did you mean 'thresholds' for 'thresold'?" in message
    assert "Received: thresold=0.5" in message
    assert not out.exists()


def test_unknown_argument_without_a_guess(tmp_path):
    with pytest.raises(ConfigError, match="Unknown argument 'zzz' of genreclf.label. Expected"):
        label(TEXTS, out=tmp_path / "out.jsonl", zzz=1, **KEYWORDS)


@pytest.mark.parametrize(
    "option, value",
    [("--timeout", "0"), ("--timeout", "nan"), ("--concurrency", "0"), ("--few-shot", "-1")],
)
def test_llm_options_out_of_range_are_usage_errors(tmp_path, capsys, option, value):
    # --timeout 0 hung past two minutes, nan failed every request ("ValueError") and exited 0,
    # --concurrency 0 was an error after reading the data, -1 examples a prompt was taken.
    from genreclf.cli.label import main

    with pytest.raises(SystemExit) as stop:
        main(
            [
                "t.csv",
                "--genres",
                "g.yaml",
                "--llm",
                "m",
                "--out",
                str(tmp_path / "o"),
                option,
                value,
            ]
        )
    assert stop.value.code == 2
    assert f"argument {option}: expected a" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name, value", [("timeout", 0), ("timeout", float("nan")), ("few_shot", -1)]
)
def test_llm_arguments_out_of_range_are_refused_before_any_row(tmp_path, name, value):
    out = tmp_path / "o.jsonl"
    with pytest.raises(ConfigError, match=rf"{name} must be a .*Received: {name}="):
        label(TEXTS, out=out, llm="m", base_url="http://127.0.0.1:9/v1", **LLM, **{name: value})
    assert not out.exists()


def test_thresholds_of_stages_that_calibrate_chooses_are_refused(tmp_path):
    # `--thresholds keywords=0.5 --calibrate labels.csv` labelled at the calibrated
    # threshold (0.6 on the sample) without a word about the 0.5 given.
    rows = (TEXTS * 10, [["horror"], ["comedy"]] * 10)
    with pytest.raises(ConfigError, match=r"for \['keywords'\], and would replace them"):
        label(TEXTS, out=tmp_path / "o.jsonl", calibrate=rows, **KEYWORDS)
    assert not (tmp_path / "o.jsonl").exists()
    result = label(TEXTS, out=tmp_path / "o.jsonl", calibrate=rows, **dict(KEYWORDS, thresholds={}))
    assert result.rows == 2
    # A threshold of a stage this cascade does not run is no clash (it was refused as one).
    absent = dict(KEYWORDS, thresholds={"zero_shot": 0.7})
    assert label(TEXTS, out=tmp_path / "p.jsonl", calibrate=rows, **absent).rows == 2
