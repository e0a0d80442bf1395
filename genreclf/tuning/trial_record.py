"""A trial's files (its record, its best weights) by name, and the one line that names why
it failed.

Apart from `tuners` so that reading a search folder (`genreclf tune show`,
the "already holds a search" refusal) loads neither Keras nor KerasTuner.
"""

import re

TRIAL_RECORD = "genreclf_trial.json"
# KerasTuner's file name for a trial's best weights (Hyperband's warm starts
# and `get_best_models` read it; a worker's kept result needs it).
CHECKPOINT = "checkpoint.weights.h5"
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*:")


# The search a tuner runs, by the name of its oracle's class (`tune --tuner`'s names).
_SEARCHES = (("Hyperband", "hyperband"), ("Bayesian", "bayesian"), ("Random", "random"))


def search_description(tuner):
    """What a trial record says of its search: model, tuner, objective, executions.

    `genreclf tune` writes them in `tune.json`; a search made by `make_tuner`
    has none, so `genreclf tune show` reads them from its trials' records.

    Example:

    >>> import types
    >>> objective = types.SimpleNamespace(name="val_loss", direction="min")
    >>> class RandomSearchOracle: objective = objective
    >>> tuner = types.SimpleNamespace(oracle=RandomSearchOracle(), executions_per_trial=2,
    ...                               hypermodel=types.SimpleNamespace(family="ngram"))
    >>> search_description(tuner)["tuner"], search_description(tuner)["direction"]
    ('random', 'min')
    """
    objective = getattr(tuner.oracle, "objective", None)
    oracle = type(tuner.oracle).__name__
    return {
        "model": getattr(tuner.hypermodel, "family", None),
        "tuner": next((name for key, name in _SEARCHES if key in oracle), oracle),
        "objective": getattr(objective, "name", None),
        "direction": getattr(objective, "direction", None),
        "executions_per_trial": getattr(tuner, "executions_per_trial", 1),
    }


def error_line(message):
    """The line naming the exception in a traceback (`"ValueError: ..."`), else the last line.

    Example:

    >>> error_line("Traceback ...\\n  File x\\nValueError: bad\\n\\nArguments: ...")
    'ValueError: bad'
    """
    lines = [line.strip() for line in (message or "").strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if _EXCEPTION_LINE.match(line):
            return line
    return lines[-1] if lines else None
