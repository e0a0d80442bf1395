"""`evaluate`: score a run on labelled data, write its report, compare two runs."""

import logging
import os
import pathlib

import numpy as np

from genreclf.data import TextDataset
from genreclf.data import drop_unknown_labels as drop_unknown
from genreclf.data import load_dataset
from genreclf.data.frames import FRAME_NAME
from genreclf.data.frames import is_frame
from genreclf.data.inputs import check_data
from genreclf.data.inputs import describe
from genreclf.data.option_names import option_names
from genreclf.data.read_options import check_used_as_read
from genreclf.data.read_options import recorded_format
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.held_out import warn_trained_on
from genreclf.path_arguments import check_out_folder
from genreclf.run import Run
from genreclf.run_comparison import check_shared_classes
from genreclf.run_comparison import on_shared_rows
from genreclf.run_comparison import paired_intervals
from genreclf.run_comparison import unpaired_reason
from genreclf.run_files import check_not_a_run_folder

logger = logging.getLogger("genreclf.evaluation")


def _as_run(run, name="run"):
    """`run` as a `Run`: a `Run`, or a run folder's path; anything else is a `ConfigError`.

    Example:

    >>> try:
    ...     _as_run(None)
    ... except ConfigError as error:
    ...     print(str(error).split(" (")[0])
    run must be a run folder path or a Run
    """
    if isinstance(run, Run):
        return run
    if isinstance(run, (str, os.PathLike)):
        return Run(run)
    if name == "compare":
        fix = "compare= takes the other run to compare with, as run does."
    elif isinstance(run, TextDataset) or is_frame(run):
        fix = "The run comes first, then the data: evaluate(run, data)."
    else:
        fix = "Pass the folder genreclf.train wrote (e.g. 'runs/ngram'), or its Run."
    raise ConfigError(
        f"{name} must be a run folder path or a Run (genreclf.train's result, "
        f"genreclf.load_run(folder)). Received: {describe(run)}. {fix}"
    )


def warn_classes_without_rows(report, rows_name):
    """Warns when classes of the run have no rows in the data scored, and records them.

    Macro-F1 averages over every class of the run, as scikit-learn's
    `f1_score(labels=..., average="macro", zero_division=0)`: a class without a
    row there counts as 0 (or scores precision 0 if predicted). So one row of
    one class reads as accuracy 1.0 and macro-F1 1/K. The rare classes are
    chosen among the classes with rows (`classification_report`), so the
    rare-class F1 leaves them out. The names go to `report["classes_without_rows"]`.

    Example:

    >>> report = {"per_class": {"war": {"support": 0}, "drama": {"support": 3}}}
    >>> warn_classes_without_rows(report, "m.csv")
    ['war']
    """
    absent = report.get("classes_without_rows")
    if absent is None:  # a report of an older genreclf, or none from classification_report
        absent = [name for name, scores in report["per_class"].items() if not scores["support"]]
    if absent:
        report["classes_without_rows"] = absent
        logger.warning(
            "%d of the run's %d classes %s no %s in %s (%s): macro-F1 counts each as 0, "
            "and none is among the rare classes. Score rows of every class to compare "
            "macro-F1, or read accuracy / micro-F1.",
            len(absent),
            len(report["per_class"]),
            "has" if len(absent) == 1 else "have",
            "positive row" if report.get("multi_label") else "rows",
            rows_name,
            ", ".join(absent[:8]) + (", ..." if len(absent) > 8 else ""),
        )
    return absent


def read_as_trained(run, data, drop_unknown_labels=True, **overrides):
    """`data` read as the run's training file was; `overrides` replace its options.

    With `skip_bad_rows`, rows with a label the run never saw are dropped (and
    logged) too, unless `drop_unknown_labels=False` (`explain` needs no labels).
    A `TextDataset` is taken as it was read (`overrides` it was not read with
    are refused); a path or DataFrame is read with the run's recorded columns,
    separator, features and format (`read_options.recorded_format`).
    `evaluate`, `genreclf ensemble --data` and the held-out rows of an
    ensemble read with it.

    Example:

    >>> read_as_trained(load_run("runs/ngram"), "test.csv").texts[:1]  # doctest: +SKIP
    ['A detective hunts a killer through a rainy city.']
    """
    if isinstance(data, TextDataset):  # read already: as it was read, unknown labels aside
        check_used_as_read(
            data, {k: v for k, v in overrides.items() if k != "skip_bad_rows"}, "evaluate"
        )
        if not (overrides.get("skip_bad_rows") and drop_unknown_labels):
            return data
        return drop_unknown(
            data, run.vocabulary, field=(data.read_options or {}).get("label") or "label"
        )
    cfg = run.config
    options = {
        "text": cfg.get("text"),
        "label": cfg.get("label"),
        "format": recorded_format(cfg.get("format"), cfg.get("data"), data),
        "sep": cfg.get("sep"),
        "multi_label": run.multi_label,
        "features": tuple(cfg.get("features") or ()),
        "categorical": tuple(cfg.get("categorical") or ()),
    }
    options.update({k: v for k, v in overrides.items() if v is not None})
    with option_names(arguments={"split": None}):  # an aclImdb folder: its train/, as a run
        dataset = load_dataset(data, **options)
    if options["label"] is None:
        detected = (dataset.read_options or {}).get("label")
        logger.warning(
            "%s does not record the label column it was trained on; scoring %s against "
            "the column %r, detected. If that is not the one, pass label= (--label).",
            run.path,
            dataset.origin or "the data",
            detected,
        )
    if options.get("skip_bad_rows") and drop_unknown_labels:
        # Rows with classes the model never saw are counted and logged, not scored.
        dataset = drop_unknown(dataset, run.vocabulary, field=options["label"] or "label")
    return dataset


