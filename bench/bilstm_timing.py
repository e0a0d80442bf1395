"""One BiLSTM epoch: genreclf beside the same architecture in plain Keras.

Interleaved repeats; the median of the second epoch's time (the first
includes tracing). Target: genreclf ≤ 1.10 × plain Keras.

Usage: python bench/bilstm_timing.py
"""

import os
import pathlib
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(os.environ.get("GENRECLF_SHARED_DATA", REPO.parent / "shared" / "data"))


def time_bilstm_epoch(repeats=3, rows=2000):
    """Median seconds of one BiLSTM epoch: genreclf vs the same model in plain Keras."""
    import keras
    import tensorflow as tf

    from genreclf.data import load_dataset
    from genreclf.data import make_tf_dataset
    from genreclf.metrics import MacroF1
    from genreclf.models import build_model
    from genreclf.training.losses import make_loss
    from genreclf.training.optimizers import make_optimizer

    dataset = load_dataset(DATA / "imdb_genre27/train_data.txt", format="kaggle-genre")
    dataset = dataset.subset(range(rows))
    vocabulary = dataset.vocabulary()
    y = dataset.targets(vocabulary)
    k = vocabulary.num_classes

    def genreclf_model():
        model = build_model(
            "bilstm",
            k,
            train_texts=dataset.texts,
            max_length=200,
            pooling="last",
            spatial_dropout=0.0,
        )
        model.compile(make_optimizer(1e-3), make_loss(False), metrics=[MacroF1(k)])
        return model, make_tf_dataset(dataset, vocabulary, batch_size=32, shuffle=True)

    def plain_keras_model():  # the seed architecture in ten lines of plain Keras
        vectorize = keras.layers.TextVectorization(max_tokens=20000, output_sequence_length=200)
        vectorize.adapt(tf.data.Dataset.from_tensor_slices(dataset.texts).batch(1024))
        text = keras.Input(shape=(), dtype="string")
        x = keras.layers.Embedding(20000, 128, mask_zero=True)(vectorize(text))
        x = keras.layers.Bidirectional(keras.layers.LSTM(64))(x)
        x = keras.layers.Dense(k, activation="softmax")(keras.layers.Dropout(0.5)(x))
        model = keras.Model(text, x)
        model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
        data = tf.data.Dataset.from_tensor_slices((dataset.texts, y)).shuffle(rows).batch(32)
        return model, data.prefetch(tf.data.AUTOTUNE)

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self.start)

    times = {"genreclf": [], "plain keras": []}
    for _ in range(repeats):
        for name, make in (("genreclf", genreclf_model), ("plain keras", plain_keras_model)):
            keras.backend.clear_session()
            model, data = make()
            timer = EpochTimer()
            timer.times = []
            model.fit(data, epochs=2, verbose=0, callbacks=[timer])
            times[name].append(timer.times[1])  # the first epoch includes tracing
    return {name: float(np.median(values)) for name, values in times.items()}


def main():
    if not DATA.is_dir():
        print(f"bench/bilstm_timing.py needs the shared datasets at {DATA}; not found.")
        return 0
    times = time_bilstm_epoch()
    ratio = times["genreclf"] / times["plain keras"]
    print(
        f"BiLSTM epoch (2,000 rows, batch 32, median of 3): genreclf {times['genreclf']:.2f}s, "
        f"plain Keras {times['plain keras']:.2f}s, ratio {ratio:.2f} (target <= 1.10)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
