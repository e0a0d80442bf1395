"""The web page shows the served model's words: each top genre's text, highlighted."""

import pytest

SYNOPSIS = "A detective hunts a killer through a rainy city, and falls in love."


@pytest.fixture(scope="module")
def run_server(trained_run, tmp_path_factory, server_process):
    from genreclf.export.exporter import export_run

    base = tmp_path_factory.mktemp("page_models")
    export_run(trained_run.path, base, "genre", verify=False)
    log = tmp_path_factory.mktemp("page_logs") / "server.log"
    process = server_process(base, log_path=str(log))
    try:
        yield process.wait_ready()
    finally:
        process.terminate()


@pytest.mark.large  # a server and Chromium
def test_submit_then_read_the_highlighted_words(run_server, browser):
    browser.navigate(run_server.rest_url + "/")
    browser.wait_for("document.body && document.body.dataset.ready === '1'")
    browser.type_into("synopsis", SYNOPSIS)
    browser.click("submit")
    browser.wait_for("document.body.dataset.explained === '1'")
    rows = browser.evaluate(
        "[...document.querySelectorAll('.why-row')].map(r => [r.dataset.label,"
        " r.querySelector('.why-text').textContent,"
        " r.querySelectorAll('.w.pos').length + r.querySelectorAll('.w.neg').length])"
    )
    top = browser.evaluate(
        "[...document.querySelectorAll('.bar-row.top')].map(r => r.dataset.label)"
    )
    assert [label for label, _, _ in rows] == top  # the same top genres as the bars
    assert all(text == SYNOPSIS for _, text, _ in rows)
    assert all(coloured > 0 for _, _, coloured in rows)
