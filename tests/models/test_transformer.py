import numpy as np
import pytest
import tensorflow as tf

from genreclf.models import build_model

TINY = dict(
    word_dim=16,
    embedding_dim=8,
    num_heads=2,
    intermediate_dim=8,
    max_length=12,
    num_layers=1,
    max_tokens=50,
    embedding_init="random",
)


def _layer_types(model):
    return {type(layer).__name__ for layer in model.layers}


def test_builds_with_keras_hub_layers_and_reloads(texts, check_saving):
    model = build_model("transformer", 4, train_texts=texts, **TINY)
    assert {"Embedding", "PositionEmbedding", "TransformerEncoder"} <= _layer_types(model)
    # The word vectors (width 16) are projected to the model's width (8).
    assert model.get_layer("embedding").embeddings.shape[1] == 16
    assert model.get_layer("word_projection").kernel.shape == (16, 8)
    scores = np.asarray(model({"text": tf.constant(texts)}))
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    check_saving(model)


def test_word_dim_0_builds_the_seed_layout(texts, check_saving, caplog):
    model = build_model("transformer", 4, train_texts=texts, **{**TINY, "word_dim": 0})
    assert "TokenAndPositionEmbedding" in _layer_types(model)
    assert "word_projection" not in {layer.name for layer in model.layers}
    check_saving(model)
    batch = {"text": tf.constant(["a ghost", "", "zzzz qqqq"])}
    before = np.asarray(model(batch))
    # The padding mask goes to the blocks explicitly: no keras-hub warning that
    # a built-in mask is ignored, and the padding id's vector changes nothing.
    assert "padding_mask" not in caplog.text
    table = model.get_layer("token_and_position_embedding").token_embedding.embeddings
    table.assign(tf.tensor_scatter_nd_update(table, [[0]], [tf.fill([table.shape[1]], 50.0)]))
    np.testing.assert_allclose(np.asarray(model(batch)), before, atol=1e-5)


@pytest.mark.parametrize("pooling", ["mean", "max", "mean_max"])
def test_padding_never_reaches_the_scores(texts, pooling):
    model = build_model("transformer", 3, train_texts=texts, **{**TINY, "pooling": pooling})
    batch = {"text": tf.constant(["a ghost", "", "zzzz qqqq"])}
    before = np.asarray(model(batch))
    assert np.isfinite(before).all()
    # Whatever the padding id's vector, a short text scores the same.
    table = model.get_layer("embedding").embeddings
    table.assign(tf.tensor_scatter_nd_update(table, [[0]], [tf.fill([16], 50.0)]))
    np.testing.assert_allclose(np.asarray(model(batch)), before, atol=1e-5)


def test_an_unknown_pooling_says_which_exist(texts):
    with pytest.raises(ValueError, match="Received: pooling='last'"):
        build_model("transformer", 3, train_texts=texts, **{**TINY, "pooling": "last"})


def test_the_default_blocks_are_pre_layer_norm_with_a_final_norm(texts, check_saving):
    model = build_model("transformer", 3, train_texts=texts, **TINY)
    block = model.get_layer("transformer_encoder_0")
    assert block.normalize_first is True and block.get_config()["normalize_first"] is True
    # Pre-LN blocks add to an unnormalised residual stream: one norm closes it.
    assert model.get_layer("encoder_output_norm").output.shape[-1] == TINY["embedding_dim"]
    assert np.isfinite(np.asarray(model({"text": tf.constant(["", texts[0]])}))).all()
    check_saving(model)


def test_normalize_first_false_builds_the_seeds_post_layer_norm_blocks(texts):
    model = build_model("transformer", 3, train_texts=texts, **TINY, normalize_first=False)
    assert model.get_layer("transformer_encoder_0").normalize_first is False
    assert "encoder_output_norm" not in {layer.name for layer in model.layers}
