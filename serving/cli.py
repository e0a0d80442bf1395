"""`genreclf serve`: the local TF-Serving-protocol server from the command line.

genreclf serve models/ --rest-port 8501 --grpc-port 8500
genreclf serve models/ --label stable=1 --label canary=2
genreclf serve models/ --model-config serving/models.config
python -m genreclf.serving models/            # the same without the genreclf entry point
"""

import argparse
import logging
import os
import sys

from genreclf.setting import argument_type
from genreclf.setting import at_least_one
from genreclf.setting import number
from genreclf.setting import whole

# Same as the defaults of serving.server.limits.Limits (kept here so --help is fast;
# tests/serving/test_cli.py checks they agree).
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_TEXTS = 10_000
DEFAULT_MAX_TEXT_BYTES = 8 * 1024 * 1024
DEFAULT_CHUNK_SIZE = 256
DEFAULT_MAX_BODY_BYTES_IN_FLIGHT = 256 * 1024 * 1024
DEFAULT_SHUTDOWN_GRACE = 25.0  # serving.server.local_server.SHUTDOWN_GRACE


_port = argument_type(whole(0, 65535), example=8501)  # a TCP port (argparse type)
_seconds = argument_type(number(above=0, maximum=24 * 3600), example=25)  # a grace period
_timeout = argument_type(number(above=0, maximum=24 * 3600), example=10)  # header, body
_poll = argument_type(number(minimum=0, maximum=24 * 3600), example=2)  # 0: never
_bytes = argument_type(whole(1), example=DEFAULT_MAX_BODY_BYTES_IN_FLIGHT)  # in flight, text
_texts = argument_type(whole(1), example=DEFAULT_MAX_TEXTS)
# grpcio takes both as C ints: grpc.max_receive_message_length at most 2**31 - 1, and
# grpc.max_allowed_incoming_connections below it (grpc's connection_quota.cc aborts the
# process otherwise).
_body_bytes = argument_type(whole(1, 2**31 - 1), example=DEFAULT_MAX_BODY_BYTES)
_connections = argument_type(whole(1, 2**31 - 2), example=1000)
logger = logging.getLogger("genreclf.serving")


def build_parser():
    """The argument parser of `genreclf serve`."""
    parser = argparse.ArgumentParser(
        prog="genreclf serve",
        description=(
            "Serve the SavedModels under MODELS_DIR (one folder per model, integer "
            "version folders inside) over TF Serving's REST and gRPC protocol."
        ),
    )
    parser.add_argument(
        "models_dir",
        metavar="MODELS_DIR",
        help="base path: MODELS_DIR/<model>/<version>/saved_model.pb",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default 127.0.0.1; 0.0.0.0 exposes it)",
    )
    parser.add_argument(
        "--rest-port", type=_port, default=8501, help="REST port (default 8501; 0 turns REST off)"
    )
    parser.add_argument(
        "--grpc-port", type=_port, default=8500, help="gRPC port (default 8500; 0 turns gRPC off)"
    )
    parser.add_argument(
        "--model-config",
        default=None,
        help="a TF Serving models.config: serve only its models, with its "
        "version policies and labels (re-read at every poll)",
    )
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        metavar="[MODEL:]LABEL=VERSION",
        help="a version label, e.g. stable=1 or genre:canary=2 (repeatable)",
    )
    parser.add_argument(
        "--versions",
        choices=("all", "latest"),
        default="all",
        help="versions to load of models found in MODELS_DIR (default all; "
        "requests without a version get the latest)",
    )
    parser.add_argument(
        "--poll-seconds",
        type=_poll,
        default=2.0,
        help="how often to look for new versions (default 2; 0 never)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_body_bytes,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"largest request accepted (default {DEFAULT_MAX_BODY_BYTES}); "
        "larger REST bodies get HTTP 413, gRPC RESOURCE_EXHAUSTED",
    )
    parser.add_argument(
        "--max-body-bytes-in-flight",
        type=_bytes,
        default=None,
        help="most request body bytes received or held at once, all requests together "
        f"(default {DEFAULT_MAX_BODY_BYTES_IN_FLIGHT}, 32 bodies of the default "
        "--max-body-bytes, or --max-body-bytes if larger; at least --max-body-bytes); "
        "a request beyond gets HTTP 503 "
        "(Retry-After: 1) / gRPC RESOURCE_EXHAUSTED",
    )
    parser.add_argument(
        "--max-texts",
        type=_texts,
        default=DEFAULT_MAX_TEXTS,
        help=f"most texts (string values or examples) per request (default "
        f"{DEFAULT_MAX_TEXTS}); more get HTTP 400 / INVALID_ARGUMENT",
    )
    parser.add_argument(
        "--max-text-bytes",
        type=_bytes,
        default=DEFAULT_MAX_TEXT_BYTES,
        help=f"most bytes of text per request (default {DEFAULT_MAX_TEXT_BYTES}); an example "
        "counts its serialized bytes plus the context's",
    )
    parser.add_argument(
        "--chunk-size",
        type=at_least_one,
        default=DEFAULT_CHUNK_SIZE,
        help=f"rows per model call; larger requests run in chunks (default {DEFAULT_CHUNK_SIZE})",
    )
    parser.add_argument(
        "--max-connections",
        type=_connections,
        default=1000,
        help="open REST connections / gRPC calls in flight beyond which a new "
        "connection gets HTTP 503 / a new call RESOURCE_EXHAUSTED (default 1000)",
    )
    parser.add_argument(
        "--header-timeout",
        type=_timeout,
        default=10.0,
        help="seconds a connection has to send a request head; idle "
        "connections are closed after it (default 10)",
    )
    parser.add_argument(
        "--body-timeout",
        type=_timeout,
        default=30.0,
        help="seconds a REST request body has to arrive; HTTP 408 after (default 30)",
    )
    parser.add_argument(
        "--workers",
        type=at_least_one,
        default=8,
        help="threads running requests per protocol (default 8)",
    )
    parser.add_argument(
        "--shutdown-grace",
        type=_seconds,
        default=DEFAULT_SHUTDOWN_GRACE,
        metavar="SECONDS",
        help="on SIGTERM or Ctrl-C, seconds the requests in flight get to finish, REST and "
        f"gRPC alike (default {DEFAULT_SHUTDOWN_GRACE:g}, under Kubernetes' default "
        "terminationGracePeriodSeconds of 30; keep it below the one your orchestrator "
        "uses); requests still running after it are cancelled and the process exits",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    )
    return parser


