"""`genreclf.setting`: one check of a setting's kind and range, and the message it gives."""

import argparse
import subprocess
import sys

import pytest

from genreclf.errors import ConfigError
from genreclf.setting import argument_type
from genreclf.setting import at_least_one
from genreclf.setting import number
from genreclf.setting import whole


def test_a_refused_value_names_the_setting_where_it_is_set_and_the_fix():
    check = number(above=0, also=("auto",))
    assert check.check("lr", "auto") == "auto" and check.check("lr", 0.5) == 0.5
    with pytest.raises(ConfigError) as info:
        check.check("lr", -1, where="`--lr`", fix="Pass e.g. --lr 1e-3.")
    assert str(info.value) == (
        "lr (`--lr`) must be a number above 0, or 'auto'. Received: lr=-1. Pass e.g. --lr 1e-3."
    )
    assert whole(0).message("seed", None) == (
        "seed must be a whole number of at least 0. Received: seed=null/None."
    )


@pytest.mark.parametrize("text", ["0", "-1", "abc", "2.5", ""])
def test_a_count_on_the_command_line_is_a_whole_number_of_at_least_one(text):
    assert at_least_one(" 3 ") == 3
    with pytest.raises(argparse.ArgumentTypeError) as info:
        at_least_one(text)
    assert str(info.value) == (
        f"expected a whole number of at least 1. Received: {text!r}. Pass e.g. 3."
    )


def test_an_argument_type_reads_numbers_and_the_values_also_named():
    share = argument_type(number(above=0, below=1, also=("auto",)), example=0.1)
    assert share("0.25") == 0.25 and share("auto") == "auto"
    for text in ("nan", "inf", "1", "none"):
        with pytest.raises(argparse.ArgumentTypeError, match="above 0 and below 1"):
            share(text)


def test_checking_settings_loads_no_keras():
    code = (
        "import sys\n"
        "import genreclf.training.config, genreclf.labelling.thresholds, genreclf.cli.predict\n"
        "from genreclf.training import TrainConfig\n"
        "TrainConfig(lr=1e-3, folds=3).check()\n"
        "print(sorted({'keras', 'tensorflow'} & set(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"
