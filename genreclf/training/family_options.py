"""What a family cannot honour of a run's options: refused, or named as unused.

A family fitted by a convex solver (`stack`, `ngram`'s default) has no epochs
to average (`--ema`) and chooses its thresholds out of fold, where duplicated
rows (`--oversample`) would overstate its scores: those are refused, as are
feature columns (`--features`) for a family that reads the text only. The Keras
training arguments (`--lr`, `--epochs` ...) change nothing there: a warning
names them.
"""

import inspect
import logging

from genreclf.errors import ConfigError

logger = logging.getLogger("genreclf.training")


def check_family_options(cfg):
    """Refuses options the family cannot honour (`--oversample`, `--ema` on a convex fit).

    Called before anything is written, so a refused command leaves no
    half-made run folder behind.

    Raises:
        ConfigError: the family fits itself and `cfg` asks for oversampling or
            a weight average; or `cfg` names feature columns for a family that
            reads the text only, or beside `--augment` rows.
    """
    from genreclf.training.fitting import fits_itself

    _check_feature_inputs(cfg)
    if not fits_itself(cfg):
        return
    if cfg.oversample:
        raise ConfigError(
            f"--oversample duplicates rows, and a duplicate on both sides of an out-of-fold "
            f"split overstates the scores that {cfg.model!r} chooses its thresholds on. "
            "Received: oversample=True. Drop --oversample: the convex fit already weights "
            "classes (balanced; --no-class-weight turns that off)."
        )
    if cfg.resolved("ema"):
        raise ConfigError(
            f"--ema averages the weights of a Keras training run, and {cfg.model!r} fits "
            f"itself with a convex solver (no steps to average). Received: "
            f"ema={cfg.resolved('ema')!r}. Drop --ema, or train a Keras-trained "
            "configuration (ngram: --set solver=adamw)."
        )


def _check_feature_inputs(cfg):
    """Refuses `--features` / `--categorical` for a family without feature inputs, which
    would train on the text alone and leave the columns unread, and beside `--augment`,
    whose generated rows have no feature values."""
    columns = [*(cfg.features or []), *(cfg.categorical or [])]
    if not columns:
        return
    if cfg.augment:
        raise ConfigError(
            "--augment adds generated rows that hold a text and its labels only, and a model "
            f"with feature inputs needs every training row's {columns}. Received: "
            f"augment={str(cfg.augment)!r}, features={cfg.features!r}, "
            f"categorical={cfg.categorical!r}. Drop --augment, or train a text-only model "
            "(no --features or --categorical) on the augmented rows."
        )
    if reads_features(cfg.model) is not False:
        return  # it reads them; or "auto" before it is resolved, an ensemble
    raise ConfigError(
        f"--features and --categorical feed a model's feature inputs, and {cfg.model!r} "
        f"reads the text only. Received: model={cfg.model!r}, features={cfg.features!r}, "
        f"categorical={cfg.categorical!r}. Train --model hybrid (a text encoder beside the "
        "columns: --set encoder=ngram, bilstm, transformer or pretrained), or leave the "
        "columns out."
    )


# The Keras training arguments (`genreclf train --lr` ...) and their defaults: a family
# fitted by a convex solver uses none of them.
_KERAS_TRAINING = {
    "epochs": "auto",
    "lr": "auto",
    "weight_decay": "auto",
    "schedule": "auto",
    "patience": "auto",
    "batch_size": 32,
    "warmup_epochs": 1,
}


def reads_features(model):
    """Whether the model family `model` has feature inputs beside the text (`--features`,
    `--categorical`): True for `hybrid`; None where not known (`"auto"` before it is
    resolved, an ensemble).

    Example:

    >>> reads_features("hybrid"), reads_features("ngram"), reads_features("auto")
    (True, False, None)
    """
    from genreclf.models.registry import available_families
    from genreclf.models.registry import get_family

    if model not in available_families():
        return None
    return "train_features" in inspect.signature(get_family(model).builder).parameters


def warn_unused_max_length(cfg):
    """Logs a warning when `cfg` gives `max_length` to a family that reads whole texts.

    `--max-length` is the token budget of the sequence families; a bag of
    n-grams (`ngram`) counts every word of a text and takes none, so the
    value was dropped without a word while `config.json` recorded it.

    Returns:
        True when it warned.

    Example:

    >>> from genreclf.training import TrainConfig
    >>> warn_unused_max_length(TrainConfig(model="bilstm", max_length=64))
    False
    """
    from genreclf.models.registry import family_parameters

    if not cfg.max_length or "max_length" in family_parameters(cfg.model):
        return False
    logger.warning(
        "%r reads every word of a text (it takes no max_length), so max_length=%r "
        "(`--max-length`) has no effect. Leave it out, or train a sequence family (bilstm, "
        "transformer, pretrained, stack).",
        cfg.model,
        cfg.max_length,
    )
    return True


def warn_unused_training_args(cfg):
    """Logs a warning naming the Keras training arguments a convex fit does not use.

    `stack` and `ngram` (by default) fit their heads with a convex solver on
    every row: epochs, learning rate, batch size and the rest have no effect
    there, though `config.json` records them as given. (`--ema` and
    `--oversample` would change what is chosen, so `check_family_options`
    refuses those instead.)

    Returns:
        The unused arguments' names (empty for a Keras-trained configuration).
    """
    from genreclf.training.fitting import fits_itself

    if not fits_itself(cfg):
        return []
    unused = [name for name, default in _KERAS_TRAINING.items() if getattr(cfg, name) != default]
    if unused:
        given = ", ".join(f"{name}={getattr(cfg, name)!r}" for name in unused)
        logger.warning(
            "%s fits its heads with a convex solver on every row, so these Keras training "
            "arguments have no effect: %s. Leave them out, or train a Keras-trained "
            "configuration (ngram: --set solver=adamw; bilstm, transformer).",
            cfg.model,
            given,
        )
    return unused
