"""`parse_settings`: the `--set KEY=VALUE` pairs of `train`, `tune` and `labels check`.

Each value is read as JSON (`32`, `0.2`, `[16, 32]`, `{"min": 1, "max": 4}`)
and kept as a string when it is not JSON (`pooling=max`); a value that opens
like JSON (`[`, `{`, `"`) and does not parse is an error, not a string.
"""

import json

from genreclf.errors import ConfigError


def parse_settings(pairs, example="lstm_units=32"):
    """`{key: value}` of `--set` pairs; a clear error names a malformed pair.

    Args:
        pairs: the `KEY=VALUE` strings, in order (a later key wins).
        example: a well-formed pair shown in the error.

    Example:

    >>> parse_settings(["lstm_units=32", "pooling=max", "sizes=[4, 8]"])
    {'lstm_units': 32, 'pooling': 'max', 'sizes': [4, 8]}
    >>> parse_settings(["lstm_units"])
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: --set takes KEY=VALUE. Received: --set 'lstm_units'. Example: --set lstm_units=32.
    """
    values = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--set takes KEY=VALUE. Received: --set {pair!r}. Example: --set {example}."
            )
        try:
            values[key.strip()] = json.loads(raw)
        except json.JSONDecodeError as error:
            if raw.strip()[:1] in ("[", "{", '"'):  # meant as JSON, not a plain word
                raise ConfigError(
                    f"--set {key.strip()}: the value is not valid JSON ({error.msg} at "
                    f"character {error.pos}). Received: {raw!r}. Example: --set {example}."
                ) from None
            values[key.strip()] = raw
    return values
