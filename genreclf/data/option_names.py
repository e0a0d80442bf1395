"""How the hints of `genreclf.data`'s errors name the options, and how a caller renames them.

An error about a file ends with its fix, naming the option that makes it:
`Pass label= one of them (`--label` on the command line)`. Every such hint
takes the option's names from here: `argument("label")` is the Python
argument (`"label"`), `flag("label")` the command-line flag (`"--label"`).

A caller that reads another file whose options go by other names says so
around the read, and the hints name those instead: `genreclf label
--calibrate` reads its calibration file with

    with option_names(arguments={"label": "calibrate_label"},
                      flags={"label": "--calibrate-label"}):
        load_dataset(path, label=calibrate_label)

Why a context variable rather than a parameter of `load_dataset`: the hints
are built deep inside the readers (`detect_format`, `ExampleReader`'s column
choice, the CSV reader's quote errors, the label warnings), several calls
below `load_dataset`, through helpers that know nothing of the caller.
Passing the names down would add a parameter to each of them, `load_dataset`
and `iter_examples` included, for a concern of the message text alone. A
`contextvars.ContextVar` holds the names for the `with` block only, is
separate per thread and per asyncio task, and a call outside any block
keeps every message as it is. Its limit: a hint is worded when its error is
built, so a lazy reader (`iter_examples`) must be consumed inside the block.

A caller that has no option for one of them at all says so with None: the calibration
and judge files of `genreclf label` take no aclImdb split, so they are read
with `arguments={"split": None}`, and the aclImdb reader's hints ask
`lacks("split")` and, instead of `split='test'`, say that `train/` is read
(and, of a folder, which folder to pass). Only options whose hints do so
may be None (`LACKING`).

A JSON Lines file's hints show a row of it (`jsonl_rows`, `example_row`):
`{"text": "...", "label": "drama"}`, or the caller's own (`row=`). `train
--augment` reads the fixed fields of `genreclf augment run`'s output with

    with option_names(arguments={"text": None, "label": None},
                      row={"text": "A cowboy rides.", "labels": ["western"]}):
        load_dataset(path, text="text", label="labels", format="jsonl")

so a missing field is told that row, not to pass `--label`.
"""

import contextlib
import contextvars
import json

# Flags other than `--` and the option with `_` as `-` (`genreclf labels`' `--id`).
_FLAGS = {"id_column": "--id"}

# Options a caller may lack (`arguments={option: None}`): their hints then say what to do
# instead. A caller without `text` and `label` reads fixed fields of a JSON Lines file: its
# column hints show the row to write (`jsonl_rows`).
LACKING = ("split", "text", "label")

# The row hints show of a JSON Lines file, unless the caller shows its own (`row=`).
ROW = {"text": "...", "label": "drama"}

# (`{option: argument}`, `{option: flag}`, row) of the innermost `option_names` block.

_RENAMED = contextvars.ContextVar("genreclf_option_names", default=({}, {}, ROW))


def argument(option):
    """The Python argument that sets `option` (of `load_dataset`), as hints name it.

    An option the caller lacks (`lacks`) keeps its own name.

    Example:

    >>> argument("label")
    'label'
    >>> with option_names(arguments={"label": "judge_label"}):
    ...     argument("label")
    'judge_label'
    """
    name = _RENAMED.get()[0].get(option, option)
    return option if name is None else name


def lacks(option):
    """Whether the caller has no option for `option` (`arguments={option: None}`).

    A hint that would say to pass it says what to do instead.

    Example:

    >>> lacks("split")
    False
    >>> with option_names(arguments={"split": None}):
    ...     lacks("split")
    True
    """
    arguments = _RENAMED.get()[0]
    return option in arguments and arguments[option] is None


def flag(option):
    """The command-line flag that sets `option` (of `load_dataset`), as hints name it.

    Example:

    >>> flag("skip_bad_rows"), flag("id_column")
    ('--skip-bad-rows', '--id')
    >>> with option_names(flags={"format": "--calibrate-format"}):
    ...     flag("format")
    '--calibrate-format'
    """
    default = _FLAGS.get(option, "--" + option.replace("_", "-"))
    return _RENAMED.get()[1].get(option, default)


def example_row():
    """A row of a JSON Lines file as hints show it: the caller's (`row=`), or `ROW`.

    Example:

    >>> example_row()
    '{"text": "...", "label": "drama"}'
    """
    return json.dumps(_RENAMED.get()[2], ensure_ascii=False)


def jsonl_rows():
    """What each line of a JSON Lines file holds, as hints say it: the fields and a row.

    Example:

    >>> jsonl_rows()
    'one JSON object per line with "text" and "label", like {"text": "...", "label": "drama"}'
    >>> with option_names(row={"text": "A cowboy rides.", "labels": ["western"]}):
    ...     print(jsonl_rows())
    one JSON object per line with "text" and "labels", like {"text": "A cowboy rides.", "labels": ["western"]}
    """
    fields = " and ".join(json.dumps(name) for name in _RENAMED.get()[2])
    return f"one JSON object per line with {fields}, like {example_row()}"


@contextlib.contextmanager
def option_names(*, arguments=None, flags=None, row=None):
    """Within the block, hints name options by the caller's names for them.

    Args:
        arguments: `{option: Python argument}`, e.g. `{"label": "judge_label"}`;
            None for an option of `LACKING` the caller does not have, e.g.
            `{"split": None}`.
        flags: `{option: command-line flag}`, e.g. `{"label": "--calibrate-label"}`.
        row: the row hints show of a JSON Lines file (a dict: its fields and
            values), e.g. `{"text": "A cowboy rides.", "labels": ["western"]}`.

    Options left out keep their names (or those of an enclosing block).

    Raises:
        ValueError: None for an option whose hints need its name.

    Example:

    >>> from genreclf.data import detect_format
    >>> with option_names(arguments={"format": "judge_format"}):
    ...     detect_format("judge.dat")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: Cannot tell the format of 'judge.dat' ... Pass judge_format= one of [...] (`--format`).
    >>> detect_format("judge.dat")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: Cannot tell the format of 'judge.dat' ... Pass format= one of [...] (`--format`).
    """
    named = {o: n for o, n in (arguments or {}).items() if n is None and o not in LACKING}
    if named:
        raise ValueError(
            f"Only {list(LACKING)} may be None in arguments= (an option the caller lacks): "
            f"the hints of other options name them. Received: arguments with {named}. Pass "
            "the caller's argument for each, or leave it out to keep its own name."
        )
    outer_arguments, outer_flags, outer_row = _RENAMED.get()
    token = _RENAMED.set(
        (
            {**outer_arguments, **(arguments or {})},
            {**outer_flags, **(flags or {})},
            outer_row if row is None else dict(row),
        )
    )
    try:
        yield
    finally:
        _RENAMED.reset(token)
