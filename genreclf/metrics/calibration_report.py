"""`calibration_section`: the report's calibration numbers (ECE before/after) and their text.

A report dict (`classification_report`) gains a `"calibration"` entry built
here; `write_report` then draws `reliability.png` and adds a "Calibration"
section to `report.md` (see `calibration_markdown`).
"""

from genreclf.metrics.calibration_error import NUM_BINS
from genreclf.metrics.calibration_error import reliability_bins

RELIABILITY_PNG = "reliability.png"


def calibration_section(
    y_true, raw_scores, calibrated_scores=None, *, multi_label, method="none", fitted_on=None
):
    """The `"calibration"` entry of a report.

    Args:
        y_true: targets `[n, K]`.
        raw_scores: the model's scores before calibration `[n, K]`.
        calibrated_scores: after calibration, or None for an uncalibrated model.
        multi_label: ECE over (example, class) pairs (True) or top labels.
        method: `"temperature"`, `"platt"`, `"identity"` or `"none"`.
        fitted_on: which rows the calibration was fitted on (text).

    Returns:
        A JSON-ready dict: `method`, `fitted_on`, `bins`, `pooled` (what one
        prediction is), `before` and `after` (`reliability_bins` tables;
        `after` is None when uncalibrated), `ece_before`, `ece_after`.

    Example:

    >>> section = calibration_section([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]],
    ...                               multi_label=False)
    >>> round(section["ece_before"], 3), section["ece_after"]
    (0.35, None)
    """
    before = reliability_bins(y_true, raw_scores, multi_label, NUM_BINS)
    after = None
    if calibrated_scores is not None:
        after = reliability_bins(y_true, calibrated_scores, multi_label, NUM_BINS)
    return {
        "method": method,
        "fitted_on": fitted_on,
        "bins": NUM_BINS,
        "pooled": "every (example, class) pair" if multi_label else "each example's top label",
        "ece_before": before["ece"],
        "ece_after": None if after is None else after["ece"],
        "before": before,
        "after": after,
    }


def layer_calibration_section(
    y_true, raw_scores, calibrated_scores, layer, *, multi_label, fitted_on=None
):
    """`calibration_section` of a model calibrated by `layer` (None: uncalibrated).

    Args:
        y_true: targets `[n, K]`.
        raw_scores: the scores before `layer`.
        calibrated_scores: the scores after it (ignored when `layer` is None).
        layer: the calibration layer (its `.method`), or None.
        multi_label: as in `calibration_section`.
        fitted_on: which rows `layer` was fitted on (text).

    Example:

    >>> section = layer_calibration_section([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]],
    ...                                     None, None, multi_label=False)
    >>> section["method"], section["after"]
    ('none', None)
    """
    if layer is None:
        return calibration_section(y_true, raw_scores, multi_label=multi_label, fitted_on=fitted_on)
    return calibration_section(
        y_true,
        raw_scores,
        calibrated_scores,
        multi_label=multi_label,
        method=layer.method,
        fitted_on=fitted_on,
    )


def reliability_curves(section):
    """The curves of `section` to draw: `{"before": ..., "after": ...}` (or the one there is)."""
    if section.get("after") is None:
        return {"scores (not calibrated)": section["before"]}
    return {"before calibration": section["before"], "after calibration": section["after"]}


def calibration_markdown(section, image=None):
    """The "Calibration" section of `report.md`, as a list of lines.

    Example:

    >>> section = calibration_section([[1, 0], [0, 1]], [[0.9, 0.1], [0.6, 0.4]],
    ...                               multi_label=False)
    >>> calibration_markdown(section)[1]
    '## Calibration'
    """
    bins, pooled = section["bins"], section["pooled"]
    lines = ["", "## Calibration", ""]
    definition = (
        f"ECE (expected calibration error): predictions binned into {bins} equal-width "
        f"confidence bins over [0, 1]; one prediction is {pooled}; ECE is the "
        "support-weighted mean gap between a bin's mean confidence and its observed "
        "frequency (0 is perfectly calibrated)."
    )
    if section.get("after") is None:
        lines += [
            f"The model is not calibrated. ECE {section['ece_before']:.4f}.",
            "",
            definition,
        ]
    else:
        fitted = f", fitted on {section['fitted_on']}" if section.get("fitted_on") else ""
        lines += [
            f"Method: {section['method']}{fitted}.",
            "",
            "| | ECE |",
            "|---|---:|",
            f"| before calibration | {section['ece_before']:.4f} |",
            f"| after calibration | {section['ece_after']:.4f} |",
            "",
            definition,
        ]
    if image:
        lines += ["", f"![Reliability diagram]({image})"]
    return lines
