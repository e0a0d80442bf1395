"""`make demo`'s last step: serve, query over REST and gRPC, stop — a real process on real ports."""

import os
import subprocess
import sys

from tests.serving.conftest import pick_unused_port


def test_demo_serves_queries_and_stops_cleanly(models_dir):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    command = [sys.executable, "-m", "genreclf.serving.demo", "--base", str(models_dir)]
    command += ["--rest-port", str(pick_unused_port()), "--grpc-port", str(pick_unused_port())]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"predictions": [{' in done.stdout  # the REST answer, as curl prints it
    assert done.stdout.count("    → ") == 2  # one gRPC answer per synopsis
    assert "genreclf serve: stopped" in done.stderr + done.stdout
    # TensorFlow's C++ log stays quiet: no "E external/..." line (a failed
    # cuInit on a machine without a GPU) reads as if the demo had failed.
    assert " E external/" not in done.stderr, done.stderr
