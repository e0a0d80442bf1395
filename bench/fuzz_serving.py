"""A long property-based fuzz run against the local serving server (issue 11).

Starts `python -m genreclf.serving` on tiny models (or fuzzes a running server
given `--rest-url` and `--grpc-target`), sends random REST requests and random
gRPC `PredictRequest`s (the strategies of `genreclf.serving.fuzz`) and counts
the answers. A failure is a 5xx, a gRPC code other than a client error, a
request not answered within the deadline, or a server that stopped answering.
Unlike the suite's bounded run it does not stop at the first failure: it lists
every distinct one.

Usage: python bench/fuzz_serving.py [--examples 3000] [--rest-url URL --grpc-target HOST:PORT]
"""

import argparse
import collections
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "serving"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _run(strategy, check, examples, failures, counts, alive):
    from hypothesis import HealthCheck
    from hypothesis import given
    from hypothesis import settings

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def run(request):
        if not alive():
            return
        try:
            counts[str(check(request))] += 1
        except AssertionError as err:  # a property violation: record it, keep going
            text = str(err)
            failures[text.split(" <- ")[0][:100]].append(text[:400])
            counts["FAILED"] += 1
        except Exception as err:  # noqa: BLE001 - a timeout or a dropped connection
            failures[type(err).__name__].append(str(err)[:400])
            counts[type(err).__name__] += 1

    run()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=3000, help="cases per protocol")
    parser.add_argument("--rest-url", default=None, help="fuzz this running server (REST)")
    parser.add_argument("--grpc-target", default=None, help="...and this gRPC address")
    args = parser.parse_args(argv)

    import grpc
    import requests
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    from genreclf.serving import fuzz

    process = None
    if args.rest_url is None:
        from conftest import ServerProcess

        from genreclf.serving.testing import write_tiny_model

        base = tempfile.mkdtemp(prefix="fuzz-models-")
        write_tiny_model(base, "genre", 1)
        write_tiny_model(base, "genre", 2)
        write_tiny_model(base, "hybrid", 1, hybrid=True)
        process = ServerProcess(
            base,
            "--poll-seconds",
            "0",
            "--label",
            "genre:stable=1",
            "--max-body-bytes",
            "200000",
            log_path=os.path.join(base, "server.log"),
        )
        process.wait_ready()
        args.rest_url, args.grpc_target = process.rest_url, process.grpc_target

    def alive():
        if process is not None:
            return process.proc.poll() is None
        try:
            requests.get(args.rest_url + "/v1/models/genre", timeout=5)
            return True
        except requests.ConnectionError:
            return False

    session = requests.Session()
    channel = grpc.insecure_channel(args.grpc_target)
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    report = {}
    try:
        for name, strategy, check in (
            ("REST", fuzz.rest_requests(), lambda r: fuzz.check_rest(args.rest_url, r, session)),
            ("gRPC", fuzz.predict_requests(), lambda r: fuzz.check_grpc(stub, r)),
        ):
            failures, counts = collections.defaultdict(list), collections.Counter()
            start = time.monotonic()
            _run(strategy, check, args.examples, failures, counts, alive)
            report[name] = (counts, failures, time.monotonic() - start, alive())
            if not alive():
                break
        normal = "ok"
        try:
            fuzz.normal_rest_request(args.rest_url)
        except Exception as err:  # noqa: BLE001 - reported below
            normal = f"FAILED: {type(err).__name__}: {str(err)[:200]}"
    finally:
        channel.close()
        if process is not None:
            process.terminate()

    failed = normal != "ok"
    for name, (counts, failures, seconds, up) in report.items():
        total = sum(counts.values())
        print(
            f"{name}: {total} cases in {seconds:.0f} s; answers: {dict(counts)}; "
            f"server {'up' if up else 'DOWN'} after the run"
        )
        for kind, examples in failures.items():
            failed = True
            print(f"  FAILURE {kind!r} x{len(examples)}: {examples[0]}")
        failed = failed or not up
    print(f"normal request afterwards: {normal}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
