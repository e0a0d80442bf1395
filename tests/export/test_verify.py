"""`verify_export`: the clean-process check catches what TF Serving would reject."""

import os
import shutil

import keras
import pytest
import tensorflow as tf

from genreclf.export.errors import VerificationError
from genreclf.export.exporter import export_model
from genreclf.export.method_names import read_saved_model_proto
from genreclf.export.verify import tf_text_op_list
from genreclf.export.verify import verify_export


def test_verify_passes_on_a_fresh_export(single_export):
    _, report = single_export  # run by export_model, before the rename
    assert report.ok, report.summary()
    names = [c["name"] for c in report.checks]
    for expected in (
        "ops registered",
        "load",
        "classify method name",
        "output shapes",
        "classify on tf.Examples",
        "warmup requests",
        "softmax rows sum to 1",
        "clean process (TensorFlow + TF Text ops only)",
        "parity with Keras",
        "model card matches the SavedModel files",
        "model card matches the signatures",
    ):
        assert expected in names
    assert report.max_abs_diff <= 1e-5
    assert report.ops["unregistered"] == [] and report.ops["total"] > 10
    summary = report.summary()
    assert summary.splitlines()[0].endswith(f"PASSED ({report.seconds:.1f} s)")
    assert len(summary.splitlines()) < 25  # one screen


def test_verify_detects_a_score_mismatch(single_export, make_model):
    path, _ = single_export
    other = make_model(3, False, 7)  # same architecture, different weights
    report = verify_export(path, reference_model=other)
    assert not report.ok
    parity = [c for c in report.checks if c["name"] == "parity with Keras"][0]
    assert not parity["ok"] and report.max_abs_diff > 1e-5
    assert "FAILED" in report.summary().splitlines()[0]
    # Everything else about the SavedModel is fine.
    assert all(c["ok"] for c in report.checks if c["name"] != "parity with Keras")


def test_verify_detects_an_unregistered_op(single_export, tmp_path):
    path, _ = single_export
    broken = tmp_path / "1"
    shutil.copytree(path, broken)
    proto = read_saved_model_proto(str(broken))
    library = proto.meta_graphs[0].graph_def.library
    renamed = 0
    for fn in library.function:
        for node in fn.node_def:
            if node.op == "StringLower":
                node.op = "GenreclfNotARealOp"
                renamed += 1
    assert renamed
    (broken / "saved_model.pb").write_bytes(proto.SerializeToString())
    report = verify_export(broken)
    assert not report.ok
    assert report.ops["unregistered"] == ["GenreclfNotARealOp"]
    assert "GenreclfNotARealOp" in report.summary()


class Normalize(keras.layers.Layer):
    """Lower-cases with TF Text's `CaseFoldUTF8` op."""

    def call(self, texts):
        import tensorflow_text

        return tensorflow_text.case_fold_utf8(texts)


def test_labels_asset_failure_says_expected_and_found(single_export, tmp_path):
    path, _ = single_export
    broken = tmp_path / "1"
    shutil.copytree(path, broken)
    (broken / "assets" / "labels.txt").write_text("crime\nhorror\n")
    report = verify_export(broken, sample_texts=["a killer in the rain"])
    assert not report.ok
    (check,) = [c for c in report.checks if c["name"] == "labels asset"]
    assert check["detail"] == (
        "assets/labels.txt: expected 3 class names (the scores' width), found 2"
    )
    assert "cuInit" not in report.summary()  # TensorFlow's start-up noise is left out


def test_summary_keeps_worker_errors_but_not_tensorflow_noise():
    from genreclf.export.verify import VerifyReport

    log = (
        "2026-12-05 02:08:28.521628: E external/local_xla/xla/stream_executor/cuda/"
        "cuda_platform.cc:51] failed call to cuInit: INTERNAL: CUDA error: Failed call to "
        "cuInit: UNKNOWN ERROR (303)\n"
        "W0000 00:00:1733 cuda_executor.cc:1040] could not open file to read NUMA node\n"
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "E0000 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting to register "
        "factory for plugin cuDNN when one has already been registered\n"
        "Could not find cuda drivers on your machine, GPU will not be used.\n"
        "Traceback (most recent call last):\n"
        "MemoryError: out of memory\n"
    )
    failed = VerifyReport(
        "v", False, [{"name": "x", "ok": False, "detail": ""}], {}, worker_log=log
    )
    tail = failed.summary().split("worker stderr (last lines):\n")[1].splitlines()
    assert [line.strip() for line in tail] == [
        "Traceback (most recent call last):",
        "MemoryError: out of memory",
    ]
    noise_only = VerifyReport("v", False, [], {}, worker_log=log.split("Traceback")[0])
    assert "worker stderr" not in noise_only.summary()


