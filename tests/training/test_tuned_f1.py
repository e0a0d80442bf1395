import keras
import numpy as np
import tensorflow as tf

from genreclf.training.tuned_f1 import TunedThresholdF1


def test_logs_macro_f1_at_tuned_thresholds_even_when_0_5_predicts_nothing():
    texts = tf.constant(["a", "b", "c", "d"])
    targets = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype="float32")

    class LowScores(keras.Model):  # every score below 0.5, but perfectly ranked
        def call(self, inputs):
            is_a_or_b = tf.cast(tf.strings.regex_full_match(inputs["text"], "[ab]"), "float32")
            return tf.stack([0.1 + 0.2 * is_a_or_b, 0.3 - 0.2 * is_a_or_b], axis=1)

    callback = TunedThresholdF1({"text": texts}, targets)
    callback.set_model(LowScores())
    logs = {}
    callback.on_epoch_end(0, logs)
    assert logs["val_tuned_macro_f1"] == 1.0
