import keras
import numpy as np
import pytest
import tensorflow as tf

from genreclf.models import build_model

TINY = dict(embedding_dim=4, lstm_units=4, max_length=12, max_tokens=50)


@pytest.mark.parametrize("multi_label", [False, True])
def test_scores_shape_and_activation(texts, multi_label):
    model = build_model("bilstm", 3, multi_label=multi_label, train_texts=texts, **TINY)
    scores = np.asarray(model({"text": tf.constant(texts)}))
    assert scores.shape == (len(texts), 3)
    if multi_label:
        assert ((scores > 0) & (scores < 1)).all()
    else:
        np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("pooling", ["last", "max", "mean", "mean_max"])
def test_pooling_variants_save_and_reload(texts, check_saving, pooling):
    model = build_model("bilstm", 2, train_texts=texts, pooling=pooling, **TINY)
    check_saving(model)


def test_lstm_keeps_cudnn_compatible_settings(texts):
    model = build_model("bilstm", 2, train_texts=texts, lstm_layers=2, **TINY)
    lstms = [l.forward_layer for l in model.layers if l.name.startswith("bilstm_")]
    assert len(lstms) == 2
    for lstm in lstms:
        assert lstm.activation.__name__ == "tanh"
        assert lstm.recurrent_activation.__name__ == "sigmoid"
        assert lstm.recurrent_dropout == 0 and not lstm.unroll and lstm.use_bias


def test_defaults_start_from_full_width_encoder_vectors():
    from genreclf.models import family_defaults

    defaults = family_defaults("bilstm")
    assert (defaults["embedding_dim"], defaults["lstm_units"], defaults["dropout"]) == (
        384,
        64,
        0.2,
    )
    assert defaults["train_embedding"] is True and defaults["embedding_skip"] is True


def test_a_frozen_embedding_keeps_its_starting_vectors(texts, check_saving):
    model = build_model(
        "bilstm", 2, train_texts=texts, train_embedding=False, embedding_init="random", **TINY
    )
    table = model.get_layer("embedding")
    assert not table.trainable
    assert all(v is not table.embeddings for v in model.trainable_variables)
    before = np.asarray(table.embeddings).copy()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(
        {"text": tf.constant(texts)},
        np.eye(2)[[i % 2 for i in range(len(texts))]],
        epochs=2,
        verbose=0,
    )
    np.testing.assert_array_equal(np.asarray(table.embeddings), before)
    restored = check_saving(model)
    assert not restored.get_layer("embedding").trainable


def test_bad_pooling_names_the_choices(texts):
    with pytest.raises(ValueError, match="Received: pooling='median'"):
        build_model("bilstm", 2, train_texts=texts, pooling="median", **TINY)


def test_word_dropout_zeroes_whole_tokens_in_training_only(texts, check_saving):
    model = build_model("bilstm", 2, train_texts=texts, word_dropout=0.5, **TINY)
    layer = model.get_layer("word_dropout")
    vectors = tf.ones((1, 40, 4))
    dropped = np.asarray(layer(vectors, training=True))[0]
    per_token = dropped.max(axis=1)
    assert ((dropped == 0).all(axis=1) | (dropped == 2).all(axis=1)).all()  # a token all or nothing
    assert 0 < (per_token == 0).sum() < 40
    np.testing.assert_array_equal(np.asarray(layer(vectors, training=False)), vectors)
    check_saving(model)


def test_embedding_skip_adds_the_mean_of_the_words_vectors(texts, check_saving):
    model = build_model("bilstm", 2, train_texts=texts, embedding_skip=True, **TINY)
    joined = model.get_layer("lstm_and_words")
    assert joined.output.shape[-1] == 2 * TINY["lstm_units"] + TINY["embedding_dim"]
    words = keras.Model(model.inputs, model.get_layer("embedding_mean_pool").output)
    ids = np.asarray(model.get_layer("text_vectorizer")(tf.constant([texts[0]])))[0]
    table = np.asarray(model.get_layer("embedding").embeddings)
    expected = table[ids[ids > 0]].mean(axis=0)  # padding (id 0) does not count
    np.testing.assert_allclose(
        np.asarray(words({"text": tf.constant([texts[0]])}))[0], expected, rtol=1e-5
    )
    scores = np.asarray(model({"text": tf.constant(["", texts[1]])}))
    assert np.isfinite(scores).all()  # an empty text pools to zeros, not NaN
    check_saving(model)
