"""`FamilyHyperModel`: a KerasTuner `HyperModel` for any genreclf model family.

`build(hp)` returns a model compiled exactly as `genreclf train` compiles it
(AdamW without decay on biases/norms/embeddings, the family's schedule,
weighted loss, streaming F1 metrics); `fit(hp, model, ...)` trains it with a
tuned batch size, class weighting and epoch count, early stopping on the
objective and a NaN guard. `trial_config(hp)` turns a trial's values into a
`TrainConfig` dictionary, so the best trial retrains with `genreclf train
--config best.json`.
"""

import math

import keras
import keras_tuner

from genreclf.data import TextDataset
from genreclf.data import class_weights
from genreclf.data import make_tf_dataset
from genreclf.data import sample_weights
from genreclf.errors import ConfigError
from genreclf.tuning.callbacks import FailTrialOnNaN
from genreclf.tuning.objective import DEFAULT_OBJECTIVE
from genreclf.tuning.objective import objective_direction
from genreclf.tuning.search_space import FAMILY_SPACES
from genreclf.tuning.search_space import TRAINING_KEYS
from genreclf.tuning.search_space import is_hyperparameter
from genreclf.tuning.search_space import resolve
from genreclf.tuning.search_space import training_space
from genreclf.tuning.vocabulary_cache import VocabularyCache

# Training arguments that are fixed unless a hyperparameter is passed.
TRAINING_FIXED = {"patience": 3, "label_smoothing": 0.0, "warmup_epochs": 1}
_PLANNED = ("tuner/epochs", "tuner/initial_epoch")


