"""`Run`: a trained run folder — its model, labels, thresholds, config and metrics.

A run folder is the unit of work: `genreclf evaluate`, `predict` and `export`
take one. Its files, their names and writers: `genreclf.run_files`.
"""

import os
import zipfile
import zlib

import numpy as np

from genreclf.data.labels import LabelVocabulary
from genreclf.errors import RunFolderError
from genreclf.json_files import read_json_object
from genreclf.model_features import check_features
from genreclf.path_arguments import OpenedFolder
from genreclf.path_arguments import check_path
from genreclf.run_files import CONFIG
from genreclf.run_files import FINGERPRINT
from genreclf.run_files import LABELS
from genreclf.run_files import METRICS
from genreclf.run_files import MODEL
from genreclf.run_files import OUT_OF_FOLD
from genreclf.run_files import THRESHOLDS
from genreclf.run_files import TRAINING_ROWS
from genreclf.run_files import check_run_folder
from genreclf.run_files import not_a_run_fix
from genreclf.run_files import read_thresholds
from genreclf.run_files import row_keys
from genreclf.setting import whole
from genreclf.texts_in import dataset_texts
from genreclf.texts_in import texts_in

# What a training into the folder writes again: `Run.refresh` compares them.
_WATCHED = (CONFIG, LABELS, THRESHOLDS, MODEL)
_TOP_K = whole(1, also=(None,))  # `Run.predict`'s top_k: None is every label
_BATCH_SIZE = whole(1)


