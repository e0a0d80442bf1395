"""Stage thresholds: the defaults, and choosing them on labelled data for a target precision.

`calibrate` runs the cheap stages over labelled rows in cascade order and
gives each stage the lowest threshold at which the rows it would claim (of
those the earlier stages left) reach `target_precision`, with at least
`min_rows` of them; a stage that cannot reach it gets a threshold above 1
(it never claims). Precision counts labels: a multi-label row contributes
its chosen labels, correct or not.

`DEFAULT_THRESHOLDS`, how they were chosen (bench/labelling.py, bench/RESULTS.md
"Labelling cascade"): `calibrate(target_precision=0.9)` on the calibration
parts of movielens_plots and imdb_genre27 (top-8 genres), with keywords mined
from their train parts and one generic sentence per genre. The classifier (an
`ngram` run) reached 0.9 at 0.878 and 0.871: its default is the stricter,
0.88. The keyword and zero-shot stages reached 0.9 at no threshold on either
dataset; their defaults claim only strong evidence — keywords 0.8 (four
distinct keywords of one genre and none of another), zero-shot 0.95 (a 95%
softmax share) — and RESULTS.md lists the precision they reach there. Data
differ: pass your own with `--thresholds keywords=0.8,zero_shot=0.7`, or
calibrate on a few hundred labelled rows of yours with `--calibrate labels.csv`.
"""

import numpy as np

from genreclf.setting import number

DEFAULT_THRESHOLDS = {"keywords": 0.8, "zero_shot": 0.95, "classifier": 0.88, "llm": 0.0}
NEVER = 1.01
MIN_ROWS = 10  # fewest rows a calibrated threshold may claim
_THRESHOLD = number(minimum=0, maximum=1)  # a confidence
_TARGET_PRECISION = number(above=0, maximum=1)


def check_threshold(stage, value):
    """Returns `value` if it is a confidence in [0, 1]; raises `ConfigError` otherwise.

    A stage claims the rows whose confidence (a probability) reaches its
    threshold, so a threshold above 1 claims nothing and one below 0 claims all.

    Example:

    >>> check_threshold("classifier", 0.75)
    0.75
    >>> check_threshold("classifier", 5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: classifier (...) must be a number of at least 0 and at most 1. ...
    """
    default = DEFAULT_THRESHOLDS.get(stage, 0.8)
    return _THRESHOLD.check(
        stage,
        value,
        where="a stage's confidence threshold, `--thresholds`",
        fix=f"Pass e.g. --thresholds {stage}={default} (its default), or leave the stage out "
        "of --stages to skip it.",
    )


def check_target_precision(value):
    """Returns `value` if it is a precision in (0, 1]; raises `ConfigError` otherwise.

    Example:

    >>> check_target_precision(0.9)
    0.9
    >>> check_target_precision(2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: ... a number above 0 and at most 1. Received: target_precision=2. Pass e.g. ...
    """
    return _TARGET_PRECISION.check(
        "target_precision",
        value,
        where="`--target-precision`",
        fix="Pass e.g. --target-precision 0.9: 90% of the rows a stage claims must be right.",
    )


def choose_threshold(confidence, correct, chosen=None, target_precision=0.9, min_rows=10):
    """The lowest threshold whose claimed rows reach `target_precision`.

    Args:
        confidence: `[n]` each row's confidence.
        correct: `[n]` correct labels per row (1/0 for single-label).
        chosen: `[n]` labels chosen per row (default 1 each).
        target_precision: the precision the claimed rows must reach.
        min_rows: fewest rows a threshold may claim.

    Returns:
        `(threshold, precision, rows claimed)`; `(NEVER, nan, 0)` when no
        threshold reaches the target.

    Example:

    >>> choose_threshold([0.9, 0.8, 0.7, 0.6], [1, 1, 1, 0], target_precision=0.9, min_rows=1)
    (0.7, 1.0, 3)
    """
    confidence = np.asarray(confidence, dtype="float64")
    correct = np.asarray(correct, dtype="float64")
    chosen = np.ones_like(correct) if chosen is None else np.asarray(chosen, dtype="float64")
    order = np.argsort(-confidence, kind="stable")
    conf, hits, total = confidence[order], np.cumsum(correct[order]), np.cumsum(chosen[order])
    precision = hits / np.maximum(total, 1e-12)
    # Cut only between distinct confidences: a threshold claims all rows tied at it.
    last_of_value = np.r_[conf[1:] != conf[:-1], True]
    ok = np.flatnonzero(
        last_of_value & (precision >= target_precision) & (np.arange(1, len(conf) + 1) >= min_rows)
    )
    if not len(ok):
        return NEVER, float("nan"), 0
    k = int(ok[-1])
    return float(conf[k]), float(precision[k]), k + 1


