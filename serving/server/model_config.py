"""What the local server serves: model specs, version labels, and what is wrong with them.

A `ModelSpec` per model comes from a TF Serving `models.config` (`read_models_config`)
or from the folders under the base path (`discover_models`); `--label` flags
(`parse_label_flags`) add version labels. `label_problems` finds the labels that name
a model or version that is not served (TF Serving refuses to assign a label to a
version that is not available), and `no_versions_message` is TF Serving's warning
for a model without versions, with how to fix it.
"""

import dataclasses
import hashlib
import logging
import os
import re

from genreclf.errors import ConfigError

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
    configured_path: str = None  # the config's base_path, where it was looked up elsewhere

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

    data = None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        config = text_format.Parse(
            data.decode("utf-8"), model_server_config_pb2.ModelServerConfig()
        )
    except (OSError, UnicodeDecodeError, text_format.ParseError) as err:
        error = ConfigError(
            f"Expected a TF Serving model config (text ModelServerConfig with "
            f"model_config_list). Received: {path}: {err}"
        )
        error.content_digest = data and hashlib.sha256(data).hexdigest()  # warn once per edit
        raise error from None
    names = [entry.name for entry in config.model_config_list.config]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:  # the last one was served, silently; TF Serving's ServerCore refuses it
        error = ConfigError(
            f"Illegal to list model {twice[0]} multiple times in config list. Expected each "
            f"model name once. Received: {path}: {', '.join(map(repr, twice))} listed more "
            "than once. Give each config its own name, or remove the extra ones."
        )
        error.content_digest = hashlib.sha256(data).hexdigest()
        raise error
    specs = []
    for entry in config.model_config_list.config:
        base, policy = entry.base_path, entry.model_version_policy
        if not os.path.isdir(base):
            base = os.path.join(models_dir, os.path.basename(base.rstrip("/")) or entry.name)
        kind = policy.WhichOneof("policy_choice") or "latest"
        count = (policy.latest.num_versions or 1) if kind == "latest" else 1
        versions, labels = tuple(policy.specific.versions), dict(entry.version_labels)
        configured = entry.base_path if base != entry.base_path else None
        specs.append(ModelSpec(entry.name, base, kind, count, versions, labels, configured))
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
        specs = [ModelSpec(os.path.basename(models_dir), models_dir, policy=policy)]
    else:
        specs = [
            ModelSpec(child, os.path.join(models_dir, child), policy=policy)
            for child in children
            if not child.startswith((".", "_")) and os.path.isdir(os.path.join(models_dir, child))
        ]
    return [spec for spec in specs if _utf8_name(spec)]


_SKIPPED = set()  # folders told about, once each


def _utf8_name(spec):
    """Whether a folder's name can be a model's (UTF-8, as every request's name is); one
    that is not was served under a name no request could give, and made the web page's
    models.json a 500 (a surrogate JSON cannot encode). Warns once per folder."""
    try:
        spec.name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        if spec.base_path not in _SKIPPED:
            _SKIPPED.add(spec.base_path)
            logging.getLogger("genreclf.serving.server").warning(
                "Not serving %r: a model's name is its folder's, and this one is not UTF-8 "
                "(no request can name it). Rename the folder, e.g. to %r.",
                os.fsencode(spec.base_path),
                spec.name.encode("utf-8", "replace").decode("utf-8").replace("?", "_"),
            )
        return False


def _flag(model, label, version):
    return f"--label {model + ':' if model else ''}{label}={version}"


def _serving(name, served, on_disk):
    text = f"versions {', '.join(map(str, sorted(served)))}" if served else "no version"
    skipped = sorted(set(on_disk) - set(served))
    if skipped:
        text += f" (on disk but not wanted by its version policy: {', '.join(map(str, skipped))})"
    return f"{name} serves {text}"


def label_problems(specs, disk, flags):
    """What is wrong with the version labels of `specs`, given the versions on disk.

    Args:
        specs: name → `ModelSpec`, its labels merged with the `--label` flags.
        disk: name → {version: path} of the complete versions on disk (each spec's
            policy picks the served ones among them).
        flags: the `--label` flags, as `parse_label_flags` returns them.

    Returns:
        `(errors, dangling)`. `errors`: the messages of what startup refuses: a flag
        naming a model that is not served, an unqualified flag (`stable=1`, for every
        model) naming a version that no model serves, a model-qualified flag or a config
        label naming a version its model does not serve. `dangling`: (model, label,
        version) → a warning, for every label naming a version its model does not serve
        (for an unqualified flag on a model without that version, only this).

    Example:

    >>> spec = ModelSpec("genre", "m/genre", labels={"canary": 2})
    >>> errors, dangling = label_problems({"genre": spec}, {"genre": {1: "m/genre/1"}}, [])
    >>> list(dangling), errors == list(dangling.values())
    ([('genre', 'canary', 2)], True)
    """
    served = {name: set(spec.wants(disk[name])) for name, spec in specs.items()}
    errors, dangling = [], {}
    for model, label, version in flags:
        if model is not None and model not in specs:
            errors.append(
                f"Expected {_flag(model, label, version)} to name a served model. Received: "
                f"model={model!r}; the served models are {', '.join(sorted(specs)) or 'none'}. "
                "Fix the model name, or leave it out to label every model."
            )
        elif model is None and not any(version in versions for versions in served.values()):
            errors.append(
                f"Expected {_flag(model, label, version)} to name a version that a served "
                f"model serves. Received: version={version}; "
                + "; ".join(_serving(n, served[n], disk[n]) for n in sorted(specs))
                + f". Export version {version} first, or label a version that is served."
            )
    for name, spec in specs.items():
        for label, version in spec.labels.items():
            if version in served[name]:
                continue
            flag = ([f for f in flags if f[1] == label and f[0] in (None, name)] or [None])[-1]
            message = (
                f"Expected version label {label!r} of model {name} "
                f"({_flag(*flag) if flag else 'version_labels of the model config'}) to name a "
                f"version that {name} serves. Received: {label}={version}; "
                f"{_serving(name, served[name], disk[name])}. "
            )
            if flag is not None and flag[0] is None:  # `stable=1`: meant for every model
                dangling[(name, label, version)] = message + (
                    f"Requests to {name} by label {label!r} get 404 until it serves version "
                    f"{version}; qualify the flag (--label MODEL:{label}={version}) to label "
                    "only the models that have it."
                )
                continue
            fix = "the flag" if flag else "version_labels in the model config"
            dangling[(name, label, version)] = message + (
                f"Export version {version} of {name}, or change {fix}; until then requests "
                f"by label {label!r} get 404."
            )
            errors.append(dangling[(name, label, version)])
    return errors, dangling


def no_versions_message(spec):
    """TF Serving's warning for a model without versions, and how to fix it."""
    where = spec.base_path + (
        f" (base_path {spec.configured_path})" if spec.configured_path else ""
    )
    parent = os.path.dirname(os.path.normpath(spec.base_path)) or "."
    export = f"`genreclf export RUN --name {spec.name} --base {parent}`"
    if not os.path.isdir(spec.base_path):
        return (
            f"No versions of servable {spec.name} found under base path {where}, which does "
            f"not exist. Fix the model's base_path in the model config, or export a version "
            f"there with {export}."
        )
    return (
        f"No versions of servable {spec.name} found under base path {where}. Expected "
        f"integer version folders holding a saved_model.pb (e.g. "
        f"{os.path.join(spec.base_path, '1', 'saved_model.pb')}); export one with {export}."
    )
