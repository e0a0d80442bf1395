"""The reading options of `load_dataset` checked before a row is read.

`skip_bad_rows` and `multi_label` are exactly True or False (or None where
detected): `"no"` is truthy, and would skip rows. `sep` is a non-empty
string. `features` and `categorical` name columns: one string is one column,
not its letters. `aclimdb_label` is `rating` or `polarity`, an aclImdb `split`
`train` or `test`.
"""

import json
import numbers
import pathlib

from genreclf.data.frames import is_frame
from genreclf.data.inputs import short_repr
from genreclf.data.inputs import type_with_article
from genreclf.data.option_names import argument
from genreclf.data.option_names import flag as option_flag
from genreclf.errors import ConfigError
from genreclf.setting import Setting
from genreclf.setting import numpy_scalar

# The yes/no options of `load_dataset`: what each does, and the other value it takes
# (`...`: none). `TrainConfig.check` checks its own switches (`SWITCHES` of
# `genreclf.training.config_values`) with `check_switch` too, in its own words.
SWITCHES = {
    "skip_bad_rows": ("skips rows that cannot be read (and logs them): exactly True or False", ...),
    "multi_label": (
        "says whether a row may have several labels: exactly True, False or None (detected)",
        None,
    ),
}


def check_switch(option, value, *, switches=None, negatable=False, config_key=False):
    """`value` of the yes/no option `option` if it is one, else a `ConfigError`.

    Exactly `True` or `False` (a NumPy bool is one, returned as a plain
    bool), or the other value the option takes (None, "auto") where it takes
    one: `1` and `0` are no switches, and `"false"` is no False (it is
    truthy: `skip_bad_rows="no"` would skip rows).

    Args:
        option: the option's name, a key of `switches`.
        value: the value received.
        switches: `{option: (what it does, the other value it takes, or ...
            for none)}`; None: `load_dataset`'s (`SWITCHES`).
        negatable: whether its command line has `--no-OPTION` too.
        config_key: whether `option` is a `TrainConfig` key rather than a
            `load_dataset` option: the message names it as it is (not as an
            `option_names` block renames it), and its fix says how
            `config.json` writes each value too.

    Returns:
        `value`: True, False or the other value the option takes.

    Raises:
        ConfigError: for anything else, saying what the option takes, what
            was received and the values to pass.

    Example:

    >>> check_switch("multi_label", None) is None, check_switch("skip_bad_rows", True)
    (True, True)
    >>> try:
    ...     check_switch("skip_bad_rows", "no")
    ... except ConfigError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    skip_bad_rows (`--skip-bad-rows`) skips rows that cannot be read (and logs them):
    exactly True or False. Received: skip_bad_rows='no'. Pass skip_bad_rows=True or
    skip_bad_rows=False.
    >>> ours = {"refit": ('trains on every row: True, False or "auto"', "auto")}
    >>> try:
    ...     check_switch("refit", 1, switches=ours, negatable=True, config_key=True)
    ... except ConfigError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    refit (`--refit` / `--no-refit`) trains on every row: True, False or "auto". Received:
    refit=1. Pass refit=True, refit=False or refit="auto" (1 and 0 are no switches here),
    or in config.json true, false or "auto".
    """
    what, other = (SWITCHES if switches is None else switches)[option]
    if numpy_scalar(value) and isinstance(value.item(), bool):
        value = value.item()  # a NumPy bool
    also = () if other is ... else (other,)
    if Setting("flag", also=also).accepts(value):  # not 1, 0 or "false"
        return value
    if config_key:
        name, flag = option, "--" + option.replace("_", "-")
    else:
        name, flag = argument(option), option_flag(option)
    flags = f"`{flag}` / `--no-{flag[2:]}`" if negatable else f"`{flag}`"
    shown = f'"{other}"' if isinstance(other, str) else repr(other)
    values = [f"{name}=True", f"{name}=False"] + ([] if other is ... else [f"{name}={shown}"])
    fix = f"Pass {', '.join(values[:-1])} or {values[-1]}"
    if isinstance(value, numbers.Real):  # an int or a float, a NumPy one too
        fix += " (1 and 0 are no switches here)"
    if config_key:
        in_json = ["true", "false"] + ([] if other is ... else [json.dumps(other)])
        fix += f", or in config.json {', '.join(in_json[:-1])} or {in_json[-1]}"
    raise ConfigError(f"{name} ({flags}) {what}. Received: {name}={short_repr(value)}. {fix}.")


