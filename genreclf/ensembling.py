"""`ensemble` (genreclf.ensemble): join trained runs of any families into one run and one model.

The members' scores are averaged with weights chosen on labelled held-out
scores by greedy ensemble selection with replacement (Caruana et al., 2004:
start from the best member, repeatedly add the member whose addition most
raises macro-F1, until none does; the counts become the weights), which
cannot do worse on those rows than the best member alone. Multi-label thresholds are tuned on the
same blended scores (shrunk toward a global threshold for rare classes), and
the blend is calibrated on them (temperature / per-class Platt scaling, see
`genreclf.training.calibration`; thresholds re-expressed on calibrated scores).

The held-out scores come from `data` (a labelled file the members did not
train on); or, when every member carved the same validation split from the
same file (same `val_sha256` in their fingerprints), from that split; or,
when some members trained on every row of that file (`ngram`, `stack`: they
save the out-of-fold scores they chose their own settings on,
`oof_scores.npz`), from their out-of-fold scores, matched to the rows by each
row's digest (`TextDataset.row_digests`): on the other members' validation
split when there are others, else on every row (`genreclf.held_out`). So `genreclf ensemble
runs/stack runs/bilstm --out runs/ens` needs no held-out file.

The result is an ordinary run folder — `model.keras` wraps the members'
models and a weighted sum, raw text in — so `genreclf evaluate`, `predict`,
`export` and `export verify` take it like any other.
"""

import os
import pathlib

import numpy as np

from genreclf.data.labels import LabelVocabulary
from genreclf.ensemble_members import check_out_apart
from genreclf.ensemble_members import member_runs
from genreclf.errors import ConfigError
from genreclf.held_out import checked_rows
from genreclf.held_out import held_out_scores
from genreclf.held_out import warn_classes_not_held_out
from genreclf.json_files import write_json
from genreclf.path_arguments import check_out_folder
from genreclf.run import Run
from genreclf.run_files import CONFIG
from genreclf.run_files import FINGERPRINT
from genreclf.run_files import LABELS
from genreclf.run_files import MODEL
from genreclf.run_files import TRAINING_ROWS
from genreclf.run_files import write_thresholds
from genreclf.run_files import write_training_rows
from genreclf.training.finished_runs import claimed_run_folder
from genreclf.training.finished_runs import unmark_finished

SELECTION_ROUNDS = 20


def select_weights(member_scores, targets, multi_label, rounds=SELECTION_ROUNDS):
    """Greedy ensemble selection with replacement; returns weights summing to 1.

    Args:
        member_scores: a list of `[n, K]` held-out scores, one per member.
        targets: `[n, K]` targets.
        multi_label: score macro-F1 at (shrunk) tuned thresholds, else arg-max.
        rounds: additions after the first member.

    Example:

    >>> targets = np.eye(2)[[0, 1, 0, 1]]
    >>> good, bad = targets * 0.8 + 0.1, 1 - targets
    >>> select_weights([bad, good], targets, multi_label=False).tolist()
    [0.0, 1.0]
    """
    from genreclf.metrics.thresholds import tune_thresholds_shrunk
    from genreclf.training.linear_heads import macro_f1

    def score(blend):
        thresholds = tune_thresholds_shrunk(targets, blend) if multi_label else None
        return macro_f1(targets, blend, multi_label, thresholds)

    counts = np.zeros(len(member_scores))
    counts[int(np.argmax([score(s) for s in member_scores]))] = 1
    for _ in range(rounds):
        total = sum(c * s for c, s in zip(counts, member_scores))
        gains = [score((total + s) / (counts.sum() + 1)) for s in member_scores]
        best = int(np.argmax(gains))
        if gains[best] <= score(total / counts.sum()) + 1e-12:
            break  # no member improves the blend: stop
        counts[best] += 1
    return counts / counts.sum()


