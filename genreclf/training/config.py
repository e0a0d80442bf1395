"""`TrainConfig`: every argument of a training run, saved as the run's `config.json`."""

import dataclasses
import json
import math

from genreclf.errors import ConfigError
from genreclf.errors import did_you_mean

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
        epochs (`--epochs`) must be a whole number of at least 1, or "auto"
        """
        whole = {
            "epochs": 1,
            "batch_size": 1,
            "patience": 0,
            "warmup_epochs": 0,
            "folds": 2,
            "max_length": 1,
            "seed": 0,
        }
        for name, least in whole.items():
            value = getattr(self, name)
            if value in (None, AUTO) and name not in ("batch_size", "warmup_epochs", "seed"):
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                auto = ', or "auto"' if name in ("epochs", "patience") else ""
                raise ConfigError(
                    f"{name} (`--{name.replace('_', '-')}`) must be a whole number of at "
                    f"least {least}{auto}. Received: {name}={value!r}."
                )
        if not isinstance(self.val_split, (int, float)) or not 0.0 < self.val_split < 1.0:
            raise ConfigError(
                "val_split (`--val-split`) is the share of rows held out for validation, "
                f"between 0 and 1 (exclusive). Received: val_split={self.val_split!r}. "
                "Use e.g. 0.1 for 10%."
            )
        self._check_rates()
        if self.finetune not in (AUTO, True, False):
            raise ConfigError(
                "finetune (`--finetune` / `--no-finetune`) joins a fine-tuned encoder to the "
                f'stack run: True, False or "auto" (on a GPU). Received: finetune={self.finetune!r}.'
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
        if self.model != AUTO:  # genreclf.models loads Keras: not for the default
            from genreclf.models import check_family_name

            check_family_name(self.model, other=(AUTO, f'"{AUTO}" (the default recipe)'))
        return self

    def _check_rates(self):
        """Raises a `ConfigError` for a learning rate, decay, share or average out of range."""
        auto = ', or "auto" (the model family\'s default)'
        # name: (how it is set, in range, the range in words, "auto" allowed, an example)
        ranges = {
            "lr": ("`--lr`", lambda v: v > 0, "above 0", True, "--lr 1e-3"),
            "weight_decay": (
                "`--weight-decay`",
                lambda v: v >= 0,
                "of 0 (none) or more",
                True,
                "--weight-decay 1e-4",
            ),
            "label_smoothing": (
                "a config.json key",
                lambda v: 0 <= v < 1,
                "in [0, 1) (0: none)",
                False,
                '"label_smoothing": 0.1',
            ),
            "min_confidence": (
                "`--min-confidence`",
                lambda v: 0 <= v <= 1,
                "in [0, 1]",
                False,
                "--min-confidence 0.8",
            ),
        }
        for name, (where, in_range, expected, takes_auto, example) in ranges.items():
            value = getattr(self, name)
            if (name == "min_confidence" and value is None) or (takes_auto and value == AUTO):
                continue
            number = not isinstance(value, bool) and isinstance(value, (int, float))
            if not (number and math.isfinite(value) and in_range(value)):
                raise ConfigError(
                    f"{name} ({where}) must be a number {expected}{auto if takes_auto else ''}. "
                    f"Received: {name}={value!r}. Pass e.g. {example}."
                )
        if self.ema not in (None, AUTO):
            from genreclf.training.optimizers import check_ema

            check_ema(self.ema)  # a momentum in [0, 1), or a horizon in steps

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            received = ", ".join(f"{k}={values[k]!r}" for k in unknown)
            hint = _model_setting_hint(values.get("model"), {k: values[k] for k in unknown})
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

    def to_json(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f, indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, path):
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
        return cls.from_dict(values)


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
