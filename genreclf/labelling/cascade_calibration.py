"""Choosing a labelling cascade's thresholds on labelled rows: `calibrate_cascade`.

`genreclf.label(..., calibrate=...)` (`genreclf label --calibrate FILE`)
and `calibrate_cascade` read the labelled rows here (a file, a DataFrame, a
`TextDataset` or `(texts, labels)`), check their labels against the
cascade's, and set each cheap stage's threshold
(`genreclf.labelling.thresholds.calibrate`).
"""

import logging

from genreclf.errors import ConfigError
from genreclf.labelling.thresholds import check_target_precision

logger = logging.getLogger("genreclf.labelling")


def calibrate_cascade(
    cascade,
    data,
    text=None,
    label=None,
    target_precision=0.9,
    rule="average",
    format="auto",
    sep=None,
):
    """Chooses the cascade's cheap-stage thresholds on labelled data; returns the report.

    What `genreclf.label(..., calibrate=...)` (`genreclf label --calibrate`)
    runs before labelling.

    Args:
        cascade: a `Cascade` (`build_cascade`); its stages' thresholds are set.
        data: a labelled file (any format `genreclf.data.load_dataset`
            reads), a pandas DataFrame, or `(texts, labels)`.
        text, label: the file's text and label columns (default: found by name).
        target_precision: the share of each stage's claimed rows that must be right.
        rule: `"average"` or `"marginal"` (`genreclf.labelling.thresholds.calibrate`).
        format: the file's format: `"auto"` (from its extension) or one of
            `load_dataset`'s (`--calibrate-format` on the command line).
        sep: the separator between labels in one cell (default `"|"`;
            `--calibrate-sep` on the command line).

    Returns:
        `{stage name: {"threshold", "precision", "claimed", "offered"}}`.

    Example:

    >>> from genreclf.labelling.api import build_cascade
    >>> cascade = build_cascade({"genres": {"horror": {"keywords": ["ghost"]},
    ...                                     "comedy": {"keywords": ["chefs"]}}},
    ...                         stages=("keywords",))
    >>> texts = ["a ghost", "chefs cook"] * 10
    >>> labels = [["horror"], ["comedy"]] * 10
    >>> report = calibrate_cascade(cascade, (texts, labels), target_precision=0.9)
    >>> report["keywords"]["precision"], report["keywords"]["claimed"]
    (1.0, 20)
    """
    return calibrate_rows(cascade, data, text, label, format, sep, target_precision, rule)


# The calibration file's options as `label` names them (its hints name these, not `label=`).
LABEL_ARGUMENTS = {
    "text": "calibrate_text",
    "label": "calibrate_label",
    "format": "calibrate_format",
    "sep": "calibrate_sep",
}


def calibrate_rows(cascade, data, text, label, format, sep, target_precision, rule, arguments=None):
    from genreclf.labelling.calibration_file import read_calibration
    from genreclf.labelling.known_genres import check_known_labels
    from genreclf.labelling.thresholds import calibrate

    check_target_precision(target_precision)
    in_memory = texts_and_labels(data)
    if in_memory is not None:
        texts, labels = in_memory
        check_known_labels(labels, cascade.known, "calibration")
    else:
        texts, labels = read_calibration(
            data,
            text=text,
            label=label,
            format=format,
            sep=sep,
            arguments=arguments,
            known=cascade.known,
        )
        warn_if_trained_on(cascade, data)
    return calibrate(cascade.stages, list(texts), list(labels), target_precision, rule=rule)


def check_calibration_file_options(calibrate, text, label, format, sep):
    """Refuses the calibration file's options where no calibration file is read."""
    from genreclf.labelling.reference_file import check_file_options
    from genreclf.labelling.reference_file import read_as_file

    if read_as_file(calibrate):
        return
    received = "no calibrate=" if calibrate is None else "calibrate= rows held in memory"
    options = {"calibrate_text": text, "calibrate_label": label, "calibrate_sep": sep}
    options = {name: (f"--{name.replace('_', '-')}", v, None) for name, v in options.items()}
    options["calibrate_format"] = ("--calibrate-format", format, "auto")
    fix = "calibrate= a labelled file (`--calibrate FILE`)"
    check_file_options(options, "the calibration file", received, fix)


def texts_and_labels(data):
    """`(texts, labels)` of calibration rows held in memory; None for a file or a DataFrame.

    A row's labels are a list of names; one name alone is that name's list,
    as in a `genreclf.TextDataset`.

    Example:

    >>> texts_and_labels((["A ghost.", "Chefs."], [["horror"], "comedy"]))
    (['A ghost.', 'Chefs.'], [['horror'], ['comedy']])
    >>> texts_and_labels("labels.csv") is None
    True
    """
    from genreclf.data.frames import has_class
    from genreclf.data.inputs import describe
    from genreclf.labelling.reference_file import read_as_file

    if read_as_file(data):
        return None
    if has_class(data, "genreclf", "TextDataset"):
        return list(data.texts), list(data.labels)
    if isinstance(data, tuple) and len(data) == 2 and len(data[0]) == len(data[1]):
        from genreclf.data.dataset_columns import label_names

        return list(data[0]), [label_names(i, label) for i, label in enumerate(data[1])]
    raise ConfigError(
        "calibrate takes the labelled rows to choose thresholds on: a file, a pandas "
        "DataFrame, a genreclf.TextDataset or a (texts, labels) tuple of equal lengths. "
        f"Received: {describe(data)}. Pass e.g. calibrate='labels.csv' (`--calibrate "
        "labels.csv`) or calibrate=(texts, labels)."
    )


def warn_if_trained_on(cascade, data):
    """Warns when the calibration file is the one the classifier stage trained on."""
    import os

    from genreclf.data.frames import is_frame

    if is_frame(data):
        return  # rows in memory: no file to compare

    for stage in cascade.stages:
        trained_on = getattr(getattr(stage, "run", None), "config", {}).get("data")
        if trained_on and os.path.exists(trained_on) and os.path.samefile(trained_on, data):
            logger.warning(
                "%s is the file the classifier (%s) trained on: its precision there is "
                "optimistic, so the thresholds calibrated on it claim too many rows. "
                "Calibrate on labelled rows the run did not train on.",
                data,
                stage.run.path,
            )
