"""`build_model_card`: what a served version is, where it came from, how good it is.

Written to `assets.extra/model_card.json` (machine-readable) and
`assets.extra/model_card.md` (for people) in every exported version.
"""

import datetime
import importlib.metadata
import json
import os
import platform

from genreclf.export.signatures import CLASSIFY_SIGNATURE
from genreclf.export.signatures import PREDICT_SIGNATURE

_LIBRARIES = ("genreclf", "tensorflow", "keras", "tensorflow-text", "keras-hub")


def library_versions():
    """Installed versions of genreclf, TensorFlow, Keras, TF Text and keras-hub."""
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    if versions["genreclf"] is None:
        try:
            import genreclf

            versions["genreclf"] = getattr(genreclf, "__version__", None)
        except ImportError:
            pass
    return versions


def calibration_card(model, recorded=None):
    """The calibration inside `model`'s graph, as the model card records it.

    `{"method": "temperature" | "platt" | "none", ...its parameters}`: the
    model's own `CalibratedScores` layer (the served scores are its output;
    `"none"` when the model has none). `recorded`, a run's `calibration.json`,
    adds what the fit recorded (`fitted_on`, the Platt prior, the classes that
    kept the identity or had few outcomes, `raw_thresholds`) when it names the
    same method; its fields are copied as they are, so fields a genreclf
    version adds or lacks change nothing else.

    Example:

    >>> calibration_card(model, {"method": "temperature", "temperature": 1.5,
    ...                          "fitted_on": "the validation split"})  # doctest: +SKIP
    {'method': 'temperature', 'temperature': 1.5, 'fitted_on': 'the validation split'}
    """
    from genreclf.models.calibrated_scores import find_calibration

    layer = find_calibration(model)
    if layer is None:
        graph = {"method": "none"}
    elif layer.method == "temperature":
        graph = {"method": "temperature", "temperature": layer.temperature}
    elif layer.method == "platt":
        graph = {"method": "platt", "slopes": layer.slopes, "intercepts": layer.intercepts}
    else:
        graph = {"method": layer.method}
    if isinstance(recorded, dict) and recorded.get("method") == graph["method"]:
        return {**recorded, **graph}
    return graph


def build_model_card(
    *,
    name,
    version,
    labels,
    multi_label,
    top_k,
    input_specs,
    thresholds=None,
    abstention=None,
    calibration=None,
    metrics=None,
    fingerprint=None,
    config=None,
    source=None,
):
    """Builds the model card dict.

    Args:
        name: the served model name.
        version: the integer version.
        labels: the class names in score column order.
        multi_label: whether scores are independent sigmoids.
        top_k: the width of `top_labels` / `top_scores`.
        input_specs: `(name, tf.TensorSpec)` pairs of the predict signature.
        thresholds: per-class thresholds (multi-label).
        abstention: the abstaining cascade (`signatures.abstention_card`) of a
            single-label model trained with `--abstain`, else None.
        calibration: the calibration inside the model (`calibration_card`):
            the served scores and the thresholds are on its scale.
        metrics: the run's `metrics.json` content.
        fingerprint: the run's `fingerprint.json` content (data hash, seed).
        config: the run's `config.json` content.
        source: where the model came from (a run folder path).

    Returns:
        A JSON-serialisable dict.

    Example:

    >>> card = build_model_card(name="genre", version=1, labels=["a", "b"],
    ...                         multi_label=False, top_k=2, input_specs=[])
    >>> card["labels"]
    ['a', 'b']
    """
    inputs = {n: {"dtype": s.dtype.name, "shape": [d for d in s.shape]} for n, s in input_specs}
    outputs = {
        "scores": {"dtype": "float32", "shape": [None, len(labels)]},
        "top_labels": {"dtype": "string", "shape": [None, min(top_k, len(labels))]},
        "top_scores": {"dtype": "float32", "shape": [None, min(top_k, len(labels))]},
    }
    if multi_label:
        outputs["labels"] = {"dtype": "string", "shape": [None, len(labels)]}
    elif abstention is not None:
        outputs["labels"] = {"dtype": "string", "shape": [None, 1]}
    return {
        "name": name,
        "version": int(version),
        "exported_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "source": None if source is None else str(source),
        "labels": list(labels),
        "multi_label": bool(multi_label),
        "thresholds": None if thresholds is None else [float(t) for t in thresholds],
        "abstention": abstention,
        "calibration": calibration,
        "top_k": int(min(top_k, len(labels))),
        "signatures": {
            PREDICT_SIGNATURE: {
                "method_name": "tensorflow/serving/predict",
                "inputs": inputs,
                "outputs": outputs,
            },
            CLASSIFY_SIGNATURE: {
                "method_name": "tensorflow/serving/classify",
                "inputs": {"inputs": {"dtype": "string", "shape": [None]}},
                "example_features": sorted(inputs),
                "outputs": {
                    "classes": {"dtype": "string", "shape": [None, len(labels)]},
                    "scores": {"dtype": "float32", "shape": [None, len(labels)]},
                },
            },
        },
        "metrics": metrics,
        "data_fingerprint": fingerprint,
        "config": config,
        "versions": library_versions(),
    }


