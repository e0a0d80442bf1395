"""Which models to serve: a TF Serving `models.config`, `--label` flags, or the base path.

`ModelSpec` entries say, per model, where its versions live, which versions to
keep loaded (TF Serving's `model_version_policy`: `latest`, `all`,
`specific`) and the version labels (`stable` → 1, `canary` → 2).
"""

import dataclasses
import os
import re

from genreclf.errors import ConfigError

_LABEL_FLAG = re.compile(r"^(?:(?P<model>[^/:=]+):)?(?P<label>[^/:=]+)=(?P<version>\d+)$")


@dataclasses.dataclass
class ModelSpec:
    """One served model.

    Args:
        name: the model name used in request paths.
        base_path: the folder holding its integer version folders.
        policy: `"all"`, `"latest"` or `"specific"`.
        num_versions: how many of the newest versions `"latest"` keeps.
        versions: the versions `"specific"` keeps.
        labels: version label → version number.

    Example:

    >>> ModelSpec("genre", "models/genre", policy="latest").wants([1, 2, 3])
    [3]
    """

    name: str
    base_path: str
    policy: str = "all"
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
    """Parses `--label [model:]label=version` flags.

    Returns:
        A list of `(model or None, label, version)`; `None` means every model.

    Example:

    >>> parse_label_flags(["stable=1", "genre:canary=2"])
    [(None, 'stable', 1), ('genre', 'canary', 2)]
    """
    parsed = []
    for flag in flags or ():
        match = _LABEL_FLAG.match(flag)
        if not match:
            raise ConfigError(
                "Expected --label as LABEL=VERSION or MODEL:LABEL=VERSION, e.g. "
                f"'stable=1' or 'genre:canary=2'. Received: --label={flag!r}"
            )
        parsed.append((match["model"], match["label"], int(match["version"])))
    return parsed


def read_models_config(path, models_dir):
    """Reads a TF Serving `models.config` (text `ModelServerConfig`).

    Base paths in the file are container paths (`/models/genre`); when one does
    not exist on this machine, the model is looked up as
    `<models_dir>/<last part of base_path>`.

    Args:
        path: the config file.
        models_dir: the local base path passed to `genreclf serve`.

    Returns:
        A list of `ModelSpec`.

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
        policy_kind = entry.model_version_policy.WhichOneof("policy_choice") or "latest"
        policy = entry.model_version_policy
        specs.append(
            ModelSpec(
                name=entry.name,
                base_path=base,
                policy=policy_kind,
                num_versions=(policy.latest.num_versions or 1) if policy_kind == "latest" else 1,
                versions=tuple(policy.specific.versions),
                labels=dict(entry.version_labels),
            )
        )
    return specs


def discover_models(models_dir, policy="all"):
    """One `ModelSpec` per model folder under `models_dir` (name = folder name).

    If `models_dir` itself holds integer version folders, it is one model named
    after it. Folders starting with `.` or `_` are skipped (temporary folders).

    Example:

    >>> discover_models("models/")  # doctest: +SKIP
    [ModelSpec(name='genre', base_path='models/genre', policy='all', ...)]
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
