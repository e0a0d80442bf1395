"""Serving latency and throughput: the SavedModel in-process vs the local server over REST and gRPC.

For each mode: latency p50/p99 of one request with 1 synopsis and with 32
synopses (sequential calls), and throughput with 16 concurrent clients sending
`--requests` single-synopsis requests (10,000 by default) — every one must
succeed. Overhead ratios are against the in-process call. The servers run as a
separate process (`python -m genreclf.serving`), the clients are `GenreClient`s (one per
thread), so the numbers include HTTP/JSON or gRPC/proto on both sides.

The model, in order of preference:
1. `--run RUN`: a genreclf run folder, exported with `export.export_run`;
2. `--train FAMILY` (default `ngram`): a quick genreclf run trained here on
   `../shared/data/tmdb_genres` and exported (skipped with `--no-train`);
3. the tiny fixture model of `serving.testing` (said so in the output).

Memory: the server's resident memory (RSS, from /proc) idle and at its peak
while it answers one REST request of `--big-request` texts (10,000 by
default); the target is a peak within 1 GB of idle, or a 4xx refusal.
`--memory-only` measures just that.

Usage: python bench/serving.py [--run runs/bilstm] [--requests 10000] [--markdown out.md]
       python bench/serving.py --run runs/bilstm --memory-only [--big-request 10000]
"""

import argparse
import csv
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = pathlib.Path(os.environ.get("GENRECLF_SHARED_DATA", REPO.parent / "shared" / "data"))


