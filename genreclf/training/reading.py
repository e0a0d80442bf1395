"""Reading a run's rows: the training file, `--augment`'s, `--val-data`'s, and the split.

`genreclf.training.trainer.train` reads its rows with these, as do the
runs it is made of (`cross_validation`, `finetuned_member`) and the
commands that read a run's rows again as it did (`tune`, `genreclf.held_out`).
"""

import logging

import numpy as np

from genreclf.data import drop_unknown_labels
from genreclf.data import load_dataset
from genreclf.data import train_val_split
from genreclf.data.frames import is_frame
from genreclf.data.option_names import option_names
from genreclf.data.read_options import column_names
from genreclf.data.read_options import not_read_with
from genreclf.data.read_options import recorded_format
from genreclf.errors import ConfigError
from genreclf.training.config import AUTO
from genreclf.training.family_options import reads_features
from genreclf.training.fitting import fits_itself

logger = logging.getLogger("genreclf.training")

# The reading options `train` records from a file's detected columns (`record_source`).
COLUMN_OPTIONS = ("text", "label", "sep")


def read_dataset(cfg, path=None):
    """Loads `path` (default: `cfg.data`) with the reading options of `cfg`.

    `path` may be a pandas DataFrame (`genreclf.data.frames`). A `genreclf
    label` output is read as cascade labels: the labelled rows whose
    confidence reaches `cfg.min_confidence` (default 0).

    A file is read in `cfg.format` when it is of the training file's kind, else
    detected (`genreclf.data.read_options.recorded_format`). A DataFrame is read
    as it is: a run's `config.json` records the format its training file was read
    in (`"csv"` for a run trained on `load_dataset("old.csv")`), and retraining
    that recipe on a frame (`train(frame, config="run/config.json")`) leaves it
    aside (logged at debug level) rather than refuses it.
    `load_dataset(frame, format="csv")` itself still refuses a format.

    Example:

    >>> from genreclf.training.config import TrainConfig
    >>> import genreclf
    >>> cfg = TrainConfig(data=genreclf.sample_path(), text="overview", label="genre")
    >>> len(read_dataset(cfg))
    310
    """
    from genreclf.data.cascade_labels import is_cascade_output
    from genreclf.data.cascade_labels import load_cascade_labels

    source = cfg.data if path is None else path
    if is_frame(source) and cfg.format not in (None, AUTO):
        logger.debug(
            "Reading a DataFrame as it is: format=%r (from the run's configuration) applies "
            "to files and is left aside.",
            cfg.format,
        )
    if not is_frame(source) and is_cascade_output(source):
        return load_cascade_labels(
            source,
            min_confidence=cfg.min_confidence or 0.0,
            multi_label=cfg.multi_label,
            skip_bad_rows=bool(cfg.skip_bad_rows),
        )
    if cfg.min_confidence is not None and (path is None or is_frame(source)):
        received = "a DataFrame" if is_frame(source) else f"data={cfg.data!r}"
        raise ConfigError(
            "min_confidence applies to the JSONL `genreclf label` writes. Received: "
            f"{received}, which is not one. Drop --min-confidence or train on the "
            "labelled file."
        )
    # A run reads an aclImdb folder's `train/` (or the pos/ and neg/ of the folder given):
    # it has no split to choose, and the hints say what to pass instead.
    with option_names(arguments={"split": None}):
        return load_dataset(
            source,
            text=cfg.text,
            label=cfg.label,
            # no training file named: `source` is it; a .jsonl --val-data beside a .csv: its own
            format=recorded_format(cfg.format, source if cfg.data is None else cfg.data, source),
            multi_label=cfg.multi_label,
            sep=cfg.sep,
            features=tuple(cfg.features),
            categorical=tuple(cfg.categorical),
            skip_bad_rows=cfg.skip_bad_rows,
        )


# The row of the --augment file its hints show, as `genreclf augment run` writes it.
AUGMENT_ROW = {"text": "A cowboy rides.", "labels": ["western"]}


def read_augment_rows(path, multi_label, real_labels=None, skip_bad_rows=False):
    """Reads `augment`'s JSONL output; every row is marked `synthetic`.

    With `real_labels` (the genres of the real training rows), a genre that
    only synthetic rows carry is refused: it would become a class learned from
    generated text alone, never validated or tested on real rows. With
    `skip_bad_rows`, rows that cannot be read are skipped and counted, as in
    the training file.

    Example:

    >>> import json
    >>> with open("aug.jsonl", "w") as f:
    ...     _ = f.write(json.dumps({"text": "A cowboy rides.", "labels": ["western"]}) + "\\n")
    >>> rows = read_augment_rows("aug.jsonl", multi_label=False)
    >>> rows.sources, rows.label_counts()
    (['synthetic'], {'western': 1})
    """
    # Its fields are fixed (--text and --label name the training file's): the hints show
    # its own row rather than say to pass them.
    with option_names(arguments={"text": None, "label": None}, row=AUGMENT_ROW):
        rows = load_dataset(
            path,
            text="text",
            label="labels",
            format="jsonl",
            multi_label=True,
            skip_bad_rows=skip_bad_rows,
        )
    rows.multi_label = multi_label
    rows.sources = ["synthetic"] * len(rows)
    if not multi_label:
        for line, labels in zip(rows.lines or [None] * len(rows), rows.labels):
            if len(labels) != 1:
                raise ConfigError(
                    f"{path}:{line}: a synthetic row for a single-label task must carry "
                    f"exactly one label. Received: labels={labels}."
                )
    new = sorted(set(rows.label_counts()) - set(real_labels or rows.label_counts()))
    if new:
        raise ConfigError(
            f"{path}: synthetic rows carry genres that no real training row has. Received: "
            f"genres={new}. Add real rows of these genres, or remove their synthetic rows "
            "(`genreclf augment run --genres` generates only the genres you name)."
        )
    return rows


