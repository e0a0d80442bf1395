"""`add_reading_options`: the flags that say how a labelled file is read, for commands
that read one beside a run (`evaluate --data`, `ensemble --data`)."""

# The destinations of the flags `add_reading_options` adds.
READING_OPTIONS = ("text", "label", "format", "sep", "skip_bad_rows")


def add_reading_options(parser, *, default, skip_help):
    """Adds `--text`, `--label`, `--format`, `--sep` and `--skip-bad-rows` to `parser`.

    Args:
        parser: an `argparse` parser or argument group.
        default: what an option left out means, e.g. `"as in training"`.
        skip_help: the help of `--skip-bad-rows`.

    Example:

    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_reading_options(parser, default="as in training", skip_help="skip malformed rows")
    >>> parser.parse_args(["--label", "genres"]).label
    'genres'
    """
    parser.add_argument("--text", help=f"text column (default: {default})")
    parser.add_argument("--label", help=f"label column (default: {default})")
    parser.add_argument("--format", help="file format (default: from the file)")
    parser.add_argument("--sep", help=f"label separator (default: {default})")
    parser.add_argument("--skip-bad-rows", action="store_const", const=True, help=skip_help)
