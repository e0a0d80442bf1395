"""`Setting`: what one setting accepts, and the error that says so.

One way to check a setting's kind and range wherever it is set: a model
family's settings (`genreclf.models.setting_checks`), the training
arguments (`TrainConfig.check`), the labelling cascade's thresholds and the
counts and ports of the command lines (`at_least_one`, `argument_type`).
Each check is one comparison plus the phrase the error shows ("a whole
number of at least 1, or 'auto'"); `Setting.message` puts that phrase in a
message naming the setting, where it is set, `Received: name=value` and
the fix.

Written here rather than with a validation library: pydantic, the obvious
candidate, is not a dependency of genreclf's core, and its messages name its
own types ("Input should be a valid integer") and would be reworded setting
by setting anyway. This module imports neither Keras nor TensorFlow, so
configuration and command lines are checked before either loads.
"""

import argparse
import dataclasses
import math
import numbers

from genreclf.errors import ConfigError


def _describe(value):
    """A value as the message shows it: None as `null/None` (JSON's and Python's name)."""
    return "null/None" if value is None else repr(value)


@dataclasses.dataclass(frozen=True)
class Setting:
    """What one setting accepts.

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

    def message(self, name, value, *, where=None, fix=None):
        """The error text for `value` of the setting `name`.

        Args:
            name: the setting, as `Received: name=value` spells it.
            value: the value refused.
            where: how it is set (a flag, a config key) or what it is, shown
                in brackets after the name.
            fix: a sentence with an example that works.

        Example:

        >>> whole(1).message("epochs", 0, where="`--epochs`", fix="Pass e.g. --epochs 20.")
        'epochs (`--epochs`) must be a whole number of at least 1. Received: epochs=0. Pass e.g. --epochs 20.'
        """
        where = f" ({where})" if where else ""
        fix = f" {fix}" if fix else ""
        return (
            f"{name}{where} must be {self.description()}. Received: {name}={_describe(value)}.{fix}"
        )

    def check(self, name, value, *, where=None, fix=None):
        """Returns `value` if accepted; raises a `ConfigError` with `message` otherwise.

        Example:

        >>> number(above=0).check("lr", 1e-3)
        0.001
        >>> number(above=0).check("lr", 0, fix="Pass e.g. --lr 1e-3.")
        Traceback (most recent call last):
        ...
        genreclf.errors.ConfigError: lr must be a number above 0. Received: lr=0. Pass e.g. --lr 1e-3.
        """
        if not self.accepts(value):
            raise ConfigError(self.message(name, value, where=where, fix=fix))
        return value


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


def numpy_scalar(value):
    """Whether `value` is a NumPy scalar (`np.float32`, `np.int64`, `np.bool_`, ...).

    Told by its class's module, so NumPy is never imported here; a setting
    that takes one keeps the plain value it holds, `value.item()`, since
    `config.json` takes plain numbers and bools.

    Example:

    >>> import numpy as np
    >>> numpy_scalar(np.float32(0.5)), numpy_scalar(np.True_), numpy_scalar(0.5)
    (True, True, False)
    """
    return type(value).__module__ == "numpy" and hasattr(value, "item")


def argument_type(setting, example):
    """An argparse `type` reading a `"whole"` or `"number"` setting from its text.

    Text that is not a number, or a number `setting` refuses, is argparse's
    usage error for the option ("argument --top-k: expected ..."); text
    that `setting.also` names (`"auto"`) is returned as it is.

    Example:

    >>> port = argument_type(whole(0, 65535), example=8501)
    >>> port("8500")
    8500
    >>> port("99999")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a whole number ... at most 65535. Received: '99999'. Pass e.g. 8501.
    """
    convert = {"whole": int, "number": float}[setting.kind]

    def read(text):
        try:
            value = convert(text)
        except ValueError:
            value = text  # refused below, unless `setting.also` names it
        if not setting.accepts(value):
            raise argparse.ArgumentTypeError(
                f"expected {setting.description()}. Received: {text!r}. Pass e.g. {example}."
            )
        return value

    return read


_COUNT = argument_type(whole(1), example=3)


def at_least_one(text):
    """argparse `type` of a count (`predict --top-k`, `serve --workers`): a whole number of at least 1.

    Example:

    >>> at_least_one("2")
    2
    >>> at_least_one("0")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a whole number of at least 1. Received: '0'. Pass e.g. 3.
    """
    return _COUNT(text)
