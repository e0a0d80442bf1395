"""`genreclf.tuning.trial_config`: a trial's values as a `TrainConfig` dictionary."""

from genreclf.tuning.trial_config import config_from_values


def test_config_from_values_fills_family_defaults():
    config = config_from_values("transformer", {"num_heads": 2, "batch_size": 8}, max_epochs=4)
    assert config["model_config"] == {"num_heads": 2}
    assert (config["lr"], config["batch_size"], config["epochs"]) == (5e-4, 8, 4)
    assert config_from_values("ngram", {"epochs": 50}, max_epochs=4)["epochs"] == 4


def test_the_hypermodel_module_still_offers_it():
    from genreclf.tuning import hypermodel

    assert hypermodel.config_from_values is config_from_values
