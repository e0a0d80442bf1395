"""The local server as a process: new versions without restart, never a half-written one,
clean exit on SIGTERM, 127.0.0.1 by default, every address of `--host localhost`."""

import errno
import shutil
import socket
import subprocess
import time

import pytest
import requests

from genreclf.serving.testing import write_tiny_model
from tests.serving.server.ipv6 import ipv6_loopback_unbindable
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


@pytest.fixture(scope="module")
def on_localhost(tmp_path_factory, server_process):
    base = tmp_path_factory.mktemp("on_localhost")
    write_tiny_model(str(base), "genre", 1)
    log = tmp_path_factory.mktemp("on_localhost_logs") / "server.log"
    process = server_process(base, "--host", "localhost", "--poll-seconds", "0", log_path=str(log))
    yield process.wait_ready()  # asks 127.0.0.1
    process.terminate()


def ipv6_loopback_missing():
    """Why `localhost` cannot be served on ::1 here, or None when it can."""
    unbindable = ipv6_loopback_unbindable()
    if unbindable:
        return unbindable
    found = socket.getaddrinfo("localhost", 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    addresses = sorted({info[4][0] for info in found})
    if "::1" not in addresses:
        return f"localhost resolves to {', '.join(addresses)} here, not ::1 (see /etc/hosts)"
    return None


def test_host_localhost_answers_on_ipv4_loopback(on_localhost):
    url = f"http://127.0.0.1:{on_localhost.rest_port}/v1/models/genre"
    assert requests.get(url, timeout=10).status_code == 200, on_localhost.log()


def test_host_localhost_answers_on_ipv6_loopback_too(on_localhost):
    missing = ipv6_loopback_missing()
    if missing:
        pytest.skip(missing)
    url = f"http://[::1]:{on_localhost.rest_port}/v1/models/genre"
    assert requests.get(url, timeout=10).status_code == 200, on_localhost.log()


def resolving(monkeypatch, *addresses):
    """`socket.getaddrinfo` answering `addresses` (IPv4 or IPv6) for any host, in order."""

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_every_address_of_the_host_listens_on_the_port_picked_for_the_first(monkeypatch):
    from genreclf.serving.server.local_server import _listeners

    if not socket.has_ipv6:
        pytest.skip("this Python has no IPv6 (socket.has_ipv6 is False)")
    resolving(monkeypatch, "::1", "127.0.0.1")  # what /etc/hosts often says of localhost
    try:
        sockets = _listeners("REST", "localhost", 0)
    except OSError as err:
        pytest.skip(f"::1 cannot be bound on this machine ({err})")
    try:
        if len(sockets) == 1:
            pytest.skip("::1 cannot be bound on this machine (skipped by _listeners)")
        six, four = sockets
        assert (six.family, four.family) == (socket.AF_INET6, socket.AF_INET)
        assert six.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
        port = four.getsockname()[1]
        assert port != 0 and six.getsockname()[1] == port
        for family, address in ((socket.AF_INET6, "::1"), (socket.AF_INET, "127.0.0.1")):
            with socket.socket(family) as client:
                client.settimeout(10)
                client.connect((address, port))  # listening
    finally:
        for sock in sockets:
            sock.close()


def test_a_port_in_use_on_one_address_is_one_line_and_binds_none(monkeypatch):
    from genreclf.serving.server.local_server import _listeners

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        resolving(monkeypatch, "::1", "127.0.0.1")
        with pytest.raises(OSError) as info:
            _listeners("REST", "localhost", port)
        try:  # free again: the ::1 socket bound before the error was closed
            with socket.socket(socket.AF_INET6) as again:
                again.bind(("::1", port))
        except OSError as err:  # but where ::1 is missing, nothing was bound there
            assert err.errno != errno.EADDRINUSE, err
    assert str(info.value) == (
        f"Expected a free port to serve REST on. Received: --rest-port={port} on localhost: "
        "address already in use. Pick another port with --rest-port (0 turns REST off), or "
        "stop what is using it."
    )


def test_an_address_this_machine_lacks_is_skipped_while_another_binds(monkeypatch):
    from genreclf.serving.server.local_server import _listeners

    resolving(monkeypatch, "192.0.2.1", "127.0.0.1")  # TEST-NET-1: on no interface
    sockets = _listeners("REST", "example", 0)
    try:
        assert [sock.getsockname()[0] for sock in sockets] == ["127.0.0.1"]
    finally:
        for sock in sockets:
            sock.close()
    resolving(monkeypatch, "192.0.2.1")  # ... but one must bind
    with pytest.raises(OSError, match="--host='example': cannot assign requested address"):
        _listeners("REST", "example", 0)


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