def record_source(cfg, dataset, names=None):
    """Records in `cfg` how the training rows were read: their columns, detected ones too.

    So that `evaluate --data`, `ensemble` and `train --config` read files as
    training did (auto-detection could pick other columns in another file)
    rather than what `config.json` left unset. For a `TextDataset` read from
    a file, the file is recorded too, when the dataset is all of it (not a
    split of it). `names`: only these options (default: all that were read).

    Example:

    >>> from genreclf.training.config import TrainConfig
    >>> import genreclf
    >>> cfg = TrainConfig(data=genreclf.sample_path())
    >>> record_source(cfg, read_dataset(cfg), COLUMN_OPTIONS)
    >>> cfg.text, cfg.label
    ('overview', 'genre')
    """
    options = dict(dataset.read_options or {})
    whole_file = options.pop("rows", None) == len(dataset)  # not a subset of the file
    if dataset.path is not None and cfg.data is None and whole_file:
        # the file where it was read, though the working folder may have changed since
        cfg.data = str(getattr(dataset, "absolute_path", None) or dataset.path)
    for name, value in options.items():
        if (names is None or name in names) and getattr(cfg, name) in (None, "auto"):
            setattr(cfg, name, value)


READ_WITH = ("text", "label", "sep", "format", "multi_label", "features", "categorical")
"""The reading options `train` compares with a `TextDataset`'s
(`check_options_recorded_as_read`)."""


def feature_columns(dataset):
    """`{"features": [...], "categorical": [...]}`: the names of `dataset`'s feature
    columns, numeric and the others, as `load_dataset` reads them and `hybrid` takes them.

    Example:

    >>> import genreclf
    >>> data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre",
    ...                              features=["year"], categorical=["title"])
    >>> feature_columns(data)
    {'features': ['year'], 'categorical': ['title']}
    """
    columns = {name: np.asarray(values) for name, values in (dataset.features or {}).items()}
    numeric = [name for name, values in columns.items() if values.dtype.kind in "fiub"]
    return {"features": numeric, "categorical": [name for name in columns if name not in numeric]}


def record_feature_columns(cfg, dataset):
    """Sets `cfg.features` and `cfg.categorical` to `dataset`'s feature columns, when
    `cfg.model`'s family reads them (`hybrid`): the columns the model reads, as
    `--features` records them, so that `evaluate(run, "test.csv")` reads them from a file.

    A family that reads the text only leaves a dataset's columns unread, and `cfg`'s as
    they are (given ones are refused there: `family_options`).

    Example:

    >>> import genreclf
    >>> from genreclf.training.config import TrainConfig
    >>> data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre",
    ...                              features=["year"])
    >>> cfg = TrainConfig(model="hybrid")
    >>> record_feature_columns(cfg, data)
    >>> cfg.features, cfg.categorical
    (['year'], [])
    """
    if reads_features(cfg.model):
        for name, names in feature_columns(dataset).items():
            setattr(cfg, name, names)


