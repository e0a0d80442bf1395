"""`TrainConfig`: every argument of a training run, saved as the run's `config.json`."""

import dataclasses
import json
import os
import pathlib

from genreclf.data.read_options import check_switch
from genreclf.data.splits import VAL_FRACTION
from genreclf.errors import ConfigError
from genreclf.errors import did_you_mean
from genreclf.setting import number
from genreclf.setting import numpy_scalar
from genreclf.setting import rate
from genreclf.setting import whole

AUTO = "auto"

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


def check_training_value(name, value):
    """`value` of training argument `name` if `TrainConfig` takes it, else a `ConfigError`.

    Numbers are checked against their range, yes/no settings (`class_weight`,
    `refit`, ...) as switches; arguments without a check (`schedule`, ...)
    pass as they are.

    Example:

    >>> check_training_value("epochs", 3)
    3
    >>> check_training_value("epochs", 0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: epochs (`--epochs`) must be a whole number of at least 1, ...
    >>> check_training_value("class_weight", 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: class_weight (`--class-weight` / `--no-class-weight`) weights ...
    """
    if name in _SWITCHES:
        return check_switch(
            name, value, switches=_SWITCHES, negatable=name in _NEGATABLE, config_key=True
        )
    if name not in _RANGES:
        return value
    setting, where, example = _RANGES[name]
    fix = f"Pass e.g. {example}" + (
        f", or {AUTO!r} for the model family's default." if AUTO in setting.also else "."
    )
    return setting.check(name, value, where=where, fix=fix)


def check_config_value(name, value):
    """`value` of the `TrainConfig` key `name`, checked on its own; else a `ConfigError`.

    The checks `TrainConfig.check` makes of one key at a time: a file path for
    `data` and `val_data`, the ranges of the numbers, `ema`, the switches,
    column names for `features` and `categorical`, a known model family.
    The checks of keys together (`folds` with `val_data`, an ensemble's
    config) are `TrainConfig.check`'s alone.

    Args:
        name: a `TrainConfig` key.
        value: its value.

    Returns:
        `value` as the configuration keeps it: a NumPy scalar as a plain
        number or bool, one column name as a list of one.

    Raises:
        ConfigError: naming the key, what it takes, the value received and
            the fix.

    Example:

    >>> check_config_value("features", "year")
    ['year']
    >>> check_config_value("epochs", "many")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: epochs (`--epochs`) must be a whole number ... Received: epochs='many'...
    """
    if name in ("data", "val_data"):  # rows in memory go to train(data=...)
        if value is not None and not isinstance(value, (str, os.PathLike)):
            from genreclf.data.inputs import describe  # never the rows themselves

            raise ConfigError(
                f"{name} takes a file path here. Received: {describe(value)}. Pass "
                "a DataFrame or TextDataset as train()'s first argument; for held-out "
                "rows, write them to a file (`frame.to_csv('val.csv', index=False)`) and "
                "pass its path, or leave val_data out to hold out val_split of the rows."
            )
    elif name in _RANGES:
        value = check_training_value(name, value)
        if numpy_scalar(value):
            value = value.item()  # config.json takes plain numbers
    elif name == "ema":
        if value not in (None, AUTO):
            from genreclf.training.optimizers import check_ema

            check_ema(value)  # a momentum in [0, 1), or a horizon in steps
    elif name in _SWITCHES:  # a NumPy bool is kept as a plain one, as config.json takes
        value = check_switch(
            name, value, switches=_SWITCHES, negatable=name in _NEGATABLE, config_key=True
        )
    elif name in ("features", "categorical"):
        if isinstance(value, str):
            value = [value]  # one column, not its letters
        elif value is not None and not (
            isinstance(value, (list, tuple))
            and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value)
        ):
            raise ConfigError(
                f"{name} takes column names: a list of strings. Received: "
                f"{name}={value!r}. Pass {name}=['year'] (`--{name} year`)."
            )
    elif name == "model" and value not in (AUTO, "ensemble"):  # an ensemble: `check`'s
        from genreclf.models import check_family_name  # loads Keras: not for the default

        check_family_name(value, other=(AUTO, f'"{AUTO}" (the default recipe)'))
    return value


