"""`Run.trained_on` takes a dataset or texts, as `predict` takes them."""

import numpy as np
import pandas as pd
import pytest

import genreclf
from genreclf.errors import ConfigError


def test_texts_give_the_mask_their_dataset_gives(trained_run):
    frame = pd.read_csv(genreclf.sample_path()).iloc[::-1]  # an index that runs backwards
    frame = pd.concat(
        [frame, pd.DataFrame({"overview": ["A text no run has read."], "genre": ["drama"]})]
    )
    expected = trained_run.trained_on(genreclf.TextDataset(frame["overview"], frame["genre"]))
    assert 0 < expected.sum() < len(frame) and not expected[-1]
    np.testing.assert_array_equal(trained_run.trained_on(frame["overview"]), expected)
    np.testing.assert_array_equal(trained_run.trained_on(frame["overview"].tolist()), expected)
    np.testing.assert_array_equal(trained_run.trained_on(frame["overview"].to_numpy()), expected)
    np.testing.assert_array_equal(trained_run.trained_on(frame["overview"].iloc[0]), expected[:1])


def test_a_dataframe_or_no_texts_are_refused_saying_what_to_pass(trained_run):
    frame = pd.read_csv(genreclf.sample_path())
    with pytest.raises(ConfigError, match=r"run.trained_on\(df\['overview'\]\)"):
        trained_run.trained_on(frame)
    with pytest.raises(ConfigError, match=r"Received: None"):
        trained_run.trained_on(None)
