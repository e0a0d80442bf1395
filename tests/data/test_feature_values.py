"""`check_finite_features`: numeric feature columns passed in Python hold finite numbers."""

import numpy as np
import pandas as pd
import pytest

from genreclf.data.dataset import TextDataset
from genreclf.errors import ConfigError

TEXTS = ["a heist", "a ghost", "a duel"]
LABELS = ["crime", "horror", "crime"]


@pytest.mark.parametrize(
    "column, received",
    [
        ([3, None, 4], r"views\[1\]=None"),
        ([3.0, np.nan, 4.0], r"views\[1\]=nan"),
        (pd.Series([np.inf, 1.0, -np.inf]), r"views\[0\]=inf \(1 more rows like it\)"),
    ],
)
def test_a_gap_or_an_infinity_in_a_numeric_feature_is_refused_naming_the_row(column, received):
    with pytest.raises(ConfigError, match=rf"Feature `views` must be a finite.*{received}"):
        TextDataset(TEXTS, LABELS, features={"views": column})


def test_the_row_is_named_by_file_and_line_when_the_dataset_knows_them():
    with pytest.raises(ConfigError, match=r"views\[2\]=nan \(m\.csv:4\)\. Fill the gaps"):
        TextDataset(
            TEXTS, LABELS, lines=[2, 3, 4], path="m.csv", features={"views": [1, 2, np.nan]}
        )


@pytest.mark.parametrize(
    "column",
    [["a", None, "b"], [None, None, None], ["a", "b", "c"], [True, False, True], [1, 2, 3]],
)
def test_categorical_and_finite_columns_pass(column):
    dataset = TextDataset(TEXTS, LABELS, features={"views": column})
    assert len(dataset.features["views"]) == 3
