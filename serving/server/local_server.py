"""`LocalServer`: the model store, the REST server and the gRPC server together.

Loads every model first (like `tensorflow_model_server`, it answers once the
initial versions are loaded), then serves REST with uvicorn and gRPC with
grpcio, both recording in one `ServingMetrics`, polls the base path for new
versions, and stops cleanly on SIGTERM or SIGINT (`serve_forever` returns): both
protocols stop accepting at once and give the requests in flight `shutdown_grace`
seconds (25, under Kubernetes' default `terminationGracePeriodSeconds` of 30) to finish.
A request still running after it is cancelled (REST: uvicorn's 500), but Python cannot
stop its thread: `running_requests` counts those, and `genreclf serve` exits without
waiting for them.
"""

import logging
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import uvicorn

from genreclf.run_files import COMPLETE
from genreclf.run_files import LABELS
from genreclf.run_files import MODEL
from genreclf.serving._grpc_transport import host_port
from genreclf.serving.server.body_budget import BodyBudget
from genreclf.serving.server.connection_guard import connection_guard_protocol
from genreclf.serving.server.explain_route import MAX_EXPLAINING
from genreclf.serving.server.grpc_service import create_grpc_server
from genreclf.serving.server.limits import Limits
from genreclf.serving.server.listeners import bind_error as _bind_error
from genreclf.serving.server.listeners import listeners as _listeners
from genreclf.serving.server.metrics import ServingMetrics
from genreclf.serving.server.model_store import ModelStore
from genreclf.serving.server.rest import create_app
from genreclf.setting import number

