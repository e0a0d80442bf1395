"""Explanations: which words pushed each top label (`genreclf.explain`).

Exact contributions for linear TF-IDF models, integrated gradients on the
embeddings for neural families, their blend for `stack` and ensembles;
shown in the terminal, as an HTML page, in `report.md`. `Explainer.explain`
takes a `should_stop` function that stops a long one (`ExplanationStopped`).
"""

from genreclf.explaining.explain_run import explain
from genreclf.explaining.explainer import Explainer
from genreclf.explaining.explanation import Explanation
from genreclf.explaining.explanation import LabelExplanation
from genreclf.explaining.explanation import Word
from genreclf.explaining.html_page import render_html
from genreclf.explaining.html_page import write_html
from genreclf.explaining.stopping import ExplanationStopped
from genreclf.explaining.terminal import render

__all__ = [
    "Explainer",
    "Explanation",
    "ExplanationStopped",
    "LabelExplanation",
    "Word",
    "explain",
    "render",
    "render_html",
    "write_html",
]