def test_tf_text_ops_are_checked_against_the_serving_image(single_vocab, texts, tmp_path):
    text = keras.Input(shape=(), dtype="string", name="text")
    vectorizer = keras.layers.TextVectorization(max_tokens=30, output_sequence_length=4)
    vectorizer.adapt(texts)
    x = keras.layers.Embedding(30, 4)(vectorizer(Normalize()(text)))
    scores = keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(x))
    model = keras.Model(text, scores)
    path = export_model(model, single_vocab, tmp_path, "genre", verify=False)
    allowed = tmp_path / "old_tf_text_ops.txt"
    allowed.write_text("# a TF Text build without case folding\nWhitespaceTokenizeWithOffsets\n")
    report = verify_export(path, reference_model=model, serving_tf_text=str(allowed))
    # The installed TF Text registers it (in a process without the Python package)...
    assert [c for c in report.checks if c["name"] == "ops registered"][0]["ok"]
    assert report.ops["tf_text"] == ["CaseFoldUTF8"]
    # ...but the target image's TF Text does not.
    assert not report.ok
    assert report.ops["not_in_serving_tf_text"] == ["CaseFoldUTF8"]
    assert "Op type not registered" in report.summary()
    assert [c for c in report.checks if c["name"] == "parity with Keras"][0]["ok"]


def test_unknown_tf_text_version_is_a_clear_error():
    with pytest.raises(VerificationError, match="No op list for TF Text 0.1"):
        tf_text_op_list("0.1")


def test_verify_without_reference_checks_signatures(multi_export):
    report = verify_export(multi_export, sample_texts=["a killer", "love in paris"])
    assert report.ok, report.summary()
    assert report.max_abs_diff is None
    assert len(report.scores) == 2 and len(report.scores[0]) == 4
    (card,) = [c for c in report.checks if c["name"] == "model card matches the signatures"]
    assert card["detail"] == "4 labels, multi-label, top_k 2"  # thresholds included
    assert tf.__version__  # the parent keeps its own TensorFlow


def test_committed_tf_text_op_lists():
    old, new = set(tf_text_op_list("2.12.1")), set(tf_text_op_list("2.20"))
    assert {"NormalizeUTF8", "CaseFoldUTF8", "WordpieceTokenizeWithOffsets"} <= old
    # keras-hub's BERT preprocessing trims with RoundRobinTrim: TF Text 2.12.1 lacks it.
    assert "TFText>RoundRobinTrim" in new and "TFText>RoundRobinTrim" not in old
    assert old <= new


class Trim(keras.layers.Layer):
    """Keeps the first 4 words with TF Text's `RoundRobinTrimmer` (op RoundRobinTrim)."""

    def call(self, texts):
        import tensorflow_text

        (trimmed,) = tensorflow_text.RoundRobinTrimmer(max_seq_length=4).trim(
            [tf.strings.split(texts)]
        )
        return tf.strings.reduce_join(trimmed, axis=-1, separator=" ")


@pytest.mark.large  # two verification subprocesses
def test_round_robin_trim_fails_against_tf_serving_2_19(single_vocab, texts, tmp_path):
    text = keras.Input(shape=(), dtype="string", name="text")
    vectorizer = keras.layers.TextVectorization(max_tokens=30, output_sequence_length=4)
    vectorizer.adapt(texts)
    x = keras.layers.Embedding(30, 4)(vectorizer(Trim()(text)))
    model = keras.Model(
        text, keras.layers.Dense(3, activation="softmax")(keras.layers.Flatten()(x))
    )
    path = export_model(model, single_vocab, tmp_path, "genre", serving_tf_text="2.20")
    report = verify_export(path, reference_model=model, serving_tf_text="2.12.1")
    assert not report.ok
    assert "TFText>RoundRobinTrim" in report.ops["not_in_serving_tf_text"]


