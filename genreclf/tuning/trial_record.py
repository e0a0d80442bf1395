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
