"""`export_model` / `export_run`: a versioned, verified SavedModel for TF Serving.

Layout of one published version (`<base>/<name>/<N>/`):

    saved_model.pb, fingerprint.pb, variables/
    assets/labels.txt                          the class names, one per line
    assets.extra/tf_serving_warmup_requests    PredictionLog records
    assets.extra/model_card.json, model_card.md   also the sha256 of saved_model.pb and
                                               variables.index (`card_check`)

Two exports of one model started at once both stage the next version; the one
that publishes second takes the next free number (an export given an explicit
`version` fails instead).
"""

import os
import pathlib
import re
import tempfile

from genreclf.errors import ConfigError
from genreclf.export.errors import VerificationError
from genreclf.export.versions import list_versions
from genreclf.export.versions import resolve_version
from genreclf.export.versions import staged_version
from genreclf.path_arguments import check_out_folder

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # whole name: `fullmatch`


def _labels_and_mode(vocabulary):
    labels = getattr(vocabulary, "labels", None)
    if labels is None:
        labels = list(vocabulary)
        return labels, False
    return list(labels), bool(getattr(vocabulary, "multi_label", False))


def _check_name(name):
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name.isdigit():
        raise ConfigError(
            "A model name must be letters, digits, '_', '-' or '.', start with a "
            "letter or digit and not be a number (TF Serving reads integer "
            f"folders as versions). Received: name={name!r}."
        )


def _check_base(base, name):
    """`base`, a leading `~` expanded; refuses a `base` that is not a path, or is a file, and
    a `<base>/<name>` that is a file: before the model loads."""
    base = check_out_folder(
        base, "base", what="a TF Serving base folder", holds="models", example="models"
    )
    versions = list_versions(os.fspath(base))
    if versions:  # models/genre for models: the export would be <model>/<name>, never served
        shown = ", ".join(map(str, versions[:5])) + (", ..." if len(versions) > 5 else "")
        parent = os.path.dirname(os.path.abspath(os.fspath(base)))
        raise ConfigError(
            f"base must be the folder above the model folders, but {os.fspath(base)!r} is a "
            f"model folder: it holds version folders ({shown}), and TF Serving would never "
            f"serve a model inside it. Received: base={os.fspath(base)!r}, name={name!r}. "
            f"Pass base={parent!r} (with name={os.path.basename(os.path.abspath(base))!r} "
            "to add a version of that model)."
        )
    model_dir = os.path.join(os.fspath(base), name)
    if os.path.lexists(model_dir) and not os.path.isdir(model_dir):
        raise ConfigError(
            f"{model_dir} is a file, not a model folder: the versions of model {name!r} "
            f"go in <base>/<name>. Received: base={os.fspath(base)!r}, name={name!r}. "
            "Choose another --name (or --base), or move that file away."
        )
    return base


