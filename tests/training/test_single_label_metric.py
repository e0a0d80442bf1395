"""`check_single_label_metric`: one rule refuses `tuned_macro_f1` on single-label data,
for training's `monitor` and for a search's `objective`, each in its own words."""

import pytest

from genreclf.errors import ConfigError
from genreclf.training.config import TrainConfig
from genreclf.training.recipe import Recipe
from genreclf.tuning.objective import check_objective

MONITOR = (
    "Expected a metric single-label training logs: tuned_macro_f1 is multi-label only (no "
    "thresholds to tune). Received: monitor={!r} on single-label data. Pass "
    "monitor='val_macro_f1' or leave it out (None)."
)
OBJECTIVE = (
    "Expected an objective single-label trials log: val_tuned_macro_f1 is multi-label only "
    "(a single-label answer is the top score; no thresholds are tuned). Received: "
    "objective='val_tuned_macro_f1' on single-label data. Pass --objective val_macro_f1 "
    "(or auto)."
)


@pytest.mark.parametrize("monitor", ["val_tuned_macro_f1", "tuned_macro_f1"])
def test_a_single_label_recipe_refuses_a_tuned_monitor(monitor):
    import genreclf

    data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    cfg = TrainConfig(model="ngram")
    with pytest.raises(ConfigError) as info:
        Recipe(cfg, data, data.vocabulary(), monitor=monitor)
    assert str(info.value) == MONITOR.format(monitor)


def test_a_single_label_search_refuses_the_tuned_objective():
    with pytest.raises(ConfigError) as info:
        check_objective("val_tuned_macro_f1", multi_label=False)
    assert str(info.value) == OBJECTIVE
    check_objective("val_tuned_macro_f1", multi_label=True)
