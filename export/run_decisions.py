"""`check_run_decisions`: the served `labels` must be the reference run's own decisions.

Score parity alone misses a run whose thresholds (or abstaining cascade) were
changed after the export: `verify_export` checks, on the sample texts, that
the version's `labels` output is what the run decides on the served scores.
"""

import numpy as np

RUN_DECISIONS_CHECK = "labels as the run decides them"


def check_run_decisions(version_dir, run, scores, result):
    """Whether the served `labels` are what `run.predict` decides on the same scores.

    A multi-label version applies the thresholds it was exported with, an
    abstaining one its cascade; the run applies its own `thresholds.json`
    (or cascade). Score parity alone misses a run whose thresholds were
    re-tuned after the export (or a copy with other thresholds): the scores
    agree, the labels do not. So the card's thresholds are compared with the
    run's, and the served `labels` output with the run's decisions on the
    served scores of the sample texts.

    Args:
        version_dir: the SavedModel directory.
        run: the reference run (`labels`, `multi_label`, `thresholds`,
            `cascade`).
        scores: the served scores of the sample texts (`[n, K]`).
        result: the verification worker's report (`labels_output`).

    Returns:
        A `{"name", "ok", "detail"}` check, or None for a single-label run
        that does not abstain (its label is the arg-max, which score parity
        covers) or a version without a `labels` output.

    Example:

    >>> check_run_decisions("models/genre/1", load_run("runs/ngram"), scores, result)  # doctest: +SKIP
    {'name': 'labels as the run decides them', 'ok': True, 'detail': '...'}
    """
    from genreclf.export.card_check import read_card

    served = result.get("labels_output")
    cascade = getattr(run, "cascade", None)
    if served is None or (cascade is None and not run.multi_label):
        return None
    labels = list(run.labels)
    scores = np.asarray(scores, dtype="float32")
    problems = []
    if cascade is not None:
        expected = [[label] for label in cascade.decide_labels(scores)]
        got = [[name for name in row[:1]] for row in served]
    else:
        thresholds = np.asarray(run.thresholds, dtype="float32").reshape(-1)
        card = read_card(version_dir) or {}
        recorded = card.get("thresholds")
        if isinstance(recorded, list) and len(recorded) == len(labels):
            recorded = np.asarray(recorded, dtype="float32")
            differ = np.flatnonzero(recorded != thresholds)
            if differ.size:
                shown = ", ".join(
                    f"{labels[j]} {recorded[j]:.4f} (run: {thresholds[j]:.4f})" for j in differ[:3]
                )
                more = f" and {differ.size - 3} more" if differ.size > 3 else ""
                problems.append(
                    f"the export's thresholds are not {run.path}'s thresholds.json: {shown}{more}"
                )
        expected = [sorted(labels[j] for j in np.flatnonzero(row >= thresholds)) for row in scores]
        got = [sorted(name for name in row if name) for row in served]
    wrong = sum(a != b for a, b in zip(got, expected))
    if wrong or len(got) != len(expected):
        problems.append(
            f"the served labels differ from {run.path}'s on {wrong} of {len(expected)} texts"
        )
    if problems:
        return {
            "name": RUN_DECISIONS_CHECK,
            "ok": False,
            "detail": f"{'; '.join(problems)}. The run was changed since the export (or is "
            "another copy of it): re-export it to serve what it decides now.",
        }
    how = "its cascade" if cascade is not None else "its thresholds.json"
    return {
        "name": RUN_DECISIONS_CHECK,
        "ok": True,
        "detail": f"the served labels are {how}'s on {len(expected)} texts",
    }
