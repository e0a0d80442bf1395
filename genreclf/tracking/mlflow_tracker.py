"""`MlflowTracker`: one MLflow run — parameters, metrics, a run folder's files, its status.

A thin layer over MLflow's public client (`mlflow.tracking.MlflowClient`),
which `genreclf train`, `tune` and `ensemble` share: it creates (or resumes)
the run, logs a run folder the same way everywhere (its `config.json`
flattened as parameters, the numbers of `metrics.json` as metrics,
`report.md`, every PNG, the model) and ends the run FINISHED, FAILED or
KILLED. It uses the client rather than `mlflow.start_run`'s global active
run, so a search's trial processes and the tuner process each address their
own run by id.

MLflow 3 keeps the `file:` store in maintenance mode and refuses it unless
`MLFLOW_ALLOW_FILE_STORE=true`; a `file:` URI (or a plain folder) given to
genreclf is the user's explicit choice, so genreclf sets that variable for it.

Example:

>>> tracker = MlflowTracker("file:/tmp/genreclf_doc_mlruns", run_name="doc")  # doctest: +SKIP
>>> with tracker:  # doctest: +SKIP
...     tracker.log_params({"model": "ngram", "model_config": {"ngrams": 2}})
...     tracker.log_metrics({"macro_f1": 0.61}, step=0)
"""

import json
import math
import os
import pathlib
import re
import time

from genreclf.errors import ConfigError

DEFAULT_EXPERIMENT = "genreclf"
# The run folder's files logged as artefacts (besides every *.png and the model).
RUN_FILES = (
    "config.json",
    "labels.json",
    "thresholds.json",
    "metrics.json",
    "report.md",
    "history.csv",
    "fingerprint.json",
)
MODEL_FILE = "model.keras"
# In a run folder: the MLflow run a rerun of the same command resumes.
TRACKING_FILE = "mlflow.json"
_MAX_PARAM_LENGTH = 6000  # MLflow's limit on a parameter value
_BATCH = 100  # parameters per `log_batch` call (MLflow's limit)
_BAD_KEY_CHARS = re.compile(r"[^\w\-. /:]")
INSTALL_HINT = "pip install 'genreclf[mlflow]'"


def require_mlflow():
    """Imports MLflow, or raises `ConfigError` naming the extra to install.

    Example:

    >>> require_mlflow().__name__  # doctest: +SKIP
    'mlflow'
    """
    try:
        import mlflow
    except ModuleNotFoundError:
        raise ConfigError(
            "Tracking to MLflow needs the `mlflow` extra, which is not installed. "
            f"Received: an MLflow tracking URI. Fix: {INSTALL_HINT} (or drop --mlflow)."
        ) from None
    return mlflow


def make_client(uri):
    """An `MlflowClient` for `uri`; a `file:` store is allowed under MLflow 3 (see module doc)."""
    require_mlflow()
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    if not isinstance(uri, (str, os.PathLike)) or not str(uri).strip():
        raise ConfigError(
            "An MLflow tracking URI is a non-empty string. Received: "
            f"mlflow_uri={uri!r}. Example: --mlflow file:./mlruns or sqlite:///mlflow.db."
        )
    uri = str(uri)
    if uri.startswith("file:") or "://" not in uri:
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    if uri.startswith(("http://", "https://")):
        _check_reachable(uri)
    try:
        return MlflowClient(tracking_uri=uri)
    except MlflowException as e:
        raise ConfigError(
            f"MLflow cannot use the tracking URI. Received: mlflow_uri={uri!r} ({e.message}). "
            "Use file:./mlruns, sqlite:///mlflow.db (needs SQLAlchemy) or a server's http URL."
        ) from None


def _check_reachable(uri, timeout=5.0):
    """Raises a `ConfigError` at once when no server answers at `uri`.

    MLflow's own client retries a refused connection for minutes (7 retries
    with backoff) before it fails; a server that answers anything, even an
    error page, passes here and MLflow's calls say the rest.
    """
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(uri.rstrip("/") + "/health", timeout=timeout):
            pass
    except urllib.error.HTTPError:
        pass  # something answered: MLflow's calls will say whether it is a tracking server
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ConfigError(
            f"No MLflow server answers at {uri!r} ({reason}). Start one (`mlflow server "
            "--host 127.0.0.1 --port 5000`) or check the tracking URI (--mlflow); a local "
            "store needs no server: --mlflow file:./mlruns or sqlite:///mlflow.db."
        ) from None


