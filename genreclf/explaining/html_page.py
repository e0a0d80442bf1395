"""Explanations as one self-contained HTML page: each text highlighted per top label.

Every word is a `<span class="w">` whose background is green (pushed the
label up) or red (held it back), its opacity the attribution's share of the
strongest word of that label; hovering shows the value. For a calibrated
model each label also shows the score before calibration its words add up to.
"""

import html

import numpy as np

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222; }
section { border-bottom: 1px solid #ddd; padding: 1rem 0; }
h2 { font-size: 1rem; color: #555; margin: 0 0 .5rem; }
.label { margin: .6rem 0; line-height: 1.8; }
.label b { display: inline-block; min-width: 11rem; }
.w { border-radius: 3px; padding: 0 1px; }
.meta { color: #777; font-size: .85rem; }
"""


def _span(text, value, scale):
    if scale <= 0 or value == 0:
        return f'<span class="w">{html.escape(text)}</span>'
    alpha = min(1.0, abs(value) / scale) * 0.8
    color = f"rgba(0,160,60,{alpha:.2f})" if value > 0 else f"rgba(220,40,40,{alpha:.2f})"
    sign = "pos" if value > 0 else "neg"
    return (
        f'<span class="w {sign}" style="background:{color}" title="{value:+.4g}">'
        f"{html.escape(text)}</span>"
    )


def highlighted_html(explanation, entry):
    """The text as HTML with every word highlighted by `entry`'s attributions."""
    scale = float(np.max(np.abs(entry.attributions))) if len(entry.attributions) else 0.0
    pieces, last = [], 0
    for word, value in zip(explanation.words, entry.attributions):
        pieces.append(html.escape(explanation.text[last : word.start]))
        pieces.append(_span(explanation.text[word.start : word.end], float(value), scale))
        last = word.end
    pieces.append(html.escape(explanation.text[last:]))
    return "".join(pieces)


def render_html(explanations, title="genreclf explanations"):
    """The page as a string.

    Example:

    >>> from genreclf.explaining.explanation import Explanation, LabelExplanation, Word
    >>> e = Explanation("a heist", [Word("a", 0, 1), Word("heist", 2, 7)],
    ...                 [LabelExplanation("crime", 0.9, 2.0, 0.0, np.array([0.0, 2.0]))])
    >>> '<span class="w pos" style="background:rgba(0,160,60,0.80)"' in render_html([e])
    True
    """
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    if explanations:
        first = explanations[0]
        parts.append(
            f'<p class="meta">{html.escape(first.method)}; attributions in {first.units} '
            f"units{html.escape(first.adds_up_to())}; green pushed the label up, red held it "
            "back.</p>"
        )
    for number, explanation in enumerate(explanations, start=1):
        parts.append(f"<section><h2>Text {number}</h2>")
        for entry in explanation.labels:
            note = explanation.explained(entry)
            note = f'<div class="meta">{html.escape(note)}</div>' if note else ""
            parts.append(
                f'<div class="label"><b>{html.escape(entry.label)} {entry.score:.3f}</b> '
                f"{highlighted_html(explanation, entry)}{note}</div>"
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_html(explanations, path, title="genreclf explanations"):
    """Writes `render_html(explanations)` to `path` (UTF-8); returns the path."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(render_html(explanations, title=title))
    return path