def synopses(count=512):
    """Real overviews from the shared TMDB validation file, else fixture-word sentences."""
    path = DATA / "tmdb_genres" / "val.csv"
    if path.exists():
        with open(path, newline="", encoding="utf-8") as handle:
            texts = [row["overview"] for row in csv.DictReader(handle) if row.get("overview")]
        if texts:
            return (texts * (count // len(texts) + 1))[:count], f"{path.name} overviews"
    from genreclf.serving.testing import WORDS

    rng = np.random.default_rng(0)
    words = [w for group in WORDS.values() for w in group] + ["the", "a", "of", "and", "in"]
    return [" ".join(rng.choice(words, 40)) for _ in range(count)], "synthetic sentences"


def prepare_model(args, base):
    """Exports the benchmark model into `base/genre/1`; returns a description."""
    if args.run:
        from genreclf import export

        export.export_run(args.run, str(base), "genre", verify=False)
        return f"genreclf run {args.run}"
    train_data = DATA / "tmdb_genres" / "train.csv"
    if args.train and train_data.exists():
        try:
            import genreclf
            from genreclf import export

            run_dir = base.parent / f"run-{args.train}"
            genreclf.train(
                str(train_data),
                text="overview",
                label="genres",
                sep="|",
                multi_label=True,
                model=args.train,
                epochs=args.epochs,
                out=str(run_dir),
                verbose=0,
            )
            export.export_run(str(run_dir), str(base), "genre", verify=False)
            return f"genreclf {args.train} trained {args.epochs} epoch(s) on tmdb_genres/train.csv"
        except Exception as err:  # noqa: BLE001 - fall back, and say why
            print(
                f"[bench] training/export failed, using the fixture model: {err!r}", file=sys.stderr
            )
    from genreclf.serving.testing import write_tiny_model

    write_tiny_model(str(base), "genre", 1)
    return "FALLBACK: tiny fixture model (serving.testing.write_tiny_model)"


def percentiles(samples):
    values = np.asarray(samples) * 1000.0
    return float(np.percentile(values, 50)), float(np.percentile(values, 99))


def latency(call, texts, batch, repeats):
    for i in range(10):
        call(texts[i * batch % len(texts) :][:batch] or texts[:batch])
    times = []
    for i in range(repeats):
        start = (i * batch) % (len(texts) - batch)
        chunk = texts[start : start + batch]
        began = time.perf_counter()
        call(chunk)
        times.append(time.perf_counter() - began)
    return percentiles(times)


def throughput(make_call, texts, total, clients):
    """`total` single-synopsis calls from `clients` threads; returns (req/s, errors, seconds)."""
    counter = iter(range(total))
    lock = threading.Lock()
    errors = []

    def worker():
        call = make_call()
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            try:
                call([texts[index % len(texts)]])
            except Exception as err:  # noqa: BLE001 - counted and reported
                errors.append(repr(err))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return total / seconds, errors, seconds


def rss_bytes(pid):
    """Resident memory of a process (Linux /proc), in bytes."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no VmRSS for pid {pid}")


def memory_under_big_request(proc, rest_url, texts, count):
    """(idle RSS, peak RSS, HTTP status, seconds) for one REST request of `count` texts."""
    import json

    import requests

    batch = (texts * (count // len(texts) + 1))[:count]
    body = json.dumps({"instances": batch})
    requests.post(
        rest_url + "/v1/models/genre:predict", data=json.dumps({"instances": batch[:4]}), timeout=60
    )
    time.sleep(1.0)
    idle = rss_bytes(proc.pid)
    peak = [idle]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes(proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.perf_counter()
    try:
        status = requests.post(
            rest_url + "/v1/models/genre:predict", data=body, timeout=600
        ).status_code
    except requests.RequestException as err:
        status = f"{type(err).__name__}"
    seconds = time.perf_counter() - began
    time.sleep(0.3)
    done.set()
    sampler.join()
    return idle, peak[0], status, seconds, len(body)


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(base, workers, extra=()):
    rest, grpc_port = free_port(), free_port()
    command = [
        sys.executable,
        "-m",
        "genreclf.serving",
        str(base),
        "--rest-port",
        str(rest),
        "--grpc-port",
        str(grpc_port),
        "--poll-seconds",
        "0",
        "--workers",
        str(workers),
        "--log-level",
        "WARNING",
        "--max-body-bytes",
        str(64 << 20),
        *extra,
    ]
    proc = subprocess.Popen(
        command,
        cwd=REPO,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import requests

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{rest}/v1/models/genre", timeout=2).ok:
                return proc, f"http://127.0.0.1:{rest}", f"127.0.0.1:{grpc_port}"
        except requests.ConnectionError:
            time.sleep(0.3)
    proc.kill()
    raise TimeoutError("the local server did not start")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", help="a genreclf run folder to export and serve")
    parser.add_argument(
        "--train",
        default="ngram",
        help="family to train on tmdb_genres when no --run (default ngram)",
    )
    parser.add_argument("--no-train", dest="train", action="store_const", const=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--repeats", type=int, default=200, help="sequential calls per latency cell"
    )
    parser.add_argument("--workers", type=int, default=16, help="server threads per protocol")
    parser.add_argument("--markdown", help="also write the table here")
    parser.add_argument(
        "--big-request",
        type=int,
        default=10_000,
        help="texts in the one request whose server memory is measured",
    )
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="measure only the server's memory under the big request",
    )
    args = parser.parse_args(argv)

    import tensorflow as tf

    from genreclf.serving.client import GenreClient

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="bench-serving-"))
    base = workdir / "models"
    model = prepare_model(args, base)
    texts, text_source = synopses()
    path = str(base / "genre" / "1")
    signature = tf.saved_model.load(path).signatures["serving_default"]

    def in_process(batch):
        outputs = signature(text=tf.constant(batch))
        return {k: v.numpy() for k, v in outputs.items()}

    proc, rest_url, grpc_target = start_server(base, args.workers)
    try:
        idle, peak, status, big_seconds, big_bytes = memory_under_big_request(
            proc, rest_url, texts, args.big_request
        )
    except BaseException:
        proc.terminate()
        raise
    memory = (
        f"Server memory: one REST request of {args.big_request} texts ({big_bytes / 1e6:.1f} MB) "
        f"answered {status} in {big_seconds:.1f} s; RSS idle {idle / 2**30:.2f} GiB, peak "
        f"{peak / 2**30:.2f} GiB (+{(peak - idle) / 2**30:.2f} GiB; target: within 1 GiB, or a 4xx)."
    )
    print(memory, flush=True)
    if args.memory_only:
        proc.terminate()
        proc.wait(timeout=30)
        within = (peak - idle) <= 2**30 or (isinstance(status, int) and 400 <= status < 500)
        return 0 if within else 1
    rows = {}
    try:
        modes = {
            "in-process": lambda: in_process,
            "REST": lambda: GenreClient(rest_url, timeout=60).predict,
            "gRPC": lambda: GenreClient(grpc_target, timeout=60).predict,
        }
        for name, make_call in modes.items():
            call = make_call()
            p50_1, p99_1 = latency(call, texts, 1, args.repeats)
            p50_32, p99_32 = latency(call, texts, 32, max(20, args.repeats // 4))
            rate, errors, seconds = throughput(make_call, texts, args.requests, args.clients)
            rows[name] = dict(
                p50_1=p50_1,
                p99_1=p99_1,
                p50_32=p50_32,
                p99_32=p99_32,
                rate=rate,
                errors=len(errors),
                seconds=seconds,
            )
            print(f"[bench] {name}: done ({len(errors)} errors)", file=sys.stderr, flush=True)
            if errors:
                print(f"[bench] first errors: {errors[:3]}", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    base_row = rows["in-process"]
    lines = [
        f"Model: {model}. Synopses: {text_source}. Machine: {os.cpu_count()} CPU cores "
        f"(shared). Server: `python -m genreclf.serving --workers {args.workers}`, "
        f"{args.clients} concurrent clients, {args.requests} requests per mode.",
        "",
        "| mode | p50 1 (ms) | p99 1 (ms) | p50 32 (ms) | p99 32 (ms) | req/s, 16 clients | "
        "errors | p50 1 ×in-proc | p50 32 ×in-proc | req/s ÷in-proc |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['p50_1']:.2f} | {row['p99_1']:.2f} | {row['p50_32']:.2f} | "
            f"{row['p99_32']:.2f} | {row['rate']:.0f} | {row['errors']}/{args.requests} | "
            f"{row['p50_1'] / base_row['p50_1']:.1f} | {row['p50_32'] / base_row['p50_32']:.1f} | "
            f"{base_row['rate'] / row['rate']:.1f} |"
        )
    lines += ["", memory]
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        pathlib.Path(args.markdown).write_text("## Serving\n\n" + table + "\n", encoding="utf-8")
    failed = sum(row["errors"] for row in rows.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
