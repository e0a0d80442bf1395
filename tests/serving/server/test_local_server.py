"""The local server as a process: new versions without restart, never a half-written one,
clean exit on SIGTERM, 127.0.0.1 by default."""

import shutil
import socket
import subprocess
import time

import pytest
import requests

from genreclf.serving.testing import write_tiny_model
from tests.serving.server.polling import wait_for


@pytest.fixture(scope="module")
def fresh(tmp_path_factory, server_process):
    base = tmp_path_factory.mktemp("fresh")
    write_tiny_model(str(base), "genre", 1)
    log = tmp_path_factory.mktemp("fresh_logs") / "server.log"
    process = server_process(base, "--poll-seconds", "0.3", log_path=str(log)).wait_ready()
    yield base, process
    process.terminate()


def versions(process):
    body = requests.get(f"{process.rest_url}/v1/models/genre", timeout=10).json()
    return {int(s["version"]): s["state"] for s in body["model_version_status"]}


def predict_version(process, version=None):
    path = "/v1/models/genre" + (f"/versions/{version}" if version else "") + ":predict"
    return requests.post(process.rest_url + path, json={"instances": ["a ghost"]}, timeout=10)


def test_new_version_is_served_without_restart(fresh):
    base, process = fresh
    before = predict_version(process).json()
    write_tiny_model(str(base), "genre", 2)  # temporary folder, then rename
    assert wait_for(lambda: versions(process).get(2) == "AVAILABLE"), process.log()
    after = predict_version(process).json()
    assert after != before
    assert after == predict_version(process, 2).json()
    assert predict_version(process, 1).json() == before


def test_half_written_version_is_never_served(fresh):
    base, process = fresh
    source = base / "genre" / "1"
    half = base / "genre" / "3"
    shutil.copytree(source / "variables", half / "variables")  # no saved_model.pb yet
    temp = base / "genre" / ".tmp-4-writing"
    shutil.copytree(source, temp)  # complete, but a temporary (non-integer) name
    time.sleep(2.0)  # several poll intervals
    assert 3 not in versions(process) and 4 not in versions(process)
    assert predict_version(process, 3).status_code == 404
    assert predict_version(process).json() == predict_version(process, 2).json()
    shutil.copy(source / "saved_model.pb", half / "saved_model.pb")  # now complete
    assert wait_for(lambda: versions(process).get(3) == "AVAILABLE"), process.log()
    assert predict_version(process, 3).status_code == 200


def test_binds_loopback_only_by_default(fresh):
    _, process = fresh
    addresses = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    others = [a for a in addresses if ":" not in a and not a.startswith("127.")]
    if not others:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex((others[0], process.rest_port)) != 0


def test_sigterm_exits_cleanly_with_code_0(fresh):
    _, process = fresh
    assert predict_version(process).status_code == 200
    assert process.terminate() == 0
    assert "genreclf serve: stopped" in process.log()
    with pytest.raises(requests.ConnectionError):
        predict_version(process)


def fake_run_folder(path):
    """The files `genreclf train` leaves in a finished run folder (contents unread here)."""
    path.mkdir(parents=True)
    for name in ("config.json", "labels.json", "model.keras", "thresholds.json"):
        (path / name).write_text("{}")
    (path / "logs").mkdir()
    return path


def describe(base):
    from genreclf.serving.server.local_server import LocalServer

    server = LocalServer(base, rest_port=0, grpc_port=0, poll_seconds=60).start()
    try:
        return server.describe()
    finally:
        server.stop()


def test_a_run_folder_in_the_base_is_named_with_how_to_export_it(tmp_path):
    fake_run_folder(tmp_path / "bilstm")
    (tmp_path / "empty").mkdir()  # a model whose first version is still to come
    (tmp_path / "preset").mkdir()
    (tmp_path / "preset" / "config.json").write_text("{}")  # e.g. a keras-hub preset: no run
    line = describe(tmp_path)
    assert "models: bilstm (versions none yet), empty (versions none yet), preset" in line
    assert "(bilstm: a run folder, not an export; export it with `genreclf export" in line
    assert "empty:" not in line and "preset:" not in line


def test_serving_a_run_folder_itself_says_it_is_one(tmp_path):
    run = fake_run_folder(tmp_path / "runs" / "bilstm")
    line = describe(run)
    assert f"({run}: a run folder, not an export; export it with `genreclf export" in line