def flatten_params(values, prefix=""):
    """Nested dicts as one level of dotted keys; values as strings (JSON for non-strings).

    Example:

    >>> flatten_params({"lr": 0.001, "features": [], "model_config": {"mode": "lora"}})
    {'lr': '0.001', 'features': '[]', 'model_config.mode': 'lora'}
    """
    flat = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten_params(value, prefix=f"{name}."))
            continue
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        if len(text) > _MAX_PARAM_LENGTH:
            text = text[: _MAX_PARAM_LENGTH - 3] + "..."
        flat[safe_key(name)] = text
    return flat


def numeric_leaves(values, prefix=""):
    """The finite numbers of a nested dict as `{dotted.key: float}` (lists and bools skipped).

    Example:

    >>> numeric_leaves({"macro_f1": 0.5, "multi_label": False, "per_class": {"drama": {"f1": 1}}})
    {'macro_f1': 0.5, 'per_class.drama.f1': 1.0}
    """
    flat = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(numeric_leaves(value, prefix=f"{name}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(value):
                flat[safe_key(name)] = float(value)
    return flat


def safe_key(name):
    """`name` with the characters MLflow refuses in a key replaced by `_`.

    Example:

    >>> safe_key("per_class.children's.f1")
    'per_class.children_s.f1'
    """
    return _BAD_KEY_CHARS.sub("_", str(name))


class MlflowTracker:
    """One MLflow run, used as a context manager (FINISHED, FAILED or KILLED on exit).

    Args:
        uri: the tracking URI (`file:./mlruns`, `sqlite:///mlflow.db`, `http://host:5000`).
        experiment: the experiment name (created when missing).
        run_name: the run's name in the MLflow UI.
        parent_run_id: makes this run a child of that run (a search's trials).
        tags: more tags, e.g. `{"genreclf.command": "train"}`.
        resume_file: a JSON file that remembers the run: when it names an
            unfinished run of the same store, that run is continued (a killed
            `genreclf train` rerun goes on logging into the same MLflow run).

    Example:

    >>> with MlflowTracker("file:/tmp/doc_mlruns", run_name="x") as t:  # doctest: +SKIP
    ...     t.log_metrics({"val_macro_f1": 0.5}, step=0)
    """

    def __init__(
        self,
        uri,
        *,
        experiment=None,
        run_name=None,
        parent_run_id=None,
        tags=None,
        resume_file=None,
    ):
        self.uri = str(uri)
        self.experiment = DEFAULT_EXPERIMENT if experiment is None else experiment
        self.run_name = run_name
        self.parent_run_id = parent_run_id
        self.tags = dict(tags or {})
        self.resume_file = None if resume_file is None else pathlib.Path(resume_file)
        self.client = make_client(self.uri)
        self.run_id = None
        self.experiment_id = None

    def start(self):
        """Creates the run (or resumes the one `resume_file` names); returns `self`."""
        from mlflow.exceptions import MlflowException

        try:
            self.experiment_id = self._experiment_id()
            resumed = self._resumable_run()
            if resumed:
                self.run_id = resumed
                self.client.update_run(resumed, status="RUNNING")
            else:
                tags = {"genreclf.version": _version(), **self.tags}
                if self.run_name:
                    tags["mlflow.runName"] = self.run_name
                if self.parent_run_id:
                    tags["mlflow.parentRunId"] = self.parent_run_id
                run = self.client.create_run(self.experiment_id, tags=tags)
                self.run_id = run.info.run_id
        except MlflowException as e:
            raise ConfigError(
                f"MLflow could not start a run in {self.uri!r}: {e.message}. Check the "
                "tracking URI (--mlflow) and that the store or server is reachable."
            ) from None
        if self.resume_file is not None:
            self.resume_file.write_text(
                json.dumps({"tracking_uri": self.uri, "run_id": self.run_id}, indent=2),
                encoding="utf-8",
            )
        return self

    def _experiment_id(self):
        from mlflow.exceptions import MlflowException

        found = self.client.get_experiment_by_name(self.experiment)
        if found is not None:
            return found.experiment_id
        try:
            return self.client.create_experiment(self.experiment)
        except MlflowException as e:
            found = self.client.get_experiment_by_name(self.experiment)
            if found is not None:  # another process created it first
                return found.experiment_id
            raise ConfigError(  # a name MLflow refuses: blank, too long, not a string
                f"MLflow refuses the experiment name: {e.message}. Received: "
                f"mlflow_experiment={self.experiment!r}. Pass a name such as "
                "--mlflow-experiment movie-genres, or leave it out for "
                f"{DEFAULT_EXPERIMENT!r}."
            ) from None

    def _resumable_run(self):
        from mlflow.exceptions import MlflowException

        if self.resume_file is None or not self.resume_file.exists():
            return None
        try:
            known = json.loads(self.resume_file.read_text(encoding="utf-8"))
            if known.get("tracking_uri") != self.uri:
                return None
            run = self.client.get_run(known["run_id"])
        except (ValueError, KeyError, MlflowException):
            return None
        if run.info.status == "FINISHED" or run.info.lifecycle_stage != "active":
            return None
        return run.info.run_id

    def __enter__(self):
        return self.start() if self.run_id is None else self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            status = "FINISHED"
        elif issubclass(kind, KeyboardInterrupt):
            status = "KILLED"
        else:
            status = "FAILED"
        self.end(status)
        return False

    def end(self, status="FINISHED"):
        """Ends the run with `status` (FINISHED, FAILED or KILLED)."""
        if self.run_id is not None:
            self.client.set_terminated(self.run_id, status=status)

    def log_params(self, values):
        """Logs a (nested) dict as flattened parameters."""
        from mlflow.entities import Param

        params = [Param(k, v) for k, v in flatten_params(values).items()]
        for start in range(0, len(params), _BATCH):
            self.client.log_batch(self.run_id, params=params[start : start + _BATCH])

    def log_metrics(self, values, step=0):
        """Logs the finite numbers of a (nested) dict as metrics at `step`."""
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(k, v, now, step) for k, v in numeric_leaves(values).items()]
        for start in range(0, len(metrics), 1000):
            self.client.log_batch(self.run_id, metrics=metrics[start : start + 1000])

    def log_missing_epochs(self, history, prefix=""):
        """Logs the epochs of `history` (a `history.csv`) this run lacks (`log_missing_epochs`)."""
        from genreclf.tracking.missing_epochs import log_missing_epochs

        return log_missing_epochs(self.client, self.run_id, history, prefix)

    def log_artifact(self, path, artifact_path=None):
        """Copies a file (or folder) into the run's artefacts."""
        path = pathlib.Path(path)
        if path.is_dir():
            self.client.log_artifacts(self.run_id, str(path), artifact_path)
        else:
            self.client.log_artifact(self.run_id, str(path), artifact_path)

    def log_run_folder(self, folder, *, params=True):
        """Logs a finished run folder: config, metrics, report, PNGs and the model.

        Parameters are `config.json` flattened; metrics the numbers of
        `metrics.json` (per-class ones as `per_class.<label>.f1`, ...);
        artefacts `report.md`, `metrics.json`, `config.json`, the other JSON
        files and `history.csv`, every `*.png` of the folder (the confusion
        matrix, a reliability diagram, ...) and `model/model.keras`.
        """
        folder = pathlib.Path(folder)
        if params and (folder / "config.json").exists():
            self.log_params(json.loads((folder / "config.json").read_text(encoding="utf-8")))
        if (folder / "metrics.json").exists():
            metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
            self.log_metrics({"final": metrics}, step=0)
        for name in RUN_FILES:
            if (folder / name).exists():
                self.log_artifact(folder / name)
        for png in sorted(folder.glob("*.png")):
            self.log_artifact(png)
        if (folder / MODEL_FILE).exists():
            self.log_artifact(folder / MODEL_FILE, "model")

    def keras_callback(self, per_training=False, training=None):
        """A Keras callback logging this run's metrics per epoch (`MlflowMetrics`).

        Args:
            per_training: prefix each training's metrics with `fold_<i>/`.
            training: a callable that names the training about to begin:
                `(prefix or None, its history.csv or None)` (`MlflowMetrics`).
        """
        from genreclf.tracking.mlflow_callback import MlflowMetrics

        return MlflowMetrics(self.uri, self.run_id, per_training=per_training, training=training)


def _version():
    from genreclf.version import __version__

    return __version__
