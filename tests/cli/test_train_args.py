"""`genreclf train`'s range-checked flags are refused as the command line is read."""

import pytest

from genreclf.cli import main
from genreclf.cli.train import build_parser
from genreclf.data.splits import VAL_FRACTION


@pytest.mark.parametrize("value", ["1.5", "1", "0", "-0.1", "nan", "a tenth"])
def test_a_val_split_out_of_range_is_a_usage_error_in_the_shared_wording(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "movies.csv", "--val-split", value])
    assert exit_.value.code == 2  # argparse's usage error, as for other range-checked flags
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (
        "genreclf train: error: argument --val-split: expected a number above 0 and below 1. "
        f"Received: {value!r}. Pass e.g. 0.1."
    )
    # The wording of `train_val_split`'s check and of `TrainConfig.val_split`'s.
    assert f"expected {VAL_FRACTION.description()}." in last


def test_a_val_split_in_range_is_read_as_a_number():
    assert build_parser().parse_args(["movies.csv", "--val-split", "0.2"]).val_split == 0.2
    assert build_parser().parse_args(["movies.csv"]).val_split is None  # the config's default
