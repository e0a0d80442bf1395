"""Reading a chat-completions reply, which the `openai` client hands over unchecked.

A server may answer 200 with JSON of any shape (a list, `choices` as text,
usage counts as text); these readers take what a completion holds and leave
the shapes they cannot read to the caller (`ChatCaller`), which counts such a
reply as a `bad_response`.
"""


def usage_counts(resp):
    """The reported `(prompt_tokens, completion_tokens)`, or None without such counts.

    None where the reply has no usage, or a count is missing, not a whole
    number, negative or beyond any request's size (`MAX_TOKENS`; 10**400
    tokens made the dollar cost overflow a float and crash the run): the
    caller then charges the attempt's worst case.

    Example:

    >>> from types import SimpleNamespace as Reply
    >>> usage_counts(Reply(usage=Reply(prompt_tokens=12, completion_tokens=30)))
    (12, 30)
    >>> usage_counts(Reply(usage=Reply(prompt_tokens="many", completion_tokens=-5))) is None
    True
    """
    u = getattr(resp, "usage", None)
    counts = (getattr(u, "prompt_tokens", None), getattr(u, "completion_tokens", None))
    if u is None or not all(_is_count(n) for n in counts):
        return None
    return counts


# No request reads or writes a billion tokens: a larger count is no usage report.
MAX_TOKENS = 10**9


def _is_count(n):
    return isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_TOKENS


def without_lone_surrogates(text):
    """`text` with each lone UTF-16 surrogate (an escaped `ud800` in a JSON reply, which
    no UTF-8 file can hold) replaced by U+FFFD; anything not a `str` as it is.

    Example:

    >>> without_lone_surrogates("a" + chr(0xD800) + "b") == "a\N{REPLACEMENT CHARACTER}b"
    True
    >>> without_lone_surrogates(None) is None
    True
    """
    if not isinstance(text, str):
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def response_dict(resp, usage):
    """The fields of a completion that `ChatCaller.call` returns and the cache keeps.

    Raises:
        AttributeError, IndexError, TypeError: `resp` is no completion.

    Example:

    >>> from types import SimpleNamespace as Reply
    >>> message = Reply(content='{"synopses": []}', refusal=None)
    >>> reply = Reply(id="c1", choices=[Reply(message=message, finish_reason="stop")])
    >>> response_dict(reply, (10, 5))["content"]
    '{"synopses": []}'
    """
    choice = resp.choices[0] if resp.choices else None
    msg = choice.message if choice is not None else None
    return {
        "id": getattr(resp, "id", None),
        "request_id": getattr(resp, "_request_id", None),
        "content": without_lone_surrogates(getattr(msg, "content", None)),
        "refusal": without_lone_surrogates(getattr(msg, "refusal", None)),
        "finish_reason": getattr(choice, "finish_reason", None),
        "usage": list(usage),
    }
