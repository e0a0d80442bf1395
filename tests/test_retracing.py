"""`genreclf.retracing`: a notebook that loads a few models reads no retracing warning for them."""

import logging

import numpy as np


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_new_models_predict_without_the_warning_and_a_users_function_keeps_it():
    import keras
    import tensorflow as tf

    import genreclf  # noqa: F401  (installs the filter)

    records = Records()
    logger = logging.getLogger("tensorflow")
    level = logger.level  # the CLI's tests, run in this process, may have raised it
    logger.setLevel(logging.WARNING)
    logger.addHandler(records)
    try:
        for size in range(1, 8):  # a new model each time, as load_run in a loop
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
            model.predict(np.zeros((size, 3)), verbose=0)

        @tf.function
        def step(x):
            return x + 1

        for size in range(1, 8):  # the user's own function, retraced for each shape
            step(tf.zeros([size]))
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)
    retracing = [m for m in records.messages if "triggered tf.function retracing" in m]
    assert retracing, "the user's function was retraced 7 times: TensorFlow warns of it"
    assert not [m for m in retracing if "make_predict_function" in m]
    assert all("step" in m for m in retracing)
