"""The served models: which to serve, their version folders, loading, polling, status.

What to serve comes from a TF Serving `models.config` (`read_models_config`),
or from the folders under the base path (`discover_models`), plus `--label`
flags. Like TF Serving's file-system source, the `ModelStore` lists each
model's base path every `poll_seconds`, keeps the versions its policy wants
(`latest`, `all`, `specific`), loads new ones and unloads removed ones without
a restart. A version is loaded only when complete: an integer folder name, a
`saved_model.pb`, and `variables/variables.index` when there is a `variables/`
(export renames a finished temporary folder into place). A version that fails
to load is `END` with the error, retried when its `saved_model.pb` changes.
"""

import dataclasses
import logging
import os
import re
import threading

from genreclf.errors import ConfigError
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.status import not_found
from genreclf.serving.server.status import public_message

logger = logging.getLogger("genreclf.serving.server")
_LABEL_FLAG = re.compile(r"(?:(?P<model>[^/:=]+):)?(?P<label>[^/:=]+)=(?P<version>\d{1,18})")


@dataclasses.dataclass
class ModelSpec:
    """One served model: its name, base path, version policy and version labels.

    Example:

    >>> ModelSpec("genre", "models/genre", policy="latest").wants([1, 2, 3])
    [3]
    """

    name: str
    base_path: str
    policy: str = "all"  # "all", "latest" (the newest num_versions) or "specific" (versions)
    num_versions: int = 1
    versions: tuple = ()
    labels: dict = dataclasses.field(default_factory=dict)

    def wants(self, available):
        """The versions to keep loaded, out of the `available` ones on disk."""
        available = sorted(available)
        if self.policy == "latest":
            return available[-self.num_versions :] if self.num_versions > 0 else []
        if self.policy == "specific":
            return [v for v in available if v in self.versions]
        return available


def parse_label_flags(flags):
    """`--label [model:]label=version` flags as `(model or None, label, version)`.

    Example:

    >>> parse_label_flags(["stable=1", "genre:canary=2"])
    [(None, 'stable', 1), ('genre', 'canary', 2)]
    """
    parsed = []
    for flag in flags or ():
        match = _LABEL_FLAG.fullmatch(flag)
        if not match:
            raise ConfigError(
                "Expected --label as LABEL=VERSION or MODEL:LABEL=VERSION, e.g. "
                f"'stable=1' or 'genre:canary=2'. Received: --label={flag!r}"
            )
        parsed.append((match["model"], match["label"], int(match["version"])))
    return parsed


def read_models_config(path, models_dir):
    """The `ModelSpec`s of a TF Serving `models.config` (text `ModelServerConfig`).

    A base path that does not exist here (a container path such as
    `/models/genre`) is looked up as `<models_dir>/<its last part>`.

    Example:

    >>> read_models_config("serving/models.config", "models/")  # doctest: +SKIP
    [ModelSpec(name='genre', base_path='models/genre', policy='specific', ...)]
    """
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    try:
        with open(path, encoding="utf-8") as handle:
            config = text_format.Parse(handle.read(), model_server_config_pb2.ModelServerConfig())
    except (OSError, text_format.ParseError) as err:
        raise ConfigError(
            f"Expected a TF Serving model config (text ModelServerConfig with "
            f"model_config_list). Received: {path}: {err}"
        ) from None
    specs = []
    for entry in config.model_config_list.config:
        base = entry.base_path
        if not os.path.isdir(base):
            base = os.path.join(models_dir, os.path.basename(base.rstrip("/")) or entry.name)
        policy = entry.model_version_policy
        kind = policy.WhichOneof("policy_choice") or "latest"
        specs.append(
            ModelSpec(
                entry.name,
                base,
                kind,
                (policy.latest.num_versions or 1) if kind == "latest" else 1,
                tuple(policy.specific.versions),
                dict(entry.version_labels),
            )
        )
    return specs


def discover_models(models_dir, policy="all"):
    """One `ModelSpec` per folder under `models_dir` (not `.`/`_` ones), or `models_dir`
    itself when it holds version folders.

    Example:

    >>> discover_models("models/")  # doctest: +SKIP
    [ModelSpec(name='genre', base_path='.../models/genre', policy='all', ...)]
    """
    models_dir = os.path.abspath(models_dir)
    try:
        children = sorted(os.listdir(models_dir))
    except OSError:
        return []
    if any(child.isdigit() for child in children):
        return [ModelSpec(os.path.basename(models_dir), models_dir, policy=policy)]
    return [
        ModelSpec(child, os.path.join(models_dir, child), policy=policy)
        for child in children
        if not child.startswith((".", "_")) and os.path.isdir(os.path.join(models_dir, child))
    ]


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
    for child in filter(str.isdigit, children):
        path = os.path.join(base_path, child)
        variables = os.path.join(path, "variables")
        if os.path.isfile(os.path.join(path, "saved_model.pb")) and (
            not os.path.isdir(variables) or os.path.isfile(f"{variables}/variables.index")
        ):
            versions[int(child)] = path
    return versions


def _stamp(path):
    try:
        stat = os.stat(os.path.join(path, "saved_model.pb"))
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@dataclasses.dataclass
class _Version:
    state: str  # LOADING, AVAILABLE or END
    servable: object = None
    error: tuple = None  # (code, message) of a failed load
    stamp: tuple = None  # saved_model.pb's (mtime, size) when loading started


