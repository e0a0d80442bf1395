"""`check_settings`: what each model setting accepts, checked before building.

A family declares the kind and range of its settings
(`register_family(..., checks={"max_tokens": whole(1), "dropout": rate()})`),
and `genreclf.models.registry.resolve_config` checks the merged
configuration. A value of the wrong kind or out of range is then one
`ConfigError` naming the setting, what it takes and the family's default,
whether it came from `--set`, a config file, a search space or the Python
API, rather than a `TypeError` from a slice deep in a builder, a Keras
`ValueError` about `units`, or a model that trains on a vocabulary of
`max_tokens=-5`. Settings a family does not declare are passed as given.

`Setting` and its makers (`whole`, `number`, `rate`, `one_of`, `flag`,
`text`, `mapping`) live in `genreclf.setting`, which loads no Keras, so the
training arguments and the command lines check their ranges with them too;
they are importable from here as well, where the families declare them.
"""

from genreclf.errors import ConfigError
from genreclf.setting import Setting
from genreclf.setting import _describe
from genreclf.setting import flag
from genreclf.setting import mapping
from genreclf.setting import number
from genreclf.setting import one_of
from genreclf.setting import rate
from genreclf.setting import text
from genreclf.setting import whole

__all__ = [
    "Setting",
    "check_settings",
    "flag",
    "mapping",
    "number",
    "one_of",
    "rate",
    "text",
    "whole",
]


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
        if check is None or check.accepts(value):
            continue
        default = f"Its default is {_describe(defaults[key])}." if key in defaults else None
        raise ConfigError(f"Model family {family!r}: " + check.message(key, value, fix=default))
