"""`FamilyHyperModel`: a KerasTuner `HyperModel` for any genreclf model family.

The search space comes from the family's declaration
(`register_family(..., search_space=...)`, see `genreclf.models.registry`),
under the generic training space (`genreclf.tuning.search_space`); any
argument can be fixed or given its own range. `build(hp)` and `fit(hp, model,
...)` go through `genreclf.training.recipe.Recipe`, the compile-and-fit
recipe of `genreclf train`, seeded with the run's seed: a trial and `genreclf
train --config best.json` take the same steps and reach the same score.
`trial_config(hp)` turns a trial's values into that `TrainConfig` dictionary
(`genreclf.tuning.trial_config`). What a trial ignores of `tuner.search(...)`'s
arguments, and the warning naming it: `genreclf.tuning.ignored_fit_args`.

Families that fit themselves (`Family.fits_itself`, e.g. `ngram` with
`solver="lbfgs"`, or `stack`) are not tuned: a convex solver has no epochs
or learning rate to search. The hypermodel refuses them with a `ConfigError`
(and a trial whose sampled configuration fits itself fails with the reason).
"""

import keras
import keras_tuner

from genreclf.data import TextDataset
from genreclf.errors import ConfigError
from genreclf.training.optimizers import averaging_callbacks
from genreclf.training.recipe import build_optimizer
from genreclf.tuning.budgets import check_trial
from genreclf.tuning.callbacks import FailTrialOnNaN
from genreclf.tuning.conditional import search_conditions
from genreclf.tuning.ignored_fit_args import IgnoredFitArgsMixin
from genreclf.tuning.objective import auto_objective
from genreclf.tuning.objective import check_objective
from genreclf.tuning.objective import warn_other_objective
from genreclf.tuning.scored_epochs import ScoredEpochsOnly
from genreclf.tuning.scored_epochs import scored_history
from genreclf.tuning.scored_epochs import selects_by_objective
from genreclf.tuning.search_space import LR_FACTOR
from genreclf.tuning.search_space import check_ema_entry
from genreclf.tuning.search_space import check_model_space
from genreclf.tuning.search_space import check_training_space
from genreclf.tuning.search_space import family_space
from genreclf.tuning.search_space import is_hyperparameter
from genreclf.tuning.search_space import resolve
from genreclf.tuning.search_space import to_hyperparameter
from genreclf.tuning.search_space import training_space
from genreclf.tuning.trial_config import config_from_values
from genreclf.tuning.trial_config import declared_conditionally
from genreclf.tuning.trial_config import execution_seed
from genreclf.tuning.trial_config import monitor_for
from genreclf.tuning.trial_config import sampled_value
from genreclf.tuning.trial_config import unsampled_value
from genreclf.tuning.trial_config import with_family_defaults

_PLANNED = ("tuner/epochs", "tuner/initial_epoch")


