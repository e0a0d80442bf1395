"""The served models: which to serve, their version folders, loading, polling, status.

What to serve: a TF Serving `models.config` or the folders under the base path,
plus `--label` flags. Like TF Serving's file-system source, the `ModelStore`
re-lists each model's base path every `poll_seconds`, loads the new versions its
policy wants and unloads removed ones, without a restart; only complete versions
(`complete_versions`). A failed load is retried as soon as any file of its version
folder changes (`version_stamp`), and, like TF Serving's `--max_num_load_retries`
and `--load_retry_interval_micros`, up to `load_retries` times every
`load_retry_seconds` even if none does. As TF Serving's AvailabilityPreservingPolicy,
a version the policy no longer wants is unloaded only once a wanted one is available:
under "latest", a new version that fails to load leaves the previous one serving.
Labels naming versions that are not served are refused at startup, warned about once
later (`label_problems`).
"""

import dataclasses
import glob
import logging
import os
import threading
import time

from tensorflow_serving.apis import get_model_status_pb2

from genreclf.errors import ConfigError
from genreclf.export.versions import exports_in_progress
from genreclf.export.versions import parse_version
from genreclf.serving.server.model_config import ModelSpec
from genreclf.serving.server.model_config import discover_models
from genreclf.serving.server.model_config import label_problems
from genreclf.serving.server.model_config import no_versions_message
from genreclf.serving.server.model_config import parse_label_flags
from genreclf.serving.server.model_config import read_models_config
from genreclf.serving.server.servable import Servable
from genreclf.serving.server.status import ServingStatusError
from genreclf.serving.server.status import invalid_argument
from genreclf.serving.server.status import not_found
from genreclf.serving.server.status import public_message

__all__ = [  # what to serve is model_config's; imported from here too
    "ModelSpec",
    "ModelStore",
    "complete_versions",
    "discover_models",
    "label_problems",
    "parse_label_flags",
    "read_models_config",
    "version_stamp",
]
logger = logging.getLogger("genreclf.serving.server")


def complete_versions(base_path):
    """version → path of the complete versions under a model's base path: integer folders
    with a `saved_model.pb`, and `variables/variables.index` when they have `variables/`.

    A folder is a version when its name is ASCII digits that fit TF Serving's int64
    (`parse_version`): `3²` and `1٣` pass `str.isdigit` but are no number TF Serving
    reads (`int("3²")` raised in every poll), and `99999999999999999999` fits no
    version field of its protocol (its status and metadata were 500s)."""
    versions = {}
    for pb in sorted(glob.glob(os.path.join(glob.escape(base_path), "[0-9]*", "saved_model.pb"))):
        path = os.path.dirname(pb)
        version = parse_version(os.path.basename(path))
        variables = os.path.join(path, "variables")
        if version is not None and (
            os.path.isfile(f"{variables}/variables.index") or not os.path.isdir(variables)
        ):
            versions.setdefault(version, path)
    return versions


def version_stamp(path):
    """What a version folder holds: (relative path, size, mtime) of every file and folder
    in it, from an `os.scandir` walk (symlinks not followed), so files that arrive or
    change later, such as a `variables.data-*` copied after `saved_model.pb`, change it.

    Example:

    >>> version_stamp("models/genre/1")  # doctest: +SKIP
    (('saved_model.pb', 51234, 1733...), ('variables', 4096, ...), ...)
    """
    entries, folders = [], [path]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    try:
                        stat = entry.stat(follow_symlinks=False)
                    except OSError:  # removed meanwhile
                        continue
                    entries.append(
                        (os.path.relpath(entry.path, path), stat.st_size, stat.st_mtime_ns)
                    )
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
        except OSError:  # removed meanwhile
            entries.append((os.path.relpath(folder, path), -1, -1))
    return tuple(sorted(entries))


def _is_missing_file(err):
    """Whether a load failed for want of a file (TF Serving reports NOT_FOUND then)."""
    return isinstance(err, FileNotFoundError) or "No such file or directory" in str(err)


