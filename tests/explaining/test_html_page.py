"""The HTML page: every text highlighted per label, HTML in texts escaped."""

import numpy as np

from genreclf.explaining.explanation import Explanation
from genreclf.explaining.explanation import LabelExplanation
from genreclf.explaining.html_page import write_html
from genreclf.explaining.words import text_words


def test_page_highlights_each_word_and_escapes_the_text(tmp_path):
    text = "A <b>killer</b> & a detective."
    words = text_words(text)
    assert [w.text for w in words] == ["A", "b", "killer", "b", "a", "detective"]
    entries = [
        LabelExplanation("thriller", 0.8, 0.8, 0.1, np.array([0, 0, 0.5, 0, 0, -0.25])),
        LabelExplanation("crime", 0.3, 0.3, 0.1, np.array([0, 0, 0, 0, 0, 0.2])),
    ]
    path = write_html([Explanation(text, words, entries)], tmp_path / "explain.html")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>")
    assert '<span class="w pos" style="background:rgba(0,160,60,0.80)" title="+0.5">killer' in page
    assert (
        '<span class="w neg" style="background:rgba(220,40,40,0.40)" title="-0.25">detective'
        in (page)
    )
    assert "&lt;" in page and "<b>killer" not in page and "&amp;" in page
    assert page.count('<div class="label">') == 2
