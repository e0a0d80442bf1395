import math

import numpy as np
import pytest

from genreclf.cli import main
from genreclf.errors import ConfigError
from genreclf.models import available_families
from genreclf.models import resolve_config
from genreclf.models.registry import get_family
from genreclf.models.setting_checks import number
from genreclf.models.setting_checks import one_of
from genreclf.models.setting_checks import rate
from genreclf.models.setting_checks import whole


def test_a_whole_number_is_an_int_not_a_bool_a_float_or_a_string():
    check = whole(1)
    assert check.accepts(1) and check.accepts(np.int64(7))
    for value in (0, -5, True, 2.0, 200.5, "abc", None, [1, 2], {"a": 1}):
        assert not check.accepts(value), value


def test_numbers_are_finite_and_within_their_bounds():
    assert rate().accepts(0) and rate().accepts(0.5) and rate().accepts(np.float32(0.1))
    for value in (1, 1.5, -0.1, math.nan, False, "0.1"):
        assert not rate().accepts(value), value
    positive = number(above=0, also=("auto", None))
    assert positive.accepts("auto") and positive.accepts(None) and positive.accepts(4)
    assert not positive.accepts(0) and not positive.accepts(math.inf)
    assert not positive.accepts("AUTO")


def test_the_description_names_the_bounds_and_the_other_values():
    assert whole(0, also=("auto", None)).description() == (
        "a whole number of at least 0, or 'auto' or null/None"
    )
    assert rate().description() == "a number of at least 0 and below 1"
    assert one_of("max", "mean").description() == "one of 'max', 'mean'"


@pytest.mark.parametrize(
    "family, setting, value",
    [
        ("ngram", "max_tokens", "abc"),
        ("ngram", "max_tokens", -5),
        ("ngram", "min_df", 0),
        ("ngram", "c", -1),
        ("bilstm", "lstm_layers", 0),
        ("bilstm", "dropout", 1.5),
        ("bilstm", "train_embedding", "yes"),
        ("transformer", "num_heads", 0),
        ("transformer", "pooling", 3),
        ("stack", "c_encoder", "best"),
        ("stack", "max_length", 200.5),
    ],
)
def test_a_bad_value_names_the_setting_what_it_takes_and_the_default(family, setting, value):
    with pytest.raises(ConfigError) as info:
        resolve_config(family, {setting: value})
    message = str(info.value)
    assert message.startswith(f"Model family {family!r}: {setting} must be ")
    assert f"Received: {setting}={value!r}." in message
    default = get_family(family).defaults[setting]
    assert f"Its default is {'null/None' if default is None else repr(default)}." in message


def test_every_family_accepts_its_own_defaults_and_search_space():
    for name in available_families():
        family = get_family(name)
        resolve_config(name, {})  # the defaults pass their own checks
        space = family.search_space() if callable(family.search_space) else family.search_space
        for setting, values in (space or {}).items():
            if setting not in family.checks:
                continue
            if isinstance(values, dict):  # a range, or choices with a default
                values = values.get("values") or [values["min"], values["max"]]
            elif not isinstance(values, list):  # a fixed value
                values = [values]
            for value in values:
                assert family.checks[setting].accepts(value), (name, setting, value)


def test_the_command_line_refuses_a_bad_setting_in_one_line(tmp_path, sample_csv, capsys):
    code = main(
        [
            "train",
            str(sample_csv),
            "--label",
            "genres",
            "--model",
            "ngram",
            "--set",
            "max_tokens=abc",
            "--out",
            str(tmp_path / "run"),
            "--quiet",
        ]
    )
    error = capsys.readouterr().err
    assert code == 1
    assert error.strip() == (
        "genreclf train: error: Model family 'ngram': max_tokens must be a whole number of at "
        "least 1, or null/None. Received: max_tokens='abc'. Its default is 200000."
    )
    assert not (tmp_path / "run").exists()
