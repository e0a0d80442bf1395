"""`TrainConfig`: every argument of a training run, saved as the run's `config.json`."""

import dataclasses
import json
import os
import pathlib

from genreclf.errors import ConfigError
from genreclf.errors import did_you_mean
from genreclf.training.config_values import AUTO
from genreclf.training.config_values import RANGES
from genreclf.training.config_values import SWITCHES
from genreclf.training.config_values import check_config_value

# Training defaults where the user leaves "auto" and the family declares none
# (each family declares its own: `register_family(..., training_defaults=...)`).
_FALLBACK = {
    "lr": 1e-3,
    "schedule": "cosine",
    "weight_decay": 1e-4,
    "epochs": 20,
    "patience": 3,
    "ema": 0.0,
}


@dataclasses.dataclass
class TrainConfig:
    """Everything needed to retrain a run: data, model and training arguments.

    `config.json` in a run folder is `TrainConfig.to_json()`; `genreclf train
    --config config.json` and `genreclf.train(**config)` retrain from it alone.
    `monitor` is the metric early stopping and the best checkpoint keep
    epochs by (None: validation macro-F1, at tuned per-class thresholds for
    multi-label data); a search by another objective writes its own.

    Example:

    >>> config = TrainConfig(data="movies.csv", model="ngram", epochs=3)
    >>> TrainConfig.from_dict(config.to_dict()) == config
    True
    """

    data: str = None
    text: str = None
    label: str = None
    format: str = "auto"
    multi_label: bool = None
    sep: str = None
    features: list = dataclasses.field(default_factory=list)
    categorical: list = dataclasses.field(default_factory=list)
    skip_bad_rows: bool = False
    augment: str = None
    val_data: str = None
    model: str = AUTO
    model_config: dict = dataclasses.field(default_factory=dict)
    model_choice: dict = None
    max_length: int = None
    epochs: object = AUTO
    batch_size: int = 32
    seed: int = 0
    lr: object = AUTO
    weight_decay: object = AUTO
    schedule: str = AUTO
    warmup_epochs: int = 1
    class_weight: bool = True
    oversample: bool = False
    abstain: bool = False
    val_split: float = 0.1
    folds: int = None
    refit: object = AUTO
    finetune: object = AUTO
    patience: object = AUTO
    monitor: str = None
    ema: object = AUTO
    label_smoothing: float = 0.0
    min_confidence: float = None
    calibration: str = AUTO
    strategy: str = None

    def resolved(self, name):
        """A training argument's value, "auto" resolved.

        The arguments a family may declare: `lr`, `weight_decay`, `schedule`,
        `epochs`, `patience` and `ema` (the weights' moving average).

        "auto" takes the family declaration's training defaults for this
        model configuration (`Family.training_defaults_for`), e.g. a
        pretrained encoder's mode defaults.

        Example:

        >>> TrainConfig(model="pretrained", model_config={"mode": "lora"}).resolved("lr")
        0.001
        """
        value = getattr(self, name)
        if value != AUTO:
            return value
        declared = {}
        if self.model != AUTO:
            from genreclf.models import get_family

            declared = get_family(self.model).training_defaults_for(self.model_config)
        return declared.get(name, _FALLBACK[name])

    def check(self):
        """Raises a `ConfigError` naming the first argument out of its range.

        Example:

        >>> TrainConfig(model="ngram", epochs=3).check().epochs
        3
        >>> try:
        ...     TrainConfig(epochs=0).check()
        ... except ConfigError as error:
        ...     print(str(error).split(". ")[0])
        epochs (`--epochs`) must be a whole number of at least 1, or 'auto'
        """
        names = ("data", "val_data", *RANGES, "monitor", "ema", *SWITCHES)
        for name in (*names, "features", "categorical"):
            setattr(self, name, check_config_value(name, getattr(self, name)))
        if self.folds and self.val_data:
            raise ConfigError(
                "--folds scores each fold on its own held-out rows, so a --val-data file "
                f"would go unused. Received: folds={self.folds}, val_data={self.val_data!r}. "
                "Drop --val-data (cross-validation holds out every row once), or drop "
                "--folds and score on the file (`genreclf evaluate RUN --data FILE` scores "
                "any run on it)."
            )
        if self.model == "ensemble":  # an ensemble run's config.json
            members = (self.model_config or {}).get("members") or ["MEMBER"]
            data = (self.model_config or {}).get("data")  # the weights' rows, if a file
            given = f" --data {data}" if data else ""
            raise ConfigError(
                "An ensemble run is rebuilt from its members, not trained. Received: "
                f"model='ensemble' (members {members}). Run `genreclf ensemble "
                f"{' '.join(map(str, members))}{given} --out DIR`, retrain a member with `genreclf "
                "train --config MEMBER/config.json`, or train the stack with a fine-tuned "
                "member again with `genreclf train DATA --finetune`."
            )
        check_config_value("model", self.model)
        return self

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            from genreclf.data.inputs import short_repr  # values may be whole datasets

            received = ", ".join(f"{k}={short_repr(values[k])}" for k in unknown)
            hint = _in_memory_hint(unknown) or _model_setting_hint(
                values.get("model"), {k: values[k] for k in unknown}
            )
            raise ConfigError(
                f"Unknown training configuration keys {unknown}. Expected some of "
                f"{sorted(known)}. Received: {received}. "
                + (
                    hint
                    or _capitalised(did_you_mean(unknown, known) + " ")
                    + "Fix those names (keyword arguments, or keys in the config file) or drop them."
                )
            )
        return cls(**values)

    def to_json_dict(self):
        """The configuration as `config.json` holds it: its files' paths made absolute.

        A run's `config.json` is read again from other folders (`train --config
        RUN/config.json`, `ensemble` re-reading the members' validation split),
        where a path relative to the folder training ran in would name nothing;
        a rerun compares its settings with this form (`finished_runs`).

        Example:

        >>> TrainConfig(data="/data/movies.csv").to_json_dict()["data"]
        '/data/movies.csv'
        """
        values = self.to_dict()
        for key in ("data", "val_data", "augment"):
            if isinstance(values.get(key), (str, os.PathLike)):
                values[key] = str(pathlib.Path(values[key]).expanduser().absolute())
        return values

    def to_json(self, path):
        """Writes `to_json_dict()` to `path`."""
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json_dict(), f, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, path):
        """The configuration the JSON file `path` holds (`read_config_file`)."""
        return cls.from_dict(read_config_file(path))


