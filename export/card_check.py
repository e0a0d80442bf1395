"""`check_model_card`: the model card must describe the SavedModel it ships with.

`assets.extra/model_card.json` is what people and the server read about a
version: its labels, single- or multi-label, thresholds, and the run it came
from (the server's web explain route loads that run). TF Serving never reads
it, so a card copied from another export loads fine and then misleads.
`verify_export` therefore compares the card with the SavedModel itself:

* files: the exporter records the sha256 of `saved_model.pb` and of
  `variables/variables.index` (which holds a checksum of every variable) in
  the card (`saved_model`); a card written for another export names other
  files. Cards written before genreclf recorded them are not compared, and
  the check says so.
* signatures: the number of labels against the scores' width and
  `assets/labels.txt`; single-label, multi-label or abstaining against the
  `labels` output; `top_k` against `top_labels`; the inputs and outputs the
  card lists against the signature's; a multi-label card's thresholds against
  the `labels` output on the sample texts.

With `export verify --run RUN`, `check_run_source` also compares the card
with that run: the run it names (`source`), its labels and single- or
multi-label, its config, data fingerprint and model file (`run_model`: the
sha256 of the run's `model.keras` when it was exported, which tells a run
trained again with the same settings from the one exported). A run the
version was not exported from is named as such, not left to the score
comparison.

Only the standard library and numpy are imported (no TensorFlow), so checking
a card costs the time to hash two files.
"""

import hashlib
import json
import os

import numpy as np

CARD_FILE = os.path.join("assets.extra", "model_card.json")
DIGEST_FILES = ("saved_model.pb", "variables/variables.index")
_FIX = "Re-export the run instead of copying assets between versions."
INCOMPLETE_FIX = "Copy the whole version folder again, or re-export the run."


def saved_model_digest(export_dir):
    """The sha256 of the files that make a SavedModel what it is (None if absent).

    Example:

    >>> saved_model_digest("models/genre/1")  # doctest: +SKIP
    {'saved_model.pb': '9f86d0...', 'variables/variables.index': '60303a...'}
    """
    digest = {}
    for name in DIGEST_FILES:
        path = os.path.join(export_dir, *name.split("/"))
        if not os.path.isfile(path):
            digest[name] = None
            continue
        with open(path, "rb") as f:
            digest[name] = hashlib.file_digest(f, "sha256").hexdigest()
    return digest