def check_config_file_values(path, values):
    """Checks the values read from the config file `path`, naming the file and key.

    A value that came from a file is fixed in the file (or overridden by an
    option), not where the option's message alone would point: the error is
    `check_config_value`'s, prefixed with `path: field 'key': ` and ending with
    where to correct it.

    Args:
        path: the config file, as the user named it.
        values: `{key: value}` read from it that the run will use (those an
            option overrides left out).

    Raises:
        ConfigError: for the first value `check_config_value` refuses.

    Example:

    >>> try:
    ...     check_config_file_values("c.json", {"epochs": "many"})
    ... except ConfigError as error:
    ...     print(str(error)[:37], "...", str(error)[-63:])
    c.json: field 'epochs': epochs (`--ep ... Correct the value in c.json, or pass the option to override it.
    """
    for name, value in values.items():
        try:
            check_config_value(name, value)
        except ConfigError as error:
            raise ConfigError(
                f"{path}: field {name!r}: {error} Correct the value in {path}, or pass the "
                "option to override it."
            ) from None


# What `TrainConfig.check` accepts, in the order it checks: argument: (what it
# takes, how it is set or what it is, an example). None turns an argument off;
# "auto" takes the model family's default.
_RANGES = {
    "epochs": (whole(1, also=(AUTO,)), "`--epochs`", "--epochs 20"),
    "batch_size": (whole(1), "`--batch-size`", "--batch-size 32"),
    "patience": (whole(0, also=(AUTO,)), "`--patience`", "--patience 3"),
    "warmup_epochs": (whole(0), "`--warmup-epochs`", "--warmup-epochs 1"),
    "folds": (whole(2, also=(None,)), "`--folds`", "--folds 5"),
    "max_length": (whole(1, also=(None,)), "`--max-length`", "--max-length 256"),
    "seed": (whole(0), "`--seed`", "--seed 0"),
    "val_split": (  # the check of `train_val_split`'s `val_fraction`, which it feeds
        VAL_FRACTION,
        "`--val-split`",
        "--val-split 0.1 (10% of the rows held out for validation)",
    ),
    "lr": (number(above=0, also=(AUTO,)), "`--lr`", "--lr 1e-3"),
    "weight_decay": (
        number(minimum=0, also=(AUTO,)),
        "`--weight-decay`",
        "--weight-decay 1e-4 (0: none)",
    ),
    "label_smoothing": (rate(), "a config.json key", '"label_smoothing": 0.1 (0: none)'),
    "min_confidence": (
        number(minimum=0, maximum=1, also=(None,)),
        "`--min-confidence`",
        "--min-confidence 0.8",
    ),
}

# The yes/no settings: exactly True or False, or one other value where named (1 and 0
# are no switches, though `1 == True`, and "false" is no False), in the order
# `TrainConfig.check` checks them (with `check_switch`): what each does, and the other
# value it takes (`...`: none).
_SWITCHES = {
    "finetune": (
        'joins a fine-tuned encoder to the stack run: True, False or "auto" (on a GPU)',
        AUTO,
    ),
    "refit": (
        "trains on every row and reports 5-fold out-of-fold scores: True, False or "
        '"auto" (for the families fitted by a convex solver: ngram, stack)',
        AUTO,
    ),
    "multi_label": (
        "says whether a row may have several labels: True, False or None (detected)",
        None,
    ),
    "skip_bad_rows": ("skips rows that cannot be read (and logs them): True or False", ...),
    "class_weight": ("weights each class by its rarity: True or False", ...),
    "oversample": ("repeats the rows of rare classes: True or False", ...),
    "abstain": ('adds an "unknown" answer below min_confidence: True or False', ...),
}

_NEGATABLE = ("finetune", "refit", "class_weight")  # `genreclf train --no-NAME`


@dataclasses.dataclass
class TrainConfig:
    """Everything needed to retrain a run: data, model and training arguments.

    `config.json` in a run folder is `TrainConfig.to_json()`; `genreclf train
    --config config.json` and `genreclf.train(**config)` retrain from it alone.

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
        for name in ("data", "val_data", *_RANGES, "ema", *_SWITCHES, "features", "categorical"):
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
            raise ConfigError(
                "An ensemble run is rebuilt from its members, not trained. Received: "
                f"model='ensemble' (members {members}). Run `genreclf ensemble "
                f"{' '.join(map(str, members))} --out DIR`, retrain a member with `genreclf "
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
                    + "Fix the config file or drop those keys."
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