logger = logging.getLogger("genreclf.serving.server")
SHUTDOWN_GRACE = 25.0  # seconds, under Kubernetes' default terminationGracePeriodSeconds (30)
_GRACE = number(above=0, maximum=24 * 3600)


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
        shutdown_grace: seconds the requests in flight get to finish once `stop` is
            called (REST and gRPC alike); those still running after it are cancelled,
            their threads left running (`running_requests`).
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
        shutdown_grace=SHUTDOWN_GRACE,
        **store_options,
    ):
        self.shutdown_grace = _GRACE.check(
            "shutdown_grace",
            shutdown_grace,
            where="`--shutdown-grace`, seconds",
            fix="Pass e.g. --shutdown-grace 30.",
        )
        self.host, self.rest_port, self.grpc_port = host, rest_port, grpc_port
        self.workers, self.limits, self.metrics = workers, limits or Limits(), ServingMetrics()
        self.body_budget = BodyBudget(self.limits.max_body_bytes_in_flight)  # REST and gRPC
        self.metrics.track_body_budget(self.body_budget)
        self.store = ModelStore(models_dir, **store_options)
        self._executor = self._explain_executor = None
        self._uvicorn = self._rest_thread = self._grpc = None
        self._stop_event = threading.Event()
        self._running = _RunningCalls()  # the requests in the REST and gRPC threads

    def start(self, timeout=60.0):
        """Loads the models, then starts polling, gRPC and REST; returns self once serving.

        Raises:
            ConfigError: a `--label` names a model or version that is not served.
            OSError: a port cannot be bound (in use), or REST did not start in `timeout` s.
        """
        self.store.scan(strict=True)
        self.store.start_polling()
        try:
            if self.grpc_port:
                self._start_grpc()
            if self.rest_port:
                self._start_rest(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_grpc(self):
        address = host_port(self.host, self.grpc_port)  # [::1]:8500 for an IPv6 literal
        # Bound and closed first: says why a port cannot be bound, where grpcio only logs it.
        for sock in _listeners("gRPC", self.host, self.grpc_port):
            sock.close()
        try:
            self._grpc, self.grpc_port = create_grpc_server(
                self.store,
                address,
                self.workers,
                self.limits,
                self.metrics,
                self.body_budget,
                thread_pool=self._running.pool(self.workers, "grpc"),
            )
        except OSError:  # taken meanwhile
            reason = "address in use or not available"
            raise OSError(_bind_error("gRPC", self.host, self.grpc_port, reason)) from None
        self._grpc.start()

    def _start_rest(self, timeout):
        # Bound here, so that a port in use is told at once; every address of the host
        # (`localhost`: 127.0.0.1 and ::1 where it resolves to both), as uvicorn would.
        listeners = _listeners("REST", self.host, self.rest_port)
        self._executor = self._running.pool(self.workers, "rest")
        self._explain_executor = self._running.pool(MAX_EXPLAINING + 1, "explain")
        app = create_app(
            self.store,
            self._executor,
            self.limits,
            self.metrics,
            self.body_budget,
            explain_executor=self._explain_executor,
        )
        self._uvicorn = uvicorn.Server(
            uvicorn.Config(
                app,
                host=self.host,
                port=self.rest_port,
                log_level="warning",
                access_log=False,
                timeout_graceful_shutdown=self.shutdown_grace,
                timeout_keep_alive=5,
                http=connection_guard_protocol(
                    self.limits.header_timeout, self.limits.max_connections
                ),
            )
        )
        self._rest_thread = threading.Thread(
            target=self._uvicorn.run, kwargs={"sockets": listeners}, daemon=True
        )
        self._rest_thread.start()
        deadline = time.monotonic() + timeout
        address = host_port(self.host, self.rest_port)
        while not self._uvicorn.started:
            if not self._rest_thread.is_alive():
                for sock in listeners:
                    sock.close()
                raise OSError(
                    f"Could not start REST on {address}: uvicorn exited "
                    "before serving (its error is logged above)."
                )
            if time.monotonic() > deadline:
                raise OSError(
                    f"Could not start REST on {address}: not serving "
                    f"after {timeout:g} s. Check the log above, or turn REST off with "
                    "--rest-port 0."
                )
            time.sleep(0.02)

    def describe(self):
        """One line naming the addresses and the served models."""
        rest, grpc = host_port(self.host, self.rest_port), host_port(self.host, self.grpc_port)
        parts = [f"REST on http://{rest}"] if self.rest_port else []
        parts += [f"gRPC on {grpc}"] if self.grpc_port else []
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
        """Serves until SIGTERM or SIGINT (main thread only), then stops cleanly (`stop`).

        A signal repeated while stopping changes nothing (wrappers such as `timeout` or a
        terminal's process group often deliver one twice); `kill -9` does not wait.
        """

        def request_stop(signum, frame):
            if not self._stop_event.is_set():
                logger.info(
                    "Received signal %d, shutting down: the requests in flight get up to %g s "
                    "(--shutdown-grace) to finish",
                    signum,
                    self.shutdown_grace,
                )
            self._stop_event.set()

        previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            while not self._stop_event.wait(0.5):
                pass
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def running_requests(self, wait=0.0):
        """How many requests the REST and gRPC threads are running, once none is or after
        waiting up to `wait` seconds.

        After `stop`, these are the requests that outlived the grace: cancelled (REST
        answered 500, gRPC UNAVAILABLE), but their threads run the model call on, and the interpreter
        joins them at exit (`concurrent.futures`), so it cannot exit before they end.
        `genreclf serve` exits without them (`os._exit`); a program embedding the server
        decides for itself.
        """
        return self._running.wait_until_none(wait)

    def stop(self):
        """Stops REST, gRPC and polling: both stop accepting at once, and the requests in
        flight get `shutdown_grace` seconds to finish (those still running after it are
        cancelled, their threads left running: `running_requests`)."""
        self._stop_event.set()
        grpc_stopped = None
        if self._grpc is not None:
            grpc_stopped = self._grpc.stop(grace=self.shutdown_grace)  # returns at once
            self._grpc = None
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
            self._rest_thread.join(timeout=self.shutdown_grace + 10)
            self._uvicorn = None
        if grpc_stopped is not None:
            grpc_stopped.wait(self.shutdown_grace + 10)
        self.store.stop()
        for executor in (self._executor, self._explain_executor):
            if executor is not None:
                # Empty unless a request outlived the grace (uvicorn cancelled its task
                # then): its thread is not waited for.
                executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self._explain_executor = None


class _RunningCalls:
    """How many calls the threads of some executors are running now (queued ones aside)."""

    def __init__(self):
        self._count, self._changed = 0, threading.Condition()

    def pool(self, workers, name):
        """A `ThreadPoolExecutor` of `workers` threads named `name`-N, whose calls are
        counted while they run."""
        executor = ThreadPoolExecutor(workers, thread_name_prefix=name)
        submit = executor.submit

        def counted_submit(fn, /, *args, **kwargs):
            return submit(self._run, fn, *args, **kwargs)

        executor.submit = counted_submit
        return executor

    def _run(self, fn, /, *args, **kwargs):
        with self._changed:
            self._count += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with self._changed:
                self._count -= 1
                self._changed.notify_all()

    def wait_until_none(self, timeout):
        """The calls running once none is, or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._count == 0, timeout)
            return self._count
