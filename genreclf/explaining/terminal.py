"""Explanations in the terminal: each top label, its words coloured by sign.

Green words pushed the label up, red ones held it back; the stronger the
push, the brighter (bold) the word. Colour is used only on a terminal and
never when `NO_COLOR` is set (https://no-color.org); plain text lists the
strongest words with their signed attributions instead. For a calibrated
model each label also gets a line with the score before calibration that its
words add up to.
"""

import os

import numpy as np

_GREEN, _RED = "32", "31"


def use_color(stream):
    """True when `stream` is a terminal and `NO_COLOR` is not set (or empty).

    Example:

    >>> import io
    >>> use_color(io.StringIO())
    False
    """
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _paint(text, value, scale):
    if scale <= 0 or value == 0:
        return text
    strength = abs(value) / scale
    if strength < 0.1:
        return text
    code = _GREEN if value > 0 else _RED
    bold = "1;" if strength >= 0.5 else ""
    return f"\033[{bold}{code}m{text}\033[0m"


def highlighted_text(explanation, entry):
    """The text with each word wrapped in ANSI colour by `entry`'s attributions."""
    scale = float(np.max(np.abs(entry.attributions))) if len(entry.attributions) else 0.0
    pieces, last = [], 0
    for word, value in zip(explanation.words, entry.attributions):
        pieces.append(explanation.text[last : word.start])
        pieces.append(_paint(explanation.text[word.start : word.end], float(value), scale))
        last = word.end
    pieces.append(explanation.text[last:])
    return "".join(pieces)


def _word_list(pairs):
    return ", ".join(f"{word} {value:+.3g}" for word, value in pairs) or "-"


def render(explanation, color=False, top_words=5):
    """The explanation as lines of text (ANSI-coloured if `color`).

    Example:

    >>> from genreclf.explaining.explanation import Explanation, LabelExplanation, Word
    >>> e = Explanation("a dark heist", [Word("a", 0, 1), Word("dark", 2, 6),
    ...                 Word("heist", 7, 12)], [LabelExplanation("crime", 0.9, 2.0, -0.5,
    ...                 np.array([0.0, -0.5, 2.0]))], units="logit", method="exact")
    >>> print(render(e))
    a dark heist
      crime  0.900   for: heist +2   against: dark -0.5
    """
    lines = [explanation.text]
    for entry in explanation.labels:
        pushed = explanation.top_words(entry.label, k=top_words, sign=1)
        held = explanation.top_words(entry.label, k=top_words, sign=-1)
        lines.append(
            f"  {entry.label}  {entry.score:.3f}   for: {_word_list(pushed)}"
            f"   against: {_word_list(held)}"
        )
        if explanation.calibration:
            lines.append("    " + explanation.explained(entry))
        if color:
            lines.append("    " + highlighted_text(explanation, entry))
    return "\n".join(lines)
