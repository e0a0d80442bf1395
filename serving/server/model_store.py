"""The served models: finds version folders, loads them, polls for new ones.

Like TF Serving's file-system source, the store lists each model's base path,
keeps the versions its policy wants, loads new ones and unloads removed ones,
every `poll_seconds`, without a restart. A version is only ever loaded when it
is complete: its folder name is an integer, it has a `saved_model.pb`, and its
`variables/variables.index` exists when it has a `variables/` folder. Export
writes to a temporary (non-integer) folder and renames it into place, so a
half-written version is never seen; a version that still fails to load is
reported as `END` with the error and retried when its `saved_model.pb` changes.
"""

import logging
import os
import threading

from genreclf.serving.server.model_config import discover_models
from genreclf.serving.server.servable import Servable
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.status import not_found
from genreclf.serving.server.status import public_message

logger = logging.getLogger("genreclf.serving.server")


def complete_versions(base_path):
    """The complete version folders under a model's base path, version → path.

    Example:

    >>> complete_versions("models/genre")  # doctest: +SKIP
    {1: 'models/genre/1', 2: 'models/genre/2'}
    """
    try:
        children = os.listdir(base_path)
    except OSError:
        return {}
    versions = {}
    for child in children:
        if not child.isdigit():
            continue
        path = os.path.join(base_path, child)
        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            continue
        variables = os.path.join(path, "variables")
        if os.path.isdir(variables) and not os.path.isfile(
            os.path.join(variables, "variables.index")
        ):
            continue
        versions[int(child)] = path
    return versions


def _stamp(path):
    try:
        stat = os.stat(os.path.join(path, "saved_model.pb"))
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


class _VersionState:
    def __init__(self, state, servable=None, error=None, stamp=None):
        self.state = state  # LOADING, AVAILABLE or END
        self.servable = servable
        self.error = error  # (code, message) or None
        self.stamp = stamp


