"""`LocalServer`: the model store, the REST server and the gRPC server together.

Loads every model first (like `tensorflow_model_server`, it answers once the
initial versions are loaded), then serves REST with uvicorn and gRPC with
grpcio, both recording in one `ServingMetrics`, polls the base path for new
versions, and stops cleanly on SIGTERM or SIGINT (`serve_forever` returns).
"""

import logging
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import uvicorn

from genreclf.run import COMPLETE
from genreclf.run import LABELS
from genreclf.run import MODEL
from genreclf.serving.server.body_budget import BodyBudget
from genreclf.serving.server.grpc_service import create_grpc_server
from genreclf.serving.server.limits import Limits
from genreclf.serving.server.metrics import ServingMetrics
from genreclf.serving.server.model_store import ModelStore
from genreclf.serving.server.rest import connection_guard_protocol
from genreclf.serving.server.rest import create_app

logger = logging.getLogger("genreclf.serving.server")


def is_run_folder(path):
    """Whether `path` holds a trained run (`genreclf train`'s output), not SavedModel versions.

    Example:

    >>> is_run_folder("models/genre")
    False
    """
    return path is not None and all(
        (Path(path) / name).is_file() for name in (LABELS, MODEL, COMPLETE)
    )


class LocalServer:
    """A TF-Serving-protocol server for the SavedModels under a base path.

    Args:
        models_dir: the base path: one folder per model, integer version folders in each.
        host: the interface to bind; 127.0.0.1 unless you mean to expose it.
        rest_port, grpc_port: the ports (TF Serving's 8501 and 8500; 0 turns one off).
        workers: threads running requests (each protocol has its own pool).
        limits: the server's `Limits` (request sizes, connections, timeouts).
        **store_options: `specs`, `labels`, `policy`, `poll_seconds` of the `ModelStore`.

    Example:

    >>> server = LocalServer("models/", rest_port=8501, grpc_port=8500).start()  # doctest: +SKIP
    >>> server.stop()  # doctest: +SKIP
    """

    def __init__(
        self,
        models_dir,
        *,
        host="127.0.0.1",
        rest_port=8501,
        grpc_port=8500,
        workers=8,
        limits=None,
        **store_options,
    ):
        self.host, self.rest_port, self.grpc_port = host, rest_port, grpc_port
        self.workers, self.limits, self.metrics = workers, limits or Limits(), ServingMetrics()
        self.body_budget = BodyBudget(self.limits.max_body_bytes_in_flight)  # REST and gRPC
        self.metrics.track_body_budget(self.body_budget)
        self.store = ModelStore(models_dir, **store_options)
        self._executor = self._uvicorn = self._rest_thread = self._grpc = None
        self._stop_event = threading.Event()

    def start(self, timeout=60.0):
        """Loads the models, then starts polling, gRPC and REST; returns self once serving."""
        self.store.scan()
        self.store.start_polling()
        if self.grpc_port:
            address = f"{self.host}:{self.grpc_port}"
            self._grpc, self.grpc_port = create_grpc_server(
                self.store, address, self.workers, self.limits, self.metrics, self.body_budget
            )
            self._grpc.start()
        if self.rest_port:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="rest")
            app = create_app(
                self.store, self._executor, self.limits, self.metrics, self.body_budget
            )
            self._uvicorn = uvicorn.Server(
                uvicorn.Config(
                    app,
                    host=self.host,
                    port=self.rest_port,
                    log_level="warning",
                    access_log=False,
                    timeout_graceful_shutdown=5,
                    timeout_keep_alive=5,
                    http=connection_guard_protocol(
                        self.limits.header_timeout, self.limits.max_connections
                    ),
                )
            )
            self._rest_thread = threading.Thread(target=self._uvicorn.run, daemon=True)
            self._rest_thread.start()
            deadline = time.monotonic() + timeout
            while not self._uvicorn.started:
                if not self._rest_thread.is_alive() or time.monotonic() > deadline:
                    self.stop()
                    raise OSError(
                        f"Could not start REST on {self.host}:{self.rest_port} within "
                        f"{timeout:g} s; is the port in use? Pick another with --rest-port."
                    )
                time.sleep(0.02)
        return self

    def describe(self):
        """One line naming the addresses and the served models."""
        parts = [f"REST on http://{self.host}:{self.rest_port}"] if self.rest_port else []
        parts += [f"gRPC on {self.host}:{self.grpc_port}"] if self.grpc_port else []
        served = self.store.models()  # one snapshot: a poll may change the models meanwhile
        models = [
            f"{name} (versions {', '.join(map(str, info['versions'])) or 'none yet'})"
            for name, info in served.items()
        ]
        runs = [str(self.store.models_dir)] if is_run_folder(self.store.models_dir) else []
        runs += [
            name
            for name, info in served.items()
            if not info["versions"] and is_run_folder(self.store.base_path(name))
        ]
        hint = (
            f" ({', '.join(runs)}: a run folder, not an export; export it with `genreclf export "
            "RUN --name NAME --base DIR` and serve DIR)"
            if runs
            else ""
        )
        return "; ".join(parts) + f"; models: {', '.join(models) or 'none yet'}{hint}"

    def serve_forever(self):
        """Serves until SIGTERM or SIGINT (main thread only), then stops cleanly."""

        def request_stop(signum, frame):
            logger.info("Received signal %d, shutting down", signum)
            self._stop_event.set()

        previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self._stop_event.wait(0.5):
                pass
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self):
        """Stops REST, gRPC and polling; waits for in-flight requests (a few seconds at most)."""
        self._stop_event.set()
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
            self._rest_thread.join(timeout=10)
            self._uvicorn = None
        if self._grpc is not None:
            self._grpc.stop(grace=2).wait(5)
            self._grpc = None
        self.store.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
