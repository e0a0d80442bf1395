"""Where an ensemble's weights are chosen: held-out rows and each member's scores of them.

`held_out_scores` finds rows that no member trained on: a labelled file
(`data`), the validation split every member carved from the same file, or
the validation split of some members with the out-of-fold scores the others
saved (`oof_scores.npz`, matched row by row by `TextDataset.row_digests`).
`genreclf.ensemble` chooses weights on them, and `genreclf evaluate
--compare` runs its paired bootstrap on them. A `data` file's rows are
refused before any member scores them when they carry a label no member saw
or are too few (`checked_rows`), and the classes without a row among them
are named in a warning (`warn_classes_not_held_out`).
"""

import logging

import numpy as np

from genreclf.errors import ConfigError
from genreclf.errors import DataError

logger = logging.getLogger("genreclf.ensembling")

OUT_OF_FOLD_ROWS = "the out-of-fold scores of the training rows"


class HeldOut:
    """The rows the weights are chosen on, and each member's scores of them.

    Attributes:
        targets: `[n, K]` targets.
        member_scores: one `[n, K]` array per member.
        rows_name: what the rows are, for reports ("the members' shared
            validation split", ...).
        fingerprint: a SHA-256 naming the rows.
    """

    def __init__(self, targets, member_scores, rows_name, fingerprint):
        self.targets = targets
        self.member_scores = member_scores
        self.rows_name = rows_name
        self.fingerprint = fingerprint


def warn_trained_on(runs, rows, purpose="choosing the ensemble's weights"):
    """Logs a warning for each run that trained on some of `rows`; True if any did.

    Scores of rows a model trained on flatter it (a linear head on TF-IDF
    features all but memorises them), so what is chosen or reported on them
    misleads. Runs that do not record their training rows are not checked.
    """
    warned = False
    for run in runs:
        seen = run.trained_on(rows)
        if seen is not None and seen.any():
            logger.warning(
                "%d of the %d rows given for %s are training rows of %s: its scores on them "
                "are optimistic. Use rows it did not train on.",
                int(seen.sum()),
                len(rows),
                purpose,
                run.path,
            )
            warned = True
    return warned


def warn_given_rows_trained_on(runs, rows):
    """Warns once of the ensemble members that trained on `rows` (`data`); True if any did.

    The members that saved out-of-fold scores of their training rows
    (`Run.out_of_fold`) are named together in one warning: `data` wins over
    those scores, so on these rows their all but memorised scores replace
    ones made by fold models that did not see the rows, and leaving out
    `data` chooses on the latter. The other members get `warn_trained_on`'s.
    """
    seen, others = {}, []
    for run in runs:
        trained = run.trained_on(rows)
        if trained is not None and trained.any() and run.out_of_fold() is not None:
            seen[run.path] = trained
        else:
            others.append(run)
    if seen:
        # Without data, the weights are chosen out of fold only if every member saved
        # out-of-fold scores or a validation split (`held_out_scores`).
        can_leave_out = all(
            run.path in seen
            or run.out_of_fold() is not None
            or run.fingerprint.get("val_sha256") is not None
            for run in runs
        )
        fix = (
            "Leave out data (`--data`) to choose the weights on the out-of-fold scores "
            "instead, or use rows none of the members trained on."
            if can_leave_out
            else "Use rows none of the members trained on (data, `--data`, is needed: "
            f"{', '.join(str(r.path) for r in others)} saved neither out-of-fold scores nor "
            "a validation split)."
        )
        logger.warning(
            "%d of the %d rows given for choosing the ensemble's weights (data, `--data`) are "
            "training rows of members that saved out-of-fold scores of them: %s. Their scores "
            "on those rows are optimistic (all but memorised), and the rows given replace the "
            "out-of-fold scores (each made by a fold model that did not see the row). %s",
            int(np.logical_or.reduce(list(seen.values())).sum()),
            len(rows),
            ", ".join(
                f"{path} trained on {int(t.sum())} of the {len(rows)}" for path, t in seen.items()
            ),
            fix,
        )
    return warn_trained_on(others, rows) or bool(seen)


