"""Quality and speed of genreclf's model families beside TF-IDF + logistic regression.

Protocol, the same for every row of the table: each shared training file is
split once (stratified, seed 0) into 85% train and a 15% held-out split carved
from it; every model — genreclf's (which carve their own validation split from
the 85% for early stopping and multi-label thresholds) and scikit-learn's
baselines — is scored on the same held-out rows with the same report code.

Baselines, fitted in the same run:
- `tfidf+lr`: TfidfVectorizer(1–2-grams, sublinear tf, min_df=2) + LogisticRegression
  (one-vs-rest for multi-label, 0.5 threshold): the textbook baseline;
- `tfidf+lr tuned`: the same with class_weight="balanced" and, for multi-label,
  per-class thresholds tuned on a validation split — the stronger baseline.

Also times one BiLSTM epoch of genreclf against the same architecture written
in plain Keras (interleaved repeats, median epoch time after the first).

Usage: python bench/quality.py [--datasets tmdb_genres,...] [--models ngram,bilstm,transformer]
"""

import argparse
import os
import pathlib
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(os.environ.get("GENRECLF_SHARED_DATA", REPO.parent / "shared" / "data"))

DATASETS = {
    "tmdb_genres": dict(path="tmdb_genres/train.csv", text="overview", label="genres", sep="|",
                        multi_label=True, max_length=128),
    "imdb_genre27": dict(path="imdb_genre27/train_data.txt", format="kaggle-genre", max_length=200),
    "movielens_plots": dict(path="movielens_plots/train.csv", text="plot", label="tag", max_length=256),
}
MODEL_EPOCHS = {"ngram": 20, "bilstm": 15, "transformer": 15}


def load(name):
    from genreclf.data import load_dataset

    spec = dict(DATASETS[name])
    path, max_length = DATA / spec.pop("path"), spec.pop("max_length")
    return load_dataset(path, **spec), max_length


def baseline(train, test, vocabulary, tuned):
    """TF-IDF + logistic regression; returns (scores on test, fit seconds)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    from genreclf.data import train_val_split
    from genreclf.metrics import tune_thresholds

    start = time.perf_counter()
    fit_set, val_set = train_val_split(train, 0.1, seed=0) if tuned and train.multi_label else (train, None)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_features=200000)
    x = vectorizer.fit_transform(fit_set.texts)
    y = fit_set.targets(vocabulary)
    lr = LogisticRegression(max_iter=2000, class_weight="balanced" if tuned else None)
    if train.multi_label:
        model = OneVsRestClassifier(lr, n_jobs=1).fit(x, y)
        thresholds = 0.5
        if tuned:
            val_scores = model.predict_proba(vectorizer.transform(val_set.texts))
            thresholds = tune_thresholds(val_set.targets(vocabulary), val_scores)
    else:
        model = lr.fit(x, y.argmax(axis=1))
        thresholds = None
    seconds = time.perf_counter() - start
    scores = model.predict_proba(vectorizer.transform(test.texts))
    if not train.multi_label:  # columns for classes absent from training stay 0
        full = np.zeros((len(test), vocabulary.num_classes), dtype="float32")
        full[:, model.classes_] = scores
        scores = full
    return scores, thresholds, seconds


def row(name, model, report, seconds, multi_label):
    return {
        "dataset": name,
        "model": model,
        "macro_f1": report["macro_f1"],
        "micro_or_acc": report["micro_f1"] if multi_label else report["accuracy"],
        "rare_f1": report["rare_macro_f1"],
        "fit_s": seconds,
    }


def run_dataset(name, models, workdir):
    import genreclf
    from genreclf.data import train_val_split
    from genreclf.evaluation import score_dataset
    from genreclf.metrics import classification_report

    dataset, max_length = load(name)
    train, test = train_val_split(dataset, 0.15, seed=0)
    vocabulary = dataset.vocabulary()
    rows = []
    for tuned in (False, True):
        scores, thresholds, seconds = baseline(train, test, vocabulary, tuned)
        report = classification_report(test.targets(vocabulary), scores, vocabulary, thresholds=thresholds)
        rows.append(row(name, "tfidf+lr tuned" if tuned else "tfidf+lr", report, seconds, dataset.multi_label))
        print(_format([rows[-1]], header=False), flush=True)
    for model in models:
        start = time.perf_counter()
        run = genreclf.train(train, model=model, epochs=MODEL_EPOCHS[model], max_length=max_length,
                             out=workdir / f"{name}-{model}", verbose=0)
        seconds = time.perf_counter() - start
        if run.vocabulary != vocabulary:
            raise RuntimeError(f"{name}: the run's labels differ from the dataset's")
        report = score_dataset(run, test, classification_report)
        rows.append(row(name, f"genreclf {model}", report, seconds, dataset.multi_label))
        print(_format([rows[-1]], header=False), flush=True)
    return rows


def time_bilstm_epoch(repeats=3, rows=2000):
    """Median seconds of one BiLSTM epoch: genreclf vs the same model in plain Keras."""
    import keras
    import tensorflow as tf

    from genreclf.data import make_tf_dataset
    from genreclf.metrics import MacroF1
    from genreclf.models import build_model
    from genreclf.training.losses import make_loss
    from genreclf.training.optimizers import make_optimizer

    dataset, _ = load("imdb_genre27")
    dataset = dataset.subset(range(rows))
    vocabulary = dataset.vocabulary()
    y = dataset.targets(vocabulary)
    k = vocabulary.num_classes

    def genreclf_model():
        model = build_model("bilstm", k, train_texts=dataset.texts, max_length=200, pooling="last",
                            spatial_dropout=0.0)
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


def _format(rows, header=True):
    lines = []
    if header:
        lines.append(f"| {'dataset':<16} | {'model':<22} | macro-F1 | micro-F1/acc | rare-F1 | fit s |")
        lines.append(f"|{'-' * 18}|{'-' * 24}|---------:|-------------:|--------:|------:|")
    for r in rows:
        lines.append(
            f"| {r['dataset']:<16} | {r['model']:<22} | {r['macro_f1']:8.4f} | {r['micro_or_acc']:12.4f} "
            f"| {r['rare_f1']:7.4f} | {r['fit_s']:5.0f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--models", default=",".join(MODEL_EPOCHS))
    parser.add_argument("--skip-timing", action="store_true")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"bench/quality.py needs the shared datasets at {DATA}; not found.")
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            rows += run_dataset(name, args.models.split(","), pathlib.Path(tmp))
    print("\n" + _format(rows))
    if not args.skip_timing:
        times = time_bilstm_epoch()
        ratio = times["genreclf"] / times["plain keras"]
        print(f"\nBiLSTM epoch (2,000 rows, batch 32, median of 3): genreclf {times['genreclf']:.2f}s, "
              f"plain Keras {times['plain keras']:.2f}s, ratio {ratio:.2f} (target <= 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