def read_config_file(path):
    """`{key: value}` of the config file `path`: a JSON object of `TrainConfig` keys.

    Args:
        path: a `config.json` (a run folder's, or one written by hand).

    Returns:
        The keys the file sets, with their values as written (checked by
        `TrainConfig.check`, or `check_config_file_values` to name the file).

    Raises:
        ConfigError: naming the file, for JSON that does not parse, a value
            other than an object, or keys `TrainConfig` does not take.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "config.json"
    >>> _ = path.write_text('{"epoch": 3}')
    >>> read_config_file(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: .../config.json: Unknown training configuration keys ['epoch']...
    """
    try:
        with open(path, encoding="utf-8") as f:
            values = json.load(f)
    except json.JSONDecodeError as e:
        raise ConfigError(
            f"{path}:{e.lineno}: the config file is not valid JSON ({e.msg})."
        ) from None
    if not isinstance(values, dict):
        raise ConfigError(
            f"{path}: expected a JSON object of training arguments. "
            f"Received: {type(values).__name__}."
        )
    try:
        TrainConfig.from_dict(values)
    except ConfigError as error:  # unknown keys
        raise ConfigError(f"{path}: {error}") from None
    return values


def _in_memory_hint(unknown):
    """How to train on texts and labels in memory, for `texts=`/`labels=`; else None.

    Example:

    >>> _in_memory_hint(["labels", "texts"])[:44]
    'Texts and labels in memory go in a TextDatas'
    """
    if not {"texts", "labels"} & set(unknown):
        return None
    return (
        "Texts and labels in memory go in a TextDataset, passed as the data: "
        "genreclf.train(genreclf.TextDataset(texts, labels), ...) (text= and label= name "
        "the columns of a file or DataFrame)."
    )


def _model_setting_hint(model, unknown):
    """How to pass `unknown` keys that are settings of `model`'s family, or None."""
    from genreclf.models.registry import family_defaults

    if not model or model == AUTO:
        return None
    try:
        settings = set(family_defaults(model))
    except ConfigError:  # an unknown family: its own error comes later
        return None
    found = {k: v for k, v in unknown.items() if k in settings}
    if not found:
        return None
    sets = " ".join(f"--set {k}={json.dumps(v)}" for k, v in found.items())
    return (
        f"{sorted(found)} are settings of the model {model!r}: pass them as "
        f"model_config={found!r} (`{sets}` on the command line)."
    )


def _capitalised(text):
    return text[:1].upper() + text[1:] if text.strip() else ""
