"""`Recipe`: genreclf's one compile-and-fit recipe, shared by `train` and `tune`.

`genreclf train` (`training.trainer`) and every tuning trial
(`tuning.hypermodel`) compile and fit a Keras-trained model through this
module, so a trial and `genreclf train --config best.json` with the same seed
take the same steps: AdamW without decay on biases, norms and embeddings; the
configuration's learning-rate schedule; the weighted loss (per-row weights
for single-label data, per-class positive weights for multi-label data);
streaming F1 metrics; the shuffled `tf.data` pipeline seeded with the run's
seed; early stopping on validation macro-F1 (at tuned thresholds for
multi-label data) that waits out the warmup; the best epoch's weights restored.

Families that fit themselves (`Family.fits_itself`, e.g. `ngram` with
`solver="lbfgs"`) do not come here: their declaration's `fit` trains them.
"""

import math
import pathlib

from genreclf.data import class_weights
from genreclf.data import make_tf_dataset
from genreclf.data import sample_weights
from genreclf.training.config_values import check_single_label_metric


def text_inputs(dataset):
    """The model inputs of a `TextDataset`: `{"text": ..., <feature>: ...}`."""
    import tensorflow as tf

    inputs = {"text": tf.constant(dataset.texts, dtype=tf.string)}
    for name, values in (dataset.features or {}).items():
        inputs[name] = values
    return inputs


