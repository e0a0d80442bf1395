import os

import keras
import numpy as np
import pytest
from sklearn.metrics import f1_score

import genreclf.metrics  # noqa: F401  (registers the metrics for loading)
from genreclf.errors import ConfigError
from genreclf.metrics import MacroF1
from genreclf.metrics import MacroPrecision
from genreclf.metrics import MacroRecall
from genreclf.metrics import MicroF1
from genreclf.metrics import WeightedF1

NUM_CLASSES = 5
F1_CLASSES = {"macro": MacroF1, "micro": MicroF1, "weighted": WeightedF1}
ALL_METRICS = (MacroF1, MicroF1, WeightedF1, MacroPrecision, MacroRecall)


def single_label_data(seed, n=90, k=NUM_CLASSES):
    rng = np.random.default_rng(seed)
    # Skewed class frequencies, so macro, micro and weighted differ.
    labels = rng.choice(k, size=n, p=np.arange(1, k + 1) / np.sum(np.arange(1, k + 1)))
    y_true = np.eye(k, dtype="float32")[labels]
    scores = rng.random((n, k)).astype("float32") + 0.8 * y_true
    return y_true, scores / scores.sum(axis=1, keepdims=True)


def multi_label_data(seed, n=90, k=NUM_CLASSES):
    rng = np.random.default_rng(seed)
    y_true = (rng.random((n, k)) < np.linspace(0.1, 0.6, k)).astype("float32")
    scores = np.clip(0.6 * rng.random((n, k)) + 0.35 * y_true, 0, 1).astype("float32")
    return y_true, scores


def stream(metric, y_true, scores, batch_size=16, sample_weight=None):
    for start in range(0, len(y_true), batch_size):
        end = start + batch_size
        metric.update_state(
            y_true[start:end],
            scores[start:end],
            None if sample_weight is None else sample_weight[start:end],
        )
    return float(metric.result())


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_single_label_matches_sklearn_over_batches(average, seed):
    y_true, scores = single_label_data(seed)
    expected = f1_score(
        y_true.argmax(1),
        scores.argmax(1),
        labels=list(range(NUM_CLASSES)),
        average=average,
        zero_division=0,
    )
    metric = F1_CLASSES[average](num_classes=NUM_CLASSES)
    assert stream(metric, y_true, scores) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_multi_label_matches_sklearn_over_batches(average, seed):
    y_true, scores = multi_label_data(seed)
    expected = f1_score(y_true, scores >= 0.5, average=average, zero_division=0)
    metric = F1_CLASSES[average](num_classes=NUM_CLASSES, multi_label=True)
    assert stream(metric, y_true, scores, batch_size=7) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_per_class_thresholds_match_sklearn(average):
    y_true, scores = multi_label_data(3)
    thresholds = [0.2, 0.35, 0.5, 0.65, 0.8]
    expected = f1_score(y_true, scores >= np.array(thresholds), average=average, zero_division=0)
    metric = F1_CLASSES[average](num_classes=NUM_CLASSES, multi_label=True, threshold=thresholds)
    assert stream(metric, y_true, scores) == pytest.approx(expected, abs=1e-6)
    assert expected != pytest.approx(
        f1_score(y_true, scores >= 0.5, average=average, zero_division=0)
    )


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_sample_weight_matches_sklearn(average):
    y_true, scores = single_label_data(4)
    weights = np.random.default_rng(4).integers(0, 4, size=len(y_true)).astype("float32")
    expected = f1_score(
        y_true.argmax(1),
        scores.argmax(1),
        labels=list(range(NUM_CLASSES)),
        average=average,
        zero_division=0,
        sample_weight=weights,
    )
    metric = F1_CLASSES[average](num_classes=NUM_CLASSES)
    result = stream(metric, y_true, scores, sample_weight=weights)
    assert result == pytest.approx(expected, abs=1e-5)


def test_absent_classes_count_as_zero_in_macro_average():
    # Class 2 is neither present nor predicted: sklearn (zero_division=0) averages it in as 0.
    y_true = np.array([[1, 0, 0], [0, 1, 0]], dtype="float32")
    scores = np.array([[0.9, 0.05, 0.05], [0.1, 0.8, 0.1]], dtype="float32")
    metric = MacroF1(num_classes=3)
    metric.update_state(y_true, scores)
    assert float(metric.result()) == pytest.approx(2 / 3)
    assert float(metric.result()) == pytest.approx(
        f1_score([0, 1], [0, 1], labels=[0, 1, 2], average="macro", zero_division=0)
    )


def test_empty_metric_is_zero_and_reset_clears_counts():
    metric = MacroF1(num_classes=3)
    assert float(metric.result()) == 0.0
    metric.update_state([[1.0, 0.0, 0.0]], [[0.9, 0.05, 0.05]])
    assert float(metric.result()) > 0.0
    metric.reset_state()
    assert float(metric.result()) == 0.0
    assert np.all(keras.ops.convert_to_numpy(metric.true_positives) == 0)


@pytest.mark.parametrize("metric_class", ALL_METRICS)
def test_default_names_and_config_roundtrip(metric_class):
    metric = metric_class(num_classes=4, multi_label=True, threshold=[0.1, 0.2, 0.3, 0.4])
    expected_name = {
        MacroF1: "macro_f1",
        MicroF1: "micro_f1",
        WeightedF1: "weighted_f1",
        MacroPrecision: "macro_precision",
        MacroRecall: "macro_recall",
    }[metric_class]
    assert metric.name == expected_name
    config = metric.get_config()
    assert config["num_classes"] == 4
    assert config["multi_label"] is True
    assert config["threshold"] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    clone = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert type(clone) is metric_class
    assert clone.get_config() == config


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_classes": 0},
        {"num_classes": 2.5},
        {"num_classes": 3, "threshold": [0.5, 0.5]},
        {"num_classes": 2, "threshold": 1.5},
        {"num_classes": 2, "threshold": "high"},
    ],
)
def test_bad_arguments_raise_config_error(kwargs):
    with pytest.raises(ConfigError, match="Received"):
        MacroF1(**kwargs)


