"""The clean-process half of `verify_export` (run as a script, never imported).

It sees what TF Serving sees: TensorFlow plus TF Text's compiled ops. Keras,
keras-hub and genreclf are made unimportable before TensorFlow is imported, and
TF Text's op libraries (`tensorflow_text/**/_*.so`) are loaded with
`tf.load_op_library` instead of importing the `tensorflow_text` Python package
(which imports Keras for its Python layers; TF Serving links the same kernels
in C++ and has no Python at all).

Usage: python -I _verify_worker.py VERSION_DIR --request REQ.json --out OUT.json

REQ.json: {"inputs": {"text": [...], ...}, "allowed_text_ops": [...] or null,
"serving_tf_text": "2.12.1" or null, "atol": 1e-5}. OUT.json gets the report.
"""

import sys

_FORBIDDEN = (
    "keras",
    "tf_keras",
    "keras_hub",
    "keras_nlp",
    "genreclf",
    "export",
    "tensorflow_text",
)
for _name in _FORBIDDEN:
    # `None` in sys.modules makes `import keras` fail and find_spec report it
    # missing, exactly as on a machine where only TensorFlow is installed.
    sys.modules[_name] = None

import glob  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from tensorflow.core.protobuf import saved_model_pb2  # noqa: E402
from tensorflow.python.framework import op_def_registry  # noqa: E402

EXPECTED_PREDICT = {"scores": tf.float32, "top_labels": tf.string, "top_scores": tf.float32}
EXPECTED_CLASSIFY = {"classes": tf.string, "scores": tf.float32}


class Report:
    def __init__(self):
        self.checks = []
        self.data = {}

    def check(self, name, ok, detail=""):
        self.checks.append({"name": name, "ok": bool(ok), "detail": str(detail)})
        return ok

    @property
    def ok(self):
        return all(c["ok"] for c in self.checks)


def graph_def_ops(graph_def):
    """The op of every node of a GraphDef and of every function of its library."""
    functions = {fn.signature.name for fn in graph_def.library.function}
    nodes = list(graph_def.node)
    for fn in graph_def.library.function:
        nodes.extend(fn.node_def)
    return [n.op for n in nodes if n.op not in functions]  # not calls of library functions


def graph_ops(version_dir):
    """Every op type in the MetaGraph and in every function of its library."""
    proto = saved_model_pb2.SavedModel()
    with open(os.path.join(version_dir, "saved_model.pb"), "rb") as f:
        proto.ParseFromString(f.read())
    counts = {}
    method_names = {}
    for meta_graph in proto.meta_graphs:
        for op in graph_def_ops(meta_graph.graph_def):
            counts[op] = counts.get(op, 0) + 1
        for key, sig in meta_graph.signature_def.items():
            method_names[key] = sig.method_name
    return counts, method_names


def concrete_function_ops(fn):
    """Op types of a loaded concrete function's graph, its library included."""
    return set(graph_def_ops(fn.graph.as_graph_def()))


def load_tf_text_ops():
    """Loads TF Text's compiled op libraries; returns their paths."""
    # The package itself is not imported (see the module docstring): find its
    # folder on sys.path the way the import system would.
    roots = [
        os.path.join(p, "tensorflow_text")
        for p in sys.path
        if p and os.path.isdir(os.path.join(p, "tensorflow_text"))
    ][:1]
    libraries = []
    for root in roots:
        for pattern in ("python/ops/_*.so", "python/metrics/_*.so"):
            libraries.extend(sorted(glob.glob(os.path.join(root, pattern))))
    for library in libraries:
        tf.load_op_library(library)
    return libraries


def check_ops(report, version_dir, allowed_text_ops, serving_tf_text):
    counts, method_names = graph_ops(version_dir)
    report.data["method_names"] = method_names
    core = {op for op in counts if op_def_registry.get(op) is not None}
    libraries = load_tf_text_ops()
    text = {op for op in counts if op not in core and op_def_registry.get(op) is not None}
    missing = sorted(set(counts) - core - text)
    report.data["ops"] = {
        "total": len(counts),
        "nodes": sum(counts.values()),
        "tf_text": sorted(text),
        "unregistered": missing,
        "tf_text_libraries": len(libraries),
    }
    report.check(
        "ops registered",
        not missing,
        f"{len(counts)} op types ({len(core)} TensorFlow, {len(text)} TF Text)"
        if not missing
        else f"not registered in TensorFlow + TF Text: {missing}",
    )
    if allowed_text_ops is not None:
        outside = sorted(text - set(allowed_text_ops))
        report.data["ops"]["not_in_serving_tf_text"] = outside
        report.check(
            f"ops in TF Text {serving_tf_text}",
            not outside,
            "all TF Text ops available"
            if not outside
            else f"not registered by TF Text {serving_tf_text} "
            f"(TF Serving would fail with 'Op type not registered'): {outside}",
        )
    return not missing