def held_out_scores(runs, data, vocabulary, split=None):
    """Where the weights are chosen: `data`, a shared validation split, or out of fold.

    1. `data` given: the members score its rows.
    2. Every member carved the same validation split: its rows.
    3. Otherwise every member must have trained on the same file, either on
       every row (its out-of-fold scores were saved, `Run.out_of_fold`) or with
       a validation split shared by the others that have one. The rows are
       that split when a member has one (the out-of-fold members' scores of
       those rows were made by fold models that did not see them), else the
       rows every member scored out of fold.

    `split` (a `TextDataset`) is the validation split itself, for members
    trained on an in-memory dataset whose file cannot be read again; it must
    match their fingerprints.
    """
    import hashlib

    if split is not None:
        check_split(runs, split)
    if data is not None or share_a_split(runs, split):
        rows = split if data is None and split is not None else read_rows(runs, data)
        name = "the members' shared validation split"
        if data is not None:  # warned of before any member scores a row
            trained = warn_given_rows_trained_on(runs, rows)
            name = "the given rows" if trained else "the held-out rows"
        scores = [r.scores(rows.texts) for r in runs]
        return HeldOut(rows.targets(vocabulary), scores, name, rows.fingerprint())
    folds = [r.out_of_fold() for r in runs]
    split_runs = [r for r, f in zip(runs, folds) if f is None]
    if any(r.fingerprint.get("val_sha256") is None for r in split_runs) or not any(folds):
        raise ConfigError(
            "The members share neither a validation split nor out-of-fold scores of the "
            "same rows (runs trained on every row write oof_scores.npz; runs trained before "
            "that, or with abstain (`--abstain`), do not), so their weights need labelled "
            "held-out rows. "
            "Pass data='val.csv' (`--data val.csv`) with rows the members did not train on."
        )
    if split_runs:
        split = read_rows(split_runs, None) if split is None else split
        rows, targets = split.row_digests(), split.targets(vocabulary)
        rows_name = (
            f"the validation split of {split_runs[0].path.name}, with the out-of-fold scores "
            "of the runs trained on every row"
        )
    else:
        first = folds[0]
        common = set(first["rows"].tolist()).intersection(*(f["rows"].tolist() for f in folds[1:]))
        keep = np.flatnonzero([row in common for row in first["rows"].tolist()])
        rows, targets = first["rows"][keep], first["targets"][keep].astype("float32")
        rows_name = OUT_OF_FOLD_ROWS
        if not len(rows):
            raise ConfigError(
                f"The members scored no row in common out of fold: they trained on different "
                f"data ({trained_on(runs)}). Train them on the same file, "
                "or pass data= (`--data`) with rows none of them trained on."
            )
    scores = []
    for run, fold in zip(runs, folds):
        if fold is None:
            scores.append(run.scores(split.texts))
            continue
        where = {row: i for i, row in enumerate(fold["rows"].tolist())}
        missing = [i for i, row in enumerate(rows.tolist()) if row not in where]
        if missing:
            raise ConfigError(
                f"{run.path} has no out-of-fold score for {len(missing)} of the {len(rows)} "
                f"held-out rows (the first: row {missing[0]} of the held-out rows): the "
                f"members trained on different data ({trained_on(runs)}). Train them on the "
                "same file, or pass data= (`--data`) with rows none of them trained on."
            )
        scores.append(fold["scores"][[where[row] for row in rows.tolist()]])
    fingerprint = hashlib.sha256(b"".join(rows.tolist())).hexdigest()
    return HeldOut(targets, scores, rows_name, fingerprint)


def trained_on(runs):
    """Each run and the file it trained on, for messages: "runs/a: a.csv; runs/b: b.csv"."""
    files = []
    for run in runs:
        data = run.fingerprint.get("data") or run.config.get("data")
        files.append(f"{run.path}: {data or 'rows given in memory'}")
    return "; ".join(files)


def share_a_split(runs, split=None):
    splits = {r.fingerprint.get("val_sha256") for r in runs}
    readable = split is not None or bool(runs[0].config.get("data"))
    return len(splits) == 1 and None not in splits and readable


def check_split(runs, split):
    held_out = {r.fingerprint.get("val_sha256") for r in runs} - {None}
    if held_out != {split.fingerprint()}:
        raise ConfigError(
            "split must be the validation rows the members held out. Received: "
            f"{len(split)} rows whose digest matches none of theirs "
            f"({', '.join(str(r.path) for r in runs)}). Pass the split they trained beside."
        )