def test_wrong_number_of_score_columns_raises():
    metric = MacroF1(num_classes=3)
    with pytest.raises(ConfigError, match="num_classes"):
        metric.update_state([[1.0, 0.0]], [[0.7, 0.3]])


@pytest.mark.parametrize("average", ["macro", "micro", "weighted"])
def test_keras_f1score_agrees_where_the_decisions_coincide(average):
    # No ties, no score on the threshold: the same decisions, the same counts.
    y_true, scores = single_label_data(6)
    keras_f1 = keras.metrics.F1Score(average=average)
    assert stream(F1_CLASSES[average](num_classes=NUM_CLASSES), y_true, scores) == pytest.approx(
        stream(keras_f1, y_true, scores), abs=1e-5
    )
    y_true, scores = multi_label_data(7)
    keras_f1 = keras.metrics.F1Score(average=average, threshold=0.5)
    ours = F1_CLASSES[average](num_classes=NUM_CLASSES, multi_label=True)
    assert stream(ours, y_true, scores) == pytest.approx(stream(keras_f1, y_true, scores), abs=1e-5)


def test_keras_f1score_differs_on_ties_and_on_the_threshold():
    # Why genreclf keeps its own metrics (see the module docstring of genreclf.metrics.f1).
    tied = np.array([[0.5, 0.5, 0.0]], dtype="float32")
    truth = np.array([[1.0, 0.0, 0.0]], dtype="float32")
    keras_micro = keras.metrics.F1Score(average="micro")
    keras_micro.update_state(truth, tied)
    ours = MicroF1(num_classes=3)
    ours.update_state(truth, tied)
    assert float(ours.result()) == 1.0  # the arg-max: one class, the right one
    assert float(keras_micro.result()) == pytest.approx(2 / 3, abs=1e-5)  # both tied classes
    on_threshold = np.array([[0.5, 0.2]], dtype="float32")
    keras_macro = keras.metrics.F1Score(average="macro", threshold=0.5)
    keras_macro.update_state([[1.0, 0.0]], on_threshold)
    ours = MacroF1(num_classes=2, multi_label=True, threshold=0.5)
    ours.update_state([[1.0, 0.0]], on_threshold)
    assert float(ours.result()) == 0.5 and float(keras_macro.result()) == 0.0


def tiny_model(num_features, num_classes, multi_label):
    inputs = keras.Input(shape=(num_features,), name="features")
    outputs = keras.layers.Dense(num_classes, activation="sigmoid" if multi_label else "softmax")(
        inputs
    )
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize("multi_label", [False, pytest.param(True, marks=pytest.mark.large)])
def test_fit_logs_validation_metrics_and_survives_save(tmp_path, multi_label):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 6)).astype("float32")
    if multi_label:
        y = (rng.random((48, 3)) < 0.4).astype("float32")
        y[:, 0] = (x[:, 0] > 0).astype("float32")
    else:
        y = np.eye(3, dtype="float32")[np.argmax(x[:, :3], axis=1)]
    x_train, y_train, x_val, y_val = x[:32], y[:32], x[32:], y[32:]
    threshold = [0.4, 0.5, 0.6] if multi_label else 0.5
    model = tiny_model(6, 3, multi_label)
    model.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss="binary_crossentropy" if multi_label else "categorical_crossentropy",
        metrics=[
            cls(num_classes=3, multi_label=multi_label, threshold=threshold) for cls in ALL_METRICS
        ],
    )
    checkpoint = os.path.join(tmp_path, "best.keras")
    history = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=1,
        batch_size=8,
        verbose=0,
        callbacks=[
            keras.callbacks.EarlyStopping(monitor="val_macro_f1", mode="max", patience=1),
            keras.callbacks.ModelCheckpoint(
                checkpoint, monitor="val_macro_f1", mode="max", save_best_only=True
            ),
        ],
    )
    for name in ("macro_f1", "micro_f1", "weighted_f1", "macro_precision", "macro_recall"):
        assert f"val_{name}" in history.history
        assert name in history.history
    scores = model.predict(x_val, verbose=0)
    if multi_label:
        expected = f1_score(y_val, scores >= np.array(threshold), average="macro", zero_division=0)
    else:
        expected = f1_score(
            y_val.argmax(1), scores.argmax(1), labels=[0, 1, 2], average="macro", zero_division=0
        )
    assert history.history["val_macro_f1"][-1] == pytest.approx(expected, abs=1e-5)
    assert os.path.exists(checkpoint)

    before = model.evaluate(x_val, y_val, verbose=0, return_dict=True)
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    keras.backend.clear_session()
    loaded = keras.saving.load_model(path)
    after = loaded.evaluate(x_val, y_val, verbose=0, return_dict=True)
    assert after["macro_f1"] == pytest.approx(before["macro_f1"], abs=1e-6)
    assert after["macro_f1"] == pytest.approx(expected, abs=1e-5)
    restored = [m for m in loaded.get_compile_config()["metrics"] if m["class_name"] == "MacroF1"]
    assert restored[0]["registered_name"] == "genreclf>MacroF1"
    assert restored[0]["config"]["threshold"] == threshold
