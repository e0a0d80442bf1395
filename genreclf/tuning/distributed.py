"""Distributed search: a chief serving the oracle over gRPC, workers running trials.

KerasTuner's protocol and environment variables: every process runs the same
command; `KERASTUNER_TUNER_ID` is `chief` for the process that holds the
oracle and `tuner0`, `tuner1`, ... for the workers; `KERASTUNER_ORACLE_IP` and
`KERASTUNER_ORACLE_PORT` name the chief's address. What genreclf adds:

- a worker first waits for the chief's port with a bounded, logged retry
  (`wait_for_oracle`), instead of hanging in a gRPC call for up to an hour
  when it starts before the chief (KerasTuner issue #990); its gRPC calls
  then time out after `rpc_timeout` seconds, so a dead chief ends the worker
  (with one message; a trial it finished but could not report is kept for
  the restarted chief: `genreclf.tuning.chief_client`);
- the chief (`serve_oracle`) requeues the trial of a worker that stopped
  talking (no heartbeat for `worker_timeout` seconds) and ends the search when
  every trial is done and every live worker has been told to stop, so a dead
  worker neither stops the search nor blocks its end.
"""

import logging
import os
import socket
import time

from genreclf.errors import ConfigError

logger = logging.getLogger("genreclf.tuning")

TUNER_ID = "KERASTUNER_TUNER_ID"
ORACLE_IP = "KERASTUNER_ORACLE_IP"
ORACLE_PORT = "KERASTUNER_ORACLE_PORT"


def configure(tuner_id=None, oracle_ip=None, oracle_port=None):
    """Sets the KerasTuner environment variables from explicit values (None: leave as is).

    A tuner id or port without the chief's address is refused: KerasTuner would run
    a search of its own on this machine, not join the chief's.
    """
    given = {"--tuner-id": tuner_id, "--oracle-port": oracle_port}
    given = {flag: value for flag, value in given.items() if value is not None}
    if given and oracle_ip is None and not os.environ.get(ORACLE_IP):
        received = ", ".join(f"{flag}={value!r}" for flag, value in given.items())
        raise ConfigError(
            f"Distributed tuning needs the chief's address: --oracle-ip (or {ORACLE_IP}) "
            f"with --oracle-port and --tuner-id. Received: {received} and no --oracle-ip, "
            "which would run a separate search on this machine instead of joining the "
            "chief's. Pass --oracle-ip and --oracle-port of the chief, or drop "
            f"{' and '.join(given)} to search on this machine alone."
        )
    for name, value in ((TUNER_ID, tuner_id), (ORACLE_IP, oracle_ip), (ORACLE_PORT, oracle_port)):
        if value is not None:
            os.environ[name] = str(value)


def role():
    """`"single"`, `"chief"` or `"worker"`, from the KerasTuner environment variables.

    Example:

    >>> import os
    >>> os.environ.pop("KERASTUNER_ORACLE_IP", None) and None
    >>> role()
    'single'
    """
    if ORACLE_IP not in os.environ:
        return "single"
    missing = [name for name in (ORACLE_PORT, TUNER_ID) if not os.environ.get(name)]
    if missing:
        raise ConfigError(
            f"Distributed tuning needs {ORACLE_IP}, {ORACLE_PORT} and {TUNER_ID}. "
            f"Received: {ORACLE_IP}={os.environ[ORACLE_IP]!r} but no {missing}. Set "
            f"{TUNER_ID}=chief on the oracle's machine and tuner0, tuner1, ... on the workers."
        )
    tuner_id = os.environ[TUNER_ID]
    if "chief" not in tuner_id and sorted(tuner_id.lower()) == sorted("chief"):  # Chief, cheif
        # As KerasTuner reads it, a worker: it would wait for a chief that never comes.
        raise ConfigError(
            f"{TUNER_ID} names the chief when it holds 'chief'; any other id is a worker. "
            f"Received: {TUNER_ID}={tuner_id!r}, which reads as a misspelt 'chief'. Pass "
            "--tuner-id chief on the oracle's machine, or tuner0, tuner1, ... on the workers."
        )
    return "chief" if "chief" in tuner_id else "worker"


def oracle_address():
    """`(ip, port)` of the chief oracle from the environment."""
    try:
        return os.environ[ORACLE_IP], int(os.environ[ORACLE_PORT])
    except (KeyError, ValueError):
        raise ConfigError(
            f"{ORACLE_PORT} must be a port number. Received: "
            f"{ORACLE_PORT}={os.environ.get(ORACLE_PORT)!r}."
        ) from None