def check_spec(report, label, specs, expected):
    problems = []
    for name, dtype in expected.items():
        if name not in specs:
            problems.append(f"missing output {name!r}")
        elif specs[name].dtype != dtype:
            problems.append(f"{name} is {specs[name].dtype.name}, expected {dtype.name}")
    return report.check(
        f"{label} outputs",
        not problems,
        ", ".join(sorted(specs)) if not problems else "; ".join(problems),
    )


def make_inputs(input_specs, request_inputs):
    texts = [t.encode("utf-8") for t in request_inputs["text"]]
    n = len(texts)
    tensors = {}
    for name, spec in input_specs.items():
        if name == "text":
            tensors[name] = tf.constant(texts, dtype=tf.string)
        elif name in request_inputs:
            tensors[name] = tf.constant(request_inputs[name], dtype=spec.dtype)
        else:
            shape = [n] + [1 if d is None else int(d) for d in spec.shape[1:]]
            tensors[name] = (
                tf.zeros(shape, dtype=spec.dtype) if spec.dtype != tf.string else tf.fill(shape, "")
            )
    return tensors


def to_example(tensors, i):
    feature = {}
    for name, value in tensors.items():
        v = np.asarray(
            value[i].numpy(), dtype=object if value.dtype == tf.string else None
        ).reshape(-1)
        if value.dtype == tf.string:
            feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=list(v)))
        elif value.dtype.is_floating:
            feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=v.tolist()))
        else:
            feature[name] = tf.train.Feature(
                int64_list=tf.train.Int64List(value=[int(x) for x in v])
            )
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def read_file(path, parse):
    """`parse(text)` of a UTF-8 file; None if it is missing or `parse` rejects it."""
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return parse(text)
    except ValueError:  # a broken model card: `card_check` reports it
        return None


def run_signatures(report, version_dir, request):
    card = read_file(os.path.join(version_dir, "assets.extra", "model_card.json"), json.loads)
    start = time.perf_counter()
    loaded = tf.saved_model.load(version_dir)
    report.data["load_seconds"] = round(time.perf_counter() - start, 3)
    report.check("load", True, f"tf.saved_model.load in {report.data['load_seconds']} s")
    sigs = loaded.signatures
    if not report.check(
        "signatures", {"serving_default", "classify"} <= set(sigs), f"found {sorted(sigs)}"
    ):
        return
    methods = report.data.get("method_names", {})
    report.check(
        "classify method name",
        methods.get("classify") == "tensorflow/serving/classify",
        methods.get("classify"),
    )
    predict, classify = sigs["serving_default"], sigs["classify"]
    op_union = concrete_function_ops(predict) | concrete_function_ops(classify)
    unregistered = sorted(op for op in op_union if op_def_registry.get(op) is None)
    report.check(
        "signature graphs' ops registered",
        not unregistered,
        f"{len(op_union)} op types" if not unregistered else unregistered,
    )
    input_specs = predict.structured_input_signature[1]
    report.data["inputs"] = {k: [v.dtype.name, v.shape.as_list()] for k, v in input_specs.items()}
    check_spec(report, "serving_default", predict.structured_outputs, EXPECTED_PREDICT)
    check_spec(report, "classify", classify.structured_outputs, EXPECTED_CLASSIFY)
    classify_inputs = classify.structured_input_signature[1]
    report.check(
        "classify input",
        set(classify_inputs) == {"inputs"} and classify_inputs["inputs"].dtype == tf.string,
        sorted(classify_inputs),
    )

    tensors = make_inputs(input_specs, request["inputs"])
    n = len(request["inputs"]["text"])
    out = {k: v.numpy() for k, v in predict(**tensors).items()}
    report.data["outputs"] = {
        name: [spec.dtype.name, list(out[name].shape)]
        for name, spec in predict.structured_outputs.items()
    }
    if "labels" in out:  # the card's mode and thresholds are checked against it
        report.data["labels_output"] = [[v.decode() for v in row] for row in out["labels"]]
    scores = out["scores"]
    K = scores.shape[1] if scores.ndim == 2 else -1
    report.data["scores"] = scores.astype("float64").tolist()
    labels = read_file(os.path.join(version_dir, "assets", "labels.txt"), str.splitlines)
    ok = labels is not None and len(labels) == K
    found = "no file" if labels is None else len(labels)
    wrong = f"expected {K} class names (the scores' width), found {found}"
    report.check("labels asset", ok, f"assets/labels.txt: {f'{K} classes' if ok else wrong}")
    k = out["top_scores"].shape[1]
    shapes_ok = (
        scores.shape == (n, K)
        and out["top_labels"].shape == (n, k)
        and out["top_scores"].shape == (n, k)
        and 1 <= k <= K
    )
    abstention = card.get("abstention") if isinstance(card, dict) else None
    if "labels" in out:
        width = 1 if abstention else K
        shapes_ok = shapes_ok and out["labels"].shape == (n, width)
    report.check(
        "output shapes",
        shapes_ok,
        ", ".join(f"{name} {list(v.shape)}" for name, v in sorted(out.items())),
    )
    finite = np.isfinite(scores).all(axis=1) if scores.ndim == 2 else np.zeros(n, bool)
    bad = [request["inputs"]["text"][i][:40] for i in np.flatnonzero(~finite)]
    report.check(
        "scores are finite",
        not bad,
        f"{n} samples" if not bad else f"NaN/inf scores for texts {bad}",
    )
    if not bad:
        expected_top = -np.sort(-scores, axis=1)[:, :k]
        report.check("top_scores are the top scores", np.allclose(out["top_scores"], expected_top))
    if labels is not None and len(labels) == K and not bad:
        best = [labels[j].encode() for j in scores.argmax(axis=1)]
        ties = [np.sum(scores[i] == scores[i].max()) > 1 for i in range(n)]
        top_ok = all(tie or out["top_labels"][i][0] == best[i] for i, tie in enumerate(ties))
        report.check("top_labels name the top classes", top_ok)
    # Single-label, multi-label or abstaining is read from the signature (a
    # `labels` output or not); whether the card says the same is
    # `card_check`'s job, in the parent process.
    if abstention and "labels" in out and out["labels"].shape[1:] == (1,):
        check_abstention(report, out, scores, labels, abstention)
    if "labels" not in out and scores.ndim == 2 and n:
        sums = scores.sum(axis=1)
        report.check(
            "softmax rows sum to 1",
            np.allclose(sums, 1.0, atol=1e-4),
            f"row sums in [{sums.min():.6f}, {sums.max():.6f}]",
        )

    serialized = tf.constant([to_example(tensors, i) for i in range(n)])
    cout = {k: v.numpy() for k, v in classify(inputs=serialized).items()}
    diff = float(np.max(np.abs(cout["scores"] - scores))) if n else 0.0
    classes_ok = labels is not None and all(
        [c.decode() for c in row] == labels for row in cout["classes"]
    )
    report.check(
        "classify on tf.Examples",
        diff <= request.get("atol", 1e-5) and classes_ok,
        f"classes = labels: {classes_ok}; max |classify - predict| = {diff:.2e}",
    )
    replay_warmup(report, version_dir, sigs)