def recorded_format(recorded, trained_on, source):
    """The format a run recorded, for reading `source`: of a file of the training
    file's kind (its extension), else `"auto"` (detected).

    A format given at training (`--format tsv-unquoted`, which is never
    detected) reads a file with the training file's extension the same way;
    another kind of file (a `.jsonl` test or `--val-data` file beside a
    `.csv`), a DataFrame, or any file when the training file is not known
    (a dataset in memory) is read as detected. The one rule of `evaluate`,
    `explain --data` and training's own reads.

    Example:

    >>> recorded_format("tsv-unquoted", "train.tsv", "test.tsv")
    'tsv-unquoted'
    >>> recorded_format("tsv-unquoted", "train.tsv", "test.jsonl")
    'auto'
    >>> import pandas as pd
    >>> recorded_format("csv", "train.csv", pd.DataFrame({"text": ["a"]}))
    'auto'
    """
    if recorded in (None, "auto") or is_frame(source) or is_frame(trained_on) or not trained_on:
        return "auto"  # (frames first: a DataFrame has no truth value)
    same_kind = pathlib.Path(str(source)).suffix.lower() == pathlib.Path(trained_on).suffix.lower()
    return recorded if same_kind else "auto"


def not_read_with(dataset, given, *, unrecorded=True):
    """`[(name, given value, value read with)]` of the options in `given` (None: not
    given) that `dataset`, a `TextDataset` read already, was not read with.

    The one rule of `train`, `evaluate` and `find_label_issues`: `multi_label`
    is compared as a switch; `sep` only of multi-label rows (single-label cells
    are not split, and a file read with `sep` records None); `format="auto"`
    (detect it) agrees with any format the rows were read in; an option the
    dataset has no record of (one made in memory has no columns) is compared
    with None, unless `unrecorded=False` (`train` records the columns given).

    Example:

    >>> import genreclf
    >>> data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    >>> not_read_with(data, {"text": "title", "sep": "|", "multi_label": 0, "format": "auto"})
    [('text', 'title', 'overview')]
    >>> not_read_with(data, {"format": "tsv"})
    [('format', 'tsv', 'csv')]
    """
    read = dataset.read_options or {}
    wrong = []
    for name, value in given.items():
        if value is None or (name == "sep" and not dataset.multi_label):
            continue
        if name == "format" and value == "auto":  # detected: whatever it was read in
            continue
        if name == "multi_label":
            if bool(value) != dataset.multi_label:
                wrong.append((name, value, dataset.multi_label))
        elif (name in read or unrecorded) and read.get(name) != value:
            wrong.append((name, value, read.get(name)))
    return wrong


def check_used_as_read(dataset, given, call):
    """Refuses reading options `given` (`{name: value}`, None: not given) to `call`, which
    uses `dataset`, a `TextDataset` read already, as it was read: those it was not read
    with (`dataset.read_options`, and `multi_label`).

    Its rows are read: `evaluate(run, data, text="overview")` of a dataset
    read from the titles scored the titles. A dataset made in memory was read
    with none of them. `evaluate` and `find_label_issues` check with this;
    `train`, which records the options in `config.json`, with
    `genreclf.training.reading.check_options_recorded_as_read`.

    Example:

    >>> import genreclf
    >>> data = genreclf.load_dataset(genreclf.sample_path(), text="overview", label="genre")
    >>> check_used_as_read(data, {"text": "overview", "sep": None}, "evaluate")
    >>> check_used_as_read(data, {"text": "title"}, "evaluate")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: evaluate() ... Received: text='title'; the TextDataset was read with ...
    """
    wrong = not_read_with(dataset, given)
    if not wrong:
        return
    received = ", ".join(f"{name}={value!r}" for name, value, _ in wrong)
    held = ", ".join(f"{name}={value!r}" for name, _, value in wrong)
    raise ConfigError(
        f"{call}() reads a TextDataset as it is: its rows are read already, so reading "
        f"options must be those it was read with. Received: {received}; the TextDataset was "
        f"read with {held}. Leave them out, or read the data with them: "
        "genreclf.load_dataset(path_or_frame, text=..., label=..., ...)."
    )