def _best_thresholds(targets, blended, runs, weights):
    """Thresholds tuned on the blend, or a lone member's own when they score higher there.

    When the selection keeps one member alone, the blend is that member, and
    its own thresholds (tuned by its family, e.g. on the raw scores before
    calibration) can beat thresholds tuned afresh: the ensemble must not
    score below its best member on the rows it was chosen on.
    """
    from genreclf.metrics.thresholds import tune_thresholds_shrunk
    from genreclf.training.linear_heads import macro_f1

    candidates = [tune_thresholds_shrunk(targets, blended)]
    candidates += [
        r.thresholds for r, w in zip(runs, weights) if w == 1.0 and r.thresholds is not None
    ]
    return max(candidates, key=lambda t: macro_f1(targets, blended, True, t))


READ_OPTIONS = ("text", "label", "sep", "format")


def _is_path(data):
    """Whether `data` names a file (rather than rows in memory, or None)."""
    return isinstance(data, (str, os.PathLike))


def _check_member_kinds(runs):
    """Refuses members an ensemble's blend cannot stand for, the first included.

    Its model takes `text` alone and blends scores as its members' task
    gives them: a run with feature inputs (hybrid) could be neither scored on
    the held-out rows nor served, and an abstaining run (`--abstain`) scores
    each label one-vs-all and answers through its cascade, which the blend
    drops: the ensemble never answered `unknown`, and with `calibration="none"`
    its single-label scores did not sum to 1, so export refused it.
    """
    for run in runs:
        if run.feature_names():
            raise ConfigError(
                "Ensembles take text-only runs. Received: "
                f"{run.path} reads the features {run.feature_names()} beside the text. "
                f"Join text-only runs (any family but hybrid), or leave {run.path} out."
            )
        if run.cascade is not None:
            raise ConfigError(
                "Ensembles blend their members' label scores: a distribution over the labels "
                f"(single-label) or one sigmoid per label (multi-label). Received: {run.path} "
                "was trained with --abstain: one-vs-all scores and a cascade that answers "
                "'unknown', which the blend would drop. "
                f"Join runs trained without --abstain, or leave {run.path} out."
            )


def ensemble(
    runs,
    out,
    *,
    data=None,
    verbose=1,
    calibration="auto",
    mlflow_uri=None,
    mlflow_experiment=None,
    split=None,
    overwrite=False,
    config_fields=None,
):
    """Joins trained runs into one run whose model averages their scores.

    Args:
        runs: two or more run folders (or `Run`s) with the same labels, in
            a list (or any iterable; one folder alone is refused).
        out: the new run folder (not a file, nor a member's folder).
        data: labelled held-out rows (a file or `TextDataset`) to choose the
            weights and thresholds on; default: the members' shared
            validation split, with the out-of-fold scores of members that
            trained on every row of the same file (`held_out_scores`); the
            classes without a row there are named in a warning (nothing is
            learned for them: `genreclf.held_out.warn_classes_not_held_out`). `data` wins over
            the out-of-fold scores (one warning says so, and names the
            members, when its rows are training rows of members that saved
            them: `genreclf.held_out.warn_given_rows_trained_on`).
        verbose: print the chosen weights.
        calibration: `"auto"` (temperature scaling for single-label, per-class
            Platt scaling for multi-label, fitted on the blended held-out
            scores and appended to the model) or `"none"`.
        mlflow_uri: an MLflow tracking URI: the new run folder is logged there
            (its config with the members and weights, metrics, report, PNGs,
            model; needs `pip install 'genreclf[mlflow]'`).
        mlflow_experiment: the MLflow experiment (default `"genreclf"`).
        split: the validation rows (a `TextDataset`) that the members with
            a validation split held out, when they trained on an in-memory
            dataset whose file cannot be read again (checked against their
            fingerprints).
        overwrite: replace a finished run in `out` (refused otherwise, as
            `genreclf.train` refuses; `genreclf.training.finished_runs`).
        config_fields: fields added to the new run's `config.json` (the GPU
            pair records its members and choice there), written before the
            run is marked finished.

    Returns:
        The new `Run`.

    Raises:
        ConfigError: `runs` is not two or more run folders (`member_runs`);
            `out` is a file or a member's folder; the members differ in
            labels or task; a member reads features or abstains (`--abstain`).
        DataError: `data` holds a label no member saw (each is named), or
            fewer than `genreclf.held_out.MIN_HELD_OUT_ROWS` rows; checked before any member
            scores a row.

    Example:

    >>> run = ensemble(["runs/ngram", "runs/minilm"], "runs/ens",
    ...                data="val.csv")  # doctest: +SKIP
    """
    runs = member_runs(runs)
    out = check_out_folder(out)
    check_out_apart(runs, out, members_inside=True)
    with claimed_run_folder(out, "genreclf ensemble", overwrite):  # refused there if finished
        work = (runs, out, data, verbose, calibration, split, config_fields)
        if mlflow_uri is None:
            return _join(*work)
        from genreclf.tracking.mlflow_tracker import MlflowTracker

        tracker = MlflowTracker(  # before the work: a bad URI or a missing extra fails fast
            mlflow_uri,
            experiment=mlflow_experiment,
            run_name=pathlib.Path(out).name,
            tags={"genreclf.command": "ensemble"},
        )
        with tracker:
            run = _join(*work)
            tracker.client.set_tag(tracker.run_id, "genreclf.run_folder", str(run.path.resolve()))
            tracker.log_run_folder(run.path)
        return run


