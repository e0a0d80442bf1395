import json
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

import genreclf
from genreclf.errors import ConfigError
from genreclf.tuning import distributed

from .conftest import subprocess_env


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_role_from_environment(monkeypatch):
    assert distributed.role() == "single"
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    with pytest.raises(ConfigError, match="KERASTUNER_TUNER_ID"):
        distributed.role()
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "8000")
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "chief")
    assert distributed.role() == "chief"
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "tuner1")
    assert distributed.role() == "worker"
    assert distributed.oracle_address() == ("127.0.0.1", 8000)


def test_a_tuner_id_without_the_chief_address_is_refused(monkeypatch):
    # `genreclf tune ... --tuner-id tuner0` without --oracle-ip ran a whole search of
    # its own, as if no --tuner-id had been given.
    for name in (distributed.TUNER_ID, distributed.ORACLE_IP, distributed.ORACLE_PORT):
        monkeypatch.setenv(name, "")  # restored after the test, which `configure` sets
        monkeypatch.delenv(name)
    with pytest.raises(ConfigError, match=r"Received: --tuner-id='tuner0' and no --oracle-ip"):
        distributed.configure("tuner0", None, None)
    with pytest.raises(ConfigError, match=r"drop --tuner-id and --oracle-port to search"):
        distributed.configure("chief", None, 8000)
    assert distributed.TUNER_ID not in os.environ and distributed.role() == "single"
    monkeypatch.setenv(distributed.ORACLE_IP, "127.0.0.1")  # the address from the environment
    distributed.configure("tuner1", None, 8000)
    assert distributed.role() == "worker"


def test_a_misspelt_chief_is_refused_not_taken_for_a_worker(monkeypatch):
    # `--tuner-id cheif` was a worker, waiting minutes for a chief that never came.
    monkeypatch.setenv(distributed.ORACLE_IP, "127.0.0.1")
    monkeypatch.setenv(distributed.ORACLE_PORT, "8000")
    workers = ("tuner0", "boss", "chef", "chip", "thief", "child")  # any id without 'chief'
    for tuner_id, role in (("chief", "chief"), *((w, "worker") for w in workers)):
        monkeypatch.setenv(distributed.TUNER_ID, tuner_id)
        assert distributed.role() == role
    for tuner_id in ("cheif", "Chief", "CHIEF", "fichE"):
        monkeypatch.setenv(distributed.TUNER_ID, tuner_id)
        with pytest.raises(ConfigError, match=rf"={tuner_id!r}, which reads as a misspelt"):
            distributed.role()


def test_wait_for_oracle_is_bounded_and_logged(caplog):
    port = _free_port()  # nothing listens there
    start = time.monotonic()
    with caplog.at_level("INFO", logger="genreclf.tuning"):
        with pytest.raises(ConfigError, match=f"No chief oracle answered at 127.0.0.1:{port}"):
            distributed.wait_for_oracle("127.0.0.1", port, timeout=1.0, first_pause=0.1)
    assert time.monotonic() - start < 3
    assert "not up yet (attempt 1" in caplog.text


def test_wait_for_oracle_returns_once_the_chief_listens():
    port = _free_port()
    server = []

    def start_late():
        time.sleep(0.5)
        server.append(socket.create_server(("127.0.0.1", port)))

    thread = threading.Thread(target=start_late)
    thread.start()
    waited = distributed.wait_for_oracle("127.0.0.1", port, timeout=10, first_pause=0.1)
    thread.join()
    server[0].close()
    assert 0.4 < waited < 5


