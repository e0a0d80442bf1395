import numpy as np
import pytest
import tensorflow as tf

from genreclf.models import build_model


@pytest.mark.parametrize("hidden_dim", [0, 8])
def test_builds_and_reloads(texts, check_saving, hidden_dim):
    model = build_model("ngram", 3, multi_label=True, train_texts=texts, max_tokens=64, hidden_dim=hidden_dim)
    assert np.asarray(model({"text": tf.constant(texts)})).shape == (len(texts), 3)
    check_saving(model)


def test_vectorizer_uses_bigrams_and_tf_idf(texts):
    model = build_model("ngram", 2, train_texts=texts, max_tokens=500)
    vectorizer = model.get_layer("text_vectorizer")
    vocabulary = vectorizer.get_vocabulary()
    assert "haunted house" in vocabulary
    assert vectorizer.get_config()["output_mode"] == "tf_idf"


@pytest.mark.parametrize("mode", ["multi_hot", "count"])
def test_integer_vector_modes_train(texts, mode):
    model = build_model("ngram", 2, train_texts=texts, max_tokens=64, mode=mode)
    model.compile("adam", "categorical_crossentropy")
    y = np.eye(2, dtype="float32")[[0, 1, 0, 1, 0, 1]]
    model.fit({"text": tf.constant(texts)}, y, epochs=1, verbose=0)
    assert np.isfinite(np.asarray(model({"text": tf.constant(texts)}))).all()
