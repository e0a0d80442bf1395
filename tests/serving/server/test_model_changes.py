"""What the files under the base path and the model config do to a running server.

One server (`--model-config`, polling every 0.3 s) of `genre` (version 1, labelled
`stable` in the config) and `nothere`, whose base path does not exist, with the flag
`--label canary=1` (every model: `nothere` has no version 1). The tests wait for what
they expect with generous deadlines; to show that a warning is not repeated at every
poll, they let several polls pass and count it.
"""

import os
import shutil
import time

import pytest
import requests

from genreclf.serving.testing import write_tiny_model
from tests.serving.server.polling import wait_for

POLL = 0.3  # seconds
SEVERAL_POLLS = 10 * POLL


def replace_text(path, text):
    """Writes `path` atomically: the server polling it never reads half a file."""
    path.with_suffix(".tmp").write_text(text)
    os.replace(path.with_suffix(".tmp"), path)


def write_config(path, genre_base, labels='version_labels { key: "stable" value: 1 }'):
    replace_text(
        path,
        "model_config_list {\n"
        f'  config {{ name: "genre" base_path: "{genre_base}" '
        f"model_version_policy {{ all {{}} }} {labels} }}\n"
        '  config { name: "nothere" base_path: "/models/nothere" }\n'
        "}\n",
    )


@pytest.fixture(scope="module")
def changing(tmp_path_factory, server_process):
    base = tmp_path_factory.mktemp("changing")
    write_tiny_model(str(base), "genre", 1)
    config = tmp_path_factory.mktemp("changing_config") / "models.config"
    write_config(config, base / "genre")
    log = tmp_path_factory.mktemp("changing_logs") / "server.log"
    process = server_process(
        base,
        *("--model-config", str(config), "--label", "canary=1", "--poll-seconds", str(POLL)),
        log_path=str(log),
    )
    try:
        yield base, config, process.wait_ready()
    finally:
        process.terminate()


