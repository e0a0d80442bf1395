"""The last step of `make demo`: serve the exported model, query it, stop.

Starts `genreclf serve` on the models folder as a real process, waits until the
model is AVAILABLE, sends one REST predict request (the body `curl` would send)
and one gRPC Predict through `GenreClient`, prints both answers, then stops the
server with SIGTERM. Busy ports are replaced by free ones.

    python -m genreclf.serving.demo --base demo/models --name genre
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

SYNOPSES = [
    "A detective hunts a killer through a rainy city.",
    "Two rival chefs fall in love while running a food truck.",
]


def _port(preferred):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


def _wait_until_available(url, process, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                states = [v["state"] for v in json.load(response)["model_version_status"]]
                if "AVAILABLE" in states:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the model was not AVAILABLE at {url} within {timeout}s")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m genreclf.serving.demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--base", required=True, help="the models folder (export --base)")
    parser.add_argument("--name", default="genre", help="the model name (export --name)")
    parser.add_argument("--rest-port", type=int, default=8501)
    parser.add_argument("--grpc-port", type=int, default=8500)
    args = parser.parse_args(argv)
    rest_port, grpc_port = _port(args.rest_port), _port(args.grpc_port)
    command = [
        sys.executable,
        "-m",
        "genreclf.serving",
        args.base,
        "--rest-port",
        str(rest_port),
        "--grpc-port",
        str(grpc_port),
        "--log-level",
        "WARNING",
    ]
    print("$", " ".join(command[2:]).replace("genreclf.serving", "genreclf serve", 1))
    # 3, as the genreclf CLI without --verbose: on a machine without a GPU,
    # TensorFlow's CUDA build logs a failed cuInit at ERROR level, which
    # reads as if the demo had failed. The server's own errors still print.
    server = subprocess.Popen(command, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    try:
        rest = f"http://127.0.0.1:{rest_port}/v1/models/{args.name}"
        _wait_until_available(rest, server)
        body = json.dumps({"instances": SYNOPSES[:1]}).encode()
        print(f"$ curl -d '{body.decode()}' 127.0.0.1:{rest_port}/v1/models/{args.name}:predict")
        request = urllib.request.Request(f"{rest}:predict", data=body, method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.dumps(json.load(response))
            print(answer if len(answer) <= 600 else answer[:600] + " ...")

        from genreclf.serving.client import GenreClient

        print(
            f"$ GenreClient('127.0.0.1:{grpc_port}', model={args.name!r}).predict([...])   # gRPC"
        )
        client = GenreClient(f"127.0.0.1:{grpc_port}", model=args.name)
        for text, result in zip(SYNOPSES, client.predict(SYNOPSES)):
            top = ", ".join(
                f"{l} {s:.2f}" for l, s in zip(result["top_labels"], result["top_scores"])
            )
            print(f"  {text}\n    → {top}")
        print(
            f"\nThe page at http://127.0.0.1:{rest_port}/ does the same in a browser "
            f"(run: genreclf serve {args.base})."
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