def _held_out_report(run):
    """The report `genreclf train` wrote of `run`'s held-out rows (`metrics.json`)."""
    from genreclf.errors import RunFolderError
    from genreclf.run_files import METRICS

    if not run.metrics:
        raise RunFolderError(
            f"The run folder {str(run.path)!r} has no {METRICS}, the report of its held-out "
            "rows that `genreclf train` writes. Pass data (--data FILE) to score the run on "
            "labelled rows, restore the file from a copy of the run, or train again."
        )
    return dict(run.metrics)


def evaluate(
    run,
    data=None,
    *,
    out=None,
    compare=None,
    text=None,
    label=None,
    format=None,
    sep=None,
    skip_bad_rows=None,
):
    """Evaluates a run on labelled data and writes `report.md`, `metrics.json`, `confusion.png`.

    Args:
        run: a `Run` or a run folder (anything else is a `ConfigError`). A `Run`
            is refreshed first (`Run.refresh`): a folder trained again since
            it opened is evaluated as it is now, model, labels and thresholds.
        data: a labelled file, pandas DataFrame or `TextDataset`; None
            reports the run's own validation metrics.
        out: the folder the report goes to, a path (default
            `<run>/evaluation`; a file there is a `ConfigError`). Without
            `data`, the run's own report is written there only when `out` is
            given (the run folder already holds it).
        compare: another run (folder or `Run`): also writes `compare.md`, the
            two runs' metrics and per-class F1 side by side, rare classes first
            (both evaluated on `data` when given; else on the rows both scored
            held out — a validation split they share, or one's split and the
            other's saved out-of-fold scores, `genreclf.held_out.held_out_scores`
            — and, when they have none in common, their own reports).
            On `data`, when both runs score the same rows with the same
            labels, `compare.md` also says which differences the rows can
            tell from 0 (`genreclf.metrics.paired_bootstrap`). Rows of `data`
            either run trained on are warned about, each run by its folder.
        text, label, format, sep, skip_bad_rows: reading options; by default
            those the run was trained with.

    Returns:
        The report dict (see `genreclf.metrics.classification_report`), with
        `"comparison"` (markdown) when `compare` is given, and
        `"paired_bootstrap"` (B − A: macro-F1, accuracy or micro-F1, and
        rare-class macro-F1) when the intervals were computed.

    Example:

    >>> report = evaluate("runs/sample", "test.csv")  # doctest: +SKIP
    >>> round(report["macro_f1"], 2)  # doctest: +SKIP
    0.71
    """
    from genreclf.metrics import classification_report
    from genreclf.metrics import compare_reports
    from genreclf.metrics import write_report

    run = _as_run(run)
    reading = dict(text=text, label=label, format=format, sep=sep, skip_bad_rows=skip_bad_rows)
    given = {name: value for name, value in reading.items() if value is not None}
    if data is None and given:  # nothing to read them with: they were dropped unheard
        name, value = next(iter(given.items()))
        raise ConfigError(
            "evaluate's reading options (text, label, format, sep, skip_bad_rows) read data; "
            "without data it reports the run's own held-out metrics. Received: "
            f"{name}={value!r} and data=None. Pass the rows to score, e.g. evaluate(run, "
            f"'test.csv', {name}={value!r}) (`genreclf evaluate RUN --data FILE`)."
        )
    if out is not None:  # not a path, or a file: refused before any scoring
        out = check_out_folder(
            out, what="a folder for the report", holds="one", example="evaluation"
        )
        check_not_a_run_folder(out)  # its metrics.json is the run's own report
    if data is not None:
        check_data(data)  # a file, a DataFrame or a TextDataset; never printed whole
    run.refresh()  # the folder as it is now: a run trained again since `run` opened
    if data is not None:  # loaded first: the rows' labels are read with the model's
        _ = run.model
    if compare is not None:
        compare = _as_run(compare, "compare")  # before any scoring
        compare.refresh()  # likewise
        _ = compare.model if data is not None else None
        check_shared_classes(run, compare)
    asked_for_files = out is not None
    out = pathlib.Path(out) if out else run.path / "evaluation"
    if data is None:
        report = _held_out_report(run)
        if asked_for_files:  # the run's own held-out report, written where asked
            rows = report.get("evaluated_on") or "its held-out rows"
            write_report(report, out, title=f"{run.path.name} on {rows}")
    else:
        dataset = read_as_trained(run, data, **reading)
        report, *counted = score_with_predictions(run, dataset, classification_report)
        warn_classes_without_rows(report, _rows_name(dataset))
        seen = run.trained_on(dataset)
        if seen is not None:  # scores on training rows flatter the run: say how many
            report["rows_trained_on"] = int(seen.sum())
            warn_trained_on([run], dataset, purpose="evaluation")
        write_report(report, out, title=f"{run.path.name} on {_rows_name(dataset)}")
        from genreclf.explaining.report_examples import append_explanations

        append_explanations(run, dataset, out / "report.md", where="evaluation")
    if compare is not None:
        other = compare
        intervals, mine, note = None, report, ""
        if data is None:
            shared = on_shared_rows(run, other)
            if isinstance(shared, str):  # why their held-out rows cannot be paired
                other_report = _held_out_report(other)
                note = (
                    f"\nNo paired intervals: {shared} Pass --data FILE to score both runs "
                    "on the same rows.\n"
                )
            else:
                mine, other_report, intervals, rows_name = shared
                note = (
                    f"\nBoth runs scored on {rows_name}: {mine['num_examples']} rows, each "
                    "scored by a model that did not train on it.\n"
                )
        else:
            try:
                other_data = read_as_trained(other, data, **reading)
                other_report, *other_counted = score_with_predictions(
                    other, other_data, classification_report
                )
            except DataError as error:  # e.g. a label only the first run knows
                raise type(error)(
                    f"{error.message} (the compared run {str(other.path)!r})",
                    path=error.path,
                    line=error.line,
                    field=error.field,
                ) from None
            warn_trained_on([other], other_data, purpose="evaluation")  # as of `run`
            scored = (run, dataset, *counted), (other, other_data, *other_counted)
            intervals = paired_intervals(*scored, report)
            if intervals is None:
                note = f"\nNo paired intervals: {unpaired_reason(*scored)}\n"
        comparison = compare_reports(
            mine, other_report, run.path.name, other.path.name, intervals=intervals
        )
        comparison += note
        out.mkdir(parents=True, exist_ok=True)
        (out / "compare.md").write_text(comparison, encoding="utf-8")
        report["comparison"] = comparison
        if intervals is not None:
            report["paired_bootstrap"] = intervals
    return report