@pytest.mark.parametrize("port", ["busy", "70000"])
def test_a_chief_that_cannot_listen_says_so_before_any_work(tmp_path, port):
    """A port in use (gRPC raised RuntimeError with a traceback, after the folder was made)."""
    folder = tmp_path / "search"
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1] if port == "busy" else int(port)
        done = subprocess.run(
            _tune_command(folder, "chief", port),
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"The chief could not listen on 127.0.0.1:{port} (in use" in done.stderr
    assert "--oracle-port" in done.stderr and "Traceback" not in done.stderr
    assert not folder.exists()  # the same command runs once the port is free: no --resume


def _tune_command(folder, tuner_id, port, *extra):
    return [
        sys.executable,
        "-m",
        "genreclf",
        "tune",
        str(genreclf.sample_path()),
        "--text",
        "overview",
        "--label",
        "genre",
        "--model",
        "ngram",
        "--tuner",
        "random",
        "--max-trials",
        "4",
        "--max-epochs",
        "1",
        "--dir",
        str(folder),
        "--quiet",
        "--set",
        "max_tokens=300",
        "--set",
        "ngrams=[1,2]",
        "--set",
        "hidden_dim=0",
        "--set",
        "batch_size=32",
        "--tuner-id",
        tuner_id,
        "--oracle-ip",
        "127.0.0.1",
        "--oracle-port",
        str(port),
        *extra,
    ]


def _statuses(folder):
    out = {}
    for path in sorted((folder / "trials").glob("trial_*/trial.json")):
        try:
            out[path.parent.name] = json.loads(path.read_text())["status"]
        except (json.JSONDecodeError, OSError):
            pass
    return out


def _ongoing(folder):
    try:
        return json.loads((folder / "trials" / "oracle.json").read_text())["ongoing_trials"]
    except (OSError, ValueError, KeyError):
        return {}


def _run_cluster(tmp_path, folder, port, kill_worker_mid_trial=False, max_trials=4):
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("tuner0", "tuner1", "chief")}
    processes = {}
    try:
        for name in ("tuner0", "tuner1"):
            processes[name] = subprocess.Popen(
                _tune_command(
                    folder,
                    name,
                    port,
                    "--oracle-wait",
                    "120",
                    "--heartbeat",
                    "1",
                    "--max-trials",
                    str(max_trials),
                ),
                env=subprocess_env(),
                stdout=logs[name],
                stderr=logs[name],
            )
        time.sleep(1.0)
        processes["chief"] = subprocess.Popen(
            _tune_command(
                folder,
                "chief",
                port,
                "--worker-timeout",
                "8" if kill_worker_mid_trial else "60",
                "--max-trials",
                str(max_trials),
            ),
            env=subprocess_env(),
            stdout=logs["chief"],
            stderr=logs["chief"],
        )
        if kill_worker_mid_trial:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and processes["tuner1"].poll() is None:
                if "tuner1" in _ongoing(folder):
                    processes["tuner1"].kill()
                    break
                time.sleep(0.1)
        codes = {name: p.wait(timeout=400) for name, p in processes.items()}
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.kill()
        for f in logs.values():
            f.close()
    text = {name: (tmp_path / f"{name}.log").read_text() for name in logs}
    return codes, text


@pytest.mark.large  # three genreclf processes on 127.0.0.1: about 40 s on a quiet 2-core machine
def test_chief_and_two_workers_started_first(tmp_path):
    """Workers start before the chief, wait for it, and share the trials between them."""
    folder, port = tmp_path / "search", _free_port()
    codes, text = _run_cluster(tmp_path, folder, port)
    assert codes == {"tuner0": 0, "tuner1": 0, "chief": 0}, {n: t[-2000:] for n, t in text.items()}
    assert "not up yet" in text["tuner0"] + text["tuner1"]  # they did wait for the chief
    rows = json.loads((folder / "leaderboard.json").read_text())
    assert len(rows) == 4 and {r["status"] for r in rows} == {"COMPLETED"}
    assert {r["tuner"] for r in rows} == {"tuner0", "tuner1"}
    assert (folder / "best.json").exists()


@pytest.mark.large
def test_a_dead_worker_does_not_stop_the_search(tmp_path):
    """SIGKILL one worker mid-trial: the chief requeues its trial, the other worker finishes."""
    folder, port = tmp_path / "search", _free_port()
    codes, text = _run_cluster(tmp_path, folder, port, kill_worker_mid_trial=True, max_trials=3)
    assert codes["tuner1"] == -9 and codes["tuner0"] == 0 and codes["chief"] == 0, {
        n: t[-2000:] for n, t in text.items()
    }
    rows = json.loads((folder / "leaderboard.json").read_text())
    assert len(rows) == 3 and {r["status"] for r in rows} == {"COMPLETED"}, rows
    assert "worker tuner1 silent" in text["chief"] and "goes back to the queue" in text["chief"]
