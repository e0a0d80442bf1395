"""A conditional entry's `when` must name an argument of the search: a parent named
wrong left its entry silently never sampled; it is now refused before any trial."""

import json

import pytest

from genreclf.errors import ConfigError
from genreclf.tuning import FamilyHyperModel
from genreclf.tuning.cli import parse_space
from genreclf.tuning.conditional import search_conditions


def test_a_given_when_naming_no_argument_is_refused_before_any_trial(sample_data, tiny_ngram):
    _, train, _ = sample_data
    args = {k: v for k, v in tiny_ngram.items() if k != "hidden_dim"}
    space = parse_space(['dropout={"min": 0.1, "max": 0.5, "when": {"hiden_dim": [16]}}'])
    with pytest.raises(ConfigError) as info:
        FamilyHyperModel("ngram", train, max_epochs=2, hidden_dim=[0, 16], **space, **args)
    message = str(info.value)
    assert "Received: dropout when={'hiden_dim': [16]}" in message
    assert "so dropout would never be sampled" in message
    assert "Did you mean 'hidden_dim' for 'hiden_dim'?" in message
    # The arguments it could name: the family's settings and the training arguments.
    assert all(f"'{name}'" in message for name in ("hidden_dim", "ngrams", "lr", "schedule"))


def test_a_declared_when_naming_no_setting_is_refused(sample_data, tiny_ngram, monkeypatch):
    import genreclf.tuning.search_space as search_space

    _, train, _ = sample_data
    declared = {"dropout": {"min": 0.1, "max": 0.5, "when": {"layers": [2]}}}
    monkeypatch.setattr(search_space, "declared_space", lambda family: declared)
    with pytest.raises(ConfigError, match=r"dropout when=\{'layers': \[2\]\}, and 'layers' is"):
        FamilyHyperModel("ngram", train, max_epochs=2, **tiny_ngram)


@pytest.mark.parametrize("parent", ["hidden_dim", "schedule", "lr"])
def test_a_when_naming_a_setting_or_training_argument_is_kept(parent):
    given = {"dropout": {"min": 0.1, "max": 0.5, "when": {parent: [16]}}, "lr": None}
    assert search_conditions("ngram", given, known={"schedule"}) == {"dropout": (parent, [16])}


def test_a_when_on_an_unsearched_training_argument_reads_its_training_default(
    sample_data, tiny_ngram
):
    """ngram trains with a constant schedule by default: a `when` on it samples its entry
    (it read the parent among the model's defaults only, found nothing, never sampled it)."""
    import keras_tuner

    _, train, _ = sample_data
    args = {k: v for k, v in tiny_ngram.items() if k != "hidden_dim"}
    for allowed, sampled in ((["constant"], True), (["cosine"], False)):
        space = parse_space(
            [f'dropout={{"min": 0.1, "max": 0.5, "when": {{"schedule": {json.dumps(allowed)}}}}}']
        )
        hypermodel = FamilyHyperModel(
            "ngram", train, max_epochs=2, search_defaults=False, **space, **args
        )
        config = hypermodel.trial_config(keras_tuner.HyperParameters())
        assert config["schedule"] == "constant"
        assert ("dropout" in config["model_config"]) is sampled