class FamilyHyperModel(keras_tuner.HyperModel):
    """A search space over one model family and its training arguments.

    Every model or training argument is a fixed value, a hyperparameter
    definition (`keras_tuner.engine.hyperparameters.Choice/Int/Float/Boolean`,
    or a list as a shorthand for `Choice`), or `None`: the default search
    space of that argument (see `genreclf.tuning.search_space`), or the
    family's default value when the argument has no default space.

    Args:
        family: a registered model family (`"bilstm"`, `"transformer"`,
            `"ngram"`, later `"pretrained"`, ...).
        train: the training `TextDataset` (its texts fit the in-graph
            vocabulary; its targets give class weights and steps per epoch).
        vocabulary: the `LabelVocabulary` (default: `train.vocabulary()`;
            pass the vocabulary of train + validation when they differ).
        max_epochs: the most epochs a trial trains (bounds the `epochs`
            search space and sets the schedule length under Hyperband).
        objective: the metric early stopping watches inside a trial.
        search_defaults: False tunes only the arguments given as
            hyperparameters; every `None` argument then takes its fixed default.
        seed: the shuffle seed of the input pipeline.
        lr, weight_decay, schedule, batch_size, class_weight, epochs,
            patience, label_smoothing, warmup_epochs: training arguments.
        **model_args: the family's builder arguments (e.g. `lstm_units`).

    Example:

    >>> import genreclf, keras_tuner
    >>> from genreclf.tuning import FamilyHyperModel
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> hypermodel = FamilyHyperModel("ngram", data, max_tokens=500, hidden_dim=[0, 8])
    >>> model = hypermodel.build(keras_tuner.HyperParameters())
    >>> model.output_shape
    (None, 10)
    """

    def __init__(
        self,
        family,
        train,
        *,
        vocabulary=None,
        max_epochs=20,
        objective=DEFAULT_OBJECTIVE,
        search_defaults=True,
        seed=0,
        lr=None,
        weight_decay=None,
        schedule=None,
        batch_size=None,
        class_weight=None,
        epochs=None,
        patience=None,
        label_smoothing=None,
        warmup_epochs=None,
        name=None,
        tunable=True,
        **model_args,
    ):
        from genreclf.models import resolve_config

        super().__init__(name=name or f"{family}_hypermodel", tunable=tunable)
        if not isinstance(train, TextDataset):
            raise ConfigError(
                "A hypermodel needs the training TextDataset (its texts fit the "
                f"vocabulary). Received: train={type(train).__name__}. Load it with "
                "genreclf.load_dataset(path, text=..., label=...)."
            )
        if not isinstance(max_epochs, int) or max_epochs < 1:
            raise ConfigError(f"max_epochs must be a positive integer. Received: max_epochs={max_epochs!r}.")
        resolve_config(family, {k: None for k in model_args})  # raises on unknown names
        self.family = family
        self.train = train
        self.vocabulary = vocabulary or train.vocabulary()
        self.max_epochs = max_epochs
        self.objective = getattr(objective, "name", objective)
        self.search_defaults = search_defaults
        self.seed = seed
        training = {
            "lr": lr,
            "weight_decay": weight_decay,
            "schedule": schedule,
            "batch_size": batch_size,
            "class_weight": class_weight,
            "epochs": epochs,
            "patience": patience,
            "label_smoothing": label_smoothing,
            "warmup_epochs": warmup_epochs,
        }
        self.space = {}
        defaults = {**FAMILY_SPACES.get(family, {}), **training_space(family, max_epochs)}
        for key, value in {**model_args, **training}.items():
            if value is None and search_defaults:
                value = defaults.get(key)
            if value is None and key in TRAINING_FIXED:
                value = TRAINING_FIXED[key]
            if value is not None:
                self.space[key] = value
        if search_defaults:
            for key, value in FAMILY_SPACES.get(family, {}).items():
                self.space.setdefault(key, value)
        self.vocabulary_cache = VocabularyCache()
        self._train_targets = None

    def fixed_values(self):
        """The arguments that are not tuned (plain values), by name."""
        return {k: v for k, v in self.space.items() if not is_hyperparameter(v)}

    def trial_config(self, hp):
        """The trial's values as a `TrainConfig` dictionary (model part and training part).

        Example:

        >>> import genreclf, keras_tuner
        >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
        >>> hm = FamilyHyperModel("ngram", data, search_defaults=False, lr=0.01, ngrams=[1, 2])
        >>> config = hm.trial_config(keras_tuner.HyperParameters())
        >>> config["model"], config["model_config"], config["lr"]
        ('ngram', {'ngrams': 1}, 0.01)
        """
        values = {key: resolve(hp, key, value) for key, value in self.space.items()}
        return config_from_values(self.family, values, self.max_epochs)

    def _targets(self):
        if self._train_targets is None:
            self._train_targets = self.train.targets(self.vocabulary)
        return self._train_targets

    def build(self, hp):
        from genreclf.models import build_model
        from genreclf.training.losses import make_loss
        from genreclf.training.optimizers import make_optimizer
        from genreclf.training.schedules import make_schedule

        config = self.trial_config(hp)
        num_classes, multi_label = self.vocabulary.num_classes, self.vocabulary.multi_label
        with self.vocabulary_cache:
            model = build_model(
                self.family,
                num_classes,
                multi_label=multi_label,
                train_texts=self.train.texts,
                train_features=self.train.features,
                **config["model_config"],
            )
        epochs = self.max_epochs if _PLANNED[0] in hp.values else config["epochs"]
        learning_rate, _ = make_schedule(
            config["schedule"],
            config["lr"],
            steps_per_epoch=max(1, math.ceil(len(self.train) / config["batch_size"])),
            epochs=epochs,
            warmup_epochs=config["warmup_epochs"],
            monitor=self.objective,
        )
        pos_weight = None
        if multi_label and config["class_weight"]:
            pos_weight = class_weights(self._targets(), multi_label=True)
        model.compile(
            optimizer=make_optimizer(learning_rate, config["weight_decay"]),
            loss=make_loss(multi_label, pos_weight, config["label_smoothing"]),
            metrics=_metrics(num_classes, multi_label),
        )
        return model

    def fit(self, hp, model, x=None, y=None, *, validation_data=None, callbacks=None,
            epochs=None, verbose=0, **kwargs):
        """Trains `model` for a trial: tuned batch size, class weighting and epochs.

        `x` and `validation_data` are `TextDataset`s (the usual case; `x`
        defaults to the hypermodel's training set) or anything `Model.fit`
        takes. Under Hyperband the tuner's epoch budget (`epochs`,
        `initial_epoch`) is used; otherwise the trial's `epochs` value.
        """
        import tensorflow as tf

        from genreclf.training.schedules import make_schedule
        from genreclf.training.tuned_f1 import TunedThresholdF1

        config = self.trial_config(hp)
        batch_size = int(config["batch_size"])
        if _PLANNED[0] not in hp.values or epochs is None:
            epochs = config["epochs"]
        _, schedule_callbacks = make_schedule(
            config["schedule"], config["lr"], steps_per_epoch=1, epochs=epochs,
            monitor=self.objective,
        )
        callbacks = [*(callbacks or []), *schedule_callbacks, FailTrialOnNaN()]
        if validation_data is not None or not self.objective.startswith("val_"):
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=self.objective,
                    mode=objective_direction(self.objective),
                    patience=int(config["patience"]),
                )
            )
        if x is None:
            x = self.train
        if isinstance(x, TextDataset):
            if y is not None:
                raise ConfigError("Pass targets inside the TextDataset, not as `y`.")
            weights = None
            if config["class_weight"] and not x.multi_label:
                targets = x.targets(self.vocabulary)
                weights = sample_weights(targets, class_weights(targets, multi_label=False))
            x = make_tf_dataset(
                x, self.vocabulary, batch_size=batch_size, shuffle=True, seed=self.seed,
                sample_weights=weights,
            )
            kwargs.setdefault("shuffle", False)  # the pipeline reshuffles every epoch
        elif not _is_tf_dataset(x):
            kwargs.setdefault("batch_size", batch_size)
        if isinstance(validation_data, TextDataset):
            if validation_data.multi_label:
                # First, so early stopping and the tuner see val_tuned_macro_f1.
                callbacks.insert(0, TunedThresholdF1(
                    {"text": tf.constant(validation_data.texts), **(validation_data.features or {})},
                    validation_data.targets(self.vocabulary),
                ))
            validation_data = make_tf_dataset(
                validation_data, self.vocabulary, batch_size=max(batch_size, 64)
            )
        return model.fit(
            x,
            y,
            validation_data=validation_data,
            epochs=epochs,
            callbacks=callbacks,
            verbose=verbose,
            **kwargs,
        )