def _rows_name(dataset):
    """What a report's title calls the rows scored: their file, a DataFrame or a TextDataset.

    Example:

    >>> _rows_name(TextDataset(["a heist"], ["crime"], source_name="DataFrame"))
    'a DataFrame'
    """
    if dataset.path is not None:
        return str(dataset.path)
    return "a DataFrame" if dataset.source_name == FRAME_NAME else "a TextDataset"


def score_dataset(run, dataset, classification_report):
    """The report of `run` on `dataset` (labels encoded with the run's vocabulary)."""
    return score_with_predictions(run, dataset, classification_report)[0]


def score_with_predictions(run, dataset, classification_report):
    """`(report, targets, predictions)` of `run` on `dataset`.

    `targets` and `predictions` are the 0/1 `[n, K]` arrays the report
    counts (columns in the run's label order; predictions after arg-max or
    the run's thresholds), for paired comparisons
    (`genreclf.metrics.paired_bootstrap`).
    """
    from genreclf.metrics.calibration_report import layer_calibration_section

    targets = dataset.targets(run.vocabulary)
    raw, scores, layer = raw_and_calibrated_scores(run, dataset)
    report, predictions = report_and_predictions(run, targets, scores, classification_report)
    report["calibration"] = layer_calibration_section(
        targets,
        raw,
        scores,
        layer,
        multi_label=run.multi_label,
        fitted_on=(run.metrics.get("calibration") or {}).get("fitted_on"),
    )
    cascade = run.cascade
    if cascade is not None:  # an --abstain run: coverage vs precision of its cascade
        from genreclf.metrics.coverage import abstention_section

        report["abstention"] = abstention_section(
            targets, scores, run.labels, cascade.order, cascade.thresholds
        )
    return report, targets, predictions


def report_and_predictions(run, targets, scores, classification_report):
    """`(report, predictions)` of `run`'s `scores`: arg-max, or its thresholds if multi-label."""
    from genreclf.metrics.scores import binarize

    scores = np.asarray(scores)
    thresholds = run.thresholds if run.multi_label else None
    report = classification_report(targets, scores, run.vocabulary, thresholds=thresholds)
    cut = 0.5 if thresholds is None else np.asarray(thresholds)
    return report, binarize(scores, run.multi_label, cut)


def raw_and_calibrated_scores(run, dataset):
    """`(raw, calibrated, layer)` scores of `dataset` in one pass.

    `layer` is the run's calibration layer (`genreclf.models.calibrated_scores`);
    without one, `calibrated` is `raw` and `layer` None.
    """
    import keras

    from genreclf.models.calibrated_scores import find_calibration

    layer = find_calibration(run.model)
    if layer is None:
        scores = run.scores(dataset.texts, features=dataset.features)
        return scores, scores, None
    both = keras.Model(run.model.input, [layer.input, run.model.output])
    raw, calibrated = run.scores(dataset.texts, features=dataset.features, model=both)
    return raw, calibrated, layer