def calibrate(
    stages, texts, labels, target_precision=0.9, min_rows=MIN_ROWS, scores=None, rule="average"
):
    """Sets each cheap stage's threshold on labelled rows, in cascade order.

    Args:
        stages: the cheap stages (their `threshold` is set in place).
        texts: labelled texts.
        labels: their label lists.
        target_precision: the precision each stage must reach on the rows it claims.
        min_rows: fewest rows a stage's threshold may claim.
        scores: optional `{stage name: float [n, K]}` already computed.
        rule: `"average"`: the rows a stage claims reach `target_precision`
            on average; `"marginal"` (single-label stages): a stage claims a
            row when its confidence's isotonic-calibrated chance of being
            right (scikit-learn's `IsotonicRegression`, fitted on every
            labelled row) reaches `target_precision`, so every stage stops at
            the same precision of its last rows — which, for a fixed
            coverage, puts the rows where they are most likely right.

    Returns:
        `{stage name: {"threshold", "precision", "claimed", "offered"}}`.

    Example:

    >>> from genreclf.labelling.genre_spec import Genre
    >>> from genreclf.labelling.keyword_stage import KeywordStage
    >>> stage = KeywordStage([Genre("horror", keywords=["ghost"]), Genre("comedy")])
    >>> report = calibrate([stage], ["a ghost", "a ghost ship", "chefs"],
    ...                    [["horror"], ["horror"], ["comedy"]], min_rows=1)
    >>> report["keywords"]["threshold"], stage.threshold
    (0.5, 0.5)
    """
    left = np.arange(len(texts))
    truth = [set(l) for l in labels]
    report = {}
    for stage in stages:
        if not len(left):
            break
        stage_scores = (scores or {}).get(stage.name)
        if stage_scores is None:
            stage_scores = stage.scores([texts[i] for i in left])
        else:
            stage_scores = np.asarray(stage_scores)[left]
        if getattr(stage, "multi_label", False):
            threshold, precision, claimed = _scan(
                stage, stage_scores, left, truth, target_precision, min_rows
            )
        else:
            saved = stage.threshold
            stage.threshold = -1.0  # decide everything, then cut
            decisions = stage.decide(None, scores=stage_scores)
            stage.threshold = saved
            conf = np.array([d.confidence for d in decisions])
            correct = np.array([len(set(d.labels) & truth[i]) for d, i in zip(decisions, left)])
            if rule == "marginal":
                threshold = _marginal(stage, scores, texts, truth, target_precision)
            else:
                threshold, _, _ = choose_threshold(conf, correct, None, target_precision, min_rows)
            keep = conf >= threshold
            claimed = int(keep.sum())
            precision = float(correct[keep].mean()) if claimed else float("nan")
        stage.threshold = threshold
        claimed_mask = np.array([d.claimed for d in stage.decide(None, scores=stage_scores)])
        report[stage.name] = {
            "threshold": round(threshold, 6),
            "precision": precision,
            "claimed": claimed,
            "offered": int(len(left)),
        }
        left = left[~claimed_mask]
    return report


