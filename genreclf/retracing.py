"""TensorFlow's retracing warning for the predict step of each model loaded, kept out of sight.

Every Keras model traces its own predict step once (Keras's
`make_predict_function`). TensorFlow's tracing detector counts those traces
across models, so a notebook that loads a few runs (`load_run`, `evaluate`,
`ensemble`, each a new model) reads "5 out of the last 5 calls to
<function TensorFlowTrainer.make_predict_function.<locals>.one_step_on_data_distributed>
triggered tf.function retracing", with advice about loops and tensor shapes
that fits nothing the user did. `quiet_predict_retracing` filters that one
warning from TensorFlow's Python logger (a `logging.Filter`, the standard
library's public hook; no TensorFlow import): every other TensorFlow
warning, and the retracing of any other function, is still shown. The
filter is process-wide: a user's own Keras model that retraces its predict
step (a predict in a loop after each recompile) is not warned of either;
`logging.getLogger("tensorflow").removeFilter(genreclf.retracing.keep_record)`
shows them again. The
`genreclf` command line hides TensorFlow's warnings altogether
(`genreclf.cli`).
"""

import logging

_PREDICT_STEP = "make_predict_function"


def is_predict_retracing(record):
    """Whether a log record is TensorFlow's retracing warning for a Keras model's predict step.

    Example:

    >>> record = logging.LogRecord("tensorflow", logging.WARNING, "", 0,
    ...     "5 out of the last 5 calls to <function TensorFlowTrainer.make_predict_function."
    ...     "<locals>.one_step_on_data_distributed at 0x7f> triggered tf.function retracing. "
    ...     "Tracing is expensive", None, None)
    >>> is_predict_retracing(record)
    True
    >>> record.msg = record.msg.replace("make_predict_function", "my_step")
    >>> is_predict_retracing(record)
    False
    """
    if record.levelno != logging.WARNING:
        return False
    message = record.getMessage()
    return "triggered tf.function retracing" in message and _PREDICT_STEP in message


def keep_record(record):
    """The filter: False (drop) for the predict-step retracing warning only."""
    return not is_predict_retracing(record)


def quiet_predict_retracing():
    """Filters the predict-step retracing warning from the `tensorflow` logger; idempotent.

    Example:

    >>> quiet_predict_retracing()
    >>> quiet_predict_retracing()  # once is enough: the filter is not added twice
    >>> logging.getLogger("tensorflow").filters.count(keep_record)
    1
    """
    logger = logging.getLogger("tensorflow")  # TensorFlow's own, when it loads
    if keep_record not in logger.filters:
        logger.addFilter(keep_record)