def _join(runs, out, data, verbose, calibration, split, config_fields):
    """`ensemble`'s work, in the folder it holds."""
    import keras

    from genreclf import register
    from genreclf.metrics import classification_report
    from genreclf.metrics import write_report
    from genreclf.metrics.calibration_report import layer_calibration_section
    from genreclf.models.blending import WeightedScores
    from genreclf.models.calibrated_scores import with_calibration
    from genreclf.models.heads import text_input
    from genreclf.training.calibration import CALIBRATION_FILE
    from genreclf.training.calibration import check_choice
    from genreclf.training.calibration import describe
    from genreclf.training.calibration import fit_calibration

    register()
    check_choice(calibration)
    runs = [r if isinstance(r, Run) else Run(r) for r in member_runs(runs)]
    folders = [run.path.resolve() for run in runs]
    repeated = sorted({str(r.path) for r, f in zip(runs, folders) if folders.count(f) > 1})
    if repeated:  # allowed (a quick check of the machinery), but rarely meant
        import logging

        logging.getLogger("genreclf").warning(
            "%s given more than once: its copies add nothing but weight. Pass each run once "
            "unless that is what you mean.",
            repeated,
        )
    vocabulary = runs[0].vocabulary
    for run in runs[1:]:
        if run.multi_label != runs[0].multi_label:
            kinds = {True: "multi-label", False: "single-label"}
            raise ConfigError(
                "Every member must solve the same task. Received: "
                f"{run.path} is {kinds[run.multi_label]}, {runs[0].path} is "
                f"{kinds[runs[0].multi_label]}. Train them on the same label column."
            )
        if run.vocabulary != vocabulary:
            mine, first = set(run.labels), set(runs[0].labels)
            differ = [
                f"{sorted(first - mine)} only in {runs[0].path}" if first - mine else "",
                f"{sorted(mine - first)} only in {run.path}" if mine - first else "",
            ]
            differ = "; ".join(d for d in differ if d) or (
                "the same labels in another order (a genreclf before 2026-12-06 ordered "
                "ratings as text: retrain the older run)"
            )
            raise ConfigError(
                f"Every member must have the same labels. Received: {differ} (of "
                f"{len(runs[0].labels)} and {len(run.labels)} labels). Train them on the same "
                "data."
            )
    _check_member_kinds(runs)
    # What `predict` gives back: ints only when every member does (an older member's
    # labels.json has no `label_type`: strings), whatever the members' order.
    label_type = "int" if all(r.vocabulary.label_type == "int" for r in runs) else "str"
    vocabulary = LabelVocabulary(
        vocabulary.labels, multi_label=vocabulary.multi_label, label_type=label_type
    )
    # The file the weights are chosen on, for config.json's way to rebuild the ensemble.
    data_file = str(pathlib.Path(data).expanduser().resolve()) if _is_path(data) else None
    if data is not None:  # read and checked before any member scores a row
        data = checked_rows(runs, data, vocabulary)
    held_out = held_out_scores(runs, data, vocabulary, split=split)
    targets, member_scores = held_out.targets, held_out.member_scores
    warn_classes_not_held_out(targets, vocabulary, held_out.rows_name)
    weights = select_weights(member_scores, targets, vocabulary.multi_label)
    blended = sum(w * s for w, s in zip(weights, member_scores))
    thresholds = None
    if vocabulary.multi_label:
        thresholds = _best_thresholds(targets, blended, runs, weights)

    text = text_input()
    outputs = []
    for i, run in enumerate(runs):
        member = keras.Model(run.model.input, run.model.output, name=f"member_{i}")
        outputs.append(member({"text": text}))
    scores = WeightedScores([float(w) for w in weights], name="scores")(outputs)
    model = keras.Model({"text": text}, scores, name="ensemble")
    layer = fit_calibration(blended, targets, vocabulary.multi_label, calibration)
    evaluated_on = f"{held_out.rows_name}, which the weights were chosen on (optimistic)"
    calibrated, info = blended, describe(layer, held_out.rows_name)
    if layer is not None:
        if thresholds is not None:
            info["raw_thresholds"] = [float(t) for t in thresholds]
        model = with_calibration(model, layer)
        calibrated = layer.apply(blended)
        if thresholds is not None:
            thresholds = layer.map_thresholds(thresholds)

    report = classification_report(targets, calibrated, vocabulary, thresholds=thresholds)
    report["evaluated_on"] = evaluated_on
    report["calibration"] = layer_calibration_section(
        targets,
        blended,
        calibrated,
        layer,
        multi_label=vocabulary.multi_label,
        fitted_on=info.get("fitted_on"),
    )

    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    unmark_finished(out)  # never a new model beside the replaced run's thresholds
    write_json(  # first: the mark that the folder holds a run (`foreign_files`)
        out / FINGERPRINT,
        {"members": [r.fingerprint for r in runs], "held_out_sha256": held_out.fingerprint},
    )
    model.save(out / MODEL)
    vocabulary.save(out / LABELS)
    config = dict(runs[0].config)
    for name in READ_OPTIONS:  # how to read data files: from the first member that knows
        known = [r.config.get(name) for r in runs if r.config.get(name) not in (None, "auto")]
        if config.get(name) in (None, "auto") and known:
            config[name] = known[0]
    config.update(
        model="ensemble",
        model_config={
            "members": [str(r.path.resolve()) for r in runs],
            "weights": [float(w) for w in weights],
            **({"data": data_file} if data_file else {}),
        },
        calibration=calibration,
    )
    config.update(config_fields or {})
    write_json(out / CONFIG, config)
    write_json(out / CALIBRATION_FILE, info)
    write_report(report, out, title=f"ensemble of {', '.join(r.path.name for r in runs)}")
    member_rows = [r.training_rows() for r in runs]
    if all(rows is not None for rows in member_rows):  # rows any member trained on
        write_training_rows(out, np.concatenate(member_rows))
    else:  # not known: nothing left from a run this one replaces
        (out / TRAINING_ROWS).unlink(missing_ok=True)
    write_thresholds(out, thresholds, vocabulary.num_classes)  # last: the run is complete
    if verbose:
        shares = ", ".join(f"{r.path.name} {w:.2f}" for r, w in zip(runs, weights))
        print(
            f"ensemble weights: {shares}; macro-F1 {report['macro_f1']:.4f} on "
            f"{held_out.rows_name}",
            flush=True,
        )
    return Run(out)