def config_from_values(family, values, max_epochs):
    """A `TrainConfig` dictionary from argument values (model and training ones mixed).

    Model arguments go into `model_config`; training arguments missing from
    `values` take genreclf's defaults (`lr`, `weight_decay`, `schedule` per
    family); `epochs` is the trial's value, Hyperband's `tuner/epochs`, or
    `max_epochs`.

    Example:

    >>> config = config_from_values("bilstm", {"lstm_units": 8, "lr": 0.01}, max_epochs=5)
    >>> config["model_config"], config["lr"], config["epochs"], config["schedule"]
    ({'lstm_units': 8}, 0.01, 5, 'cosine')
    """
    from genreclf.training.config import TrainConfig

    defaults = TrainConfig(model=family)
    config = {
        "model": family,
        "model_config": {
            k: v for k, v in values.items() if k not in TRAINING_KEYS and "/" not in k
        },
    }
    for key in TRAINING_KEYS:
        value = values.get(key)
        if value is None and key == "epochs":
            value = values.get("tuner/epochs") or max_epochs
        elif value is None and key in TRAINING_FIXED:
            value = TRAINING_FIXED[key]
        elif value is None:
            value = defaults.resolved(key) if key in ("lr", "weight_decay", "schedule") else getattr(defaults, key)
        config[key] = value
    config["epochs"] = min(int(config["epochs"]), max_epochs)
    return config


def _is_tf_dataset(value):
    import tensorflow as tf

    return isinstance(value, tf.data.Dataset)


def _metrics(num_classes, multi_label):
    from genreclf.metrics import MacroF1
    from genreclf.metrics import MacroPrecision
    from genreclf.metrics import MacroRecall
    from genreclf.metrics import MicroF1
    from genreclf.metrics import WeightedF1

    args = {"num_classes": num_classes, "multi_label": multi_label}
    return [MacroF1(**args), MicroF1(**args), WeightedF1(**args), MacroPrecision(**args), MacroRecall(**args)]