def wait_for_oracle(ip, port, timeout=300.0, first_pause=0.5, max_pause=10.0):
    """Waits until a TCP connection to the chief oracle at `ip:port` succeeds.

    Retries with exponential backoff, logging each wait, and gives up after
    `timeout` seconds.

    Args:
        ip: the chief's address.
        port: the chief's port.
        timeout: seconds to wait in all.
        first_pause: the first pause between attempts (doubles each time).
        max_pause: the longest pause between attempts.

    Returns:
        The seconds waited.

    Raises:
        ConfigError: nothing answered within `timeout` seconds.

    Example:

    >>> import socket
    >>> server = socket.create_server(("127.0.0.1", 0))
    >>> wait_for_oracle("127.0.0.1", server.getsockname()[1], timeout=5) < 5
    True
    """
    start = time.monotonic()
    pause, attempt = first_pause, 0
    while True:
        attempt += 1
        try:
            with socket.create_connection((ip, int(port)), timeout=min(5.0, timeout)):
                waited = time.monotonic() - start
                if attempt > 1:
                    logger.info("chief oracle at %s:%s is up after %.1fs", ip, port, waited)
                return waited
        except OSError as e:
            waited = time.monotonic() - start
            if waited + pause > timeout:
                raise ConfigError(
                    f"No chief oracle answered at {ip}:{port} within {timeout:.0f}s "
                    f"({attempt} attempts; last error: {e}). Start the chief "
                    f"({TUNER_ID}=chief) with the same {ORACLE_IP}/{ORACLE_PORT}, "
                    "or wait longer with --oracle-wait."
                ) from None
            logger.info(
                "chief oracle at %s:%s not up yet (attempt %d, %.1fs waited): retrying in %.1fs",
                ip,
                port,
                attempt,
                waited,
                pause,
            )
            time.sleep(pause)
            pause = min(max_pause, pause * 2)


def check_can_listen(ip, port):
    """Raises a `ConfigError` when the chief cannot listen on `ip:port`; run before any work.

    A port another process holds, or an address of another machine, would
    otherwise stop the chief only once its data is read and its folder made.

    Example:

    >>> import socket
    >>> with socket.create_server(("127.0.0.1", 0)) as busy:
    ...     check_can_listen("127.0.0.1", busy.getsockname()[1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    genreclf.errors.ConfigError: The chief could not listen on 127.0.0.1:... (in use, ...
    """
    try:
        family = socket.getaddrinfo(ip, int(port), type=socket.SOCK_STREAM)[0][0]
        with socket.create_server((ip, int(port)), family=family):  # SO_REUSEADDR, as gRPC
            pass
    except (OSError, OverflowError) as e:  # OverflowError: a port above 65535
        raise _cannot_listen(ip, port, e) from None


def _cannot_listen(ip, port, reason):
    return ConfigError(
        f"The chief could not listen on {ip}:{port} (in use, or not an address of this "
        f"machine: {reason}). Received: {ORACLE_IP}={ip}, {ORACLE_PORT}={port}. Pass a free "
        "port with --oracle-port (the workers' too), or this machine's address with --oracle-ip."
    )


def set_rpc_timeout(seconds):
    """Bounds every gRPC call of a worker to the chief (KerasTuner's default: one hour)."""
    from genreclf.tuning import compat

    compat.set_rpc_timeout(seconds)


def serve_oracle(oracle, worker_timeout=60.0, poll=1.0, ip=None, port=None):
    """Serves `oracle` to the workers until the search is over (runs on the chief).

    The search is over when the oracle has told a worker to stop, no trial is
    running, and every worker still known has been told to stop or has been
    silent for more than `worker_timeout` seconds (its trial, if any, is put
    back in the queue for the live workers).

    Args:
        oracle: a genreclf oracle (`make_oracle(..., distributed=True)`).
        worker_timeout: seconds without a request or heartbeat from a worker
            before it is presumed dead.
        poll: seconds between checks.
        ip: the address to listen on (default `KERASTUNER_ORACLE_IP`).
        port: the port (default `KERASTUNER_ORACLE_PORT`).
    """
    from genreclf.tuning import compat

    if ip is None or port is None:
        ip, port = oracle_address()
    server, servicer = compat.oracle_server(oracle)
    try:  # gRPC raises where it returned 0 before 1.61
        bound = server.add_insecure_port(f"{ip}:{port}")
    except RuntimeError as e:
        raise _cannot_listen(ip, port, e) from None
    if not bound:
        raise _cannot_listen(ip, port, "gRPC could not bind it")
    server.start()
    logger.info("chief oracle serving on %s:%s", ip, port)
    last_report = time.monotonic()
    try:
        while True:
            time.sleep(poll)
            oracle.requeue_silent_workers(worker_timeout)
            if servicer.stop_triggered and not oracle.ongoing_trials and not oracle.tuner_ids:
                break
            if time.monotonic() - last_report > 60:
                last_report = time.monotonic()
                logger.info(
                    "chief: %d trials, running on %s",
                    len(oracle.trials),
                    sorted(oracle.ongoing_trials) or "no worker",
                )
    finally:
        server.stop(grace=2)
    logger.info("chief oracle: search finished (%d trials)", len(oracle.trials))
