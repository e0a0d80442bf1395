"""`check_features`: the features passed beside texts to a hybrid model."""

import keras
import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.model_features import check_features


@pytest.fixture(scope="module")
def hybrid_like():
    inputs = {
        "text": keras.Input((), dtype="string", name="text"),
        "views": keras.Input((), name="views"),
    }
    return keras.Model(inputs, keras.layers.Reshape((1,))(inputs["views"]))


def test_a_one_column_array_is_one_value_per_text(hybrid_like):
    column = np.array([[1.0], [2.0], [3.0]])  # frame[["views"]].to_numpy()
    assert check_features({"views": column}, hybrid_like, 3)["views"].tolist() == [1.0, 2.0, 3.0]


def test_only_a_single_value_is_offered_repetition_as_the_fix(hybrid_like):
    with pytest.raises(ConfigError, match=r"Pass e.g. features=\{'views': \[3.0\] \* 2\}"):
        check_features({"views": 3.0}, hybrid_like, 2)
    with pytest.raises(ConfigError, match=r"Pass one value per text, in the texts' order\.$"):
        check_features({"views": [1.0, 2.0, 3.0]}, hybrid_like, 2)


def test_features_left_out_or_misnamed_are_refused(hybrid_like):
    with pytest.raises(ConfigError, match=r"also reads the features \['views'\]"):
        check_features(None, hybrid_like, 1)
    with pytest.raises(ConfigError, match=r"unknown: \['veiws'\], missing: \['views'\]"):
        check_features({"veiws": [1.0]}, hybrid_like, 1)


def test_a_text_only_model_leaves_features_aside():
    text = keras.Input((), dtype="string", name="text")
    model = keras.Model({"text": text}, keras.layers.Lambda(lambda t: keras.ops.ones((1,)))(text))
    assert check_features({"views": [1.0]}, model, 1) == {}


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_value_that_is_not_finite_is_refused_naming_its_text(hybrid_like, bad):
    # A hybrid run scored NaN for it and still named a label.
    with pytest.raises(ConfigError, match=rf"Received: features\['views'\]\[1\]={bad!r}\."):
        check_features({"views": [1994.0, bad]}, hybrid_like, 2)
    assert check_features({"views": [1994, 2001]}, hybrid_like, 2)["views"].tolist() == [1994, 2001]


def test_a_dataframe_is_its_columns_paired_with_the_texts_by_position(hybrid_like):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"views": [3.0, 4.0, 5.0], "title": list("abc")}, index=[9, 2, 5])
    assert check_features(frame[["views"]], hybrid_like, 3)["views"].tolist() == [3.0, 4.0, 5.0]
    assert check_features(frame["views"], hybrid_like, 3)["views"].tolist() == [3.0, 4.0, 5.0]
    # The whole frame: its model's columns (the others, a title, are not read).
    assert check_features(frame, hybrid_like, 3)["views"].tolist() == [3.0, 4.0, 5.0]
    with pytest.raises(ConfigError, match=r"unknown: \['title'\], missing: \['views'\]"):
        check_features(frame[["title"]], hybrid_like, 3)
    with pytest.raises(ConfigError, match=r"features\['views'\] must hold one value per text"):
        check_features(frame[["views"]], hybrid_like, 2)  # the lengths are still checked
    with pytest.raises(ConfigError, match=r"Received: a Series without a name"):
        check_features(pd.Series([3.0, 4.0, 5.0]), hybrid_like, 3)
    twice = pd.concat([frame[["views"]], frame[["views"]]], axis=1)
    with pytest.raises(ConfigError, match=r"\['views'\] more than once"):
        check_features(twice, hybrid_like, 3)
