"""The SavedModel's signatures, loaded in-process with `tf.saved_model.load`."""

import numpy as np
import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.export.exporter import export_model
from genreclf.export.method_names import method_names


def _example(text, **floats):
    feature = {"text": tf.train.Feature(bytes_list=tf.train.BytesList(value=[text.encode()]))}
    for name, value in floats.items():
        feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[value]))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def test_serving_default_contract(single_export, single_model, single_vocab, texts):
    path, _ = single_export
    predict = tf.saved_model.load(str(path)).signatures["serving_default"]
    inputs = predict.structured_input_signature[1]
    assert list(inputs) == ["text"]
    assert inputs["text"].dtype == tf.string and inputs["text"].shape.as_list() == [None]
    outputs = predict.structured_outputs
    assert sorted(outputs) == ["scores", "top_labels", "top_scores"]
    assert outputs["scores"].dtype == tf.float32
    assert outputs["scores"].shape.as_list() == [None, 3]
    assert outputs["top_labels"].dtype == tf.string
    assert outputs["top_labels"].shape.as_list() == [None, 3]
    assert outputs["top_scores"].shape.as_list() == [None, 3]

    out = predict(text=tf.constant(texts))
    scores = out["scores"].numpy()
    np.testing.assert_allclose(scores, single_model(tf.constant(texts)), atol=1e-6)
    order = np.argsort(-scores, axis=1, kind="stable")
    expected = [[single_vocab.labels[j] for j in row] for row in order]
    assert [[b.decode() for b in row] for row in out["top_labels"].numpy()] == expected
    np.testing.assert_allclose(out["top_scores"], np.take_along_axis(scores, order, 1))


def test_multi_label_labels_output(multi_export, multi_model, multi_vocab, multi_thresholds, texts):
    predict = tf.saved_model.load(str(multi_export)).signatures["serving_default"]
    spec = predict.structured_outputs
    assert spec["labels"].dtype == tf.string
    assert spec["labels"].shape.as_list() == [None, 4]
    assert spec["top_labels"].shape.as_list() == [None, 2]
    out = predict(text=tf.constant(texts))
    scores = out["scores"].numpy()
    got = [[b.decode() for b in row] for row in out["labels"].numpy()]
    for row_scores, row in zip(scores, got):
        chosen = [
            j
            for j in np.argsort(-row_scores, kind="stable")
            if row_scores[j] >= multi_thresholds[j]
        ]
        expected = [multi_vocab.labels[j] for j in chosen]
        assert row == expected + [""] * (4 - len(expected))
    # The tiny model's scores sit near 0.5: the thresholds select some, not all.
    assert any(r[0] for r in got) and any(not r[-1] for r in got)


def test_classify_signature_on_examples(single_export, single_vocab, texts):
    path, _ = single_export
    methods = method_names(str(path))
    assert methods["serving_default"] == "tensorflow/serving/predict"
    assert methods["classify"] == "tensorflow/serving/classify"
    # The table initializer TF adds is not a servable signature.
    assert set(methods) <= {"serving_default", "classify", "__saved_model_init_op"}
    loaded = tf.saved_model.load(str(path))
    classify = loaded.signatures["classify"]
    assert list(classify.structured_input_signature[1]) == ["inputs"]
    assert sorted(classify.structured_outputs) == ["classes", "scores"]
    out = classify(inputs=tf.constant([_example(t) for t in texts]))
    assert out["classes"].shape == (len(texts), 3)
    assert all([c.decode() for c in row] == single_vocab.labels for row in out["classes"].numpy())
    predicted = loaded.signatures["serving_default"](text=tf.constant(texts))["scores"]
    np.testing.assert_allclose(out["scores"], predicted, atol=1e-6)


def test_hybrid_model_takes_text_and_features(make_model, single_vocab, tmp_path, texts):
    model = make_model(3, False, 2, ("year",))
    # Verified too: the clean process feeds `year` (zeros) from the signature.
    path = export_model(model, single_vocab, tmp_path, "hybrid")
    loaded = tf.saved_model.load(str(path))
    predict = loaded.signatures["serving_default"]
    inputs = predict.structured_input_signature[1]
    assert sorted(inputs) == ["text", "year"]
    assert inputs["year"].dtype == tf.float32 and inputs["year"].shape.as_list() == [None, 1]
    years = np.array([[1.0], [-2.0], [0.5], [3.0], [0.0], [1.5]], dtype="float32")
    scores = predict(text=tf.constant(texts), year=tf.constant(years))["scores"]
    expected = model({"text": tf.constant(texts), "year": tf.constant(years)})
    np.testing.assert_allclose(scores, expected, atol=1e-6)
    examples = [_example(t, year=float(y[0])) for t, y in zip(texts, years)]
    classified = loaded.signatures["classify"](inputs=tf.constant(examples))
    np.testing.assert_allclose(classified["scores"], expected, atol=1e-6)


def test_model_without_text_input_is_refused(single_vocab, tmp_path):
    import keras

    x = keras.Input(shape=(2,), name="numbers")
    model = keras.Model(x, keras.layers.Dense(3, activation="softmax")(x))
    with pytest.raises(ConfigError, match="input named 'text'"):
        export_model(model, single_vocab, tmp_path, "genre", verify=False)
    assert not (tmp_path / "genre").exists() or not any((tmp_path / "genre").iterdir())
