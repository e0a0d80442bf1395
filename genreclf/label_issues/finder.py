"""`find_label_issues` (genreclf.find_label_issues): likely mislabelled rows of a data file.

Out-of-fold predicted probabilities (`out_of_fold_probabilities`) go to
cleanlab, the maintained implementation of confident learning (Northcutt et
al., 2021): `cleanlab.filter.find_label_issues` flags the rows whose given
label disagrees with what the class-conditional thresholds of the
out-of-fold model expect, and `cleanlab.rank.get_label_quality_scores` ranks
every row (single-label); `cleanlab.multilabel_classification`'s
counterparts do the same for multi-label rows.

Example:

>>> import genreclf
>>> issues = genreclf.find_label_issues(genreclf.sample_path(), text="overview",
...                                     label="genre")  # doctest: +SKIP
>>> issues.write("suspects.csv")  # doctest: +SKIP
"""

import warnings

import numpy as np

from genreclf.data import TextDataset
from genreclf.data.inputs import check_data
from genreclf.data.read_options import check_used_as_read
from genreclf.errors import ConfigError
from genreclf.label_issues.label_issues import LabelIssues
from genreclf.label_issues.out_of_fold import TFIDF
from genreclf.label_issues.out_of_fold import check_folds
from genreclf.label_issues.out_of_fold import check_work_dir
from genreclf.label_issues.out_of_fold import out_of_fold_probabilities

INSTALL_HINT = "pip install 'genreclf[labels]'"


def _cleanlab():
    try:
        import cleanlab  # noqa: F401
    except ModuleNotFoundError:
        raise ConfigError(
            "Finding label issues needs cleanlab, an optional extra that is not installed. "
            f"Fix: {INSTALL_HINT}."
        ) from None


def cleanlab_verdicts(dataset, vocabulary, probabilities, filter_by="prune_by_noise_rate"):
    """cleanlab's `(quality [n], flagged [n])` for `dataset`'s given labels.

    Example:

    >>> data = TextDataset(["x"] * 6, [["a"], ["a"], ["a"], ["b"], ["b"], ["b"]])
    >>> probs = np.array([[.9, .1], [.8, .2], [.1, .9], [.2, .8], [.1, .9], [.3, .7]])
    >>> quality, flagged = cleanlab_verdicts(data, data.vocabulary(), probs)
    >>> flagged.tolist()
    [False, False, True, False, False, False]
    """
    _cleanlab()
    probabilities = np.asarray(probabilities, dtype="float64")
    index = {name: j for j, name in enumerate(vocabulary.labels)}
    given = [[index[name] for name in labels] for labels in dataset.labels]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cleanlab warns about tiny classes; the verdicts stand
        if vocabulary.multi_label:
            from cleanlab.multilabel_classification import filter as multilabel_filter
            from cleanlab.multilabel_classification import rank as multilabel_rank

            quality = multilabel_rank.get_label_quality_scores(given, probabilities)
            flagged = multilabel_filter.find_label_issues(given, probabilities, filter_by=filter_by)
        else:
            from cleanlab.filter import find_label_issues as find
            from cleanlab.rank import get_label_quality_scores

            labels = np.array([g[0] for g in given])
            probabilities = probabilities / probabilities.sum(axis=1, keepdims=True)
            quality = get_label_quality_scores(labels, probabilities)
            flagged = find(labels, probabilities, filter_by=filter_by)
    return np.asarray(quality, dtype="float64"), np.asarray(flagged, dtype=bool)


def find_label_issues(
    data,
    *,
    text=None,
    label=None,
    format=None,
    multi_label=None,
    sep=None,
    id_column=None,
    skip_bad_rows=False,
    model=TFIDF,
    folds=5,
    seed=0,
    model_config=None,
    epochs=None,
    work_dir=None,
    filter_by="prune_by_noise_rate",
    verbose=0,
):
    """Ranks the rows of a labelled file (or `TextDataset`) by how likely their labels are wrong.

    Args:
        data: a data file (any format `genreclf train` reads), a pandas
            DataFrame or a `TextDataset`.
        text, label, format, multi_label, sep: reading options, as for `train`
            (`format` None: detected). With a `TextDataset`, those given must be
            those it was read with, as for `evaluate`: its rows are read already.
        id_column: a column of row ids, copied into the results.
        skip_bad_rows: skip (count and log) malformed rows instead of
            raising, as for `train`.
        model: `"tfidf"` (TF-IDF + logistic regression, seconds) or a model
            family trained once per fold (`"ngram"`, `"stack"`, ...).
        folds: k of the out-of-fold k-fold (at least 2).
        seed: the fold seed.
        model_config: the family's settings (with `model=<family>`).
        epochs: the family's maximum epochs (with `model=<family>`).
        work_dir: where the fold runs go (with `model=<family>`; a rerun
            reuses the folds that finished with the same settings on the
            same rows, and retrains the others). A run folder of `train` or
            `ensemble` is refused: the fold runs would be written into it.
        filter_by: cleanlab's `filter_by` (`"prune_by_noise_rate"`,
            `"prune_by_class"`, `"both"`, `"confident_learning"`,
            `"predicted_neq_given"`).
        verbose: print progress.

    Returns:
        A `LabelIssues`: `rows()`, `to_csv()`, `to_markdown()`, `write()`.

    Example:

    >>> import genreclf
    >>> issues = genreclf.find_label_issues(genreclf.sample_path(), label="genre",
    ...                                     folds=3)  # doctest: +SKIP
    >>> issues.rows(top=1)[0].keys()  # doctest: +SKIP
    dict_keys(['rank', 'line', 'id', 'text', 'given', 'suggested', 'score', 'flagged'])
    """
    check_data(data)  # a file, a DataFrame or a TextDataset; anything else, refused first
    check_folds(folds)  # the arguments before the data is read
    if model != TFIDF and work_dir is not None:
        check_work_dir(work_dir)
    _cleanlab()
    if isinstance(data, TextDataset):  # read already: as it was read
        given = dict(text=text, label=label, format=format, sep=sep, multi_label=multi_label)
        check_used_as_read(data, given, "find_label_issues")
        dataset = data
    else:
        from genreclf.data import load_dataset

        if sep is not None and multi_label is None:
            multi_label = True
        dataset = load_dataset(
            data,
            text=text,
            label=label,
            format=format,
            multi_label=multi_label,
            sep=sep,
            id_column=id_column,
            skip_bad_rows=skip_bad_rows,
        )
    vocabulary = dataset.vocabulary()
    if vocabulary.num_classes < 2:
        where = f" in {dataset.origin}" if getattr(dataset, "origin", None) else ""
        raise ConfigError(
            f"Finding label issues needs at least two labels. Received: labels="
            f"{vocabulary.labels}{where}. Check --label (and --sep for multi-label cells)."
        )
    probabilities = out_of_fold_probabilities(
        dataset,
        vocabulary,
        model=model,
        folds=folds,
        seed=seed,
        model_config=model_config,
        epochs=epochs,
        work_dir=work_dir,
        verbose=verbose,
    )
    quality, flagged = cleanlab_verdicts(dataset, vocabulary, probabilities, filter_by=filter_by)
    return LabelIssues(dataset, vocabulary, probabilities, quality, flagged, model, folds)