def _fmt(value):
    return f"{value:.4f}" if isinstance(value, float) else str(value)


_METHODS = {
    "temperature": "temperature scaling",
    "platt": "per-class Platt scaling",
    "none": "none",
}


def _class_names(entries, labels):
    """`[{"class": index, ...}]` (calibration.json's class notes) as label names."""
    names = []
    for entry in entries if isinstance(entries, list) else []:
        index = entry.get("class") if isinstance(entry, dict) else None
        if isinstance(index, int) and 0 <= index < len(labels):
            names.append(str(labels[index]))
    return names


def _calibration_line(calibration, labels, thresholds):
    """The markdown card's calibration line, or None for a card that records none."""
    if not isinstance(calibration, dict) or not calibration.get("method"):
        return None
    method = str(calibration["method"])
    line = f"- calibration: {_METHODS.get(method, method)}"
    if method == "temperature" and isinstance(calibration.get("temperature"), (int, float)):
        line += f" (T = {calibration['temperature']:.3f})"
    if calibration.get("fitted_on"):
        line += f", fitted on {calibration['fitted_on']}"
    if method != "none":
        line += "; `scores` are calibrated" + (
            ", and the thresholds are on them" if thresholds else ""
        )
    identity = _class_names(calibration.get("identity_classes"), labels)
    if identity:
        line += f"; kept the identity map: {', '.join(identity)}"
    few = _class_names(calibration.get("few_outcome_classes"), labels)
    if few:
        line += f"; fitted on few outcomes: {', '.join(few)}"
    return line


def model_card_markdown(card):
    """Renders the model card as a short markdown page."""
    lines = [
        f"# Model card: {card['name']} v{card['version']}",
        "",
        f"- exported: {card['exported_at']}",
        f"- source: {card['source'] or '(in-memory model)'}",
        f"- task: {'multi-label' if card['multi_label'] else 'single-label'}, "
        f"{len(card['labels'])} classes",
        f"- labels: {', '.join(card['labels'])}",
    ]
    if card["thresholds"] is not None:
        pairs = ", ".join(
            f"{label}={t:.3f}" for label, t in zip(card["labels"], card["thresholds"])
        )
        lines.append(f"- thresholds: {pairs}")
    calibration = _calibration_line(
        card.get("calibration"),
        card["labels"],
        card["thresholds"] is not None or bool(card.get("abstention")),
    )
    if calibration:
        lines.append(calibration)
    if card.get("abstention"):
        cascade = card["abstention"]
        lines.append(
            f"- abstains: classes tried in the order {', '.join(cascade['order'])}; "
            f"`labels` is `{cascade['unknown']}` when no class clears its threshold"
        )
    lines += ["", "## Versions", ""]
    lines += [f"- {k}: {v}" for k, v in card["versions"].items()]
    lines += ["", "## Signatures", ""]
    for key, sig in card["signatures"].items():
        ins = ", ".join(f"{n} {s['dtype']}" for n, s in sig["inputs"].items())
        outs = ", ".join(f"{n} {s['dtype']}" for n, s in sig["outputs"].items())
        lines.append(f"- `{key}` ({sig['method_name']}): {ins} → {outs}")
    metrics = card.get("metrics") or {}
    scalars = {k: v for k, v in metrics.items() if isinstance(v, (int, float))}
    if scalars:
        lines += ["", "## Validation metrics", "", "| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in scalars.items()]
    if card.get("data_fingerprint"):
        lines += ["", "## Data", "", "```", json.dumps(card["data_fingerprint"], indent=2), "```"]
    return "\n".join(lines) + "\n"


def write_model_card(export_dir, card):
    """Writes `assets.extra/model_card.json` and `model_card.md`.

    Returns:
        The card as `model_card.json` reads back (what JSON cannot hold, such
        as a date, as its string), so the exporter need not read the file it
        has just written.

    Example:

    >>> card = build_model_card(name="genre", version=1, labels=["a", "b"],
    ...                         multi_label=False, top_k=2, input_specs=[])
    >>> card["config"] = {"since": datetime.date(2024, 5, 1)}
    >>> write_model_card("models/genre/1", card)["config"]
    {'since': '2024-05-01'}
    """
    extra = os.path.join(export_dir, "assets.extra")
    os.makedirs(extra, exist_ok=True)
    text = json.dumps(card, indent=2, ensure_ascii=False, default=str)
    with open(os.path.join(extra, "model_card.json"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(extra, "model_card.md"), "w", encoding="utf-8") as f:
        f.write(model_card_markdown(card))
    return json.loads(text)
