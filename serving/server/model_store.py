"""The served models: which to serve, their version folders, loading, polling, status.

What to serve: a TF Serving `models.config` or the folders under the base path,
plus `--label` flags. Like TF Serving's file-system source, the `ModelStore`
re-lists each model's base path every `poll_seconds`, loads the new versions its
policy wants and unloads removed ones, without a restart; only complete versions
(`complete_versions`), and a failed one again only once its `saved_model.pb` changes.
"""

import dataclasses
import glob
import logging
import os
import re
import threading

from tensorflow_serving.apis import get_model_status_pb2

from genreclf.errors import ConfigError
from genreclf.serving.server.servable import Servable
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
    labels: dict = dataclasses.field(default_factory=dict)  # label -> version

    def wants(self, available):
        """The versions to keep loaded, out of the `available` ones on disk."""
        available = sorted(available)
        if self.policy == "latest":
            return available[-self.num_versions :] if self.num_versions > 0 else []
        return [v for v in available if self.policy != "specific" or v in self.versions]


def parse_label_flags(flags):
    """`--label [model:]label=version` flags as `(model or None, label, version)`.

    Example:

    >>> parse_label_flags(["stable=1", "genre:canary=2"])
    [(None, 'stable', 1), ('genre', 'canary', 2)]
    """
    matches = [(flag, _LABEL_FLAG.fullmatch(flag)) for flag in flags or ()]
    for flag, match in matches:
        if match is None:
            raise ConfigError(
                "Expected --label as LABEL=VERSION or MODEL:LABEL=VERSION, e.g. "
                f"'stable=1' or 'genre:canary=2'. Received: --label={flag!r}"
            )
    return [(m["model"], m["label"], int(m["version"])) for _, m in matches]


def read_models_config(path, models_dir):
    """The `ModelSpec`s of a TF Serving `models.config`; a base path missing here (a
    container's `/models/genre`) is looked up as `<models_dir>/<its last part>`.

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
        base, policy = entry.base_path, entry.model_version_policy
        if not os.path.isdir(base):
            base = os.path.join(models_dir, os.path.basename(base.rstrip("/")) or entry.name)
        kind = policy.WhichOneof("policy_choice") or "latest"
        count = (policy.latest.num_versions or 1) if kind == "latest" else 1
        versions, labels = tuple(policy.specific.versions), dict(entry.version_labels)
        specs.append(ModelSpec(entry.name, base, kind, count, versions, labels))
    return specs


def discover_models(models_dir, policy="all"):
    """A `ModelSpec` per folder under `models_dir` (except `.*` and `_*`), or one for
    `models_dir` itself when it holds version folders."""
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
    """version → path of the complete versions under a model's base path: integer folders
    with a `saved_model.pb`, and `variables/variables.index` when they have `variables/`."""
    versions = {}
    for pb in glob.glob(os.path.join(glob.escape(base_path), "[0-9]*", "saved_model.pb")):
        path = os.path.dirname(pb)
        variables = os.path.join(path, "variables")
        if os.path.basename(path).isdigit() and (
            os.path.isfile(f"{variables}/variables.index") or not os.path.isdir(variables)
        ):
            versions[int(os.path.basename(path))] = path
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

    `specs`: `ModelSpec`s, or a callable returning them (re-read at each poll, as TF
    Serving re-reads its models.config; a `ValueError` keeps the previous ones), or
    None: `discover_models(models_dir, policy)`. `labels`: from `parse_label_flags`.
    `loader(name, version, path)` returns a `Servable` (tests pass fakes).

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
        self.models_dir, self.policy, self.poll_seconds = models_dir, policy, poll_seconds
        self._config, self._label_flags, self._loader = specs, list(labels), loader
        self._lock, self._stop, self._thread = threading.Lock(), threading.Event(), None
        self._specs, self._versions = {}, {}  # name -> ModelSpec, name -> {version: _Version}

    def _current_specs(self):
        specs = self._config
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
            for name in set(self._versions) - set(specs):  # the model is gone
                self._unload(name, keep=())
            for name in specs:
                self._versions.setdefault(name, {})
        for name, spec in specs.items():
            on_disk = complete_versions(spec.base_path)
            wanted = set(spec.wants(on_disk))
            for version in sorted(wanted):
                state, stamp = self._versions[name].get(version), _stamp(on_disk[version])
                if state is None or (state.state == "END" and state.stamp != stamp):
                    self._load(name, version, on_disk[version], stamp)  # (a retry if it failed)
            with self._lock:
                self._unload(name, keep=wanted)

    def _unload(self, name, keep):
        versions = self._versions[name]
        for version in [v for v, s in versions.items() if v not in keep and s.state == "AVAILABLE"]:
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
        """The servable for a request, resolved as TF Serving's ServerCore does: NOT_FOUND
        (`Servable not found for request: Latest(name)` / `Specific(name, N)`), or
        INVALID_ARGUMENT for an unknown label."""
        with self._lock:
            if label is not None:
                labels = self._specs[name].labels if name in self._specs else {}
                if label not in labels:
                    raise invalid_argument(f"Unrecognized servable version label: {label}")
                version = labels[label]
            versions = self._versions.get(name, {})
            available = [v for v, s in versions.items() if s.state == "AVAILABLE"]
            if available and (version is None or version in available):
                return versions[max(available) if version is None else version].servable
        wanted = f"Latest({name})" if version is None else f"Specific({name}, {version})"
        raise not_found(f"Servable not found for request: {wanted}")

    def has_model(self, name):
        """True when `name` is a served model (whatever the state of its versions)."""
        with self._lock:
            return name in self._specs

    def status(self, name, version=None):
        """A `GetModelStatusResponse`: the state of each version (or one), newest first."""
        with self._lock:
            versions = dict(self._versions.get(name, {}))
        if version is not None and version not in versions:
            raise not_found(f"Could not find version {version} of model {name}")
        if not versions:
            raise not_found(f"Could not find any versions of model {name}")
        response = get_model_status_pb2.GetModelStatusResponse()
        for number in sorted(versions, reverse=True) if version is None else [version]:
            code, message = versions[number].error or ("OK", "")
            status = {"error_code": code, "error_message": message}
            response.model_version_status.add(
                version=number, state=versions[number].state, status=status
            )
        return response

    def base_path(self, name):
        """The folder model `name` is served from (its numbered versions' parent), or None
        when no model of that name is served (any more)."""
        with self._lock:
            spec = self._specs.get(name)
        return None if spec is None else spec.base_path

    def models(self):
        """name → available `versions`, `labels` and `classes` (the column order of
        `scores` when every available version has the same), for the web page."""
        result = {}
        with self._lock:
            for name, spec in sorted(self._specs.items()):
                states = self._versions[name]
                available = [v for v, s in sorted(states.items()) if s.state == "AVAILABLE"]
                classes = {
                    tuple(getattr(states[v].servable, "classes", None) or ()) for v in available
                }
                result[name] = {
                    "versions": available,
                    "labels": dict(spec.labels),
                    "classes": list(*classes) if len(classes) == 1 and () not in classes else None,
                }
        return result
