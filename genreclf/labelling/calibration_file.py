"""`read_calibration`: the labelled rows `genreclf label --calibrate` chooses thresholds on.

The file is read by `genreclf.data.load_dataset`, whose errors end with a hint
naming its own arguments and flags: `Pass label= ... (`--label` on the command
line)`, `Pass format= ... (`--format`)`. The calibration file's label column
and format are options of their own (`--calibrate-label`, `--calibrate-format`;
in Python `genreclf.label`'s `calibrate_label=`, `calibrate_format=`), so
those hints are reworded to name them; `--format` and `--label` would set the
input file's format and another command's label column. The text column is
`--text` (`text=`) for both files, so hints about it are left as they are;
and `genreclf label` skips no rows, so a bad row's error ends with its fix
alone (no `--skip-bad-rows`).
"""

import re

from genreclf.errors import ConfigError
from genreclf.errors import DataError

# `load_dataset`'s argument -> the `genreclf label` flag that sets it for the calibration file.
FLAGS = {"label": "--calibrate-label", "format": "--calibrate-format"}

# An argument in a hint: `Pass label= one of them`, `pass format='tsv'`, `Received: format='x'`.
_ARGUMENT = re.compile(r"(Pass |pass |with |and |Drop |Received: |, |\()(label|format)=")
# A flag in a hint, in backticks: (`--label` on the command line), (`--format tsv`).
_FLAG = re.compile(r"`--(label|format)(?=[` ])")


def read_calibration(data, *, text=None, label=None, format="auto", arguments=None):
    """`(texts, labels)` of a labelled file; its errors name the calibration file's options.

    Args:
        data: a labelled file (any format `genreclf.data.load_dataset`
            reads) or a pandas DataFrame.
        text: the text column (default: the first of text/overview/plot/...).
        label: the label column (default: the first of label/labels/genre/...).
        format: `"auto"` (from the file's extension) or one of the formats
            of `load_dataset`.
        arguments: the caller's names for `label` and `format`, which the
            errors' hints name, e.g. `{"label": "calibrate_label"}` (default:
            `label=`, `format=`). Flags are always `--calibrate-label` and
            `--calibrate-format`.

    Returns:
        The texts and their label lists.

    Raises:
        DataError: a missing file or column, or a bad row (file, line, field).
        ConfigError: an unknown format, or one the file's name does not tell.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "calibration.txt"
    >>> _ = path.write_text("overview\\tgenre\\nA ghost.\\thorror\\n")
    >>> read_calibration(path, format="tsv")
    (['A ghost.'], [['horror']])
    >>> read_calibration(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: Cannot tell the format ... (`--calibrate-format`).
    """
    from genreclf.data import load_dataset
    from genreclf.data.records import unskippable

    try:
        dataset = load_dataset(data, text=text, label=label, format=format)
    except (DataError, ConfigError) as error:
        raise _reworded(unskippable(error), arguments or {}) from None
    return dataset.texts, dataset.labels


def reword(message, arguments=None):
    """`message` with its hints' `label`/`format` arguments and flags named for the calibration file.

    Example:

    >>> reword("Pass label= one of them (`--label` on the command line).",
    ...        {"label": "calibrate_label"})
    'Pass calibrate_label= one of them (`--calibrate-label` on the command line).'
    """
    arguments = arguments or {}
    message = _ARGUMENT.sub(lambda m: f"{m[1]}{arguments.get(m[2], m[2])}=", message)
    return _FLAG.sub(lambda m: f"`{FLAGS[m[1]]}", message)


def _reworded(error, arguments):
    """`error`, its message reworded in place (its type, location and attributes kept)."""
    if isinstance(error, DataError):
        error.message = reword(error.message, arguments)
        located = DataError(error.message, path=error.path, line=error.line, field=error.field)
        error.args = (str(located),)
    else:
        error.args = (reword(str(error), arguments),)
    return error