def run_model_digest(run_path):
    """The sha256 of a run folder's `model.keras` (None when it has none).

    Example:

    >>> run_model_digest("runs/ngram")  # doctest: +SKIP
    '5e8f1c...'
    """
    path = os.path.join(os.fspath(run_path), "model.keras")
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _listed(names):
    """`"config"`, `"config and model file"`, `"config, data fingerprint and model file"`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _check(name, ok, detail):
    return {"name": name, "ok": bool(ok), "detail": detail}


def _files_check(version_dir, card, loaded=True):
    recorded = card.get("saved_model")
    name = "model card matches the SavedModel files"
    if not isinstance(recorded, dict):
        return _check(
            name,
            True,
            "the card records no file hashes (exported by an older genreclf): not compared",
        )
    actual = saved_model_digest(version_dir)
    missing = [f for f in DIGEST_FILES if f in recorded and actual[f] is None]
    if missing:  # an incomplete SavedModel, not another one
        return _check(
            name,
            False,
            f"not compared: the SavedModel has no {' or '.join(missing)} (it is incomplete, "
            f"not another export). {INCOMPLETE_FIX}",
        )
    differ = [f for f in DIGEST_FILES if f in recorded and recorded[f] != actual[f]]
    if not differ:
        return _check(name, True, f"sha256 of {', '.join(DIGEST_FILES)} as recorded")
    shown = ", ".join(f"{f} {str(actual[f])[:12]} (card: {str(recorded[f])[:12]})" for f in differ)
    if not loaded:  # changed files that do not load: damaged since export, not swapped
        return _check(
            name,
            False,
            f"the files differ from those the card records and the SavedModel does not "
            f"load: damaged since export (a truncated or interrupted copy?). Received "
            f"sha256: {shown}. {INCOMPLETE_FIX}",
        )
    return _check(
        name,
        False,
        f"the card was written for another SavedModel (source {card.get('source')!r}). "
        f"Received sha256: {shown}. {_FIX}",
    )


def _mode(card):
    if card.get("multi_label"):
        return "multi-label"
    return "abstaining single-label" if card.get("abstention") else "single-label"


def _model_mode(outputs, width):
    """The mode the signature shows, or None when both fit (one class)."""
    if "labels" not in outputs:
        return "single-label"
    labels_width = outputs["labels"][1][-1] if outputs["labels"][1] else None
    if labels_width == 1 and width == 1:
        return None
    return "abstaining single-label" if labels_width == 1 else "multi-label"


def _describe(mode, outputs):
    if "labels" not in outputs:
        return f"serving_default has no 'labels' output (a {mode} model)"
    return f"serving_default's 'labels' output is {outputs['labels'][1]} (a {mode} model)"


def _threshold_problem(card, scores, labels_output):
    labels, thresholds = card.get("labels") or [], card.get("thresholds")
    if not thresholds or len(thresholds) != scores.shape[1] or len(labels) != scores.shape[1]:
        return f"{len(thresholds or [])} thresholds for {scores.shape[1]} classes"
    above = scores.astype("float32") >= np.asarray(thresholds, dtype="float32")
    for row, chosen in zip(above, labels_output):
        if {labels[j] for j in np.flatnonzero(row)} != {name for name in chosen if name}:
            return "the 'labels' output does not apply the card's thresholds"
    return None


def _signature_problems(card, result, labels_txt):
    """What the card says that the signatures contradict, most telling first."""
    problems = []
    labels = card.get("labels") or []
    scores = np.asarray(result.get("scores") or [], dtype="float64")
    outputs = result.get("outputs") or {}
    width = scores.shape[1] if scores.ndim == 2 else None
    if width is not None and outputs:
        model_mode = _model_mode(outputs, width)
        if model_mode is not None and model_mode != _mode(card):
            problems.append(f"the card says {_mode(card)}, but {_describe(model_mode, outputs)}")
        elif card.get("multi_label") and result.get("labels_output") is not None:
            problem = _threshold_problem(card, scores, result["labels_output"])
            problems += [problem] if problem else []
    if width is not None and len(labels) != width:
        problems.append(f"the card lists {len(labels)} labels, the model scores {width} classes")
    if labels_txt is not None and labels_txt != labels:
        problems.append("the card's labels differ from assets/labels.txt")
    top = outputs.get("top_labels", [None, []])[1]
    if top and card.get("top_k") is not None and top[-1] != card["top_k"]:
        problems.append(f"the card says top_k {card['top_k']}, top_labels has {top[-1]}")
    predict = (card.get("signatures") or {}).get("serving_default") or {}
    inputs = result.get("inputs")
    if inputs is not None and "inputs" in predict:
        listed = {n: s.get("dtype") for n, s in predict["inputs"].items()}
        if listed != {n: spec[0] for n, spec in inputs.items()}:
            problems.append(
                f"the card's inputs {sorted(listed)} are not the signature's {sorted(inputs)}"
            )
    listed = set(predict.get("outputs") or outputs) - {"labels"}  # `labels`: the mode, above
    if outputs and listed != set(outputs) - {"labels"}:
        problems.append(
            f"the card's outputs {sorted(predict['outputs'])} are not the "
            f"signature's {sorted(outputs)}"
        )
    return problems


RUN_SOURCE_CHECK = "source run"


def read_card(version_dir):
    """The model card as a dict; None if it is missing, unreadable or has no labels
    (`check_model_card` reports those)."""
    try:
        with open(os.path.join(version_dir, CARD_FILE), encoding="utf-8") as f:
            card = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(card, dict) or not isinstance(card.get("labels"), list):
        return None
    return card


def _task(multi_label, labels):
    return f"{'multi-label' if multi_label else 'single-label'}, {len(labels)} labels"


def _shown(path):
    """`path` relative to the working folder when it lies inside it, else as given."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive
        return str(path)
    return str(path) if relative.startswith(os.pardir) else relative