def describe_calibration(name, report, target_precision, rule="average", min_rows=MIN_ROWS):
    """One line of what `calibrate` chose for a stage, for the terminal.

    A stage whose threshold claims none of the rows it was offered has no
    precision to show (`nan`): the line says that it claims none, and why,
    as `rule` chose the threshold: `calibrate`'s rule for a single-label
    stage, `"average"` for a multi-label one (`calibrate` scans for its
    threshold whatever the rule).

    Example:

    >>> describe_calibration("keywords", {"threshold": 0.5, "precision": 1.0, "claimed": 14,
    ...                                   "offered": 14}, 0.9)
    'calibrated keywords: threshold 0.500 (precision 1.000 on 14/14 rows)'
    >>> never = {"threshold": NEVER, "precision": float("nan"), "claimed": 0, "offered": 60}
    >>> print(describe_calibration("keywords", never, 0.9))
    ... # doctest: +NORMALIZE_WHITESPACE
    calibrated keywords: threshold 1.010: claims no rows (no threshold reaches precision 0.900
    on 10 or more of the 60 rows it was offered)
    >>> print(describe_calibration("keywords", never, 0.9, rule="marginal"))
    ... # doctest: +NORMALIZE_WHITESPACE
    calibrated keywords: threshold 1.010: claims no rows (at no confidence does its
    isotonic-calibrated chance of being right, fitted on every labelled row, reach 0.900)
    """
    line = f"calibrated {name}: threshold {report['threshold']:.3f}"
    if report["claimed"]:
        return (
            f"{line} (precision {report['precision']:.3f} on "
            f"{report['claimed']}/{report['offered']} rows)"
        )
    if report["threshold"] >= NEVER and rule == "marginal":
        why = (
            "at no confidence does its isotonic-calibrated chance of being right, fitted on "
            f"every labelled row, reach {target_precision:.3f}"
        )
    elif report["threshold"] >= NEVER:
        why = (
            f"no threshold reaches precision {target_precision:.3f} on {min_rows} or more of the "
            f"{report['offered']} rows it was offered"
        )
    else:
        why = f"none of the {report['offered']} rows it was offered reaches it"
    return f"{line}: claims no rows ({why})"


def _scan(stage, scores, rows, truth, target_precision, min_rows):
    """Multi-label: the threshold also picks the labels, so try a grid of them (vectorised
    `decide`: genres at or above their label threshold, confidence the weakest of them)."""
    scores = np.asarray(scores, dtype="float64")
    names = list(stage.names)
    gold = np.array([[name in truth[i] for name in names] for i in rows], dtype=bool)
    label_cut = getattr(stage, "label_thresholds", None)
    best = (NEVER, float("nan"), 0)
    grid = np.unique(np.quantile(scores, np.linspace(0.5, 1.0, 101)))
    for t in grid[::-1]:  # from strict to loose; keep the loosest that reaches the target
        cut = np.asarray(label_cut, dtype="float64") if label_cut is not None else t
        chosen = (scores >= cut) & (scores > 0)
        confidence = np.where(chosen, scores, np.inf).min(axis=1)
        claimed = chosen.any(axis=1) & (confidence >= t)
        n_chosen = int(chosen[claimed].sum())
        hits = int((chosen & gold)[claimed].sum())
        if claimed.sum() >= min_rows and n_chosen and hits / n_chosen >= target_precision:
            best = (float(t), hits / n_chosen, int(claimed.sum()))
    return best


def _marginal(stage, scores, texts, truth, target_precision):
    """The lowest confidence whose isotonic chance of being right reaches the target."""
    from sklearn.isotonic import IsotonicRegression

    every = (scores or {}).get(stage.name)
    if every is None:
        every = stage.scores(texts)
    saved = stage.threshold
    stage.threshold = -1.0
    decisions = stage.decide(None, scores=np.asarray(every))
    stage.threshold = saved
    conf = np.array([d.confidence for d in decisions])
    correct = np.array([float(bool(set(d.labels) & t)) for d, t in zip(decisions, truth)])
    iso = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(conf, correct)
    grid = np.unique(conf)
    ok = grid[(iso.predict(grid) >= target_precision) & (grid > 0)]
    return float(ok.min()) if len(ok) else NEVER
