"""The `tuner.search(...)` arguments a trial ignores, and the one warning that names them.

A trial of a `FamilyHyperModel` trains from its hyperparameter values alone,
so that `train_config(best_hp)` retrains exactly that trial: an `epochs`
passed to `tuner.search(...)` counts only under Hyperband (it is the trial's
budget), and on `TextDataset`s only `callbacks`, `verbose`,
`validation_data` and Hyperband's `initial_epoch` are used besides. The
rest is ignored, with a warning (once per argument) that names the
hypermodel argument to set instead.
"""

import logging
import reprlib

from genreclf.tuning.search_space import TRAINING_KEYS
from genreclf.tuning.search_space import is_hyperparameter

logger = logging.getLogger("genreclf.tuning")

# What `fit` takes from `tuner.search(...)` on TextDatasets; any other fit
# argument is ignored (with a warning: `ignored_fit_args`).
_FIT_ARGS_USED = ("callbacks", "verbose", "initial_epoch", "validation_data")


class IgnoredFitArgsMixin:
    """`ignored_fit_args` and `warn_ignored_fit_args` of a hypermodel (`FamilyHyperModel`).

    The hypermodel gives `train_config(hp)` (the trial's `TrainConfig`) and
    `max_epochs`.

    Example:

    >>> import genreclf, keras_tuner
    >>> from genreclf.tuning import FamilyHyperModel
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> hm = FamilyHyperModel("ngram", data, search_defaults=False, solver="adamw", epochs=3)
    >>> isinstance(hm, IgnoredFitArgsMixin)
    True
    >>> hm.ignored_fit_args(keras_tuner.HyperParameters(), {"epochs": 3, "verbose": 0})
    {}
    """

    def ignored_fit_args(self, hp, fit_kwargs, text=True, cfg=None):
        """The arguments from `tuner.search(...)` a trial does not use, by name.

        A trial trains from its values alone, so that `train_config(hp)`
        retrains it: an `epochs` counts only under Hyperband (`tuner/epochs`
        in `hp`, its budget); on TextDatasets (`text`) only `callbacks`,
        `verbose`, `validation_data` and Hyperband's `initial_epoch` are used
        besides (on arrays, `Model.fit` takes the rest). A training argument
        equal to the trial's own value is no conflict.

        Example:

        >>> import genreclf, keras_tuner
        >>> from genreclf.tuning import FamilyHyperModel
        >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
        >>> hm = FamilyHyperModel("ngram", data, search_defaults=False, solver="adamw",
        ...                       epochs=3, batch_size=32)
        >>> hm.ignored_fit_args(keras_tuner.HyperParameters(),
        ...                     {"epochs": 2, "batch_size": 32, "shuffle": False})
        {'epochs': 2, 'shuffle': False}
        """
        cfg = cfg if cfg is not None else self.train_config(hp.copy())
        ignored = {}
        for key, value in fit_kwargs.items():
            if value is None or key in _FIT_ARGS_USED or (key != "epochs" and not text):
                continue
            if key == "epochs" and "tuner/epochs" in hp.values:
                continue
            if key in TRAINING_KEYS and _same(value, cfg.resolved(key)):
                continue
            ignored[key] = value
        return ignored

    def warn_ignored_fit_args(self, hp, fit_kwargs, text=True, cfg=None):
        """Warns once per argument about `ignored_fit_args`: what, why, what to set instead."""
        ignored = self.ignored_fit_args(hp, fit_kwargs, text, cfg)
        warned = self.__dict__.setdefault("_warned_fit_args", set())
        new = {k: v for k, v in ignored.items() if k not in warned}
        if not new:
            return
        warned.update(new)
        cfg = cfg if cfg is not None else self.train_config(hp.copy())
        settable = [k for k in new if k in TRAINING_KEYS]
        other = [k for k in new if k not in TRAINING_KEYS]
        advice = []
        if settable:
            fixed = ", ".join(f"{k}={reprlib.repr(new[k])}" for k in settable)
            epochs = new.get("epochs")
            if isinstance(epochs, int) and epochs > self.max_epochs:  # else capped
                fixed += f", max_epochs={epochs}"
            advice.append(
                f"set them on the hypermodel instead: {type(self).__name__}(..., {fixed}) "
                f"fixes them, a list ({settable[0]}=[{reprlib.repr(new[settable[0]])}, ...]) "
                "tunes them"
                + (", max_epochs bounds the epochs tuned" if "epochs" in settable else "")
            )
        if other:
            advice.append(
                f"{', '.join(other)}: no equivalent on TextDatasets (fit arrays or a "
                "tf.data.Dataset to pass Keras' own fit arguments)"
            )
        logger.warning(
            "%s.fit ignores %s from tuner.search(): a trial trains for its own "
            "hyperparameters (this one: %s), the configuration train_config(best_hp) "
            "retrains; only Hyperband's epoch budget overrides its epochs. To change them, "
            "%s. (Shown once.)",
            type(self).__name__,
            ", ".join(f"{k}={reprlib.repr(v)}" for k, v in new.items()),
            ", ".join(f"{k}={cfg.resolved(k)!r}" for k in settable) or "its own settings",
            "; ".join(advice),
        )

    def warn_unread_hyperparameters(self, hp):
        """Warns once per name about the tuner's hyperparameters (`hp`) that no trial reads.

        A trial reads the hypermodel's search space: a value the tuner's own
        `HyperParameters` hold for an argument fixed on the hypermodel, one
        outside its space or no argument at all, is sampled and shown, and
        changes nothing (the parent of a condition of the tuner's is read by it).
        """
        parents = {c.name for p in hp.space for c in p.conditions}
        unread = [
            name
            for name in sorted(hp.values)
            if "/" not in name
            and name not in parents
            and not is_hyperparameter(self.space.get(name))
        ]
        warned = self.__dict__.setdefault("_warned_hyperparameters", set())
        new = [name for name in unread if name not in warned]
        if not new:
            return
        warned.update(new)
        fixed = [name for name in new if name in self.space]
        logger.warning(
            "%s reads no value of %s from the tuner's HyperParameters: a trial's values come "
            "from the hypermodel's search space (%s). Tune an argument on the hypermodel "
            "instead: %s(..., %s=[...]) or a keras_tuner hyperparameter. (Shown once.)",
            type(self).__name__,
            ", ".join(new),
            f"fixed there: {', '.join(fixed)}" if fixed else "not in it",
            type(self).__name__,
            (fixed or new)[0],
        )


def _same(value, other):
    """`value == other` for any two values (an array's comparison is no answer)."""
    try:
        return bool(value == other)
    except (TypeError, ValueError):
        return False
