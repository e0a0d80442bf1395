"""What a family cannot honour of a run's options (`genreclf.training.family_options`)."""

import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.training import TrainConfig
from genreclf.training.family_options import check_family_options


@pytest.mark.parametrize(
    "model, columns",
    [("ngram", {"features": ["year"]}), ("bilstm", {"categorical": ["genre"]})],
)
def test_feature_columns_for_a_text_only_family_are_refused_before_any_file(
    tmp_path, model, columns
):
    # They were recorded in config.json and never read: the model trained on the text alone.
    with pytest.raises(
        ConfigError, match=rf"{model!r} reads the text only\. Received: model={model!r}, "
    ) as error:
        genreclf.train(
            genreclf.sample_path(), text="overview", model=model, out=tmp_path / "run", **columns
        )
    assert "Train --model hybrid" in str(error.value)
    assert not (tmp_path / "run").exists()


def test_feature_columns_are_taken_by_a_family_with_feature_inputs():
    check_family_options(TrainConfig(model="hybrid", features=["year"]))
    check_family_options(TrainConfig(model="ngram", features=[]))