class ModelStore:
    """Loads and serves every version the model specs want; polls for changes.

    Args:
        models_dir: the base path (`genreclf serve models/`).
        specs: `ModelSpec`s, or a callable returning them (re-read at each poll,
            as TF Serving re-reads its models.config; a `ValueError` keeps the
            previous ones); None: every folder under `models_dir`.
        labels: `(model or None, label, version)` from `--label` flags.
        policy: `"all"` or `"latest"` versions of discovered models.
        poll_seconds: how often to look for new versions (0: never).
        loader: `loader(name, version, path) -> Servable` (tests pass fakes).

    Example:

    >>> store = ModelStore("models/")  # doctest: +SKIP
    >>> store.scan()  # doctest: +SKIP
    >>> store.get("genre").version  # doctest: +SKIP
    2
    """

    def __init__(
        self, models_dir, specs=None, labels=(), policy="all", poll_seconds=2.0, loader=None
    ):
        if loader is None:
            from genreclf.serving.server.servable import Servable

            loader = Servable.load
        self.models_dir, self.policy, self.poll_seconds = models_dir, policy, poll_seconds
        self._fixed_specs, self._label_flags, self._loader = specs, list(labels), loader
        self._lock = threading.Lock()
        self._specs = {}
        self._versions = {}  # name -> {version: _Version}
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
        for spec in specs:
            for model, label, version in self._label_flags:
                if model in (None, spec.name):
                    spec.labels = {**spec.labels, label: version}
        return {spec.name: spec for spec in specs}

    def scan(self):
        """Looks at the disk once: loads new versions, unloads removed ones."""
        specs = self._current_specs()
        with self._lock:
            self._specs = specs
            for name, versions in self._versions.items():
                if name not in specs:  # the model is gone
                    self._unload(name, versions, keep=())
            for name in specs:
                self._versions.setdefault(name, {})
        for name, spec in specs.items():
            on_disk = complete_versions(spec.base_path)
            wanted = set(spec.wants(on_disk))
            versions = self._versions[name]
            for version in sorted(wanted):
                state, stamp = versions.get(version), _stamp(on_disk[version])
                if state is None or (state.state == "END" and state.stamp != stamp):
                    self._load(name, version, on_disk[version], stamp)  # (a retry if it failed)
            with self._lock:
                self._unload(name, versions, keep=wanted)

    @staticmethod
    def _unload(name, versions, keep):
        for version, state in versions.items():
            if version not in keep and state.state == "AVAILABLE":
                logger.info("Unloading %s version %d", name, version)
                versions[version] = _Version("END")

    def _load(self, name, version, path, stamp):
        with self._lock:
            self._versions[name][version] = _Version("LOADING", stamp=stamp)
        logger.info("Loading %s version %d from %s", name, version, path)
        try:
            state = _Version("AVAILABLE", self._loader(name, version, path), stamp=stamp)
        except Exception as err:  # noqa: BLE001 - any load failure is reported, not fatal
            logger.warning("Failed to load %s version %d from %s: %s", name, version, path, err)
            code = err.code if isinstance(err, ServingStatusError) else "UNKNOWN"
            message = public_message(f"Failed to load {name} version {version}: {err}")
            state = _Version("END", error=(code, message), stamp=stamp)
        with self._lock:
            self._versions[name][version] = state

    def start_polling(self):
        """Polls the base path every `poll_seconds` in a daemon thread."""
        if self.poll_seconds > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._poll, name="model-poll", daemon=True)
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
                labels = self._specs[name].labels if name in self._specs else {}
                if label not in labels:
                    raise invalid_argument(f"Unrecognized servable version label: {label}")
                version = labels[label]
            versions = self._versions.get(name, {})
            available = [v for v, s in versions.items() if s.state == "AVAILABLE"]
            if version is None and available:
                return versions[max(available)].servable
            if version in available:
                return versions[version].servable
        wanted = f"Latest({name})" if version is None else f"Specific({name}, {version})"
        raise not_found(f"Servable not found for request: {wanted}")

    def has_model(self, name):
        """True when `name` is a served model (whatever the state of its versions)."""
        with self._lock:
            return name in self._specs

    def status(self, name, version=None):
        """A `GetModelStatusResponse`: the state of each version (or one), newest first."""
        from tensorflow.core.protobuf import error_codes_pb2
        from tensorflow_serving.apis import get_model_status_pb2 as pb

        with self._lock:
            versions = dict(self._versions.get(name, {}))
        if version is not None:
            if version not in versions:
                raise not_found(f"Could not find version {version} of model {name}")
            versions = {version: versions[version]}
        elif not versions:
            raise not_found(f"Could not find any versions of model {name}")
        response = pb.GetModelStatusResponse()
        for number in sorted(versions, reverse=True):
            code, message = versions[number].error or ("OK", "")
            entry = response.model_version_status.add(version=number)
            entry.state = pb.ModelVersionStatus.State.Value(versions[number].state)
            entry.status.SetInParent()
            entry.status.error_code = error_codes_pb2.Code.Value(code)
            entry.status.error_message = message
        return response

    def models(self):
        """name → available `versions`, `labels` and `classes` (the column order of
        `scores` when every available version has the same one), for the web page."""
        result = {}
        with self._lock:
            for name, spec in sorted(self._specs.items()):
                available = {
                    v: s.servable for v, s in self._versions[name].items() if s.state == "AVAILABLE"
                }
                classes = {tuple(getattr(s, "classes", None) or ()) for s in available.values()}
                result[name] = {
                    "versions": sorted(available),
                    "labels": dict(spec.labels),
                    "classes": list(*classes) if len(classes) == 1 and () not in classes else None,
                }
        return result
