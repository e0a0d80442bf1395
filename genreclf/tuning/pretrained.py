"""`PretrainedHyperModel`: a search space over the `pretrained` family.

Tuned by default: the mode (`frozen`, `lora`, `finetune`), the LoRA rank
(only in `lora` trials: a conditional hyperparameter), the sequence length,
the head width and dropout, the batch size, the number of epochs and the
learning rate. The learning-rate range depends on the mode (a fine-tuned
encoder wants ~5e-5, adapters and frozen-encoder heads ~1e-3), so the
default space tunes `lr_factor`, a log-uniform multiplier of the trial's mode
default from `MODE_TRAINING_DEFAULTS`; weight decay, schedule and warmup
follow the mode unless given.
"""

from genreclf.tuning.hypermodel import FamilyHyperModel
from genreclf.tuning.hypermodel import config_from_values
from genreclf.tuning.search_space import Choice
from genreclf.tuning.search_space import Float
from genreclf.tuning.search_space import is_hyperparameter
from genreclf.tuning.search_space import resolve

PRETRAINED_SPACE = {
    "mode": Choice("mode", ["frozen", "lora", "finetune"]),
    "lora_rank": Choice("lora_rank", [4, 8, 16], default=8),
    "max_length": Choice("max_length", [64, 128, 256], default=128),
    "hidden_dim": Choice("hidden_dim", [0, 128, 256], default=128),
    "dropout": Float("dropout", 0.0, 0.3, step=0.1, default=0.1),
}
# The first trial (KerasTuner starts from the defaults) uses the mode default.
LR_FACTOR = Float("lr_factor", 0.25, 4.0, sampling="log", default=1.0)
_MODE_FOLLOWERS = ("weight_decay", "schedule", "warmup_epochs")


class PretrainedHyperModel(FamilyHyperModel):
    """Search space over the `pretrained` family (see `genreclf.models.pretrained`).

    Every argument is a fixed value, a KerasTuner hyperparameter definition
    (or a list, shorthand for `Choice`), or `None` for the default space
    above (`search_defaults=True`) or the family default.

    Args:
        train: the training `TextDataset`.
        preset: the encoder preset (`"minilm"` or a local directory); fixed.
        mode, lora_rank, max_length, hidden_dim, dropout, lstm_units,
            pooling: the family's arguments.
        lr: a learning rate (fixed or a hyperparameter); by default the
            trial's mode default times a tuned `lr_factor` in [0.25, 4].
        **kwargs: `FamilyHyperModel` arguments (`max_epochs`, `batch_size`,
            `epochs`, `objective`, `search_defaults`, ...).

    Example:

    >>> import genreclf, keras_tuner
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> hm = PretrainedHyperModel(data, mode=["frozen", "lora"], max_length=32)
    >>> config = hm.trial_config(keras_tuner.HyperParameters())
    >>> config["model_config"]["mode"], config["lr"]
    ('frozen', 0.002)
    """

    def __init__(
        self,
        train,
        *,
        preset="minilm",
        mode=None,
        lora_rank=None,
        max_length=None,
        hidden_dim=None,
        dropout=None,
        lstm_units=None,
        pooling=None,
        lr=None,
        weight_decay=None,
        schedule=None,
        warmup_epochs=None,
        search_defaults=True,
        **kwargs,
    ):
        given = {"mode": mode, "lora_rank": lora_rank, "max_length": max_length,
                 "hidden_dim": hidden_dim, "dropout": dropout}
        model_args = {
            key: PRETRAINED_SPACE[key] if value is None and search_defaults else value
            for key, value in given.items()
        }
        super().__init__(
            "pretrained",
            train,
            preset=preset,
            lstm_units=lstm_units,
            pooling=pooling,
            lr=lr if lr is not None else 0.0,  # placeholder: replaced below
            weight_decay=weight_decay if weight_decay is not None else 0.0,
            schedule=schedule if schedule is not None else "cosine",
            warmup_epochs=warmup_epochs if warmup_epochs is not None else 0,
            search_defaults=search_defaults,
            **model_args,
            **kwargs,
        )
        # Mode-dependent training arguments are filled in per trial.
        followers = {"weight_decay": weight_decay, "schedule": schedule,
                     "warmup_epochs": warmup_epochs}
        for key, value in followers.items():
            if value is None:
                self.space.pop(key, None)
        if lr is None:
            self.space.pop("lr", None)
            if search_defaults:
                self.space["lr_factor"] = LR_FACTOR

    def trial_config(self, hp):
        """The trial's values as a `TrainConfig` dictionary (see `FamilyHyperModel`)."""
        from genreclf.models.pretrained import PRETRAINED_DEFAULTS
        from genreclf.models.pretrained import mode_training_defaults

        values = {}
        for key, value in self.space.items():
            if key == "lora_rank" and is_hyperparameter(value) and is_hyperparameter(
                self.space.get("mode")
            ):
                # Sampled (and shown in the leaderboard) only for LoRA trials.
                resolve(hp, "mode", self.space["mode"])
                with hp.conditional_scope("mode", ["lora"]):
                    values[key] = resolve(hp, key, value)
                continue
            values[key] = resolve(hp, key, value)
        if values.get("lora_rank") is None:
            values.pop("lora_rank", None)
        mode = values.get("mode") or PRETRAINED_DEFAULTS["mode"]
        defaults = mode_training_defaults(mode)
        factor = values.pop("lr_factor", None)
        if values.get("lr") is None:
            values["lr"] = defaults["lr"] * (1.0 if factor is None else factor)
        for key in _MODE_FOLLOWERS:
            if values.get(key) is None:
                values[key] = defaults[key]
        return config_from_values("pretrained", values, self.max_epochs)
