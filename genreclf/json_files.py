"""`write_json` and `read_json_object`: a run folder's JSON files, written atomically.

Every JSON file genreclf writes (`config.json`, `metrics.json`,
`fingerprint.json`, ...) is indented UTF-8, written to a temporary file and
renamed over the old one, so a killed job never leaves half a file; NumPy
scalars and arrays are written as plain numbers and lists.
"""

import json
import pathlib

import numpy as np


def read_json_object(path, *, strict=True):
    """The JSON object (a dict) in the UTF-8 file `path`, as `write_json` writes one.

    Args:
        path: the file.
        strict: whether a file that is missing, unreadable, not JSON or not a
            JSON object raises; if False, it is None (a run folder's file
            that may not be written yet).

    Returns:
        The object, or None (`strict=False` only).

    Raises:
        OSError: a missing or unreadable file.
        ValueError: text that is not JSON (a `json.JSONDecodeError`) or not UTF-8.
        TypeError: JSON that is not an object (a list, a number, ...).

    Example:

    >>> write_json("metrics.json", {"f1": 0.5})
    >>> read_json_object("metrics.json")
    {'f1': 0.5}
    >>> write_json("list.json", [0.5])
    >>> read_json_object("list.json")
    Traceback (most recent call last):
    ...
    TypeError: expected a JSON object, found a list
    >>> read_json_object("list.json", strict=False), read_json_object("none.json", strict=False)
    (None, None)
    """
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except (OSError, ValueError):
        if strict:
            raise
        return None
    if isinstance(value, dict):
        return value
    if strict:
        raise TypeError(f"expected a JSON object, found a {type(value).__name__}")
    return None


def write_json(path, value):
    """Writes `value` as indented UTF-8 JSON, atomically (temp file + rename)."""
    path = pathlib.Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False, default=_json_default)
    tmp.replace(path)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Not JSON serialisable: {type(value).__name__}")