def export_model(
    model,
    vocabulary,
    base,
    name,
    *,
    version=None,
    thresholds=None,
    top_k=3,
    model_card=None,
    warmup_texts=None,
    verify=True,
    serving_tf_text=None,
    return_report=False,
):
    """Exports a Keras model as `<base>/<name>/<version>/` for TF Serving.

    The version is written to a temporary folder beside its target, verified in
    a clean TensorFlow-only process (unless `verify=False`) and only then
    renamed into place; on any failure nothing is published.

    Args:
        model: a `keras.Model` from raw `text` (plus hybrid features) to
            per-class scores `[batch, K]`.
        vocabulary: the `LabelVocabulary` (or a list of class names for a
            single-label model).
        base: the TF Serving base path (e.g. `"models/"`), a folder.
        name: the served model name (the folder under `base`).
        version: the integer version; default: one more than the highest
            (if another export publishes that one first, the next free one:
            two exports started at once publish 1 and 2). An existing
            version is never overwritten; an explicit one is never renumbered.
        thresholds: per-class thresholds for multi-label models (0.5 if None).
        top_k: the width of `top_labels` / `top_scores`.
        model_card: extra model card fields (`metrics`, `data_fingerprint`,
            `config`, `source`, ...).
        warmup_texts: synopses for the warmup requests (default: built-in).
        verify: run `verify_export` before publishing.
        serving_tf_text: check the ops against this TF Text version's op list
            (see `verify_export`).
        return_report: also return the `VerifyReport` (None without `verify`).

    Returns:
        The `pathlib.Path` of the published version folder, or
        `(path, report)` with `return_report=True`.

    Raises:
        ConfigError: `name` is not a model name; `base` is not a path, or
            it or `<base>/<name>` is a file.
        ExportError: the version exists or could not be published.
        VerificationError: verification failed (its `.report` says why).

    Example:

    >>> path = export_model(model, vocab, "models", "genre")  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
    '1'
    """
    import tensorflow as tf

    from genreclf.export.card_check import saved_model_digest
    from genreclf.export.method_names import CLASSIFY_METHOD
    from genreclf.export.method_names import set_method_name
    from genreclf.export.model_card import build_model_card
    from genreclf.export.model_card import calibration_card
    from genreclf.export.model_card import write_model_card
    from genreclf.export.signatures import CLASSIFY_SIGNATURE
    from genreclf.export.signatures import ServingModule
    from genreclf.export.verify import verify_export
    from genreclf.export.warmup import write_warmup_requests

    _check_name(name)
    base = _check_base(base, name)
    labels, multi_label = _labels_and_mode(vocabulary)
    if not multi_label and thresholds is not None:
        thresholds = None  # single-label decisions are the arg-max
    model_dir = os.path.join(os.fspath(base), name)
    published = [resolve_version(model_dir, version)]
    written = {}  # the staged card, as its JSON reads: rewritten if renumbered

    def renumber(tmp, new_version):  # another export took the first version
        written["card"] = write_model_card(tmp, dict(written["card"], version=int(new_version)))
        published[0] = new_version

    module = ServingModule(
        model, labels, multi_label=multi_label, thresholds=thresholds, top_k=top_k
    )
    report = None
    with (
        staged_version(
            model_dir, published[0], renumber=None if version is not None else renumber
        ) as tmp,
        tempfile.TemporaryDirectory(prefix="genreclf-labels-") as labels_dir,
    ):
        labels_file = os.path.join(labels_dir, "labels.txt")
        with open(labels_file, "w", encoding="utf-8") as f:
            f.write("".join(f"{label}\n" for label in labels))
        # A tracked Asset: copied to assets/labels.txt and listed in the
        # MetaGraph's asset_file_def, so TF Serving ships it with the model.
        module.labels_asset = tf.saved_model.Asset(labels_file)
        tf.saved_model.save(module, tmp, signatures=module.signatures())
        set_method_name(tmp, CLASSIFY_SIGNATURE, CLASSIFY_METHOD)
        write_warmup_requests(tmp, name, module.input_specs, warmup_texts)
        card = build_model_card(
            name=name,
            version=published[0],
            labels=labels,
            multi_label=multi_label,
            top_k=module.top_k,
            input_specs=module.input_specs,
            thresholds=module.thresholds if multi_label else None,
            abstention=module.abstention,
            calibration=calibration_card(model),
        )
        card.update(model_card or {})
        card["saved_model"] = saved_model_digest(tmp)  # ties the card to these files
        written["card"] = write_model_card(tmp, card)
        if verify:
            # Verify reads the card, labels.txt and the files back, as TF Serving will.
            report = verify_export(tmp, reference_model=model, serving_tf_text=serving_tf_text)
            if not report.ok:
                raise VerificationError(
                    "The exported SavedModel failed verification; nothing was "
                    f"published.\n{report.summary()}",
                    report=report,
                )
    path = pathlib.Path(model_dir) / str(published[0])
    if report is not None:  # verified in the staging folder, which is now `path`
        report.version_dir = os.path.abspath(path)
    return (path, report) if return_report else path


def _recorded_calibration(run):
    """The run's `calibration.json` as a dict; None if it has none or it is unreadable
    (the card then records the model's calibration alone)."""
    from genreclf.json_files import read_json_object
    from genreclf.training.calibration import CALIBRATION_FILE

    return read_json_object(pathlib.Path(run.path) / CALIBRATION_FILE, strict=False)


def export_run(
    run_path,
    base,
    name,
    *,
    version=None,
    verify=True,
    top_k=3,
    serving_tf_text=None,
    return_report=False,
):
    """Exports a run folder's model (with its thresholds, metrics and data fingerprint).

    Args:
        run_path: the run folder written by `genreclf train`.
        base: the TF Serving base path.
        name: the served model name.
        version: the integer version (default: the next one).
        verify: verify in a clean process before publishing.
        top_k: the width of `top_labels` / `top_scores`.
        serving_tf_text, return_report: see `export_model`.

    Returns:
        The `pathlib.Path` of the published version folder (and the report).

    Raises:
        ConfigError: `name` is not a model name; `base` is not a path, or
            it or `<base>/<name>` is a file; `run_path` is not a path.
        RunFolderError: no finished run folder at `run_path`.
        ExportError, VerificationError: as `export_model`.

    Example:

    >>> export_run("runs/bilstm", "models", "genre")  # doctest: +SKIP
    PosixPath('models/genre/1')
    """
    from genreclf.export.card_check import run_model_digest
    from genreclf.export.model_card import calibration_card
    from genreclf.run import load_run

    _check_name(name)  # before the model loads
    base = _check_base(base, name)
    run = load_run(run_path)
    if version is not None:  # a taken version is refused before the model loads
        resolve_version(os.path.join(os.fspath(base), name), version)
    run_model = run_model_digest(run.path)  # before the model loads from it
    card = {
        "source": os.path.abspath(os.fspath(run_path)),
        "run_model": run_model,
        "calibration": calibration_card(run.model, _recorded_calibration(run)),
        "metrics": run.metrics or None,
        "data_fingerprint": getattr(run, "fingerprint", None) or None,
        "config": run.config,
    }
    return export_model(
        run.model,
        run.vocabulary,
        base,
        name,
        version=version,
        thresholds=run.thresholds,
        top_k=top_k,
        model_card=card,
        verify=verify,
        serving_tf_text=serving_tf_text,
        return_report=return_report,
    )
