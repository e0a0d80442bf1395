"""The `bilstm` family's default layers, timed per epoch on token ids (issue 10, part 9).

`bench/gpu_device.py` times them on the GPU (Keras 3 on its PyTorch backend:
cuDNN without a mask, Keras' step loop with one) and `bench/gpu_score.py
--cpu-bilstm` on this machine's CPU (TensorFlow backend), from the same
`.gpu/bilstm_ids.npz` (tmdb_genres vectorised by the family's own
`TextVectorization`). The layers are written out here rather than built by
`genreclf.models.build_model` because the GPU machine has no TensorFlow,
and genreclf's graph starts with TensorFlow's string ops.
"""

import time

import numpy as np

# (name, mask, use_cudnn, batch, rows timed): the step loops are slow, so
# they are timed on 30 batches and scaled to the epoch.
VARIANTS = (
    ("cudnn, no mask, batch 32", False, "auto", 32, None),
    ("cudnn, no mask, batch 256", False, "auto", 256, None),
    ("no cudnn, no mask, batch 32", False, False, 32, 32 * 30),
    ("masked (the family's graph), batch 32", True, "auto", 32, 32 * 30),
)


def bilstm_defaults(vocabulary_size, length, num_classes, mask=True, use_cudnn="auto"):
    """The `bilstm` family's default layers on token ids, in whichever Keras backend is set."""
    import keras

    text = keras.Input(shape=(length,), dtype="int32")
    x = keras.layers.Embedding(vocabulary_size, 384, mask_zero=mask)(text)
    x = keras.layers.SpatialDropout1D(0.1)(x)
    lstm = keras.layers.LSTM(64, return_sequences=True, use_cudnn=use_cudnn)
    x = keras.layers.Bidirectional(lstm)(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    x = keras.layers.Dense(num_classes, activation="sigmoid")(keras.layers.Dropout(0.2)(x))
    model = keras.Model(text, x)
    model.compile(keras.optimizers.AdamW(2e-3, weight_decay=1e-4), "binary_crossentropy")
    return model


def load_ids(data, limit=None):
    """`(ids, targets, vocabulary size)` from `bilstm_ids.npz` in `data`."""
    packed = np.load(data / "bilstm_ids.npz")
    ids = packed["ids"].astype("int32")[:limit]
    return ids, packed["targets"].astype("float32")[:limit], int(packed["vocabulary_size"])


def epoch_seconds(model, ids, targets, batch, rows=None, sync=None, epochs=3):
    """`(seconds per epoch of all `ids`, each epoch's seconds)`: the fastest after the first.

    Fits on the first `rows` rows (all by default) and scales to all of them;
    `sync()` (e.g. waiting for the GPU) runs at each epoch's ends.
    """
    import keras

    rows = min(rows or len(ids), len(ids))
    times = []

    class EpochTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if sync:
                sync()
            self.begin = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if sync:
                sync()
            times.append(time.perf_counter() - self.begin)

    model.fit(
        ids[:rows], targets[:rows], batch_size=batch, epochs=epochs, verbose=0,
        callbacks=[EpochTimes()],
    )  # fmt: skip
    return min(times[1:]) * len(ids) / rows, times


def bilstm_timings(data, rec, deadline, sync, limit=None):
    """Times `VARIANTS` in Keras 3 on its PyTorch backend; records them in `rec`.

    Args:
        data: the `.gpu` folder.
        rec: `gpu_recorder.Recorder` (results, log, elapsed time).
        deadline: seconds of `rec`'s clock after which variants are skipped.
        sync: waits for the GPU (run at each epoch's ends).
        limit: use only the first rows (a CPU smoke test).
    """
    import os

    os.environ["KERAS_BACKEND"] = "torch"
    import keras
    import torch

    ids, targets, vocabulary_size = load_ids(data, limit)
    rec.results["bilstm"] = {
        "rows": int(len(ids)),
        "max_length": int(ids.shape[1]),
        "keras": keras.__version__,
        "torch": torch.__version__,
        "cudnn": torch.backends.cudnn.version(),
        "variants": {},
    }
    for name, mask, use_cudnn, batch, rows in VARIANTS:
        if rec.elapsed() > deadline:
            rec.log(f"bilstm {name}: skipped, past the {deadline} s deadline")
            continue
        keras.utils.set_random_seed(0)
        model = bilstm_defaults(vocabulary_size, ids.shape[1], targets.shape[1], mask, use_cudnn)
        per_epoch, times = epoch_seconds(model, ids, targets, batch, rows, sync)
        rec.results["bilstm"]["variants"][name] = {
            "rows_timed": min(rows or len(ids), len(ids)),
            "epoch_seconds": round(per_epoch, 2),
            "timed_epochs_seconds": [round(t, 3) for t in times],
        }
        rec.save()
        rec.log(f"bilstm {name}: {per_epoch:.2f} s per epoch of {len(ids)} rows")
