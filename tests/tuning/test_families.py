import keras_tuner
import pytest
import tensorflow as tf

from genreclf.tuning import BiLSTMHyperModel
from genreclf.tuning import FamilyHyperModel
from genreclf.tuning import NgramHyperModel
from genreclf.tuning import TransformerHyperModel
from genreclf.tuning import make_hypermodel

TINY = {
    BiLSTMHyperModel: {"embedding_dim": 4, "lstm_units": 4, "max_length": 8, "max_tokens": 200},
    TransformerHyperModel: {
        "embedding_dim": 8,
        "num_heads": 2,
        "intermediate_dim": 8,
        "num_layers": 1,
        "max_length": 8,
        "max_tokens": 200,
    },
    NgramHyperModel: {"max_tokens": 200},
}


@pytest.mark.parametrize("cls", list(TINY), ids=lambda c: c.__name__)
def test_each_family_builds_and_predicts(cls, sample_data):
    _, train, _ = sample_data
    hypermodel = cls(train, **TINY[cls])
    hp = keras_tuner.HyperParameters()
    model = hypermodel.build(hp)
    scores = model({"text": tf.constant(["A detective hunts a killer."])})
    assert scores.shape == (1, train.vocabulary().num_classes)
    assert hypermodel.trial_config(hp)["model"] == hypermodel.family


def test_default_space_names_the_family_arguments(sample_data):
    _, train, _ = sample_data
    space = BiLSTMHyperModel(train).space
    assert {
        "embedding_dim",
        "lstm_units",
        "lstm_layers",
        "dropout",
        "max_length",
        "lr",
        "weight_decay",
        "schedule",
        "batch_size",
        "class_weight",
        "epochs",
    } <= set(space)
    assert {"num_heads", "num_layers"} <= set(TransformerHyperModel(train).space)


def test_transformer_search_samples_both_layer_norm_placements(sample_data):
    _, train, _ = sample_data
    hypermodel = TransformerHyperModel(train, **TINY[TransformerHyperModel])
    default = keras_tuner.HyperParameters()
    assert hypermodel.build(default).get_layer("transformer_encoder_0").normalize_first is True
    hp = keras_tuner.HyperParameters()
    hp.Fixed("normalize_first", False)  # a trial that drew the seed's post-LN blocks
    model = hypermodel.build(hp)
    assert model.get_layer("transformer_encoder_0").normalize_first is False
    assert hypermodel.trial_config(hp)["model_config"]["normalize_first"] is False


def test_make_hypermodel_reads_the_family_declaration(sample_data):
    from genreclf.models import get_family

    _, train, _ = sample_data
    hypermodel = make_hypermodel("bilstm", train)
    assert type(hypermodel) is FamilyHyperModel
    # The space is the declaration: the wrapper class and make_hypermodel agree.
    declared = get_family("bilstm").search_space
    assert set(declared) <= set(hypermodel.space)
    assert hypermodel.space.keys() == BiLSTMHyperModel(train).space.keys()
    generic = FamilyHyperModel("ngram", train, mode="count")
    assert generic.space["mode"] == "count"


def test_self_fitting_configurations_are_refused(sample_data):
    from genreclf.errors import ConfigError

    _, train, _ = sample_data
    with pytest.raises(ConfigError, match="fits itself.*Received: model='ngram'.*solver=adamw"):
        FamilyHyperModel("ngram", train, solver="lbfgs", max_tokens=200)


def test_hybrid_learning_rate_is_a_factor_of_its_encoders_default(sample_data):
    import keras_tuner

    _, train, _ = sample_data
    lora = make_hypermodel("hybrid", train, encoder="pretrained", mode="lora")
    hp = keras_tuner.HyperParameters()
    hp.Fixed("lr_factor", 2.0)
    assert lora.trial_config(hp)["lr"] == pytest.approx(2e-3)  # 2 x LoRA's 1e-3
    assert make_hypermodel("hybrid", train).trial_config(hp)["lr"] == pytest.approx(4e-3)