@dataclasses.dataclass
class _Version:
    state: str  # LOADING, AVAILABLE or END
    servable: object = None
    error: tuple = None  # (code, message) of a failed load
    stamp: tuple = None  # `version_stamp` of its folder when loading started
    retries: int = 0  # loads tried again with the same files
    ended: float = 0.0  # time.monotonic() when the load failed


class ModelStore:
    """Loads and serves every version the model specs want; polls for changes.

    Args:
        models_dir: the base path.
        specs: `ModelSpec`s, or a callable returning them (re-read at each poll, as TF
            Serving re-reads its models.config; a `ValueError`, or a new label naming a
            version that is not served, keeps the previous ones, with one warning per
            edit), or None: `discover_models(models_dir, policy)` at each poll.
        labels: the `--label` flags, from `parse_label_flags`.
        policy: the version policy of discovered models ("all" or "latest").
        poll_seconds: seconds between scans of `start_polling` (0: none).
        loader: `loader(name, version, path)` returns a `Servable` (tests pass fakes).
        load_retries, load_retry_seconds: a failed load is tried again when its folder's
            files change, and else up to `load_retries` times, `load_retry_seconds` apart
            (TF Serving's defaults: 5 times, 60 s).

    Example:

    >>> store = ModelStore("models/")  # doctest: +SKIP
    >>> store.scan(strict=True)  # doctest: +SKIP
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
        load_retries=5,
        load_retry_seconds=60.0,
    ):
        self.models_dir, self.policy, self.poll_seconds = models_dir, policy, poll_seconds
        self.load_retries, self.load_retry_seconds = load_retries, load_retry_seconds
        self._config, self._label_flags, self._loader = specs, list(labels), loader
        self._lock, self._stop, self._thread = threading.Lock(), threading.Event(), None
        self._specs, self._versions = {}, {}  # name -> ModelSpec, name -> {version: _Version}
        # What was warned about, so that each is logged once per change, not at every poll.
        self._config_warning, self._dangling, self._empty = None, set(), set()
        self._kept = {}  # name -> a version kept serving though not wanted (`_unload`)

    def _warn_config(self, key, message):
        if key != self._config_warning:
            logger.warning("Keeping the previous model config: %s", message)
        self._config_warning = key

    def _current_specs(self):
        """name → `ModelSpec` (labels merged with the flags), and whether they were read
        now (False: the config is broken and the previous specs are kept)."""
        specs, fresh = self._config, True
        if callable(specs):
            try:
                specs = specs()
            except ValueError as err:  # a broken edit: keep serving what we have
                self._warn_config((str(err), getattr(err, "content_digest", None)), err)
                specs, fresh = list(self._specs.values()), False
        elif specs is None:
            specs = discover_models(self.models_dir, self.policy)
        for spec in specs:
            for model, label, version in self._label_flags:
                if model in (None, spec.name):
                    spec.labels = {**spec.labels, label: version}
        return {spec.name: spec for spec in specs}, fresh

    def _survey(self, specs):
        disk = {name: complete_versions(spec.base_path) for name, spec in specs.items()}
        return (disk, *label_problems(specs, disk, self._label_flags))

    def scan(self, strict=False):
        """Looks at the disk once: loads new versions, unloads removed ones.

        Args:
            strict: refuse labels naming what is not served (`label_problems`), as at
                startup, instead of warning (and of keeping the previous config).

        Raises:
            ConfigError: `strict`, and a label names a model or version not served.
        """
        specs, fresh = self._current_specs()
        disk, errors, dangling = self._survey(specs)
        if strict:
            self._warn_no_versions(specs, disk)  # it may be why a label names no version
            if errors:
                raise ConfigError("\n".join(errors))
        before = {(n, lb, v) for n, spec in self._specs.items() for lb, v in spec.labels.items()}
        refused = [  # labels of the config, new in this read, naming versions not served
            (model, label, version)
            for model, label, version in sorted(dangling)
            if (model, label, version) not in before
            and not any(f[1] == label and f[0] in (None, model) for f in self._label_flags)
        ]
        if callable(self._config) and fresh and refused and self._specs:  # a new bad label
            self._warn_config(tuple(refused), " ".join(dangling[key] for key in refused))
            specs = dict(self._specs)
            disk, _, dangling = self._survey(specs)
        elif fresh:
            self._config_warning = None
        self._warn_no_versions(specs, disk)
        for key in sorted(set(dangling) - self._dangling):
            logger.warning(dangling[key])
        self._dangling = set(dangling)
        with self._lock:
            self._specs = specs
            for name in set(self._versions) - set(specs):  # the model is gone
                self._unload(name, keep=())
            for name in specs:
                self._versions.setdefault(name, {})
        for name, spec in specs.items():
            wanted = set(spec.wants(disk[name]))
            for version in sorted(wanted):
                self._maybe_load(name, version, disk[name][version])
            with self._lock:
                self._unload(name, keep=wanted)

    def _warn_no_versions(self, specs, disk):
        empty = {(name, spec.base_path) for name, spec in specs.items() if not disk[name]}
        # A version being exported (its `.tmp-` staging folder) is served when it lands:
        # "export one" would be wrong advice mid-export. Said if it lands no version.
        empty = {(name, base) for name, base in empty if not exports_in_progress(base)}
        for name, _ in sorted(empty - self._empty):
            logger.warning(no_versions_message(specs[name]))
        self._empty = empty

    def _maybe_load(self, name, version, path):
        """Loads a version that is new, was unloaded, or failed and is due a retry."""
        state = self._versions[name].get(version)
        if state is not None and state.state != "END":
            return  # LOADING or AVAILABLE
        stamp = version_stamp(path)
        if state is None or state.error is None:
            self._load(name, version, path, stamp)
        elif state.stamp != stamp:
            self._load(name, version, path, stamp, why="its files changed")
        elif (
            state.retries < self.load_retries
            and time.monotonic() - state.ended >= self.load_retry_seconds
        ):
            why = f"retry {state.retries + 1} of {self.load_retries}"
            self._load(name, version, path, stamp, why=why, retries=state.retries + 1)

    def _unload(self, name, keep):
        """Unloads the available versions not in `keep`, as TF Serving's
        AvailabilityPreservingPolicy does: while `keep` names versions but none of them is
        available (a new version failed to load, or is still loading), the newest of the
        others keeps serving, until one of `keep` is available."""
        versions = self._versions[name]
        available = sorted(v for v, s in versions.items() if s.state == "AVAILABLE")
        unwanted = [v for v in available if v not in keep]
        kept = None
        if keep and unwanted and len(unwanted) == len(available):
            kept = unwanted.pop()  # the newest: requests keep an answer
            if self._kept.get(name) != kept:
                logger.warning(
                    "Keeping %s version %d serving until one of the versions its policy wants "
                    "(%s) is available (GET /v1/models/%s shows why they are not)",
                    name,
                    kept,
                    ", ".join(map(str, sorted(keep))),
                    name,
                )
        self._kept[name] = kept
        for version in unwanted:
            logger.info("Unloading %s version %d", name, version)
            versions[version] = _Version("END")

    def _load(self, name, version, path, stamp, why="", retries=0):
        with self._lock:
            self._versions[name][version] = _Version("LOADING", stamp=stamp, retries=retries)
        logger.info("Loading %s version %d from %s%s", name, version, path, why and f" ({why})")
        try:
            state = _Version("AVAILABLE", self._loader(name, version, path), stamp=stamp)
        except Exception as err:  # noqa: BLE001 - any load failure is reported, not fatal
            logger.warning("Failed to load %s version %d from %s: %s", name, version, path, err)
            code = err.code if isinstance(err, ServingStatusError) else "UNKNOWN"
            code = "NOT_FOUND" if code == "UNKNOWN" and _is_missing_file(err) else code
            message = public_message(f"Failed to load {name} version {version}: {err}")
            state = _Version("END", None, (code, message), stamp, retries, time.monotonic())
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
        why = (
            f" (version label {label!r} names version {version}, which is not available; "
            f"GET /v1/models/{name} lists the versions served)"
            if label is not None
            else ""
        )
        raise not_found(f"Servable not found for request: {wanted}{why}")

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