class FamilyHyperModel(IgnoredFitArgsMixin, keras_tuner.HyperModel):
    """A search space over one model family and its training arguments.

    Every model or training argument is a fixed value, a hyperparameter
    definition (`keras_tuner.engine.hyperparameters.Choice/Int/Float/Boolean`,
    a list as a shorthand for `Choice`, or a `{"min", "max"}` range), or
    `None`: the family's declared search space for that argument, the
    generic training space, or the family's default value.

    Args:
        family: a registered model family (`"bilstm"`, `"transformer"`,
            `"ngram"`, later `"pretrained"`, ...).
        train: the training `TextDataset` (its texts fit the in-graph
            vocabulary; its targets give class weights and steps per epoch).
        vocabulary: the `LabelVocabulary` (default: `train.vocabulary()`;
            pass the vocabulary of train + validation when they differ).
        max_epochs: the most epochs a trial trains (bounds the `epochs`
            search space and sets the schedule length under Hyperband).
        objective: the metric early stopping (and a genreclf tuner's
            checkpoint) watches inside a trial: give it the tuner's
            objective. `"auto"` (default): `val_tuned_macro_f1` for
            multi-label data, `val_macro_f1` otherwise, as `tune()` picks.
        search_defaults: False tunes only the arguments given as
            hyperparameters; every `None` argument then takes its fixed default.
        seed: the seed of every trial (weights, dropout, the input
            pipeline's shuffle), set before each build as `genreclf train` does.
        lr, weight_decay, schedule, batch_size, class_weight, epochs,
            patience, ema, label_smoothing, warmup_epochs: training arguments.
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
        objective="auto",
        search_defaults=True,
        seed=0,
        lr=None,
        weight_decay=None,
        schedule=None,
        batch_size=None,
        class_weight=None,
        epochs=None,
        patience=None,
        ema=None,
        label_smoothing=None,
        warmup_epochs=None,
        name=None,
        tunable=True,
        **model_args,
    ):
        from genreclf.models import get_family

        super().__init__(name=name or f"{family}_hypermodel", tunable=tunable)
        if not isinstance(train, TextDataset):
            raise ConfigError(
                "A hypermodel needs the training TextDataset (its texts fit the "
                f"vocabulary). Received: train={type(train).__name__}. Load it with "
                "genreclf.load_dataset(path, text=..., label=...)."
            )
        if not isinstance(max_epochs, int) or max_epochs < 1:
            raise ConfigError(
                f"max_epochs must be a positive integer. Received: max_epochs={max_epochs!r}."
            )
        check_model_space(family, model_args)
        self.family = family
        # Pickled by reference: a trial process that unpickles the hypermodel
        # imports the module declaring the family, which registers it there
        # too (families registered from outside the package included).
        self.builder = get_family(family).builder
        self.train = train
        self.vocabulary = vocabulary or train.vocabulary()
        self.max_epochs = max_epochs
        objective = getattr(objective, "name", objective)
        if objective == "auto":
            objective = auto_objective(self.vocabulary.multi_label)
        check_objective(objective, self.vocabulary.multi_label)
        self.objective = objective
        self._warned_fit_args = set()  # `tuner.search` arguments already warned about
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
            "ema": ema,
            "label_smoothing": label_smoothing,
            "warmup_epochs": warmup_epochs,
        }
        check_training_space(training, max_epochs)  # before the search, not in each trial
        given = {k: to_hyperparameter(k, v) for k, v in {**model_args, **training}.items()}
        defaults = {**training_space(family, max_epochs), **family_space(family)}
        # Each `when` names an argument of the search (else: never sampled).
        self.conditions = search_conditions(family, {**model_args, **training}, {*defaults})
        self.space = {k: v for k, v in given.items() if v is not None}
        for key, value in defaults.items():
            # Declared fixed values (e.g. ngram's solver="adamw") hold even
            # with search_defaults=False; declared ranges only with it.
            if value is None or key in self.space:
                continue
            if search_defaults or not is_hyperparameter(value):
                self.space[key] = value
        if search_defaults:
            if lr is not None:  # an explicit learning rate wins over a declared factor
                self.space.pop(LR_FACTOR, None)
        self.space = with_family_defaults(family, self.space, given, max_epochs)
        check_ema_entry(self.space.get("ema"))  # before the search, not in each trial
        first = self.trial_config(keras_tuner.HyperParameters())  # every default value
        if _fits_itself(family, first["model_config"]):
            raise ConfigError(_fits_itself_message(family, first["model_config"]))

    def fixed_values(self):
        """The arguments that are not tuned (plain values), by name."""
        return {k: v for k, v in self.space.items() if not is_hyperparameter(v)}

    def trial_config(self, hp):
        """The trial's values as a `TrainConfig` dictionary (model part and training part).

        Example:

        >>> import genreclf, keras_tuner
        >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
        >>> hm = FamilyHyperModel("ngram", data, search_defaults=False, solver="adamw",
        ...                       lr=0.01, ngrams=[1, 2])
        >>> config = hm.trial_config(keras_tuner.HyperParameters())
        >>> config["model"], config["model_config"], config["lr"], config["seed"]
        ('ngram', {'solver': 'adamw', 'ngrams': 1}, 0.01, 0)
        """
        values = {}
        # Conditional arguments last: their parent is sampled first.
        for key in sorted(self.space, key=lambda k: k in self.conditions):
            value, when = self.space[key], self.conditions.get(key)
            declared = declared_conditionally(hp, key) if when is None else None
            if is_hyperparameter(value) and declared is not None:
                if declared:  # the tuner's own conditional declaration governs it
                    values[key] = sampled_value(value, hp.values[key])
                continue  # inactive there: the family's default
            if when is not None and is_hyperparameter(value):
                parent, allowed = when
                if is_hyperparameter(self.space.get(parent)):
                    value = resolve(hp, key, value, when=when)
                    if value is not None:
                        values[key] = value
                    continue
                parent_value = unsampled_value(self.family, values, parent, self.max_epochs)
                if parent_value not in allowed:
                    continue  # not sampled: the parent's fixed value excludes it
            values[key] = sampled_value(value, resolve(hp, key, value))
        values.update({k: hp.values[k] for k in _PLANNED if k in hp.values})  # Hyperband's budget
        config = config_from_values(self.family, values, self.max_epochs)
        config["seed"] = self.seed
        config["monitor"] = monitor_for(self.objective, self.vocabulary.multi_label)
        return config

    def first_scored_epoch(self, hp):
        """The trial's first epoch (0-based) that may be its best, as in training.

        `genreclf train` keeps neither a warmup epoch nor, in a run too short
        to pass the warmup, any epoch but the last; a trial is scored by the
        same epochs (`scored_epochs`), so `best.json` retrains
        to the score the leaderboard shows.
        """
        return self._recipe(hp).first_scored_epoch

    def train_config(self, hp):
        """The trial's `TrainConfig` (what `genreclf train --config best.json` runs)."""
        from genreclf.training.config import TrainConfig

        return TrainConfig.from_dict(self.trial_config(hp))

    def _recipe(self, hp, train=None):
        from genreclf.training.recipe import Recipe

        check_trial(self, hp)
        self.warn_unread_hyperparameters(hp)
        cfg = self.train_config(hp)
        if _fits_itself(self.family, cfg.model_config):
            raise keras_tuner.errors.FailedTrialError(
                _fits_itself_message(self.family, cfg.model_config)
            )
        # The schedule spans the trial's epochs (under Hyperband: its budget),
        # as it spans `epochs` when best.json is retrained.
        return Recipe(
            cfg, train if train is not None else self.train, self.vocabulary, monitor=self.objective
        )

    def build(self, hp):
        """Builds and compiles the trial's model, seeded as `genreclf train` seeds.

        The seed is set right before the model is built, as `genreclf train` does
        (a tuner's next execution of the trial: the next seed, `execution_seed`).
        """
        from genreclf.models import build_model

        recipe = self._recipe(hp)
        cfg = recipe.cfg
        cfg.seed = execution_seed(hp, cfg.seed, new=True)  # a tuner's next execution
        keras.utils.set_random_seed(cfg.seed)
        model = build_model(
            self.family,
            self.vocabulary.num_classes,
            multi_label=self.vocabulary.multi_label,
            train_texts=self.train.texts,
            train_features=self.train.features,
            **cfg.model_config,
        )
        recipe.compile(model)
        return model

    def fit(
        self,
        hp,
        model,
        x=None,
        y=None,
        *,
        validation_data=None,
        callbacks=None,
        epochs=None,
        verbose=0,
        **kwargs,
    ):
        """Trains `model` for a trial with genreclf's recipe (`training.recipe`).

        `x` and `validation_data` are `TextDataset`s (the usual case; `x`
        defaults to the hypermodel's training set): the trial then trains
        exactly as `genreclf train` would, from the trial's values alone (what
        `train_config(hp)` retrains). Of the other arguments a tuner passes
        from `tuner.search(...)`, `callbacks`, `verbose` and Hyperband's epoch
        budget (`epochs` with `tuner/epochs`, `initial_epoch`) are used; the
        rest (an `epochs` outside Hyperband, `batch_size`, `shuffle`, ...) is
        ignored with a warning naming the hypermodel argument to set instead
        (`ignored_fit_args`). Anything else `Model.fit` takes is trained with
        the trial's epochs and schedule (and batch size, unless given),
        without early stopping (validated on the weights' moving average when
        the trial keeps one, as on the first path), the other `Model.fit`
        arguments passed on.

        Either way the trial is scored by the epochs `genreclf train` may
        keep (`scored_epochs`): in the returned `History` every other epoch
        holds the worst value of each metric (so KerasTuner's `best_step` is
        the epoch train keeps, counted from 0), and a tuner callback that
        keeps the best epoch by its objective (as KerasTuner's own does) sees
        no other.
        """
        if x is None:
            x = self.train
        recipe = self._recipe(hp, x if isinstance(x, TextDataset) else None)
        cfg = recipe.cfg
        cfg.seed = execution_seed(hp, cfg.seed, callbacks=callbacks or [])  # `build`'s
        text = isinstance(x, TextDataset)
        self.warn_ignored_fit_args(hp, {"epochs": epochs, **kwargs}, text=text, cfg=cfg)
        if _PLANNED[0] not in hp.values or epochs is None:
            epochs = cfg.resolved("epochs")
        # Scored by the epochs `genreclf train` may keep (KerasTuner's best-epoch saver too).
        first = recipe.first_scored_epoch
        warn_other_objective(self, callbacks)
        callbacks = [
            ScoredEpochsOnly(c, first, last=int(epochs) - 1) if selects_by_objective(c) else c
            for c in callbacks or []
        ]
        callbacks.append(FailTrialOnNaN())
        history = self._fit(
            recipe, model, x, y, validation_data, callbacks, epochs, verbose, kwargs
        )
        return scored_history(history, first, callbacks)

    def _fit(self, recipe, model, x, y, validation_data, callbacks, epochs, verbose, kwargs):
        cfg = recipe.cfg
        if isinstance(x, TextDataset):
            if y is not None:
                raise _SearchError("Pass targets inside the TextDataset, not as `y`.")
            if not isinstance(validation_data, TextDataset):
                raise _SearchError(
                    "A trial on a TextDataset validates on a TextDataset (early stopping "
                    "watches its macro-F1). Received: validation_data="
                    f"{type(validation_data).__name__}. Pass the validation split."
                )
            return recipe.fit(
                model,
                validation_data,
                callbacks=callbacks,
                verbose=verbose,
                epochs=epochs,
                initial_epoch=kwargs.get("initial_epoch", 0),
            )
        _, schedule_callbacks = recipe.schedule()
        kwargs.setdefault("batch_size", int(cfg.batch_size))
        # As in `Recipe.callbacks`: the tuner's callbacks see the averaged weights.
        average = averaging_callbacks(recipe.ema())
        build_optimizer(model)
        return model.fit(
            x,
            y,
            validation_data=validation_data,
            epochs=epochs,
            callbacks=[*average, *callbacks, *schedule_callbacks],
            verbose=verbose,
            **kwargs,
        )


class _SearchError(ConfigError, keras_tuner.errors.FatalValueError):
    """A `ConfigError` every trial would raise: KerasTuner stops the search at the first."""


def _fits_itself(family, model_config):
    from genreclf.models import get_family

    declaration = get_family(family)
    return declaration.fits_itself({**declaration.defaults, **model_config})


def _fits_itself_message(family, model_config):
    return (
        f"The {family!r} configuration fits itself with a convex solver (no epochs or "
        f"learning rate to tune): genreclf tunes Keras-trained configurations only. "
        f"Received: model={family!r}, model_config={model_config}. Tune the Keras-trained "
        "variant (ngram: --set solver=adamw), or train this one with `genreclf train`, "
        "which reports its out-of-fold scores."
    )