class ModelStore:
    """Loads and serves every version the model specs want; polls for changes.

    Args:
        models_dir: the base path (`genreclf serve models/`).
        specs: a list of `ModelSpec`, or a callable returning one (re-read at
            each poll, as TF Serving re-reads its models.config); None means every
            folder under `models_dir` is a model (re-discovered at each poll).
        labels: `(model or None, label, version)` tuples from `--label` flags.
        policy: version policy for discovered models (`"all"` or `"latest"`).
        poll_seconds: how often to look for new versions (0 disables polling).
        loader: `loader(name, version, path) -> Servable` (tests pass fakes).

    Example:

    >>> store = ModelStore("models/")  # doctest: +SKIP
    >>> store.scan()  # doctest: +SKIP
    >>> store.get("genre").version  # doctest: +SKIP
    2
    """

    def __init__(
        self,
        models_dir,
        specs=None,
        labels=(),
        policy="all",
        poll_seconds=2.0,
        loader=Servable.load,
    ):
        self.models_dir = models_dir
        self._fixed_specs = specs
        self._label_flags = list(labels)
        self.policy = policy
        self.poll_seconds = poll_seconds
        self._loader = loader
        self._lock = threading.Lock()
        self._specs = {}
        self._states = {}  # name -> {version: _VersionState}
        self._stop = threading.Event()
        self._thread = None

    def _current_specs(self):
        specs = self._fixed_specs
        if callable(specs):
            try:
                specs = specs()
            except ValueError as err:  # a broken edit: keep serving what we have
                logger.warning("Keeping the previous model config: %s", err)
                specs = list(self._specs.values())
        elif specs is None:
            specs = discover_models(self.models_dir, self.policy)
        result = {}
        for spec in specs:
            labels = dict(spec.labels)
            for model, label, version in self._label_flags:
                if model is None or model == spec.name:
                    labels[label] = version
            spec.labels = labels
            result[spec.name] = spec
        return result

    def scan(self):
        """Looks at the disk once: loads new versions, unloads removed ones."""
        specs = self._current_specs()
        with self._lock:
            self._specs = specs
            for name in specs:
                self._states.setdefault(name, {})
            for name, states in self._states.items():
                if name not in specs:  # the model folder is gone
                    for version, state in states.items():
                        if state.state == "AVAILABLE":
                            states[version] = _VersionState("END")
        for name, spec in specs.items():
            on_disk = complete_versions(spec.base_path)
            wanted = set(spec.wants(on_disk))
            states = self._states[name]
            for version in sorted(wanted):
                state = states.get(version)
                stamp = _stamp(on_disk[version])
                if state is not None and state.state in ("AVAILABLE", "LOADING"):
                    continue
                if state is not None and state.error is not None and state.stamp == stamp:
                    continue  # failed before; retry only once the files change
                self._load(name, version, on_disk[version], stamp)
            with self._lock:
                for version, state in states.items():
                    if version not in wanted and state.state == "AVAILABLE":
                        logger.info("Unloading %s version %d", name, version)
                        states[version] = _VersionState("END")

    def _load(self, name, version, path, stamp):
        with self._lock:
            self._states[name][version] = _VersionState("LOADING", stamp=stamp)
        logger.info("Loading %s version %d from %s", name, version, path)
        try:
            servable = self._loader(name, version, path)
        except Exception as err:  # noqa: BLE001 - any load failure is reported, not fatal
            code = err.code if isinstance(err, ServingStatusError) else "UNKNOWN"
            logger.warning("Failed to load %s version %d from %s: %s", name, version, path, err)
            # Clients see the error without this machine's paths.
            message = public_message(f"Failed to load {name} version {version}: {err}")
            state = _VersionState("END", error=(code, message), stamp=stamp)
        else:
            logger.info("Loaded %s version %d", name, version)
            state = _VersionState("AVAILABLE", servable=servable, stamp=stamp)
        with self._lock:
            self._states[name][version] = state

    def start_polling(self):
        """Polls the base path every `poll_seconds` in a daemon thread."""
        if self.poll_seconds <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._poll, name="model-store-poll", daemon=True)
        self._thread.start()

    def _poll(self):
        while not self._stop.wait(self.poll_seconds):
            try:
                self.scan()
            except Exception:  # noqa: BLE001 - keep polling whatever one scan hit
                logger.exception("Polling %s failed", self.models_dir)

    def stop(self):
        """Stops polling (loaded models stay usable until dropped)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def get(self, name, version=None, label=None):
        """The servable for a request, resolved as TF Serving's ServerCore does.

        Raises:
            ServingStatusError: NOT_FOUND (`Servable not found for request:
                Latest(name)` / `Specific(name, N)`), INVALID_ARGUMENT for an
                unknown label (`Unrecognized servable version label: L`).
        """
        with self._lock:
            if label is not None:
                spec = self._specs.get(name)
                if spec is None or label not in spec.labels:
                    raise invalid_argument(f"Unrecognized servable version label: {label}")
                version = spec.labels[label]
            states = self._states.get(name, {})
            if version is None:
                available = [v for v, s in states.items() if s.state == "AVAILABLE"]
                if not available:
                    raise not_found(f"Servable not found for request: Latest({name})")
                return states[max(available)].servable
            state = states.get(version)
            if state is None or state.state != "AVAILABLE":
                raise not_found(f"Servable not found for request: Specific({name}, {version})")
            return state.servable

    def has_model(self, name):
        """True when `name` is a served model (whatever the state of its versions)."""
        with self._lock:
            return name in self._specs

    def status(self, name, version=None):
        """Version states like TF Serving's GetModelStatus.

        Returns:
            A list of `(version, state, error_code, error_message)`, newest first.
        """
        with self._lock:
            states = dict(self._states.get(name, {}))
        if version is not None:
            if version not in states:
                raise not_found(f"Could not find version {version} of model {name}")
            states = {version: states[version]}
        elif not states:
            raise not_found(f"Could not find any versions of model {name}")
        rows = []
        for number in sorted(states, reverse=True):
            state = states[number]
            code, message = state.error or ("OK", "")
            rows.append((number, state.state, code, message))
        return rows

    def models(self):
        """Every model with its available versions, labels and classes (for the web page).

        `classes` is the column order of `scores` (`assets/labels.txt`) when every
        available version has the same one, else None.
        """
        result = {}
        with self._lock:
            for name, spec in sorted(self._specs.items()):
                available = {
                    v: s for v, s in self._states.get(name, {}).items() if s.state == "AVAILABLE"
                }
                classes = {
                    tuple(getattr(s.servable, "classes", None) or ()) for s in available.values()
                }
                result[name] = {
                    "versions": sorted(available),
                    "labels": dict(spec.labels),
                    "classes": list(classes.pop())
                    if len(classes) == 1 and () not in classes
                    else None,
                }
        return result
