"""`load_dataset`'s options checked before a row is read: `sep`, the switches, and
`features`/`categorical` (one name is one column, not its letters)."""

import numpy as np
import pandas as pd
import pytest

from genreclf.data import iter_examples
from genreclf.data import load_dataset
from genreclf.errors import ConfigError


@pytest.fixture
def frame():
    return pd.DataFrame(
        {
            "overview": ["A heist.", "A ghost.", "A duel."],
            "genre": ["crime", "horror", "western"],
            "year": [1995, 1980, 1966],
            "country": ["us", "uk", "it"],
        }
    )


def test_one_feature_name_is_one_column_not_its_letters(frame):
    # "Column 'y' not found": "year" was read letter by letter.
    rows = load_dataset(frame, features="year", categorical="country")
    assert rows.features["year"].tolist() == [1995.0, 1980.0, 1966.0]
    assert rows.features["country"].tolist() == ["us", "uk", "it"]
    both = load_dataset(frame, features=("year",), categorical=["country"])
    assert sorted(both.features) == ["country", "year"]


@pytest.mark.parametrize(
    "value, received",
    [
        (1990, r"features=1990 \(an int\)"),
        (["year", None], r"features=\['year', None\] \(a list\), holding None \(a NoneType\)"),
        ({"year"}, r"features=\{'year'\} \(a set\)"),
    ],
)
def test_features_that_are_not_column_names_are_refused(frame, value, received):
    with pytest.raises(
        ConfigError,
        match=rf"^features \(`--features`\) takes column names: a list of strings\. Received: "
        rf"{received}\. Pass features=\['year'\] \(`--features year`\)\.$",
    ):
        load_dataset(frame, features=value)


@pytest.mark.parametrize("sep, shown", [(1, r"1 \(an int\)"), ("", r"'' \(an empty string\)")])
def test_a_sep_that_is_not_a_string_is_a_config_error(frame, sep, shown):
    # sep=1 raised a raw TypeError: 'in <string>' requires string as left operand.
    with pytest.raises(
        ConfigError,
        match=rf"^sep \(`--sep`\) is the separator between labels in one cell: a non-empty "
        rf"string such as '\|', or None .*Received: sep={shown}\. Pass sep='\|'",
    ):
        load_dataset(frame, sep=sep)
    with pytest.raises(ConfigError, match=r"^sep \(`--sep`\)"):
        list(iter_examples(frame, sep=sep))


@pytest.mark.parametrize("value", ["no", "false", 0, 1, None])
def test_skip_bad_rows_is_exactly_true_or_false(frame, value):
    # skip_bad_rows="no" skipped rows: a non-empty string is truthy.
    bad = frame.assign(overview=["A heist.", None, "A duel."])
    with pytest.raises(
        ConfigError,
        match=r"^skip_bad_rows \(`--skip-bad-rows`\) skips rows that cannot be read \(and logs "
        rf"them\): exactly True or False\. Received: skip_bad_rows={value!r}\. Pass "
        r"skip_bad_rows=True or skip_bad_rows=False",
    ):
        load_dataset(bad, skip_bad_rows=value)
    with pytest.raises(ConfigError, match=r"^skip_bad_rows"):
        list(iter_examples(bad, skip_bad_rows=value))
    assert len(load_dataset(bad, skip_bad_rows=np.bool_(True))) == 2  # a NumPy bool is one


@pytest.mark.parametrize("value", ["false", "true", 0, 1])
def test_multi_label_is_exactly_true_false_or_none(frame, value):
    # multi_label="false" made a multi-label dataset: a non-empty string is truthy.
    numbers = r" \(1 and 0 are no switches here\)" if isinstance(value, int) else ""
    with pytest.raises(
        ConfigError,
        match=r"^multi_label \(`--multi-label`\) says whether a row may have several labels: "
        rf"exactly True, False or None \(detected\)\. Received: multi_label={value!r}\. Pass "
        rf"multi_label=True, multi_label=False or multi_label=None{numbers}\.$",
    ):
        load_dataset(frame, multi_label=value)
    assert load_dataset(frame, multi_label=False).multi_label is False
    assert load_dataset(frame, multi_label=np.bool_(True)).multi_label is True
    assert load_dataset(frame, multi_label=None).multi_label is False  # detected


def test_a_dataset_used_as_read_and_one_whose_options_train_records_are_checked_apart(frame):
    # Two functions were both named check_read_with, one rule (not_read_with) in two
    # messages: evaluate's and find_label_issues' (the dataset is used as it was read),
    # and train's (the options given are recorded in config.json).
    from genreclf.data import read_options
    from genreclf.training import reading

    data = load_dataset(frame, text="overview", label="genre")
    with pytest.raises(ConfigError, match=r"^find_label_issues\(\) reads a TextDataset as it"):
        read_options.check_used_as_read(data, {"text": "country"}, "find_label_issues")
    with pytest.raises(ConfigError, match=r"config\.json records them\. Received: text='co"):
        reading.check_options_recorded_as_read({"text": "country"}, data)
    assert not hasattr(read_options, "check_read_with")
    assert not hasattr(reading, "check_read_with")
