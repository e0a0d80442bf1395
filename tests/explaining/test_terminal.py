"""Explanations in the terminal: colour only on a TTY without NO_COLOR."""

import io

import numpy as np

from genreclf.explaining.explanation import Explanation
from genreclf.explaining.explanation import LabelExplanation
from genreclf.explaining.explanation import Word
from genreclf.explaining.terminal import render
from genreclf.explaining.terminal import use_color


def _explanation():
    words = [Word("A", 0, 1), Word("killer", 2, 8), Word("smiles", 9, 15)]
    entry = LabelExplanation("thriller", 0.8, 0.8, 0.3, np.array([0.0, 0.6, -0.2]))
    return Explanation("A killer smiles.", words, [entry], units="score", method="ig")


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_colour_needs_a_terminal_and_no_NO_COLOR(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(_Tty()) and not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(_Tty())
    monkeypatch.setenv("NO_COLOR", "")  # empty: no effect (no-color.org)
    assert use_color(_Tty())


def test_plain_text_lists_the_words_by_sign():
    text = render(_explanation(), color=False)
    assert "\033[" not in text
    assert "thriller  0.800   for: killer +0.6   against: smiles -0.2" in text


def test_colour_paints_words_green_and_red_in_place():
    text = render(_explanation(), color=True)
    assert "\033[1;32mkiller\033[0m" in text  # the strongest push: bold green
    assert "\033[31msmiles\033[0m." in text  # held back: red, punctuation kept
