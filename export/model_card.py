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
