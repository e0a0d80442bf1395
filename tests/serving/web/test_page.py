"""The web page at `/` in headless Chromium: type a synopsis, submit, read the bars."""

import os

import tensorflow as tf

from genreclf.serving.testing import LABELS
from genreclf.serving.testing import float32_json

SYNOPSIS = "A family is haunted by a ghost and a demon killer in their house."


def test_type_submit_and_read_the_bars(server, browser, reference, tmp_path):
    browser.navigate(server.rest_url + "/")
    browser.wait_for("document.body && document.body.dataset.ready === '1'")
    options = browser.evaluate("[...document.getElementById('model').options].map(o => o.value)")
    assert options[:4] == [
        "genre",
        "genre/labels/stable",
        "genre/labels/canary",
        "genre/versions/2",
    ]
    browser.type_into("synopsis", SYNOPSIS)
    browser.click("submit")
    browser.wait_for("document.body.dataset.state === 'done'")
    bars = browser.evaluate(
        "[...document.querySelectorAll('.bar-row')].map(r => "
        "[r.dataset.label, Number(r.dataset.score), r.querySelector('.fill').style.width])"
    )
    expected = reference("genre", 2).signatures["serving_default"](text=tf.constant([SYNOPSIS]))
    scores = dict(zip(LABELS, float32_json(expected["scores"].numpy()[0])))
    top = [b.decode() for b in expected["top_labels"].numpy()[0]]
    # Every genre (the classes come from assets/labels.txt), highest first.
    assert [label for label, _, _ in bars] == sorted(LABELS, key=lambda l: -scores[l])
    assert {label: float32_json(score) for label, score, _ in bars} == scores
    assert [label for label, _, _ in bars][:3] == top and top[0] == "horror"
    assert (
        browser.evaluate("[...document.querySelectorAll('.bar-row.top')].map(r => r.dataset.label)")
        == top
    )
    widths = [float(width.rstrip("%")) for _, _, width in bars]
    assert widths == sorted(widths, reverse=True) and widths[0] > 50
    shot = str(tmp_path / "page.png")
    browser.screenshot(shot)
    if os.environ.get("GENRECLF_SCREENSHOT"):
        browser.screenshot(os.environ["GENRECLF_SCREENSHOT"])
    assert os.path.getsize(shot) > 5000


def test_hybrid_model_gets_a_field_per_feature(server, browser):
    browser.navigate(server.rest_url + "/")
    browser.wait_for("document.body && document.body.dataset.ready === '1'")
    browser.evaluate(
        "(() => { const s = document.getElementById('model'); s.value = 'hybrid';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    browser.wait_for("!!document.getElementById('feature-year')")
    browser.type_into("synopsis", "Love and a wedding")
    browser.type_into("feature-year", "1999")
    browser.click("submit")
    browser.wait_for("document.body.dataset.state === 'done'")
    top = browser.evaluate("document.querySelector('.bar-row').dataset.label")
    assert top == "romance"


def test_server_errors_are_shown(server, browser):
    browser.navigate(server.rest_url + "/")
    browser.wait_for("document.body && document.body.dataset.ready === '1'")
    browser.evaluate(
        "(() => { const s = document.getElementById('model');"
        " s.add(new Option('gone', 'genre/versions/9')); s.value = 'genre/versions/9'; })()"
    )
    browser.type_into("synopsis", "Anything")
    browser.click("submit")
    browser.wait_for("document.body.dataset.state === 'error'")
    assert browser.evaluate("document.getElementById('status').textContent") == (
        "Servable not found for request: Specific(genre, 9)"
    )


def test_a_server_that_went_away_is_named_not_failed_to_fetch(start_server, models_dir, browser):
    gone = start_server(models_dir)
    browser.navigate(gone.rest_url + "/")
    browser.wait_for("document.body && document.body.dataset.ready === '1'")
    gone.terminate()
    browser.type_into("synopsis", "Anything")
    browser.click("submit")
    browser.wait_for("document.body.dataset.state === 'error'")
    status = browser.evaluate("document.getElementById('status').textContent")
    assert status.startswith(f"No answer from the server at {gone.rest_url}"), status
    assert "genreclf serve" in status
