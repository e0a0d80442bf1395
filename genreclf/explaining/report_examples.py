"""`report.md`'s "Words behind the predictions": a few examples per class and their top words.

`train` and `evaluate` append the section after writing the report: for
each class, a few held-out rows of that class (a fixed-seed random pick,
not the most flattering ones) with the words that pushed that class most.
Kept cheap: linear TF-IDF models are explained exactly (two rows per class);
models that need integrated gradients get one row for each of their 6 most
frequent classes, with 8 steps (on a `stack` run, a MiniLM pass per step:
tens of seconds on two CPU cores).
"""

import pathlib

import numpy as np

LINEAR_PER_CLASS = 2
NEURAL_PER_CLASS = 1
NEURAL_MAX_CLASSES = 6
NEURAL_STEPS = 8
MAX_CLASSES = 30
TOP_WORDS = 5
HEADING = "## Words behind the predictions"


def pick_examples(targets, per_class, max_classes, seed=0):
    """`(class, row)` pairs: up to `per_class` random rows of each class, largest classes first.

    Example:

    >>> targets = np.array([[1, 0], [1, 0], [0, 1], [1, 0]])
    >>> [k for k, _ in pick_examples(targets, per_class=2, max_classes=5)]
    [0, 0, 1]
    """
    targets = np.asarray(targets) >= 0.5
    rng = np.random.default_rng(seed)
    order = np.argsort(-targets.sum(axis=0), kind="stable")[:max_classes]
    picks = []
    for k in order:
        rows = np.flatnonzero(targets[:, k])
        if len(rows):
            picks += [(int(k), int(r)) for r in rng.permutation(rows)[:per_class]]
    return picks


def _cell(text, limit=90):
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def explanation_lines(run, dataset, where, seed=0):
    """The markdown lines of the section for `dataset`'s rows (`where` names them)."""
    from genreclf.explaining.explain_run import explainer_for

    explainer = explainer_for(run, steps=NEURAL_STEPS)
    linear = explainer.kind == "linear"
    picks = pick_examples(
        dataset.targets(run.vocabulary),
        LINEAR_PER_CLASS if linear else NEURAL_PER_CLASS,
        MAX_CLASSES if linear else NEURAL_MAX_CLASSES,
        seed=seed,
    )
    rows = []
    for k, row in picks:
        features = None
        if dataset.features:
            features = {name: values[row : row + 1] for name, values in dataset.features.items()}
        label = run.labels[k]
        (explanation,) = explainer.explain([dataset.texts[row]], labels=[label], features=features)
        entry = explanation.labels[0]
        words = ", ".join(f"{w} {v:+.3g}" for w, v in explanation.top_words(label, TOP_WORDS))
        rows.append(
            f"| {_cell(label, 30)} | {entry.score:.2f} | {_cell(explanation.text)} | "
            f"{_cell(words or '-', 120)} |"
        )
    method = explanation.method if picks else explainer.kind
    units = f"{explanation.units} units" if picks else "units"
    if picks:  # the scores shown may be calibrated
        units += explanation.adds_up_to()
    lines = [
        "",
        HEADING,
        "",
        f"Random {where} rows of each class and the words that pushed that class most "
        f"({method}; {units})"
        + (
            ", rows the model was fitted on (it had no validation split)"
            if where == "training"
            else ""
        )
        + ". `genreclf explain RUN --data FILE --html page.html` shows every word.",
        "",
        "| class | score | text | top words |",
        "|---|---:|---|---|",
        *rows,
    ]
    return lines


def append_explanations(run, dataset, report_path, where, seed=0):
    """Appends the section to `report_path` (a `report.md`); returns the lines written.

    A model the explainers cannot read (a layer layout they do not know)
    gets one line saying so instead; training and evaluation go on. The
    report is rewritten whole (temp file + rename): a job killed while
    writing leaves the report as it was, never half a section.
    """
    from genreclf.errors import GenreclfError

    try:
        lines = explanation_lines(run, dataset, where, seed=seed)
    except (GenreclfError, ValueError) as err:
        lines = ["", HEADING, "", f"No explanations for this model: {err}"]
    report_path = pathlib.Path(report_path)
    before = report_path.read_text(encoding="utf-8") if report_path.exists() else ""
    tmp = report_path.with_name(report_path.name + ".tmp")
    tmp.write_text(before + "\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(report_path)
    return lines


def add_to_run_report(run, train_set, val_set):
    """After training: the section in the run's `report.md`, on validation rows if any.

    A run fitted on every row (no validation split) shows training rows, and says so.
    """
    if val_set is None:
        dataset = train_set.subset(np.flatnonzero(~train_set.is_synthetic()))
        where = "training"  # fitted on every row: no held-out rows to show
    else:
        dataset, where = val_set, "validation"
    return append_explanations(run, dataset, run.path / "report.md", where)
