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


def test_feature_columns_beside_augment_rows_are_refused_before_any_folder(tmp_path):
    # The generated rows have no feature values: training failed on joining them, after
    # the run folder was made, with "Cannot concatenate datasets with different feature
    # columns".
    augment = tmp_path / "aug.jsonl"
    augment.write_text('{"text": "A gunslinger rides into town.", "labels": ["western"]}\n')
    with pytest.raises(ConfigError, match=r"--augment adds generated rows .* \['year'\]") as error:
        genreclf.train(
            genreclf.sample_path(),
            text="overview",
            label="genre",
            model="hybrid",
            features=["year"],
            augment=augment,
            out=tmp_path / "run",
        )
    assert "Drop --augment" in str(error.value)
    assert not (tmp_path / "run").exists()


def test_max_length_for_a_family_that_reads_whole_texts_is_named_as_unused(caplog):
    # ngram dropped --max-length without a word; config.json recorded it.
    from genreclf.training.family_options import warn_unused_max_length

    with caplog.at_level("WARNING", logger="genreclf.training"):
        assert warn_unused_max_length(TrainConfig(model="ngram", max_length=64))
    assert "'ngram' reads every word of a text" in caplog.text
    assert "max_length=64 (`--max-length`) has no effect" in caplog.text
    for model in ("bilstm", "transformer", "pretrained", "stack", "hybrid"):
        assert not warn_unused_max_length(TrainConfig(model=model, max_length=64))
    assert not warn_unused_max_length(TrainConfig(model="ngram"))