def check_options_recorded_as_read(given, dataset):
    """Refuses reading options passed to `train`, which it records in `config.json`, that
    `dataset`, read already, was not read with.

    A `TextDataset` holds its texts and labels: `train(data, text="title")`
    trained on them, but recorded `text="title"` in `config.json`, so that
    `evaluate(run, "test.csv")` scored the titles of the test file; and
    `multi_label=True` trained a single-label dataset single-label. They are
    compared by `genreclf.data.read_options.not_read_with`; a dataset made in
    memory has no columns, and the columns given are recorded. `features` and
    `categorical`, when they name columns, are compared with the dataset's feature
    columns (`feature_columns`), which every dataset has. A `format` it was not read in
    is warned about, not refused (a config's, of another kind of file, reads no other
    rows). A config file's values are not compared: the dataset's
    replace them (`adopt_read_options`, `record_feature_columns`). `evaluate` and
    `find_label_issues`, which record nothing, refuse in their own words
    (`genreclf.data.read_options.check_used_as_read`).

    Args:
        given: `{name: value}` of `READ_WITH` passed to `train` (None: not passed).
        dataset: the `TextDataset`.

    Example:

    >>> import genreclf
    >>> data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    >>> check_options_recorded_as_read({"text": "overview"}, data)
    >>> check_options_recorded_as_read({"text": "title"}, data)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: ... Received: text='title'; the TextDataset has text='overview'. ...
    """
    wrong = not_read_with(dataset, given, unrecorded=False)  # in memory: columns recorded
    for name, value, read in [w for w in wrong if w[0] == "format"]:
        # Another file's format (a config's, `**cfg` of a CSV run beside a JSONL dataset) does
        # not make these rows other rows: said, and the format they were read in recorded.
        wrong.remove((name, value, read))
        logger.warning(
            "format=%r is not the format the TextDataset was read in (%r): its rows are read "
            "already, and config.json records format=%r. Leave format out with a dataset, or "
            "pass the file's path to read it with format=%r.",
            value,
            read,
            read,
            value,
        )
    held = feature_columns(dataset)  # known of every dataset, one made in memory too
    for name in ("features", "categorical"):
        # none named (a text-only run's config.json, `**run.config`): a dataset's columns
        # are the hybrid's, and unread by a family that reads the text only
        names = column_names(name, given.get(name))
        if names and sorted(map(str, names)) != sorted(map(str, held[name])):
            wrong.append((name, given[name], held[name]))
    if wrong:
        received = ", ".join(f"{name}={value!r}" for name, value, _ in wrong)
        held = ", ".join(f"{name}={value!r}" for name, _, value in wrong)
        raise ConfigError(
            "Reading options given with a TextDataset must be those it was read with: its rows "
            f"are read already, and config.json records them. Received: {received}; the "
            f"TextDataset has {held}. Leave them out, or make the dataset with them: "
            "genreclf.load_dataset(path_or_frame, text=..., label=..., sep=..., "
            "multi_label=..., features=...), or genreclf.TextDataset(texts, labels, "
            "multi_label=..., features=...)."
        )


def adopt_read_options(cfg, dataset):
    """Sets `cfg`'s columns, label separator and format to those `dataset` was read with.

    A config file's (`train(data, config="runs/x/config.json")`) may name other
    columns; the run trains on the dataset's rows, and records how they were
    read. A dataset made in memory keeps `cfg`'s.

    Example:

    >>> import genreclf
    >>> from genreclf.training.config import TrainConfig
    >>> data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    >>> cfg = TrainConfig(text="title", sep="|")
    >>> adopt_read_options(cfg, data)
    >>> cfg.text, cfg.sep
    ('overview', None)
    """
    if not dataset.read_options:
        return
    read = {"format": AUTO, **dataset.read_options}  # a DataFrame's: no file format
    for name in ("text", "label", "sep", "format"):
        if name in read:
            setattr(cfg, name, read[name])


def read_validation_rows(cfg, train_set):
    """Reads `cfg.val_data`, refusing rows of a class that `train_set` lacks.

    The file is read with the training rows' columns (given or detected:
    `train` records them in `cfg`), and its own format, detected.

    Such a class cannot be learnt: its rows are refused naming file, line and
    field (or, with `cfg.skip_bad_rows`, dropped and counted), as `evaluate`
    does with a class the model never saw.
    """
    return drop_unknown_labels(
        read_dataset(cfg, cfg.val_data),
        train_set.vocabulary(),
        skip_bad_rows=bool(cfg.skip_bad_rows),
        field=cfg.label or "label",
    )


def training_rows(dataset, synthetic, cfg):
    """`(train_set, val_set)` for one run of `cfg` (`val_set` None: fit on every row).

    `cfg.val_data`'s rows validate when given; else a family that fits
    itself fits on every row (`cfg.refit`); else `cfg.val_split` of the rows
    are held out. Synthetic rows join the training rows only.

    Example:

    >>> from genreclf.training.config import TrainConfig
    >>> import genreclf
    >>> cfg = TrainConfig(data=genreclf.sample_path(), refit=False)  # hold out val_split
    >>> train_set, val_set = training_rows(read_dataset(cfg), None, cfg)
    >>> len(train_set), len(val_set)
    (279, 31)
    """
    if cfg.val_data:
        train_set, val_set = dataset, read_validation_rows(cfg, dataset)
    elif _refits(cfg):  # fit on every row; report out-of-fold scores
        train_set, val_set = dataset, None
    else:
        train_set, val_set = train_val_split(dataset, cfg.val_split, seed=cfg.seed)
    if synthetic is not None:
        train_set = train_set.concat(synthetic)
    return train_set, val_set


def _refits(cfg):
    """Whether the run trains on every row (families that fit themselves, by default)."""
    if cfg.refit == AUTO:
        return fits_itself(cfg)
    if cfg.refit and not fits_itself(cfg):
        raise ConfigError(
            f"--refit trains on every row and needs a family that fits itself (ngram with "
            f"solver='lbfgs', stack). Received: model={cfg.model!r} with "
            f"model_config={cfg.model_config}. Drop --refit, or use --val-data for a fixed split."
        )
    return bool(cfg.refit)