class Recipe:
    """How genreclf compiles and fits a model for one training configuration.

    Args:
        cfg: the `TrainConfig` (its `lr`, `weight_decay` and `schedule` may
            be `"auto"`: the family declaration's training defaults apply).
        train_set: the training `TextDataset` (targets, steps per epoch).
        vocabulary: the `LabelVocabulary`.
        monitor: the metric early stopping watches (default: the
            configuration's `monitor`, else validation macro-F1, at tuned
            per-class thresholds for multi-label data).
        schedule_epochs: the epochs the learning-rate schedule spans
            (default: the configuration's epochs; Hyperband trials pass their largest budget).

    Example:

    >>> import genreclf
    >>> from genreclf.data import train_val_split
    >>> from genreclf.models import build_model
    >>> from genreclf.training import TrainConfig
    >>> data = genreclf.load_dataset(genreclf.sample_path(), label="genre")
    >>> train, val = train_val_split(data, 0.2, seed=0)
    >>> vocabulary = data.vocabulary()
    >>> cfg = TrainConfig(model="bilstm", epochs=1, batch_size=64)
    >>> model = build_model("bilstm", vocabulary.num_classes, train_texts=train.texts,
    ...                     max_tokens=200, max_length=8, embedding_dim=4, lstm_units=4)
    >>> recipe = Recipe(cfg, train, vocabulary)
    >>> recipe.compile(model)
    >>> history = recipe.fit(model, val, verbose=0)
    >>> sorted(history.history)[:3]
    ['loss', 'macro_f1', 'macro_precision']
    """

    def __init__(self, cfg, train_set, vocabulary, *, monitor=None, schedule_epochs=None):
        from genreclf.training.tuned_f1 import TunedThresholdF1

        self.cfg = cfg
        self.train_set = train_set
        self.vocabulary = vocabulary
        self.multi_label = vocabulary.multi_label
        default = TunedThresholdF1.monitor if self.multi_label else "val_macro_f1"
        self.monitor = monitor or getattr(cfg, "monitor", None) or default
        check_single_label_metric(
            "monitor",
            self.monitor,
            self.multi_label,
            expected="a metric single-label training logs",
            why="tuned_macro_f1 is multi-label only (no thresholds to tune)",
            fix="Pass monitor='val_macro_f1' or leave it out (None).",
        )
        self.schedule_epochs = schedule_epochs or cfg.resolved("epochs")
        self._targets = None

    @property
    def targets(self):
        """The training targets (computed once)."""
        if self._targets is None:
            self._targets = self.train_set.targets(self.vocabulary)
        return self._targets

    def weights(self):
        """`(per-row sample weights or None, per-class positive weights or None)`."""
        if not self.cfg.class_weight:
            return None, None
        weights = class_weights(self.targets, multi_label=self.multi_label)
        if self.multi_label:
            return None, weights  # goes into the loss as per-class positive weights
        return sample_weights(self.targets, weights), None

    @property
    def steps_per_epoch(self):
        """Optimizer steps in one epoch of the training set."""
        return max(1, math.ceil(len(self.train_set) / self.cfg.batch_size))

    @property
    def first_scored_epoch(self):
        """The first epoch (0-based) early stopping and the best checkpoint consider.

        `warmup_epochs + 1`: the warmup's epochs and the first epoch at the
        full learning rate are not candidates (with the one-epoch warmup:
        the first two epochs). The value is what Keras' `EarlyStopping` takes
        as `start_from_epoch`.
        """
        return self.cfg.warmup_epochs + 1

    def ema(self):
        """The weights' moving average's momentum (0: none), a horizon resolved for this data."""
        from genreclf.training.optimizers import ema_momentum

        return ema_momentum(self.cfg.resolved("ema"), self.steps_per_epoch)

    def schedule(self):
        """`(learning rate or LearningRateSchedule, schedule callbacks)`."""
        from genreclf.training.schedules import make_schedule

        cfg = self.cfg
        return make_schedule(
            cfg.resolved("schedule"),
            cfg.resolved("lr"),
            steps_per_epoch=self.steps_per_epoch,
            epochs=self.schedule_epochs,
            warmup_epochs=cfg.warmup_epochs,
            monitor=self.monitor,
        )

    def metrics(self):
        """The streaming metrics every genreclf model is compiled with."""
        from genreclf.metrics import MacroF1
        from genreclf.metrics import MacroPrecision
        from genreclf.metrics import MacroRecall
        from genreclf.metrics import MicroF1
        from genreclf.metrics import WeightedF1

        args = {"num_classes": self.vocabulary.num_classes, "multi_label": self.multi_label}
        return [
            MacroF1(**args),
            MicroF1(**args),
            WeightedF1(**args),
            MacroPrecision(**args),
            MacroRecall(**args),
        ]

    def compile(self, model):
        """Compiles `model`: AdamW, the schedule, the weighted loss, F1 metrics."""
        from genreclf.training.losses import make_loss
        from genreclf.training.optimizers import make_optimizer

        learning_rate, _ = self.schedule()
        _, pos_weight = self.weights()
        model.compile(
            optimizer=make_optimizer(
                learning_rate, self.cfg.resolved("weight_decay"), ema=self.ema()
            ),
            loss=make_loss(self.multi_label, pos_weight, self.cfg.label_smoothing),
            metrics=self.metrics(),
        )

    def callbacks(self, val_set, out=None, extra=()):
        """Early stopping (after the warmup), the schedule's callbacks, `extra`.

        With a run folder `out`, also the best-weights checkpoint, crash
        resume, the CSV log and TensorBoard (`training.callbacks`). With a
        weights' moving average (`ema`), `keras.callbacks.SwapEMAWeights`
        comes first: validation, early stopping and the checkpoint see the
        averaged weights, and the run keeps the best epoch's average.
        """

        from genreclf.training.callbacks import ResumingEarlyStopping
        from genreclf.training.callbacks import make_callbacks
        from genreclf.training.optimizers import averaging_callbacks
        from genreclf.training.tuned_f1 import TunedThresholdF1

        cfg = self.cfg
        first = averaging_callbacks(self.ema())
        if self.multi_label:  # before early stopping, so it sees val_tuned_macro_f1
            first.append(TunedThresholdF1(text_inputs(val_set), val_set.targets(self.vocabulary)))
        _, schedule_callbacks = self.schedule()
        start_from_epoch = self.first_scored_epoch
        if out is not None:
            return make_callbacks(
                out,
                monitor=self.monitor,
                patience=cfg.resolved("patience"),
                start_from_epoch=start_from_epoch,
                first=first,
                extra=[*schedule_callbacks, *extra],
            )
        stop = ResumingEarlyStopping(  # no run folder: nothing to resume, Keras' rule
            monitor=self.monitor,
            patience=cfg.resolved("patience"),
            start_from_epoch=start_from_epoch,
            restore_best_weights=True,
            verbose=0,
        )
        return [*first, stop, *schedule_callbacks, *extra]

    def datasets(self, val_set):
        """The shuffled, weighted training pipeline and the validation pipeline."""
        row_weights, _ = self.weights()
        train_data = make_tf_dataset(
            self.train_set,
            self.vocabulary,
            batch_size=self.cfg.batch_size,
            shuffle=True,
            seed=self.cfg.seed,
            sample_weights=row_weights,
        )
        val_data = make_tf_dataset(val_set, self.vocabulary, batch_size=self.cfg.batch_size)
        return train_data, val_data

    def fit(
        self,
        model,
        val_set,
        *,
        out=None,
        strategy=None,
        callbacks=(),
        verbose=1,
        epochs=None,
        initial_epoch=0,
    ):
        """Fits a compiled `model`; returns the `History`.

        Args:
            model: a model compiled by `compile`.
            val_set: the validation `TextDataset`.
            out: the run folder (checkpoints, logs, resume), or None.
            strategy: a `tf.distribute` strategy (batches sharded per worker).
            callbacks: extra Keras callbacks (after genreclf's).
            verbose: Keras verbosity.
            epochs: the last epoch (default: the configuration's epochs).
            initial_epoch: the first epoch (Hyperband's warm starts).
        """
        from genreclf.training import distribute

        distribute.prepare_model(model, strategy)
        build_optimizer(model, strategy)
        train_data, val_data = self.datasets(val_set)
        train_data = distribute.shard(train_data, strategy)  # each worker its share of batches
        _replay_row_orders(train_data, out, strategy)
        val_data = distribute.shard(val_data, strategy, "OFF")  # each worker validates on all rows
        return model.fit(
            train_data,
            validation_data=val_data,
            epochs=epochs or self.cfg.resolved("epochs"),
            initial_epoch=initial_epoch,
            callbacks=self.callbacks(val_set, out, callbacks),
            shuffle=False,  # the tf.data pipeline shuffles every epoch
            verbose=verbose,
        )


