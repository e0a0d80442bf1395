import numpy as np
import tensorflow as tf

from genreclf.models import build_model

TINY = dict(
    embedding_dim=8, num_heads=2, intermediate_dim=8, max_length=12, num_layers=1, max_tokens=50
)


def test_builds_with_keras_hub_layers_and_reloads(texts, check_saving):
    model = build_model("transformer", 4, train_texts=texts, **TINY)
    names = {type(layer).__name__ for layer in model.layers}
    assert {"TokenAndPositionEmbedding", "TransformerEncoder"} <= names
    scores = np.asarray(model({"text": tf.constant(texts)}))
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    check_saving(model)