def read_rows(runs, data):
    """`data`'s rows, or the validation split the members share (re-read from its file)."""
    from genreclf.evaluation import read_as_trained

    if data is not None:
        return read_as_trained(runs[0], data)
    if len({r.fingerprint.get("val_sha256") for r in runs}) != 1:
        raise ConfigError(
            "The members trained with validation splits carved differently "
            f"({', '.join(str(r.path) for r in runs)}), so no rows are held out from all of "
            "them. Pass data= (`--data`) with rows none of them trained on."
        )
    from genreclf.data import train_val_split
    from genreclf.training.trainer import make_config
    from genreclf.training.trainer import read_dataset

    first = runs[0]
    if not first.config.get("data"):
        raise ConfigError(
            f"{first.path} trained on an in-memory dataset, so its validation split cannot "
            "be read again. Pass data= (`--data`) with rows none of the members trained on."
        )
    cfg = make_config(config=dict(first.config))
    dataset = read_dataset(cfg)
    _, val = train_val_split(dataset, cfg.val_split, seed=cfg.seed)
    if val.fingerprint() != first.fingerprint["val_sha256"]:
        raise ConfigError(
            f"{cfg.data} changed since the members were trained (its validation split no "
            "longer matches their fingerprint). Pass data= (`--data`) with held-out rows."
        )
    return val


# Fewest rows `data` may hold: on fewer, the weights, the calibration and the
# thresholds shared by every class (`tune_thresholds_shrunk`'s global one)
# would be fitted to a handful of rows.
MIN_HELD_OUT_ROWS = 20


def checked_rows(runs, data, vocabulary):
    """`data`'s rows (a `TextDataset`), refused before any member scores them.

    Raises:
        DataError: a label no member saw (every one named, with its rows),
            another label error (`LabelVocabulary.encode`), or fewer than
            `MIN_HELD_OUT_ROWS` rows.
    """
    rows = read_rows(runs, data)
    unknown = {}
    for i, labels in enumerate(rows.labels):
        for label in labels:
            if label not in vocabulary:
                unknown.setdefault(label, []).append(i)
    if unknown:

        def where(i):
            return f"row {i}" if rows.lines is None else f"line {rows.lines[i]}"

        shown = ", ".join(
            f"{label!r} ({len(at)} row{'s' * (len(at) > 1)}, the first at {where(at[0])})"
            for label, at in list(unknown.items())[:10]
        ) + (f", and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise DataError(
            "The rows to choose the ensemble's weights on must carry the members' labels. "
            f"Expected labels among the members' {vocabulary.num_classes}: "
            f"{list(vocabulary.labels)}. Received: {shown}, which no member saw. Drop those "
            "rows (`--skip-bad-rows` counts and skips them; in Python, pass "
            "data=genreclf.data.drop_unknown_labels(rows, genreclf.Run(member).vocabulary)), "
            "or train the members on data with those labels.",
            path=rows.origin,
        )
    rows.targets(vocabulary)  # any other label error (two labels in a single-label row)
    if len(rows) < MIN_HELD_OUT_ROWS:
        raise DataError(
            f"Expected at least {MIN_HELD_OUT_ROWS} labelled rows to choose the ensemble's "
            f"weights, calibration and thresholds on. Received: {len(rows)} "
            f"row{'s' * (len(rows) != 1)}: what is fitted to so few is noise. Pass more rows "
            "the members did not train on, or leave out data (`--data`) when the members share "
            "a validation split or saved out-of-fold scores.",
            path=rows.origin,
        )
    return rows


def warn_classes_not_held_out(targets, vocabulary, rows_name):
    """Warns of the classes without a (positive) row where the weights are chosen.

    Nothing is learned for them there: the weights are chosen on the other
    classes; multi-label, their Platt map stays the identity
    (`fit_platt`) and their threshold is the global one (a class with no
    positive is shrunk all the way to it, `tune_thresholds_shrunk`) or a lone
    member's own; single-label, the temperature is fitted on the other
    classes' rows.
    """
    absent = [label for label, n in zip(vocabulary.labels, targets.sum(axis=0)) if n == 0]
    if not absent:
        return
    if vocabulary.multi_label:
        learned = (
            "their scores are left uncalibrated and their thresholds are the global one "
            "(or a lone member's own), not tuned on them"
        )
    else:
        learned = "the calibration's temperature is fitted on the other classes' rows"
    logging.getLogger("genreclf").warning(
        "%d of the %d classes have no %s in %s: %s. The weights are chosen on the other "
        "classes, %s, and the report's macro-F1 counts each as 0. Pass held-out rows of every "
        "class (data, `--data`) to choose on them too.",
        len(absent),
        vocabulary.num_classes,
        "positive row" if vocabulary.multi_label else "row",
        rows_name,
        ", ".join(absent),
        learned,
    )