def check_sep(sep):
    """`sep` if it is a label separator (a non-empty string) or None, else a `ConfigError`.

    Example:

    >>> check_sep("|"), check_sep(None)
    ('|', None)
    >>> try:
    ...     check_sep(1)
    ... except ConfigError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    sep (`--sep`) is the separator between labels in one cell: a non-empty string such
    as '|', or None (the default: '|', unless multi_label=False). Received: sep=1 (an
    int). Pass sep='|' (`--sep '|'`), or leave it out.
    """
    if sep is None or (isinstance(sep, str) and sep != ""):
        return sep
    name = argument("sep")
    kind = "an empty string" if sep == "" else type_with_article(sep)
    raise ConfigError(
        f"{name} (`{option_flag('sep')}`) is the separator between labels in one cell: a "
        f"non-empty string such as '|', or None (the default: '|', unless "
        f"{argument('multi_label')}=False). Received: {name}={short_repr(sep)} ({kind}). "
        f"Pass {name}='|' (`{option_flag('sep')} '|'`), or leave it out."
    )


def column_names(option, names):
    """The columns an option such as `features` names, as a tuple.

    One column name (a string) is that column, not its letters: `"year"` is
    `("year",)`. A list or tuple holds names: strings, or ints for a
    DataFrame's columns named by ints. None is no columns.

    Example:

    >>> column_names("features", "year"), column_names("features", ["year", "runtime"])
    (('year',), ('year', 'runtime'))
    >>> try:
    ...     column_names("features", 1990)
    ... except ConfigError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    features (`--features`) takes column names: a list of strings. Received:
    features=1990 (an int). Pass features=['year'] (`--features year`).
    """
    if names is None:
        return ()
    if isinstance(names, str):
        return (names,)
    if isinstance(names, (list, tuple)) and all(_is_name(name) for name in names):
        return tuple(names)
    name = argument(option)
    received = f"{name}={short_repr(names)} ({type_with_article(names)})"
    if isinstance(names, (list, tuple)):
        bad = next(n for n in names if not _is_name(n))
        received += f", holding {short_repr(bad)} ({type_with_article(bad)})"
    raise ConfigError(
        f"{name} (`{option_flag(option)}`) takes column names: a list of strings. "
        f"Received: {received}. Pass {name}=['year'] (`{option_flag(option)} year`)."
    )


def check_aclimdb_options(aclimdb_label, format, split):
    """Checks `aclimdb_label`, and `split` for aclImdb data (the folders read).

    Raises:
        ConfigError: a label kind other than `"rating"` or `"polarity"`, or
            a split other than `"train"` or `"test"`.

    Example:

    >>> check_aclimdb_options("polarity", "aclimdb", "test")
    >>> check_aclimdb_options("rating", "aclimdb", "dev")
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: split must be 'train' or 'test'. Received: split='dev'.
    """
    if aclimdb_label not in ("rating", "polarity"):
        name = argument("aclimdb_label")
        raise ConfigError(
            f"{name} must be 'rating' (labels '1'..'10') or 'polarity' "
            f"('pos'/'neg'). Received: {name}={aclimdb_label!r}."
        )
    if format == "aclimdb" and split not in ("train", "test"):
        name = argument("split")
        raise ConfigError(f"{name} must be 'train' or 'test'. Received: {name}={split!r}.")


def _is_name(name):
    """Whether `name` can name a column: a string, or an int (a DataFrame's `0`)."""
    return isinstance(name, str) or (isinstance(name, int) and not isinstance(name, bool))
