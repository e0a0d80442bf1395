"""`genreclf.explain` takes texts as `Run.predict` does; `Explanation`s print short."""

import numpy as np
import pandas as pd
import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.errors import DataError

TEXT = "A sheriff faces outlaws at noon."


def test_one_string_series_and_generator_are_explained_like_a_list(trained_run):
    (expected,) = genreclf.explain(trained_run, [TEXT], top_k=2)
    for texts in (TEXT, pd.Series([TEXT], index=[5]), np.array([TEXT]), (t for t in [TEXT])):
        (explanation,) = genreclf.explain(trained_run, texts, top_k=2)
        assert explanation.to_dict() == expected.to_dict()


def test_a_dataframe_or_dict_is_refused_not_its_column_names_explained(trained_run):
    frame = pd.DataFrame({"title": ["Noon"], "overview": [TEXT]})
    with pytest.raises(ConfigError, match=r"genreclf\.explain\(\) .*df\['overview'\]"):
        genreclf.explain(trained_run, frame)
    with pytest.raises(ConfigError, match=r"d\['text'\]"):
        genreclf.explain(trained_run, {"text": [TEXT]})
    with pytest.raises(ConfigError, match="Received: None"):
        genreclf.explain(trained_run, None)
    with pytest.raises(ConfigError, match=r"in an order.*Received: a set of 1 item"):
        genreclf.explain(trained_run, {TEXT})


def test_swapped_arguments_are_said_to_look_swapped(trained_run):
    # explain(texts, run) was pathlib's TypeError, or "No run folder at 'A sheriff ...'".
    for run in (trained_run, trained_run.path, str(trained_run.path)):
        with pytest.raises(ConfigError, match=r"run first, then the texts: .*look swapped"):
            genreclf.explain([TEXT], run)
    with pytest.raises(ConfigError, match=r"look swapped\. Received: run='A sheriff .* \(str\)"):
        genreclf.explain(TEXT, str(trained_run.path))
    with pytest.raises(ConfigError, match=r"^run must be the path of a run folder .*\(list\)\. "):
        genreclf.explain([TEXT], [TEXT])
    with pytest.raises(ConfigError, match=r"^run must be the path .*: genreclf\.explain\(run, t"):
        genreclf.explain(pd.DataFrame({"overview": [TEXT]}), [TEXT])


def test_blank_and_missing_texts_are_refused_as_predict_refuses_them(trained_run):
    with pytest.raises(DataError, match=r"texts\[0\]: expected a synopsis .*before explaining"):
        genreclf.explain(trained_run, [""])
    with pytest.raises(DataError, match=r"texts\[1\]: .*Received: nan"):
        genreclf.explain(trained_run, [TEXT, float("nan")])


def test_an_empty_string_is_a_blank_text_not_the_current_folder(trained_run):
    # Path("") is ".", a folder: explain(run, "") said "the arguments look swapped".
    for text in ("", " ", "\u200b"):
        with pytest.raises(DataError, match=r"texts\[0\]: expected a synopsis with some words"):
            genreclf.explain(trained_run, text)


def test_the_repr_of_an_explanation_is_a_one_line_summary(trained_run):
    long_text = " ".join([TEXT] * 2000)
    (explanation,) = genreclf.explain(trained_run, [long_text], top_k=2)
    shown = repr(explanation)
    assert len(shown) < 200 and "\n" not in shown, shown
    assert shown.startswith("Explanation(text='A sheriff faces outlaws at noon. A sher…', labels=[")
    assert f"words={len(explanation.words)}" in shown
    label = repr(explanation.labels[0])
    assert len(label) < 200 and f"attributions={len(explanation.words)}" in label, label
    assert len(explanation.to_dict()["words"]) == len(explanation.words)  # to_dict keeps them all


def test_a_bad_top_k_or_steps_is_refused_as_the_command_line_refuses_it(trained_run):
    with pytest.raises(ConfigError, match=r"Received: top_k=-1\. Pass e.g. top_k=3"):
        genreclf.explain(trained_run, [TEXT], top_k=-1)  # K-1 labels were explained
    with pytest.raises(ConfigError, match=r"Received: top_k='2'\."):
        genreclf.explain(trained_run, [TEXT], top_k="2")
    with pytest.raises(ConfigError, match=r"Received: steps=0\. Pass e.g. steps=16"):
        genreclf.explain(trained_run, [TEXT], steps=0)
    # a text-only run leaves features aside, as Run.predict does (a dataset's columns)
    assert genreclf.explain(trained_run, [TEXT], features={"year": [1999]})[0].labels
