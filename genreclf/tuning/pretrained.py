"""`PretrainedHyperModel`: a search space over the `pretrained` family.

A thin `FamilyHyperModel`: the space is the family's declaration
(`genreclf.models.pretrained.builder.PRETRAINED_SEARCH_SPACE`). Tuned by
default: the mode (`frozen`, `lora`, `finetune`), the LoRA rank (only in
`lora` trials: a conditional hyperparameter), the sequence length, the head
width and dropout, the batch size, the number of epochs and `lr_factor`, a
log-uniform multiplier of the trial's mode default learning rate; weight
decay, schedule and warmup follow the mode unless given.
"""

from genreclf.tuning.hypermodel import FamilyHyperModel


class PretrainedHyperModel(FamilyHyperModel):
    """Search space over the `pretrained` family (see `genreclf.models.pretrained`).

    Every argument is a fixed value, a KerasTuner hyperparameter definition
    (or a list, shorthand for `Choice`), or `None` for the declared space
    (`search_defaults=True`) or the family default.

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
        **kwargs,
    ):
        super().__init__(
            "pretrained",
            train,
            preset=preset,
            mode=mode,
            lora_rank=lora_rank,
            max_length=max_length,
            hidden_dim=hidden_dim,
            dropout=dropout,
            lstm_units=lstm_units,
            pooling=pooling,
            **kwargs,
        )