@pytest.mark.parametrize(
    "remove, missing",
    [
        ("variables", "variables/"),
        ("variables/variables.index", "variables/variables.index"),
        ("variables/variables.data-00000-of-00001", "variables/variables.data-00000-of-00001"),
        ("saved_model.pb", "saved_model.pb"),
    ],
)
def test_an_incomplete_saved_model_is_named_as_such(single_export, tmp_path, remove, missing):
    path, _ = single_export
    broken = tmp_path / "1"
    shutil.copytree(path, broken)
    target = broken / remove
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    report = verify_export(broken, reference_model=object())  # never called
    assert not report.ok
    # Reported first (and alone: nothing was loaded), naming the missing path.
    (check,) = report.checks
    assert check["name"] == "SavedModel files" and not check["ok"]
    assert check["detail"].startswith(f"{os.path.join(broken, missing)} is missing")
    assert "the SavedModel is incomplete, so it was not loaded" in check["detail"]
    assert "Copy the whole version folder again, or re-export the run." in check["detail"]
    summary = report.summary()
    assert f"[FAIL] SavedModel files: {os.path.join(broken, missing)} is missing" in summary
    assert "another SavedModel" not in summary and "parity" not in summary


def test_a_complete_saved_model_lists_its_files(single_export):
    _, report = single_export
    assert report.checks[0] == {
        "name": "SavedModel files",
        "ok": True,
        "detail": "saved_model.pb, variables/variables.index, 1 variables.data shard",
    }


@pytest.mark.parametrize(
    "shards, missing",
    [
        (["00000-of-00001", "00001-of-00002"], None),  # a stray shard beside a complete set
        (["00000-of-00003", "00002-of-00003"], "00001-of-00003 is missing:"),
        (["00002-of-00003"], "00000-of-00003 is missing (and 1 more shard):"),
        ([], "00000-of-00001 is missing:"),
    ],
)
def test_the_weights_shards_must_form_a_complete_set(tmp_path, shards, missing):
    from genreclf.export.saved_model_files import check_saved_model_files

    (tmp_path / "variables").mkdir()
    for name in ("saved_model.pb", "variables/variables.index"):
        (tmp_path / name).write_bytes(b"x")
    for shard in shards:
        (tmp_path / "variables" / f"variables.data-{shard}").write_bytes(b"x")
    check = check_saved_model_files(str(tmp_path))
    assert check["ok"] == (missing is None), check
    if missing:
        assert check["detail"].startswith(
            os.path.join(str(tmp_path), "variables", f"variables.data-{missing}")
        )
    else:
        assert check["detail"].endswith("1 variables.data shard")


def test_one_string_is_one_sample_text(multi_export):
    report = verify_export(multi_export, sample_texts="a killer in the rain")
    assert report.ok, report.summary()
    assert len(report.scores) == 1  # not one text per character


@pytest.mark.parametrize(
    "sample_texts, message",
    [
        ([None], r"sample_texts\[0\] must be a string \(an empty one is fine\). Received: "),
        (["a killer", b"bytes"], r"sample_texts\[1\] must be a string .* Received: "),
        ([], r"sample_texts must hold at least one text. Received: sample_texts=\[\]. Pass "),
        ({"text": ["a"]}, r"must be a string or a list of strings. Received: .*\(a dict\)"),
        (5, r"must be a string or a list of strings. Received: sample_texts=5 \(an int\)"),
    ],
)
def test_bad_sample_texts_are_refused_before_verifying(tmp_path, sample_texts, message):
    from genreclf.errors import ConfigError

    (tmp_path / "saved_model.pb").write_bytes(b"x")  # never loaded: the arguments come first
    with pytest.raises(ConfigError, match=message):
        verify_export(tmp_path, sample_texts=sample_texts)


