import keras

from genreclf.training.optimizers import make_optimizer


def test_no_weight_decay_on_biases_norms_and_embeddings():
    inputs = keras.Input(shape=(3,), dtype="int32")
    x = keras.layers.Embedding(10, 4)(inputs)
    x = keras.layers.LayerNormalization()(x)
    x = keras.layers.Dense(2)(x)
    model = keras.Model(inputs, x)
    optimizer = make_optimizer(1e-3, weight_decay=0.1)
    optimizer.build(model.trainable_variables)
    decayed = {v.name for v in model.trainable_variables if optimizer._use_weight_decay(v)}
    assert decayed == {"kernel"}
