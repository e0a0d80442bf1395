"""Judging a paid answer to a synopsis request: a refusal, nothing usable, or synopses.

`generate` hands `unusable_reason` to `ChatCaller` as its `check` (a paid
reply that gave nothing is retried, not cached), and asks it again of each
cached answer (one that gave nothing is asked again next run); `refused`
counts the refusals among the cached answers. A refusal is an answer: asking
again would most likely be refused again.
"""

from genreclf.augment.filters import answer_is_refusal
from genreclf.augment.prompts import parse_synopses


def unusable_reason(entry):
    """Why a paid answer gave nothing to cache (`"empty"`, `"malformed_json"`, ...), or None.

    A refusal is an answer (asking again would most likely be refused again),
    also one in the content's plain text (`refused`).

    Example:

    >>> unusable_reason({"content": ""}), unusable_reason({"content": '{"synopses": ["A spy."]}'})
    ('empty', None)
    >>> unusable_reason({"content": "I'm sorry, but I can't help with that."}) is None
    True
    """
    if refused(entry):
        return None
    if not entry.get("content"):
        return "empty"
    return parse_synopses(entry["content"])[1]


def refused(entry):
    """Whether an answer is a refusal: its `refusal` field, or content that is no JSON
    and reads as the model declining (a server without the field, or a model not held
    to the JSON asked for: "I'm sorry, but I can't help with that.").

    Example:

    >>> refused({"content": None, "refusal": "I can't help with that."})
    True
    >>> refused({"content": "I'm sorry, but I can't write these synopses."})
    True
    >>> refused({"content": '{"synopses": ["A spy returns home."]}'})
    False
    """
    return answer_is_refusal(entry, lambda content: parse_synopses(content)[1] != "malformed_json")