@pytest.mark.parametrize("atol", ["x", -1, float("nan"), None, True])
def test_atol_must_be_a_non_negative_number(tmp_path, atol):
    from genreclf.errors import ConfigError

    (tmp_path / "saved_model.pb").write_bytes(b"x")
    with pytest.raises(ConfigError, match=r"atol must be a number of at least 0. Received: atol="):
        verify_export(tmp_path, atol=atol)


def test_a_run_folder_is_named_as_such(tmp_path):
    from genreclf.errors import ConfigError

    for name in ("config.json", "labels.json", "model.keras"):
        (tmp_path / name).write_text("{}")
    with pytest.raises(ConfigError) as error:
        verify_export(tmp_path)
    message = str(error.value)
    assert f"Received: version_dir={str(tmp_path)!r}, a run folder" in message
    assert "Export it first with `genreclf export RUN`" in message
    assert "incomplete" not in message


def test_a_model_folder_asks_for_a_version_folder(tmp_path):
    from genreclf.errors import ConfigError

    for version in ("1", "2", "10"):
        (tmp_path / "genre" / version).mkdir(parents=True)
    with pytest.raises(ConfigError) as error:
        verify_export(tmp_path / "genre")
    message = str(error.value)
    assert "a model folder holding version folders (1, 2, 10)" in message
    assert f"Pass a version folder, e.g. {tmp_path / 'genre' / '10'}." in message
    assert "incomplete" not in message


def test_a_missing_folder_is_named_as_such(tmp_path):
    from genreclf.errors import ConfigError

    with pytest.raises(ConfigError, match="which does not exist. Pass a version folder"):
        verify_export(tmp_path / "nosuch")


def test_verify_with_a_run_compares_the_served_labels_with_the_runs(
    multi_export, multi_model, multi_vocab, multi_thresholds
):
    """A run whose thresholds.json changed since the export scores the same but labels
    otherwise: `export verify --run` says so instead of passing on score parity alone."""
    import pathlib
    import types

    def run(thresholds):
        return types.SimpleNamespace(
            path=pathlib.Path("runs/multi"),
            labels=list(multi_vocab.labels),
            multi_label=True,
            config={},
            fingerprint={},
            model=multi_model,
            thresholds=thresholds,
            cascade=None,
        )

    same = verify_export(multi_export, reference_run=run(multi_thresholds))
    check = next(c for c in same.checks if c["name"] == "labels as the run decides them")
    assert same.ok and check["ok"], same.summary()

    retuned = verify_export(multi_export, reference_run=run(multi_thresholds * 0 + 0.01))
    check = next(c for c in retuned.checks if c["name"] == "labels as the run decides them")
    assert not retuned.ok and not check["ok"]
    assert "not runs/multi's thresholds.json" in check["detail"]
    assert "served labels differ" in check["detail"]
    parity = next(c for c in retuned.checks if c["name"] == "parity with Keras")
    assert parity["ok"]  # the scores agree: only the labels tell


@pytest.mark.parametrize(
    "damaged, cut",
    [("variables/variables.data-00000-of-00001", 100), ("saved_model.pb", 1000)],
)
def test_a_damaged_saved_model_is_a_failed_load_not_a_swapped_card(
    single_export, tmp_path, damaged, cut
):
    # It was "[FAIL] run: IndexError: Read less bytes than requested" (a shard cut short)
    # or "run: DecodeError: ...", and a cut saved_model.pb's card "written for another
    # SavedModel ... Re-export the run instead of copying assets between versions".
    path, _ = single_export
    broken = tmp_path / "1"
    shutil.copytree(path, broken)
    (broken / damaged).write_bytes((path / damaged).read_bytes()[:cut])
    report = verify_export(broken)
    assert not report.ok
    checks = {c["name"]: c for c in report.checks}
    assert "run" not in checks and not checks["load"]["ok"]
    assert checks["load"]["detail"].startswith("the SavedModel does not load (")
    assert "Copy the whole version folder again, or re-export" in checks["load"]["detail"]
    files = checks["model card matches the SavedModel files"]
    assert "another SavedModel" not in files["detail"]
    if damaged == "saved_model.pb":  # the card records its hash (not the shards')
        assert not files["ok"] and "damaged since export" in files["detail"]
