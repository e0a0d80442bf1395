"""`LocalServer`: the model store, the REST server and the gRPC server together.

Loads every model first (like `tensorflow_model_server`, it answers only once
the initial versions are loaded), then serves REST with uvicorn and gRPC with
grpcio, polls the base path for new versions, and stops cleanly on SIGTERM or
SIGINT (`serve_forever` returns, the CLI exits 0). Both protocols record their
requests in one `ServingMetrics` (its own registry), served on the REST port at
`/monitoring/prometheus/metrics`.
"""

import logging
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import uvicorn

from genreclf.serving.server.grpc_service import create_grpc_server
from genreclf.serving.server.limits import RequestLimits
from genreclf.serving.server.metrics import ServingMetrics
from genreclf.serving.server.model_store import ModelStore
from genreclf.serving.server.rest import create_app
from genreclf.serving.server.rest import head_timeout_protocol

logger = logging.getLogger("genreclf.serving.server")

DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


class LocalServer:
    """A TF-Serving-protocol server for the SavedModels under a base path.

    Args:
        models_dir: the base path: one folder per model, integer version folders in each.
        host: the interface to bind; 127.0.0.1 unless you mean to expose it.
        rest_port: the REST port (8501 like TF Serving; 0 turns REST off).
        grpc_port: the gRPC port (8500 like TF Serving; 0 turns gRPC off).
        specs: `ModelSpec`s (or a callable returning them, re-read at every poll)
            from a models.config, or None to serve every folder.
        labels: `(model or None, label, version)` from `--label` flags.
        policy: `"all"` (default) or `"latest"` versions of discovered models.
        poll_seconds: how often to look for new versions (0: never).
        max_body_bytes: the largest REST body / gRPC message accepted.
        workers: threads running requests (each protocol has its own pool).
        limits: the per-request `RequestLimits` (texts, text bytes, chunk size).
        max_connections: connections (REST) and RPCs in flight (gRPC) beyond
            which requests are refused (HTTP 503 / RESOURCE_EXHAUSTED).
        header_timeout: seconds a connection has to send a request head (REST)
            or finish its handshake (gRPC); idle connections close after it too.
        body_timeout: seconds a REST request body has to arrive (408 after).
        idle_timeout: seconds an idle gRPC connection stays open.

    Example:

    >>> server = LocalServer("models/", rest_port=8501, grpc_port=8500)  # doctest: +SKIP
    >>> server.start()  # doctest: +SKIP
    >>> server.stop()  # doctest: +SKIP
    """

    def __init__(
        self,
        models_dir,
        *,
        host="127.0.0.1",
        rest_port=8501,
        grpc_port=8500,
        specs=None,
        labels=(),
        policy="all",
        poll_seconds=2.0,
        max_body_bytes=DEFAULT_MAX_BODY_BYTES,
        workers=8,
        limits=None,
        max_connections=1000,
        header_timeout=10.0,
        body_timeout=30.0,
        idle_timeout=60.0,
    ):
        self.host = host
        self.limits = limits or RequestLimits()
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.idle_timeout = idle_timeout
        self.rest_port = rest_port
        self.grpc_port = grpc_port
        self.max_body_bytes = max_body_bytes
        self.workers = workers
        self.metrics = ServingMetrics()
        self.store = ModelStore(
            models_dir, specs=specs, labels=labels, policy=policy, poll_seconds=poll_seconds
        )
        self._executor = None
        self._uvicorn = None
        self._rest_thread = None
        self._grpc = None
        self._stop_event = threading.Event()

    def start(self, timeout=60.0):
        """Loads the models, then starts polling, REST and gRPC; returns when serving."""
        self.store.scan()
        self.store.start_polling()
        if self.grpc_port:
            self._grpc, self.grpc_port = create_grpc_server(
                self.store,
                self.host,
                self.grpc_port,
                self.workers,
                self.max_body_bytes,
                limits=self.limits,
                metrics=self.metrics,
                max_connections=self.max_connections,
                header_timeout=self.header_timeout,
                idle_timeout=self.idle_timeout,
            )
            self._grpc.start()
        if self.rest_port:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="rest")
            app = create_app(
                self.store,
                self._executor,
                self.max_body_bytes,
                limits=self.limits,
                body_timeout=self.body_timeout,
                metrics=self.metrics,
            )
            config = uvicorn.Config(
                app,
                host=self.host,
                port=self.rest_port,
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=5,
                http=head_timeout_protocol(self.header_timeout),
                limit_concurrency=self.max_connections,
                timeout_keep_alive=5,
            )
            self._uvicorn = uvicorn.Server(config)
            self._rest_thread = threading.Thread(target=self._uvicorn.run, name="rest", daemon=True)
            self._rest_thread.start()
            deadline = time.monotonic() + timeout
            while not self._uvicorn.started:
                if not self._rest_thread.is_alive():
                    self.stop()
                    raise OSError(
                        f"Could not start REST on {self.host}:{self.rest_port}; "
                        "is the port in use? Pick another with --rest-port."
                    )
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError("REST server did not start in time.")
                time.sleep(0.02)
        return self

    def describe(self):
        """One line naming the addresses and the served models."""
        parts = []
        if self.rest_port:
            parts.append(f"REST on http://{self.host}:{self.rest_port}")
        if self.grpc_port:
            parts.append(f"gRPC on {self.host}:{self.grpc_port}")
        models = (
            ", ".join(
                f"{name} (versions {', '.join(map(str, info['versions'])) or 'none yet'})"
                for name, info in self.store.models().items()
            )
            or "none yet"
        )
        return "; ".join(parts) + f"; models: {models}"

    def serve_forever(self):
        """Serves until SIGTERM or SIGINT (main thread only), then stops cleanly."""
        previous = {}

        def request_stop(signum, frame):
            logger.info("Received signal %d, shutting down", signum)
            self._stop_event.set()

        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, request_stop)
        try:
            while not self._stop_event.wait(0.1):
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
            if self._rest_thread is not None:
                self._rest_thread.join(timeout=10)
            self._uvicorn = None
        if self._grpc is not None:
            self._grpc.stop(grace=2).wait(5)
            self._grpc = None
        self.store.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