def replay_warmup(report, version_dir, sigs):
    path = os.path.join(version_dir, "assets.extra", "tf_serving_warmup_requests")
    if not os.path.exists(path):
        report.check("warmup requests", False, "assets.extra/tf_serving_warmup_requests missing")
        return
    try:
        from tensorflow_serving.apis import prediction_log_pb2
    except ImportError:
        report.check(
            "warmup requests", True, "present (tensorflow-serving-api not installed: not replayed)"
        )
        return
    count = 0
    for record in tf.data.TFRecordDataset(path).as_numpy_iterator():
        log = prediction_log_pb2.PredictionLog.FromString(record)
        request = log.predict_log.request
        fn = sigs[request.model_spec.signature_name or "serving_default"]
        fn(**{k: tf.make_ndarray(v) for k, v in request.inputs.items()})
        count += 1
    report.check("warmup requests", count > 0, f"{count} PredictionLog records replayed")


def check_abstention(report, out, scores, labels, abstention):
    """The `labels` output of an abstaining model restates its cascade's rule."""
    if labels is None or scores.ndim != 2:
        report.check("abstaining 'labels' output", False, "missing")
        return
    if not set(abstention["order"]) <= set(labels):
        report.check("abstaining 'labels' output", False, "the card's classes are not the model's")
        return
    order = [labels.index(name) for name in abstention["order"]]
    thresholds = np.asarray(abstention["thresholds"], dtype="float32")
    expected = []
    for row in scores:
        cleared = [j for j in order if row[j] >= thresholds[j]]
        expected.append(labels[cleared[0]] if cleared else abstention["unknown"])
    got = [value.decode("utf-8") for value in out["labels"][:, 0]]
    unknown = sum(label == abstention["unknown"] for label in got)
    report.check(
        "abstaining 'labels' output",
        got == expected,
        f"the cascade's answers ({unknown} of {len(got)} '{abstention['unknown']}')",
    )


def main(argv):
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("version_dir")
    parser.add_argument("--request", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    with open(args.request, encoding="utf-8") as f:
        request = json.load(f)
    report = Report()
    try:
        if check_ops(
            report,
            args.version_dir,
            request.get("allowed_text_ops"),
            request.get("serving_tf_text"),
        ):
            run_signatures(report, args.version_dir, request)
    except Exception as e:  # noqa: BLE001 - reported to the parent, which fails
        report.check("run", False, f"{type(e).__name__}: {e}")
    loaded = sorted(
        {
            name.split(".")[0]
            for name, module in sys.modules.items()
            if module is not None and name.split(".")[0] in _FORBIDDEN
        }
    )
    report.check(
        "clean process (TensorFlow + TF Text ops only)",
        not loaded,
        "keras, keras_hub, genreclf not imported" if not loaded else f"imported: {loaded}",
    )
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"ok": report.ok, "checks": report.checks, **report.data}, f)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