def main(argv=None):
    """Runs `genreclf serve`; returns the exit code (0 after SIGTERM/SIGINT).

    When requests still run after the shutdown grace, it logs how many and exits the
    process itself (`os._exit(0)`) instead of returning: the interpreter's exit would
    wait for their threads.

    Example:

    >>> main(["models/", "--rest-port", "8501", "--grpc-port", "8500"])  # doctest: +SKIP
    0
    """
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not os.path.isdir(args.models_dir):
        print(
            f"genreclf serve: error: expected a folder of models. Received: "
            f"MODELS_DIR={args.models_dir!r}, which "
            f"{'is a file' if os.path.exists(args.models_dir) else 'does not exist'}. Export one with "
            "`genreclf export RUN --base MODELS_DIR`.",
            file=sys.stderr,
        )
        return 2
    from genreclf.errors import ConfigError
    from genreclf.serving.server.limits import Limits
    from genreclf.serving.server.local_server import LocalServer
    from genreclf.serving.server.model_config import parse_label_flags
    from genreclf.serving.server.model_config import read_models_config

    try:
        labels = parse_label_flags(args.label)
        specs = None
        if args.model_config:
            read_models_config(args.model_config, args.models_dir)  # fail fast when broken

            def specs():  # re-read at every poll, as TF Serving re-reads its config
                return read_models_config(args.model_config, args.models_dir)
    except ConfigError as err:
        print(f"genreclf serve: error: {err}", file=sys.stderr)
        return 2
    try:
        limits = Limits(
            max_texts=args.max_texts,
            max_text_bytes=args.max_text_bytes,
            chunk_size=args.chunk_size,
            max_body_bytes=args.max_body_bytes,
            max_body_bytes_in_flight=args.max_body_bytes_in_flight,
            max_connections=args.max_connections,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
        )
    except ValueError as err:
        print(f"genreclf serve: error: {err}", file=sys.stderr)
        return 2
    server = LocalServer(
        args.models_dir,
        host=args.host,
        rest_port=args.rest_port,
        grpc_port=args.grpc_port,
        specs=specs,
        labels=labels,
        policy=args.versions,
        poll_seconds=args.poll_seconds,
        workers=args.workers,
        limits=limits,
        shutdown_grace=args.shutdown_grace,
    )
    try:
        server.start()
    except ConfigError as err:  # a --label or config label naming what is not served
        print(f"genreclf serve: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a port in use
        print(f"genreclf serve: error: {err}", file=sys.stderr)
        return 1
    print(f"genreclf serve: ready: {server.describe()}", file=sys.stderr, flush=True)
    server.serve_forever()
    # A request past the grace was cancelled, but its thread runs the model call on, and
    # the interpreter would wait for it at exit (concurrent.futures joins its threads).
    abandoned = server.running_requests(wait=1.0)  # 1 s: one just ending is not abandoned
    if abandoned:
        logger.warning(
            "%d request%s still running after the %g s grace %s abandoned",
            abandoned,
            "" if abandoned == 1 else "s",
            server.shutdown_grace,
            "was" if abandoned == 1 else "were",
        )
    print("genreclf serve: stopped", file=sys.stderr, flush=True)
    if abandoned:
        _exit_now(0)
    return 0


def _exit_now(code):
    """Exits at once with `code`, logs and output flushed, without waiting for threads."""
    logging.shutdown()  # flushes every handler
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or a pipe gone
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
