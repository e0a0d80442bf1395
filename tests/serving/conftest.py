"""Fixtures for the serving tests, modelled on TF Serving's model-server test.

A real server process (`python -m genreclf.serving`) on free ports of 127.0.0.1, started
once for the session on a base path holding tiny genre models (written with
`serving.testing.write_tiny_model`): `genre` versions 1 and 2 (labels
`stable` → 1, `canary` → 2) and `hybrid` version 1 (inputs `text` and `year`).
Tests wait until the server answers a status call, as TF Serving's test does.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def pick_unused_port():
    """A free TCP port on 127.0.0.1 (TF Serving's test does the same)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python -m genreclf.serving` as a subprocess on free ports.

    A port picked free can be taken by another test process before the server binds it; a
    server that exits saying so is started again on fresh ports (a few times at most).
    """

    PORT_TAKEN = "address already in use"
    STARTS = 3

    def __init__(self, models_dir, *args, log_path=None):
        self.models_dir, self.args, self.log_path = models_dir, args, log_path
        self._log = subprocess.DEVNULL
        self.starts = 0
        self._start()

    def _start(self):
        self.starts += 1
        self.rest_port = pick_unused_port()
        self.grpc_port = pick_unused_port()
        self.rest_url = f"http://127.0.0.1:{self.rest_port}"
        self.grpc_target = f"127.0.0.1:{self.grpc_port}"
        command = [
            sys.executable,
            "-m",
            "genreclf.serving",
            str(self.models_dir),
            "--rest-port",
            str(self.rest_port),
            "--grpc-port",
            str(self.grpc_port),
            "--log-level",
            "WARNING",
            *self.args,
        ]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=REPO)
        if self._log is not subprocess.DEVNULL:
            self._log.close()
        self._log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=self._log, stderr=self._log)

    def wait_ready(self, model="genre", timeout=120.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if self.PORT_TAKEN in self.log() and self.starts < self.STARTS:
                    self._start()
                    continue
                raise RuntimeError(f"server exited early with {self.proc.returncode}: {self.log()}")
            try:
                answered = requests.get(f"{self.rest_url}/v1/models/{model}", timeout=2)
                if answered.status_code == 200 and self._said_ready():
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not up yet, or another process holds the port (see above)
            time.sleep(0.2)
        raise TimeoutError(f"server not ready after {timeout}s: {self.log()}")

    def _said_ready(self):
        """Whether this process printed its ready line with its own REST address: a 200
        may come from another test process's server on a port picked free here."""
        if not self.log_path:
            return self.proc.poll() is None
        with open(self.log_path, "rb") as handle:  # all of it: polls may log after the line
            said = handle.read().decode("utf-8", "replace")
        return re.search(rf"ready: REST on http://\S+:{self.rest_port};", said) is not None

    def log(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")[-3000:]

    def terminate(self, timeout=30):
        """SIGTERM, then wait; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not subprocess.DEVNULL:
            self._log.close()
        return self.proc.returncode


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    """A base path with `genre` 1, 2 and `hybrid` 1."""
    from genreclf.serving.testing import write_tiny_model

    base = tmp_path_factory.mktemp("models")
    write_tiny_model(str(base), "genre", 1)
    write_tiny_model(str(base), "genre", 2)
    write_tiny_model(str(base), "hybrid", 1, hybrid=True)
    return base


@pytest.fixture(scope="session")
def server(models_dir, tmp_path_factory):
    """One server for the session's read-only protocol tests."""
    log = tmp_path_factory.mktemp("logs") / "server.log"
    process = ServerProcess(
        models_dir,
        "--label",
        "genre:stable=1",
        "--label",
        "genre:canary=2",
        "--max-body-bytes",
        "100000",
        log_path=str(log),
    )
    try:
        yield process.wait_ready()
    finally:
        process.terminate()


@pytest.fixture(scope="session")
def reference(models_dir):
    """`reference(name, version)`: the SavedModel called in this process (expected values)."""
    import tensorflow as tf

    cache = {}

    def get(name, version):
        if (name, version) not in cache:
            cache[(name, version)] = tf.saved_model.load(str(models_dir / name / str(version)))
        return cache[(name, version)]

    return get


@pytest.fixture
def start_server(tmp_path):
    """`start_server(models_dir, *args)`: a fresh server process, terminated after the test."""
    started = []

    def start(models_dir, *args, model="genre"):
        process = ServerProcess(
            models_dir, *args, log_path=str(tmp_path / f"server{len(started)}.log")
        )
        started.append(process)
        return process.wait_ready(model=model)

    yield start
    for process in started:
        process.terminate()


@pytest.fixture(scope="session")
def server_process():
    """The `ServerProcess` class, for module-scoped servers of a test module."""
    return ServerProcess


@pytest.fixture(scope="session")
def tiny_model_server():
    """`tiny_model_server(tmp_path_factory, *flags)`: a context manager holding a server of
    one tiny `genre` model (`--poll-seconds 0` and `flags`), for a module's own settings."""

    @contextlib.contextmanager
    def start(tmp_path_factory, *flags):
        from genreclf.serving.testing import write_tiny_model

        base = tmp_path_factory.mktemp("models")
        write_tiny_model(str(base), "genre", 1)
        log = tmp_path_factory.mktemp("logs") / "server.log"
        process = ServerProcess(base, "--poll-seconds", "0", *flags, log_path=str(log))
        try:
            yield process.wait_ready()
        finally:
            process.terminate()

    return start
