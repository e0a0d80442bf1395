"""`Setting` and its makers: what each model setting accepts, checked before building.

A family declares the kind and range of its settings
(`register_family(..., checks={"max_tokens": whole(1), "dropout": rate()})`),
and `genreclf.models.registry.resolve_config` checks the merged
configuration. A value of the wrong kind or out of range is then one
`ConfigError` naming the setting, what it takes and the family's default,
whether it came from `--set`, a config file, a search space or the Python
API, rather than a `TypeError` from a slice deep in a builder, a Keras
`ValueError` about `units`, or a model that trains on a vocabulary of
`max_tokens=-5`. Settings a family does not declare are passed as given.

Written here rather than with a validation library: each check is one
comparison plus the phrase the error shows ("a whole number of at least 1,
or 'auto'"). pydantic, the obvious candidate, is not a dependency of
genreclf's core, and its messages name its own types ("Input should be a
valid integer") and would be reworded setting by setting anyway.
"""

import dataclasses
import math
import numbers

from genreclf.errors import ConfigError


def _describe(value):
    """A value as the message shows it: None as `null/None` (JSON's and Python's name)."""
    return "null/None" if value is None else repr(value)


@dataclasses.dataclass(frozen=True)
class Setting:
    """What one model setting accepts.

    Args:
        kind: `"whole"` (an int, not a bool), `"number"` (an int or a float,
            not a bool, finite), `"choice"` (one of `choices`), `"flag"` (a
            bool), `"text"` (a string) or `"mapping"` (a dict).
        minimum: the least accepted number (inclusive), or None.
        maximum: the greatest accepted number (inclusive), or None.
        above: numbers must be greater than this, or None.
        below: numbers must be less than this, or None.
        choices: the accepted values of a `"choice"` setting.
        also: other values accepted as they are (`"auto"`, None).

    Example:

    >>> whole(1, also=("auto",)).problem(0)
    "a whole number of at least 1, or 'auto'"
    >>> whole(1).problem(32) is None
    True
    """

    kind: str
    minimum: float = None
    maximum: float = None
    above: float = None
    below: float = None
    choices: tuple = ()
    also: tuple = ()

    def accepts(self, value):
        """True when `value` is of the declared kind and within range."""
        if any(
            value is other or (type(value) is type(other) and value == other) for other in self.also
        ):
            return True
        if self.kind == "flag":
            return isinstance(value, bool)
        if self.kind == "text":
            return isinstance(value, str)
        if self.kind == "mapping":
            return isinstance(value, dict)
        if self.kind == "choice":
            return isinstance(value, str) and value in self.choices
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind == "whole" and not isinstance(value, numbers.Integral):
            return False
        return math.isfinite(value) and self._in_range(value)

    def _in_range(self, value):
        return not (
            (self.minimum is not None and value < self.minimum)
            or (self.maximum is not None and value > self.maximum)
            or (self.above is not None and value <= self.above)
            or (self.below is not None and value >= self.below)
        )

    def description(self):
        """What the setting takes, as the error message phrases it."""
        if self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        else:
            text = {
                "whole": "a whole number",
                "number": "a number",
                "flag": "true or false",
                "text": "a string",
                "mapping": "a mapping of settings",
            }[self.kind]
            bounds = [
                f"at least {self.minimum}" if self.minimum is not None else None,
                f"above {self.above}" if self.above is not None else None,
                f"at most {self.maximum}" if self.maximum is not None else None,
                f"below {self.below}" if self.below is not None else None,
            ]
            bounds = [b for b in bounds if b]
            if bounds:
                of = "of " if bounds[0].startswith("at ") else ""
                text += f" {of}" + " and ".join(bounds)
        if self.also:
            text += ", or " + " or ".join(_describe(v) for v in self.also)
        return text

    def problem(self, value):
        """None when `value` is accepted, else what the setting takes."""
        return None if self.accepts(value) else self.description()


def whole(minimum=1, maximum=None, *, also=()):
    """A whole-number setting from `minimum` (e.g. a width: `whole(1)`)."""
    return Setting("whole", minimum=minimum, maximum=maximum, also=tuple(also))


def number(*, minimum=None, maximum=None, above=None, below=None, also=()):
    """A number setting (an int or a float) within the given bounds."""
    return Setting(
        "number", minimum=minimum, maximum=maximum, above=above, below=below, also=tuple(also)
    )


def rate():
    """A share such as a dropout rate: a number from 0, below 1."""
    return number(minimum=0, below=1)


def one_of(*choices, also=()):
    """A setting that takes one of the strings `choices`."""
    return Setting("choice", choices=tuple(choices), also=tuple(also))


def flag():
    """A true/false setting."""
    return Setting("flag")


def text(*, also=()):
    """A string setting (e.g. a preset name or a local directory)."""
    return Setting("text", also=tuple(also))


def mapping():
    """A setting that takes a dict (e.g. another family's configuration)."""
    return Setting("mapping")


def check_settings(family, checks, config, defaults=None):
    """Raises a `ConfigError` for the first value in `config` that `checks` refuses.

    Args:
        family: the family's name, for the message.
        checks: `{setting: Setting}`, the family's declaration.
        config: the merged configuration to check.
        defaults: the family's defaults, named in the message as the fix.

    Example:

    >>> try:
    ...     check_settings("ngram", {"max_tokens": whole(1)}, {"max_tokens": "abc"},
    ...                    {"max_tokens": 200000})
    ... except ConfigError as error:
    ...     print(str(error).replace(". ", ".\\n"))
    Model family 'ngram': max_tokens must be a whole number of at least 1.
    Received: max_tokens='abc'.
    Its default is 200000.
    """
    defaults = defaults or {}
    for key, value in config.items():
        check = checks.get(key)
        problem = check.problem(value) if check is not None else None
        if problem is None:
            continue
        default = f" Its default is {_describe(defaults[key])}." if key in defaults else ""
        raise ConfigError(
            f"Model family {family!r}: {key} must be {problem}. "
            f"Received: {key}={_describe(value)}.{default}"
        )