def build_optimizer(model, strategy=None):
    """Creates a compiled `model`'s optimizer variables before `fit` traces its train step.

    Without a distribution strategy, Keras 3's TensorFlow trainer defers
    building to the first trace of the train step, so the optimizer's slots
    are created inside it, and `tf.function` traces a function that creates
    variables twice. Built first, the step is traced once: two epochs of a
    default `transformer` on the bundled sample went from 37-38 s to 29-30 s
    on 2 cores (`bench/train_startup.py`). With a strategy Keras builds
    everything itself, under the strategy's scope.

    Example:

    >>> import keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="adam", loss="mse")
    >>> build_optimizer(model)
    >>> model.optimizer.built
    True
    """
    if strategy is None and model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)


def _replay_row_orders(train_data, out, strategy):
    """Draws the row orders of the passes a resumed run's epochs would have opened.

    The pipeline reshuffles at each pass from its seed (`make_tf_dataset`),
    so pass N has the same order in every process. Keras' `fit` opens two
    passes per epoch over a dataset of known length (one after the last
    batch, another when the next epoch starts; keras 3.15's `EpochIterator`),
    and reads the second: epoch E reads pass 2E. Opening and dropping two
    passes per epoch in the backup makes the resumed run's first epoch read
    the pass the unkilled run would have
    (`tests/training/test_resume_message.py` fails if Keras changes this).
    Not for multi-worker jobs, whose pipeline `tf.distribute` rebuilds: their
    resumed epochs draw fresh orders.
    """
    from genreclf.training.backup_folder import backed_up_epochs
    from genreclf.training.backup_folder import mend_torn_record
    from genreclf.training.callbacks import BACKUP_DIR
    from genreclf.training.worker_agreement import is_multi_worker

    if out is None or is_multi_worker(strategy):
        return
    backup = pathlib.Path(out) / BACKUP_DIR
    mend_torn_record(backup)  # a cut record counts the epochs before it, as the resume will
    for _ in range(2 * max(backed_up_epochs(backup), 0)):
        iter(train_data)
