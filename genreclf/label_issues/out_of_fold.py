"""`out_of_fold_probabilities`: every row scored by a model that never saw its label.

Confident learning needs predicted probabilities of each row from a model
trained without that row. Two ways:

- `model="tfidf"` (default, seconds): scikit-learn's `TfidfVectorizer`
  (sublinear tf, 1–2-grams, the features `genreclf.preprocessing.tfidf`
  computes in the graph) and the logistic regression of
  `genreclf.training.linear_heads.out_of_fold_scores` on genreclf's
  stratified folds (iterative stratification for multi-label data). The
  TF-IDF vocabulary is chosen on every text — it sees no label — and the
  regression only on the other folds.
- `model=<family>` (`ngram`, `bilstm`, `stack`, `pretrained`, ...): one
  `genreclf` run per fold (`fit_run`, a validation split carved from the
  training folds for early stopping), which then scores its held-out fold.
  Fold runs are kept in `work_dir`: a rerun after a crash reuses the
  folds that finished with the same settings on the same rows, and
  retrains the others (`genreclf.training.finished_runs.finished_run`).

Example:

>>> from genreclf.data import TextDataset
>>> texts = [f"a ghost haunts house {i}" for i in range(6)] + [
...     f"two chefs fall in love {i}" for i in range(6)]
>>> data = TextDataset(texts, [["horror"]] * 6 + [["romance"]] * 6)
>>> probs = out_of_fold_probabilities(data, data.vocabulary(), folds=3)
>>> probs.shape, bool((probs.argmax(1) == [0] * 6 + [1] * 6).all())
((12, 2), True)
"""

import pathlib
import tempfile

import numpy as np

from genreclf.errors import ConfigError
from genreclf.path_arguments import check_out_folder
from genreclf.setting import whole
from genreclf.training.foreign_files import RUN_MARKS

TFIDF = "tfidf"
FOLDS = whole(2)  # k of the k-fold: one fold would hold every row out of nothing


def check_folds(folds, name="folds"):
    """Refuses a `folds` that is not a whole number of at least 2, before any data is read.

    Example:

    >>> check_folds(5)
    5
    >>> check_folds(1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: folds (k of the k-fold) must be a whole number of at least 2. Received: folds=1. ...
    """
    return FOLDS.check(name, folds, where="k of the k-fold", fix="Pass e.g. folds=5 (--folds 5).")


def check_work_dir(work_dir, name="work_dir", *, example="label_folds"):
    """Refuses a fold-run folder that is no folder path, or is a genreclf run's own folder.

    The fold runs go to `work_dir/fold_0`, `fold_1`, ...; the folder holds
    nothing else. A folder with a run's marks at its top
    (`genreclf.training.foreign_files.RUN_MARKS`: `fingerprint.json`,
    `thresholds.json`, ...) is a run of `train` or `ensemble` (or one fold of
    an earlier check), which the fold runs would be written into. The fold
    folder of an earlier check (only `fold_*` inside) is accepted: its
    finished folds are reused.

    Args:
        work_dir: the folder (it need not exist).
        name: the argument, as `Received: name=...` spells it.
        example: a folder to suggest instead.

    Example:

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "fold_0").mkdir()
    >>> check_work_dir(folder)  # an earlier check's folds: resumed
    >>> _ = (folder / "fingerprint.json").write_text("{}")
    >>> check_work_dir(folder)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: work_dir ... is a genreclf run's folder (it holds fingerprint.json)...
    """
    holds = "the fold runs of an earlier `genreclf labels check`"
    work_dir = check_out_folder(
        work_dir, name, what="a folder for the fold runs", holds=holds, example=example
    )
    path = pathlib.Path(work_dir)
    marks = [mark for mark in RUN_MARKS if (path / mark).exists()] if path.is_dir() else []
    if marks:
        raise ConfigError(
            f"{name} {str(path)!r} is a genreclf run's folder (it holds {', '.join(marks)}): "
            "the fold runs (fold_0/, fold_1/, ...) would be written into it. Expected a new "
            f"folder, or {holds} to resume. Received: {name}={str(work_dir)!r}. Pass another "
            f"folder, e.g. {name}={example!r}."
        )