def _same_folder(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them is not here (a card written on another machine)
        return os.path.abspath(a) == os.path.abspath(b)


def _json_value(value):
    """`value` as the card's JSON holds it; None for None or empty (not recorded)."""
    return json.loads(json.dumps(value, sort_keys=True, default=str)) if value else None


def _label_difference(card_labels, run_labels):
    if len(card_labels) != len(run_labels) or card_labels == run_labels:
        return ""
    if sorted(card_labels) == sorted(run_labels):
        return "; the same labels in another order"
    i = next(i for i, (a, b) in enumerate(zip(card_labels, run_labels)) if a != b)
    return f"; label {i} is {run_labels[i]!r}, the export's is {card_labels[i]!r}"


def check_run_source(version_dir, run):
    """Whether `run` (`export verify --run`) is the run the version was exported from.

    The model card records the run it came from (`source`), its labels and
    label mode, its config and data fingerprint. Another run's labels or
    label mode make a score comparison meaningless; another run with the same
    labels is told apart by its config or data fingerprint (a copy of the run
    elsewhere has the same ones).

    Args:
        version_dir: the SavedModel directory.
        run: the run to compare (a `genreclf.run.Run`: `path`, `labels`,
            `multi_label`, `config`, `fingerprint`).

    Returns:
        `(check, comparable)`: the `{"name", "ok", "detail"}` check (None when
        there is no readable card: `check_model_card` reports it) and whether
        the run's scores can be compared with the SavedModel's (same labels,
        same label mode).

    Example:

    >>> check, comparable = check_run_source("models/genre/1", load_run("runs/ngram"))  # doctest: +SKIP
    >>> check["detail"]  # doctest: +SKIP
    'the export came from runs/bilstm (single-label, 10 labels); --run runs/ngram ...'
    """
    card = read_card(version_dir)
    if card is None:
        return None, True
    labels, multi = list(card["labels"]), bool(card.get("multi_label"))
    run_labels, run_multi = list(run.labels), bool(run.multi_label)
    run_shown, source = str(run.path), card.get("source")
    exported = _task(multi, labels)
    same_place = bool(source) and _same_folder(source, run.path)
    if (multi, labels) != (run_multi, run_labels):
        now = f"{_task(run_multi, run_labels)}{_label_difference(labels, run_labels)}"
        if same_place:
            detail = (
                f"{run_shown} changed since this version was exported from it: the card "
                f"records {exported}, the run is now {now}, so their scores were not "
                f"compared. Re-export {run_shown} to serve it as it is now."
            )
        elif source:
            detail = (
                f"the export came from {_shown(source)} ({exported}); --run {run_shown} is "
                f"another run ({now}), so their scores were not compared. Pass --run "
                f"{_shown(source)}, or re-export {run_shown} to serve it."
            )
        else:
            detail = (
                f"the export came from an in-memory model ({exported}; the card names no "
                f"run); --run {run_shown} is another model ({now}), so their scores were "
                f"not compared. Pass the run it was exported from, or re-export {run_shown} "
                "to serve it."
            )
        return _check(RUN_SOURCE_CHECK, False, detail), False
    if not source:
        detail = f"the card names no run (an in-memory export); {run_shown} has its {exported}"
        return _check(RUN_SOURCE_CHECK, True, detail), True
    recorded = {
        "config": (card.get("config"), getattr(run, "config", None)),
        "data fingerprint": (card.get("data_fingerprint"), getattr(run, "fingerprint", None)),
    }
    if card.get("run_model") is not None:  # hashed only when the card has it to compare
        recorded["model file"] = (card["run_model"], run_model_digest(run.path))
    recorded = {k: v for k, v in recorded.items() if _json_value(v[0]) is not None}
    differ = [k for k, (a, b) in recorded.items() if _json_value(a) != _json_value(b)]
    if same_place and differ:  # trained again there since (`train --overwrite`)
        detail = (
            f"{run_shown} changed since this version was exported from it: its "
            f"{_listed(differ)} {'differs' if len(differ) == 1 else 'differ'} from the "
            "card's, so it was trained again. "
            f"Re-export {run_shown} to serve it as it is now."
        )
        return _check(RUN_SOURCE_CHECK, False, detail), True
    if same_place:
        detail = f"{run_shown} ({exported}), the run the model card names"
        return _check(RUN_SOURCE_CHECK, True, detail), True
    # Another folder with the same labels: a copy of the run, or another run.
    if differ:
        detail = (
            f"the export came from {_shown(source)}; --run {run_shown} has the same labels "
            f"({exported}) but another {_listed(differ)}, so it is another run. Pass "
            f"--run {_shown(source)}, or re-export {run_shown} to serve it."
        )
        return _check(RUN_SOURCE_CHECK, False, detail), True
    if not recorded:
        detail = (
            f"the card names {_shown(source)}, not {run_shown}, and records no config or "
            f"data fingerprint to tell them apart; their labels agree ({exported})"
        )
    else:
        detail = (
            f"the card names {_shown(source)}; {run_shown} has its labels ({exported}) and "
            f"{_listed(list(recorded))} (a copy of that run)"
        )
    return _check(RUN_SOURCE_CHECK, True, detail), True


def check_model_card(version_dir, result=None):
    """Compares `assets.extra/model_card.json` with the SavedModel beside it.

    Args:
        version_dir: the SavedModel directory.
        result: the verification worker's report (`scores`, `inputs`,
            `outputs`, `labels_output`); without it only the files and
            `assets/labels.txt` are compared.

    Returns:
        A list of `{"name", "ok", "detail"}` checks (one when there is no card).

    Example:

    >>> [c["ok"] for c in check_model_card("models/genre/1")]  # doctest: +SKIP
    [True, True]
    """
    path = os.path.join(version_dir, CARD_FILE)
    if not os.path.exists(path):
        return [_check("model card", True, f"no {CARD_FILE}: nothing to compare")]
    try:
        with open(path, encoding="utf-8") as f:
            card = json.load(f)
    except (OSError, ValueError) as e:
        return [_check("model card", False, f"{CARD_FILE} is not readable JSON: {e}")]
    if not isinstance(card, dict) or not isinstance(card.get("labels"), list):
        return [_check("model card", False, f"{CARD_FILE} has no 'labels' list. {_FIX}")]
    labels_path = os.path.join(version_dir, "assets", "labels.txt")
    labels_txt = None
    if os.path.exists(labels_path):
        with open(labels_path, encoding="utf-8") as f:
            labels_txt = f.read().splitlines()
    problems = _signature_problems(card, result or {}, labels_txt)
    name = "model card matches the signatures"
    if problems:
        more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
        detail = (
            f"the card and the model disagree: {'; '.join(problems[:2])}{more}. "
            f"Received: card from {card.get('source')!r}. {_FIX}"
        )
        signatures = _check(name, False, detail)
    else:
        signatures = _check(
            name, True, f"{len(card['labels'])} labels, {_mode(card)}, top_k {card.get('top_k')}"
        )
    # Only a worker that failed ("run": an exception; "worker": it died) before a passed
    # "load" says the SavedModel did not load; one stopped earlier (disallowed ops) never
    # tried to load it.
    checks = (result or {}).get("checks") or []
    failed = any(c["name"] in ("run", "worker") and not c["ok"] for c in checks)
    loaded = not failed or any(c["name"] == "load" and c["ok"] for c in checks)
    return [_files_check(version_dir, card, loaded), signatures]