def full_log(process):
    with open(process.log_path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def versions(process, model="genre"):
    body = requests.get(f"{process.rest_url}/v1/models/{model}", timeout=30).json()
    return {int(s["version"]): s for s in body["model_version_status"]}


def predict(process, path):
    url = f"{process.rest_url}/v1/models/{path}:predict"
    return requests.post(url, json={"instances": ["a ghost"]}, timeout=30)


def test_a_version_copied_in_two_steps_becomes_available(changing):
    base, _, process = changing
    source, target = base / "genre" / "1", base / "genre" / "7"
    (target / "variables").mkdir(parents=True)
    shutil.copy(source / "variables" / "variables.index", target / "variables")
    shutil.copytree(source / "assets", target / "assets")
    shutil.copy(source / "saved_model.pb", target)  # a candidate now, without its data

    def failed_for_want_of_data():  # (a poll may see saved_model.pb half-copied first)
        status = versions(process).get(7, {}).get("status", {})
        return status.get("error_code") == "NOT_FOUND"

    assert wait_for(failed_for_want_of_data), full_log(process)
    assert versions(process)[7]["state"] == "END"
    assert "variables.data-00000-of-00001" in versions(process)[7]["status"]["error_message"]
    for data in (source / "variables").glob("variables.data-*"):
        shutil.copy(data, target / "variables")  # seconds later
    assert wait_for(lambda: versions(process)[7]["state"] == "AVAILABLE"), full_log(process)
    assert versions(process)[7]["status"]["error_code"] == "OK"
    assert predict(process, "genre/versions/7").status_code == 200


def test_a_label_naming_a_missing_version_is_warned_once_and_a_404_naming_it(changing):
    _, _, process = changing
    answer = predict(process, "nothere/labels/canary")
    assert answer.status_code == 404
    assert answer.json()["error"] == (
        "Servable not found for request: Specific(nothere, 1) (version label 'canary' names "
        "version 1, which is not available; GET /v1/models/nothere lists the versions served)"
    )
    assert predict(process, "genre/labels/canary").status_code == 200
    time.sleep(SEVERAL_POLLS)
    log = full_log(process)
    assert log.count("Expected version label 'canary' of model nothere (--label canary=1)") == 1
    assert "Requests to nothere by label 'canary' get 404 until it serves version 1" in log


def test_a_base_path_that_does_not_exist_is_warned_about_once(changing):
    base, _, process = changing
    time.sleep(SEVERAL_POLLS)
    log = full_log(process)
    assert log.count("No versions of servable nothere found under base path") == 1, log
    assert (
        f"No versions of servable nothere found under base path {base / 'nothere'} "
        "(base_path /models/nothere), which does not exist. Fix the model's base_path" in log
    )


def test_config_edits_that_cannot_apply_are_warned_about_once_each(changing):
    base, config, process = changing
    keeping = "WARNING genreclf.serving.server: Keeping the previous model config: "
    before = full_log(process).count(keeping)
    try:
        write_config(config, base / "genre", 'version_labels { key: "beta" value: 9 }')
        assert wait_for(lambda: full_log(process).count(keeping) == before + 1)
        time.sleep(SEVERAL_POLLS)
        log = full_log(process)
        assert log.count(keeping) == before + 1
        assert keeping + "Expected version label 'beta' of model genre (version_labels" in log
        assert predict(process, "genre/labels/beta").status_code == 400  # not applied
        assert predict(process, "genre/labels/stable").status_code == 200
        replace_text(config, "model_config_list { config { nme: 'genre' } }")  # broken
        assert wait_for(lambda: full_log(process).count(keeping) == before + 2)
        time.sleep(SEVERAL_POLLS)
        assert full_log(process).count(keeping) == before + 2
        assert keeping + "Expected a TF Serving model config" in full_log(process)
    finally:
        write_config(config, base / "genre")
    assert predict(process, "genre/labels/stable").status_code == 200


def test_a_new_version_that_fails_to_load_leaves_the_previous_one_serving(start_server, tmp_path):
    # As TF Serving's AvailabilityPreservingPolicy: under "latest", version 1 is unloaded
    # only once a newer version is available, not when one fails to load.
    base, staging = tmp_path / "models", tmp_path / "staging"
    write_tiny_model(str(base), "genre", 1)
    process = start_server(base, "--versions", "latest", "--poll-seconds", str(POLL))
    broken = base / "genre" / ".tmp-2"
    shutil.copytree(base / "genre" / "1", broken)
    (broken / "saved_model.pb").write_bytes(b"garbage")
    os.rename(broken, base / "genre" / "2")
    assert wait_for(lambda: versions(process).get(2, {}).get("state") == "END"), full_log(process)
    time.sleep(SEVERAL_POLLS)
    status = versions(process)
    assert status[2]["status"]["error_code"] == "UNKNOWN"
    assert "Failed to load genre version 2" in status[2]["status"]["error_message"]
    assert status[1]["state"] == "AVAILABLE"
    assert predict(process, "genre").status_code == 200
    assert full_log(process).count("Keeping genre version 1 serving until") == 1
    write_tiny_model(str(staging), "genre", 3)
    os.rename(staging / "genre" / "3", base / "genre" / "3")
    assert wait_for(lambda: versions(process)[1]["state"] == "END"), full_log(process)
    assert versions(process)[3]["state"] == "AVAILABLE"
    assert predict(process, "genre/versions/3").status_code == 200
    assert predict(process, "genre/versions/1").status_code == 404


def test_a_model_folder_whose_name_is_not_utf8_is_skipped_with_one_warning(start_server, tmp_path):
    # It was served under a name no request can give, and /web/models.json was a 500.
    base = tmp_path / "models"
    write_tiny_model(str(base), "genre", 1)
    odd = os.path.join(os.fsencode(base), b"g\xff")
    shutil.copytree(os.fsencode(base / "genre"), odd)
    process = start_server(base, "--poll-seconds", str(POLL))
    time.sleep(SEVERAL_POLLS)
    page = requests.get(f"{process.rest_url}/web/models.json", timeout=30)
    assert page.status_code == 200 and list(page.json()) == ["genre"], page.text
    assert full_log(process).count("is not UTF-8 (no request can name it)") == 1