class Run:
    """A trained run folder.

    The folder's files are read when the `Run` opens, and the model on first
    use. Until the model loads, the `Run` follows its folder: `labels`,
    `thresholds`, `config`, `metrics` and the model come from the run trained
    there last (a notebook cell that trains into the same folder again).
    Once the model is loaded they stay with it, a consistent run, until
    `refresh()` reads the folder again.

    Args:
        path: the run folder (a `str` or `pathlib.Path`).

    Raises:
        ConfigError: `path` is not a path (a DataFrame, a list, None).
        RunFolderError: no run folder there, or one training did not finish.

    Example:

    >>> run = Run("runs/sample")  # doctest: +SKIP
    >>> run.predict(["A detective hunts a killer."])[0]["top_labels"]  # doctest: +SKIP
    ['thriller', 'drama', 'horror']
    """

    def __init__(self, path):
        fix = not_a_run_fix(path)
        self._folder = OpenedFolder(
            check_path(path, "path", what="a run folder", fix=fix, example="runs/ngram")
        )
        check_run_folder(self.path)
        self._written = self._stamps()  # before reading: a write meanwhile is seen
        self._config = self._read(CONFIG, read_json_object)
        self._vocabulary = self._read(LABELS, LabelVocabulary.load)
        self._thresholds = self._read(THRESHOLDS, read_thresholds)
        labels = self._vocabulary.labels
        if self._thresholds.shape != (len(labels),):
            self._damaged(
                f"{LABELS} or {THRESHOLDS}",
                f"{len(labels)} labels, {self._thresholds.size} thresholds",
            )
        self._metrics = {}
        if (self.path / METRICS).exists():
            self._metrics = self._read(METRICS, read_json_object)
        self._fingerprint = {}
        if (self.path / FINGERPRINT).exists():
            self._fingerprint = self._read(FINGERPRINT, read_json_object)
        self._model = None

    @property
    def path(self):
        """The run folder (a `pathlib.Path`): as given, absolute after an `os.chdir`."""
        return self._folder.path

    def _stamps(self):
        """What `refresh` compares: `(mtime_ns, size)` of each file a training writes
        again (`_WATCHED`); None for a file that is not there."""
        stamps, folder = [], str(self.path)
        for name in _WATCHED:
            try:
                stat = os.stat(os.path.join(folder, name))  # cheaper than pathlib's: often called
            except OSError:  # gone: reading the folder again says so
                stamps.append(None)
            else:
                stamps.append((stat.st_mtime_ns, stat.st_size))
        return stamps

    def refresh(self):
        """Reads the run folder again if it was written since this `Run` read it.

        A folder trained again (`genreclf.train(..., out=run.path)`, or
        `genreclf train --out` in a terminal) has a new model, and may have
        new labels and thresholds: after `refresh()` the `Run` answers with
        them, the new model loading on its next use. `evaluate` refreshes
        the run it is given; `predict`, `labels` and the rest do until the
        model has loaded.

        Returns:
            True when the folder had changed and was read again; False when
            it had not (nothing is read, and a loaded model is kept).

        Raises:
            RunFolderError: the folder is not a complete run now (a training
                into it is under way, or failed), as `Run` raises it. The
                `Run` keeps what it read before.

        Example:

        >>> import json, pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "run"
        >>> def write(labels):  # the files `genreclf.train` writes, a stand-in model aside
        ...     folder.mkdir(exist_ok=True)
        ...     for name, value in [("config.json", {"model": "ngram"}),
        ...                         ("labels.json", {"labels": labels, "multi_label": False}),
        ...                         ("thresholds.json", {"thresholds": [0.5] * len(labels)})]:
        ...         (folder / name).write_text(json.dumps(value))
        ...     (folder / "model.keras").write_bytes(b"a stand-in")
        >>> write(["comedy", "drama"])
        >>> run = Run(folder)
        >>> write(["comedy", "drama", "horror"])  # trained again, with a new class
        >>> run.refresh(), run.labels
        (True, ['comedy', 'drama', 'horror'])
        >>> run.refresh()
        False
        """
        if self._stamps() == self._written:
            return False
        fresh = Run(self.path)  # raises with this Run left as it was
        # The new state over the old, then what only the old had (explainers cached on the
        # old model) goes: a thread reading the Run meanwhile never finds an attribute missing.
        stale = set(self.__dict__) - set(fresh.__dict__)
        self.__dict__.update(fresh.__dict__)
        for name in stale:
            self.__dict__.pop(name, None)
        return True

    def _current(self):
        """Follows the folder until the model loads (`refresh`); then keeps to it.

        A folder that is no complete run now (a training into it under way)
        leaves what was read: `refresh()`, `evaluate` and the model's load say so.
        """
        if self._model is None:
            try:
                self.refresh()
            except RunFolderError:
                pass
        return self

    @property
    def config(self):
        """`config.json`: the data, model and training settings the run was trained with."""
        return self._current()._config

    @property
    def vocabulary(self):
        """The run's `LabelVocabulary` (`labels.json`)."""
        return self._current()._vocabulary

    @property
    def thresholds(self):
        """`float32 [K]` per-class decision thresholds (`thresholds.json`)."""
        return self._current()._thresholds

    @property
    def metrics(self):
        """`metrics.json`: the report of the run's held-out rows (`{}` without one)."""
        return self._current()._metrics

    @property
    def fingerprint(self):
        """`fingerprint.json`: the data's hash and split seed (`{}` without one)."""
        return self._current()._fingerprint

    def _read(self, name, reader):
        """`reader(<run>/name)`; a file that is not what training writes is a `RunFolderError`."""
        try:
            return reader(self.path / name)
        except (ValueError, TypeError, KeyError, AttributeError) as e:  # JSON errors too
            self._damaged(name, f"{type(e).__name__}: {e}")

    def _damaged(self, name, why):
        raise RunFolderError(
            f"The run folder {str(self.path)!r} has a damaged {name} ({why}). Expected the "
            "file `genreclf train` writes there: restore it from a copy of the run, or train "
            "again."
        )

    def __repr__(self):  # what was read: a repr does not read the folder
        return f"Run({str(self.path)!r}, model={self._config.get('model')!r})"

    @property
    def labels(self):
        return self.vocabulary.labels

    @property
    def multi_label(self):
        return self.vocabulary.multi_label

    @property
    def model(self):
        """The trained `keras.Model` (loaded on first use, without its optimizer); a
        damaged `model.keras`, or one of other classes than `labels.json`'s, is a
        `RunFolderError`."""
        if self._model is None:
            self.refresh()  # trained again since opened: the new model, with its labels
            import keras

            from genreclf.custom_objects import register

            register()
            if not zipfile.is_zipfile(self.path / MODEL):  # empty, cut short or foreign
                self._damaged(MODEL, "not a .keras zip file")
            try:
                model = keras.saving.load_model(self.path / MODEL, compile=False)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as err:
                reason = str(err).splitlines()[0][:200] if str(err) else ""
                self._damaged(MODEL, f"{type(err).__name__}: {reason or 'unreadable'}")
            width = model.output_shape[-1] if isinstance(model.output_shape, tuple) else None
            if isinstance(width, int) and width != len(self.labels):
                self._damaged(
                    f"{MODEL} or {LABELS}",
                    f"the model scores {width} classes, {LABELS} lists {len(self.labels)}",
                )
            self._model = model
        return self._model

    @property
    def cascade(self):
        """The model's abstaining `OneVsAllCascade` layer (`--abstain` runs), else None."""
        from genreclf.models.cascade import find_cascade

        return find_cascade(self.model)

    def out_of_fold(self):
        """`{"scores", "targets", "rows"}` of a run that trained on every row, else None.

        Each row's score comes from a fold model that did not train on it
        (`write_out_of_fold`); `genreclf.ensemble` chooses weights on them.
        """
        return self._arrays(OUT_OF_FOLD, ("scores", "targets", "rows"))

    def training_rows(self):
        """The sorted keys (`row_keys`) of the rows the run trained on; None for a run
        written before genreclf recorded them."""
        arrays = self._arrays(TRAINING_ROWS, ("rows",))
        return None if arrays is None else arrays["rows"]

    def _arrays(self, name, keys):
        """The arrays `keys` of `<run>/name`, a `.npz` file; None when the run has none. A
        truncated or foreign file is a `RunFolderError`."""
        if not (self.path / name).exists():
            return None

        def read(path):
            with np.load(path, allow_pickle=False) as saved:
                return {key: saved[key] for key in keys}

        try:
            return self._read(name, read)
        except (EOFError, zipfile.BadZipFile, zlib.error) as e:  # truncated
            self._damaged(name, f"{type(e).__name__}: {e}")

    def trained_on(self, data):
        """Which rows of `data` (a `TextDataset`, or texts as `predict` takes them: of a
        DataFrame, its text column) the run trained on: a bool mask `[n]`, or None when the run
        does not record them (`training_rows`; an ensemble's: any of its members')."""
        texts = dataset_texts(data, "run.trained_on", self.config.get("text"))
        rows = self.training_rows()
        return None if rows is None else np.isin(row_keys(texts), rows)

    def feature_names(self):
        """Names of the model's inputs beyond `text` (hybrid models)."""
        return [t.name for t in self.model.inputs if t.name != "text"]

    def scores(self, texts, features=None, batch_size=256, model=None):
        """Per-class scores `float32 [n, K]` for raw `texts`.

        Args:
            texts: the texts, as `predict` takes them (one string, a list, a
                pandas Series, a 1-D array or any iterable of strings).
            features: hybrid runs: `{name: values}` or a DataFrame, one value per text.
            batch_size: texts per model call.
            model: another model on the same inputs (default: the run's),
                e.g. one that also returns the scores before calibration.

        Raises:
            ConfigError: `texts` that are not texts (a DataFrame, a dict, a set, None),
                a `batch_size` that is not a whole number of at least 1, or a
                hybrid run's features left out or not one value per text.
            DataError: a text that is not a string, or is blank, as `predict`.
        """
        _BATCH_SIZE.check("batch_size", batch_size, fix="Pass e.g. batch_size=256.")
        texts = texts_in(texts, "run.scores", "scoring", self.config.get("text"))
        import tensorflow as tf

        inputs = {"text": tf.constant(texts, dtype=tf.string)}
        if not len(inputs["text"]):
            return np.zeros((0, len(self.labels)), dtype="float32")
        model = self.model if model is None else model
        inputs.update(check_features(features, model, len(texts)))  # a hybrid run's
        return np.asarray(model.predict(inputs, batch_size=batch_size, verbose=0))

    def predict(self, texts, top_k=3, features=None):
        """Predicts labels for raw `texts`.

        Returns one dict per text: `labels` (the arg-max class, or every class
        above its tuned threshold for multi-label runs, or for `--abstain`
        runs the cascade's class or `"unknown"`), `scores` (class → score),
        `top_labels` and `top_scores` (the `top_k` best).

        Labels come back as the run was trained with them: `int`s where its
        classes are whole numbers (ratings `1`..`10` in a CSV or an integer
        column: `run.vocabulary.label_type == "int"`), else strings.
        `predict_names` gives the class names (strings, `run.labels`), as the
        exported model's `classes`, TF Serving and `genreclf predict` do. A
        run trained before genreclf recorded the type gives strings.

        Args:
            texts: one text (a `str`), or a list, tuple, pandas Series, 1-D
                numpy array or other iterable of texts (a generator is read
                once). Not a DataFrame: pass its text column, `df["overview"]`;
                not a set, whose order is arbitrary: pass a list.
            top_k: how many of the best labels `top_labels` holds: a whole
                number of at least 1 (more than the run has gives them all),
                or None for every label.
            features: hybrid runs: `{name: values}` or a DataFrame, one value per text.

        Raises:
            ConfigError: `texts` that are not texts: a DataFrame, a dict, a
                set, None, bytes, or an array of more than one dimension; a
                `top_k` that is not a whole number of at least 1 or None.
            DataError: a text that is not a string, or is blank, as
                `genreclf predict` refuses it: a guess from no words is not a
                prediction. (A served model answers any string, as TF Serving
                does; check texts before sending them.)
        """
        return self._predict(texts, top_k, features, "run.predict", names=False)

    def predict_names(self, texts, top_k=3, features=None):
        """`predict`, with the labels as class names (`str`), as the exported model gives them."""
        return self._predict(texts, top_k, features, "run.predict_names", names=True)

    def _predict(self, texts, top_k, features, call, names):
        _TOP_K.check("top_k", top_k, fix="Pass e.g. top_k=3, or top_k=None for every label.")
        texts = texts_in(texts, call, "predicting", self.config.get("text"))
        scores = self.scores(texts, features=features)
        cascade = self.cascade
        if cascade is not None:
            decided = [[label] for label in cascade.decide_labels(scores)]
        else:
            decided = self.vocabulary.decode(scores, threshold=self.thresholds)
        k = len(self.labels) if top_k is None else min(int(top_k), len(self.labels))
        value = str if names else self.vocabulary.value  # the type trained with
        classes = [value(label) for label in self.labels]
        results = []
        for row, labels in zip(scores, decided):
            order = np.argsort(-row)[:k]
            results.append(
                {
                    "labels": [value(label) for label in labels],
                    "scores": {c: float(s) for c, s in zip(classes, row)},
                    "top_labels": [classes[j] for j in order],
                    "top_scores": [float(row[j]) for j in order],
                }
            )
        return results


def load_run(path):
    """Opens a run folder written by `genreclf.train`.

    Example:

    >>> run = load_run("runs/sample")  # doctest: +SKIP
    >>> run.metrics["macro_f1"]  # doctest: +SKIP
    0.71
    """
    return Run(path)