def tfidf_features(texts, *, ngrams=2, min_df=2, max_features=200000):
    """Sublinear TF-IDF of 1..`ngrams`-grams (scikit-learn), `min_df=1` under 50 texts.

    Example:

    >>> tfidf_features(["a ghost story", "a love story"]).shape
    (2, 5)
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        ngram_range=(1, ngrams),
        min_df=min_df if len(texts) >= 50 else 1,
        max_features=max_features,
        dtype=np.float32,
    )
    return vectorizer.fit_transform(texts)


def out_of_fold_probabilities(
    dataset,
    vocabulary,
    *,
    model=TFIDF,
    folds=5,
    seed=0,
    c=4.0,
    class_weight=False,
    model_config=None,
    epochs=None,
    work_dir=None,
    verbose=0,
):
    """Out-of-fold predicted probabilities `float32 [n, K]` of every row of `dataset`.

    Args:
        dataset: the labelled `TextDataset`.
        vocabulary: its `LabelVocabulary` (the columns' order).
        model: `"tfidf"` (TF-IDF + logistic regression) or a model family.
        folds: k of the k-fold (at least 2, at most the number of rows).
        seed: the fold seed.
        c: the logistic regression's inverse L2 penalty (`"tfidf"`).
        class_weight: balanced class weights in the regression (`"tfidf"`);
            off by default: unweighted probabilities are closer to calibrated.
        model_config: the family's settings (`model=<family>`).
        epochs: the family's maximum epochs (`model=<family>`).
        work_dir: where the fold runs go (`model=<family>`; not a run's own
            folder: `check_work_dir`); default a temporary folder, deleted
            afterwards.
        verbose: print progress.
    """
    check_folds(folds)
    if model != TFIDF and work_dir is not None:
        check_work_dir(work_dir)
    if folds > len(dataset):
        raise ConfigError(
            f"k-fold scoring needs 2 <= folds <= the number of rows. Received: folds={folds} "
            f"for {len(dataset)} rows. Pass --folds between 2 and {len(dataset)}."
        )
    if model == TFIDF:
        from genreclf.training.linear_heads import out_of_fold_scores

        x = tfidf_features(dataset.texts)
        scores, scored = out_of_fold_scores(
            x,
            dataset,
            dataset.targets(vocabulary),
            folds=folds,
            seed=seed,
            multi_label=vocabulary.multi_label,
            c=c,
            class_weight=class_weight,
        )
        if not scored.all():  # every real row is held out once; synthetic rows are not
            raise ConfigError("Every row needs a held-out score; synthetic rows have none.")
        return scores
    if work_dir is None:
        with tempfile.TemporaryDirectory(prefix="genreclf_label_folds_") as tmp:
            return _family_folds(
                dataset, vocabulary, model, folds, seed, model_config, epochs, tmp, verbose
            )
    return _family_folds(
        dataset, vocabulary, model, folds, seed, model_config, epochs, work_dir, verbose
    )


def _family_folds(dataset, vocabulary, model, folds, seed, model_config, epochs, work_dir, verbose):
    from genreclf.data import kfold_indices
    from genreclf.data import train_val_split
    from genreclf.output_lock import output_lock
    from genreclf.run import Run
    from genreclf.training import TrainConfig
    from genreclf.training import fit_run
    from genreclf.training.finished_runs import RETRAIN
    from genreclf.training.finished_runs import finished_run

    cfg = TrainConfig(model=model, model_config=dict(model_config or {}), seed=seed)
    cfg.multi_label = vocabulary.multi_label
    if epochs is not None:
        cfg.epochs = epochs
    probabilities = np.zeros((len(dataset), vocabulary.num_classes), dtype="float32")
    with output_lock(work_dir, "genreclf labels check"):  # its folds: kept or trained, not both
        for i, (train_idx, held_idx) in enumerate(kfold_indices(dataset, k=folds, seed=seed)):
            fold_dir = pathlib.Path(work_dir) / f"fold_{i}"
            train, val = train_val_split(dataset.subset(train_idx), cfg.val_split, seed=seed)
            run = finished_run(fold_dir, cfg, train, val)
            name = f"{fold_dir.name} ({i + 1} of {folds})"  # as cross-validation names it
            if run is None or run.vocabulary != vocabulary:
                if verbose:
                    print(f"{name}: training {model} on {len(train_idx)} rows", flush=True)
                fit_run(train, val, vocabulary, cfg, fold_dir, verbose=0, unfinished=RETRAIN)
                run = Run(fold_dir)
            elif verbose:
                print(f"{name}: finished before; kept", flush=True)
            held = dataset.subset(held_idx)
            probabilities[held_idx] = run.scores(held.texts)
    return probabilities
