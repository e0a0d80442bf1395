"""Benchmark of `augment`: throughput, cache replay, and a rare-genre experiment.

    python bench/augment.py                   # everything
    python bench/augment.py --skip-e2e        # the local-server parts only

1. Generation throughput against the local OpenAI-compatible server
   (`augment.fake_server`) with 200 ms simulated latency per request, at
   concurrency 1 and 16: rows/s and the speed-up.
2. Cache replay: a rerun whose 10,000 rows are all in the cache (no calls):
   opening the cache, parsing, filtering (MinHash against corpus and rows) and
   writing the output.
3. End-to-end rare-genre experiment on `../shared/data/imdb_genre27`. No model
   writes anything here: the "generated" rows are HELD-BACK REAL descriptions of
   the nine rare genres, a stand-in for GPT output, written in `augment`'s JSONL
   format (source=synthetic) and fed through `genreclf.train(..., augment=...)`.
   It shows how much rare-class F1 moves when the rare genres get more examples.
   Runs a scikit-learn TF-IDF + logistic regression baseline and genreclf's
   `ngram` model, with and without the extra rows, on the same test split.
"""

import argparse
import contextlib
import json
import math
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from genreclf import augment  # noqa: E402
from genreclf.augment.cache import ResponseCache  # noqa: E402
from genreclf.augment.fake_server import FakeChatServer  # noqa: E402
from genreclf.augment.fake_server import fake_synopsis  # noqa: E402
from genreclf.data.dataset import TextDataset  # noqa: E402

DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "imdb_genre27", "train_data.txt")
RARE = [
    "news",
    "game-show",
    "war",
    "musical",
    "fantasy",
    "mystery",
    "history",
    "talk-show",
    "biography",
]


def _fake_corpus(genres, per_genre, seed=0):
    rng = random.Random(seed)
    texts, labels = [], []
    for g in genres:
        for _ in range(per_genre):
            texts.append(fake_synopsis(rng))
            labels.append([g])
    return TextDataset(texts, labels)


@contextlib.contextmanager
def _server_process(latency):
    """The fake server in its own process (no GIL shared with the client)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "genreclf.augment.fake_server",
            "--port",
            str(port),
            "--latency",
            str(latency),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        yield url
    finally:
        proc.terminate()
        proc.wait()


def throughput(requests=48, latency=0.2, per_request=5):
    """Rows/s at concurrency 1 and 16 against a server with `latency` seconds."""
    corpus = _fake_corpus(["a", "b"], 4)
    target = 4 + requests * per_request // 2  # requests/2 per genre
    out = {}
    with _server_process(latency) as url:
        with tempfile.TemporaryDirectory() as tmp:  # warm-up: imports, connections
            augment.generate(
                corpus,
                out=os.path.join(tmp, "w.jsonl"),
                target_count=5,
                per_request=1,
                overgenerate=1.0,
                base_url=url,
            )
        for concurrency in (1, 16):
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                res = augment.generate(
                    corpus,
                    out=os.path.join(tmp, "aug.jsonl"),
                    target_count=target,
                    per_request=per_request,
                    overgenerate=1.0,
                    base_url=url,
                    concurrency=concurrency,
                    seed=concurrency,
                )
                wall = time.perf_counter() - t0
                assert res.fresh == requests, res.summary()
                out[concurrency] = {
                    "requests": requests,
                    "rows": res.rows,
                    "seconds": wall,
                    "rows_per_s": res.rows / wall,
                    "requests_per_s": requests / wall,
                }
    out["speedup"] = out[16]["rows_per_s"] / out[1]["rows_per_s"]
    out["ideal_speedup"] = requests / math.ceil(requests / 16)
    return out


def replay(rows=10_000, per_request=5):
    """Seconds to rerun a job whose `rows` rows are all cached."""
    genres = ["g0", "g1", "g2", "g3"]
    corpus = _fake_corpus(genres, 5, seed=1)
    target = 5 + rows // len(genres)
    with tempfile.TemporaryDirectory() as tmp, FakeChatServer() as server:
        kw = dict(
            out=os.path.join(tmp, "aug.jsonl"),
            target_count=target,
            per_request=per_request,
            overgenerate=1.0,
            base_url=server.url,
            concurrency=16,
        )
        t0 = time.perf_counter()
        first = augment.generate(corpus, **kw)
        fill = time.perf_counter() - t0
        sent = len(server.requests)
        t0 = time.perf_counter()
        cache = ResponseCache(kw["out"] + ".cache.jsonl")
        open_s = time.perf_counter() - t0
        cache.close()
        t0, c0 = time.perf_counter(), time.process_time()
        again = augment.generate(corpus, **kw)
        replay_s = time.perf_counter() - t0
        replay_cpu = time.process_time() - c0
        t0 = time.perf_counter()
        augment.generate(corpus, **kw, filters={"near_dup_threshold": None})
        replay_no_minhash = time.perf_counter() - t0
        assert len(server.requests) == sent and again.fresh == 0
        return {
            "responses": len(cache),
            "candidate_rows": again.filters["input"],
            "rows_written": again.rows,
            "first_run_s": fill,
            "cache_open_s": open_s,
            "replay_s": replay_s,
            "replay_cpu_s": replay_cpu,
            "replay_without_minhash_s": replay_no_minhash,
            "dropped": {k: v for k, v in again.filters["dropped"].items() if v},
            "first_rows": first.rows,
        }


def _split(seed, keep_rare):
    """Stratified test split; the rare genres' training rows cut to `keep_rare`."""
    from sklearn.model_selection import train_test_split

    from genreclf.data import load_dataset

    ds = load_dataset(DATA)
    y = [l[0] for l in ds.labels]
    idx = list(range(len(ds)))
    train_idx, test_idx = train_test_split(idx, test_size=0.25, stratify=y, random_state=seed)
    rng = random.Random(seed)
    base, pool = [], []
    for g in sorted(set(y)):
        rows = [i for i in train_idx if y[i] == g]
        if g in RARE:
            rng.shuffle(rows)
            base += rows[:keep_rare]
            pool += rows[keep_rare:]
        else:
            base += rows
    return ds, sorted(base), sorted(pool), sorted(test_idx)


def _write_standin(ds, pool, path):
    with open(path, "w", encoding="utf-8") as f:
        for i in pool:
            f.write(
                json.dumps(
                    {
                        "id": f"standin-{i}",
                        "text": ds.texts[i],
                        "labels": ds.labels[i],
                        "genre": ds.labels[i][0],
                        "source": "synthetic",
                        "model": "HELD-BACK-REAL-STAND-IN",
                        "prompt_hash": None,
                        "created_at": None,
                    }
                )
                + "\n"
            )


def _scores(y_true, y_pred):
    from sklearn.metrics import accuracy_score
    from sklearn.metrics import f1_score

    present = sorted(set(y_true))
    return {
        "rare_macro_f1": f1_score(y_true, y_pred, labels=RARE, average="macro", zero_division=0),
        "macro_f1": f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0),
        "accuracy": accuracy_score(y_true, y_pred),
    }


def experiment(seeds=(0, 1, 2), keep_rare=3, epochs=10, use_genreclf=True):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    results = {
        "tfidf_lr": {"without": [], "with": []},
        "genreclf_ngram": {"without": [], "with": []},
        "counts": [],
    }
    for seed in seeds:
        ds, base, pool, test = _split(seed, keep_rare)
        results["counts"].append(
            {
                "base": len(base),
                "extra_rare_rows": len(pool),
                "test": len(test),
                "rare_test_rows": sum(ds.labels[i][0] in RARE for i in test),
            }
        )
        test_x = [ds.texts[i] for i in test]
        test_y = [ds.labels[i][0] for i in test]
        for arm, rows in (("without", base), ("with", base + pool)):
            vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
            x = vec.fit_transform([ds.texts[i] for i in rows])
            clf = LogisticRegression(max_iter=1000, class_weight="balanced")
            clf.fit(x, [ds.labels[i][0] for i in rows])
            results["tfidf_lr"][arm].append(_scores(test_y, clf.predict(vec.transform(test_x))))
        if not use_genreclf:
            continue
        import genreclf

        base_ds = ds.subset(base)
        with tempfile.TemporaryDirectory() as tmp:
            aug = os.path.join(tmp, "standin.jsonl")
            _write_standin(ds, pool, aug)
            for arm, extra in (("without", None), ("with", aug)):
                run = genreclf.train(
                    base_ds,
                    model="ngram",
                    out=os.path.join(tmp, arm),
                    epochs=epochs,
                    augment=extra,
                    verbose=0,
                    seed=seed,
                )
                preds = [p["top_labels"][0] for p in run.predict(test_x, top_k=1)]
                results["genreclf_ngram"][arm].append(_scores(test_y, preds))
    return results


def _mean_std(values):
    if not values:
        return "pending"
    m = statistics.mean(values)
    s = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{m:.3f} ± {s:.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python bench/augment.py")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument(
        "--no-genreclf", action="store_true", help="e2e with the scikit-learn baseline only"
    )
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument(
        "--keep-rare",
        type=int,
        default=3,
        help="training rows kept per rare genre in the 'without' arm",
    )
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)
    report = {}
    if not args.skip_local:
        t = throughput()
        report["throughput"] = t
        print("## Generation throughput (local server, 200 ms latency, 5 synopses/request)")
        print(f"{'concurrency':>11} {'requests':>8} {'rows':>6} {'seconds':>8} {'rows/s':>8}")
        for c in (1, 16):
            r = t[c]
            print(
                f"{c:>11} {r['requests']:>8} {r['rows']:>6} {r['seconds']:>8.2f} "
                f"{r['rows_per_s']:>8.1f}"
            )
        print(
            f"speed-up 16 vs 1: {t['speedup']:.1f}x (ideal for {t[1]['requests']} "
            f"requests in waves of 16: {t['ideal_speedup']:.0f}x)\n"
        )
        r = replay()
        report["replay"] = r
        print("## Cache replay (all responses cached, no calls)")
        print(
            f"responses {r['responses']}, candidate rows {r['candidate_rows']}, "
            f"rows written {r['rows_written']} (dropped: {r['dropped']})"
        )
        print(f"first run (local server, no latency, c=16): {r['first_run_s']:.2f} s")
        print(
            f"cache open: {r['cache_open_s']:.3f} s; full replay: {r['replay_s']:.2f} s "
            f"wall, {r['replay_cpu_s']:.2f} s CPU; replay without MinHash: "
            f"{r['replay_without_minhash_s']:.2f} s wall"
        )
        print(
            f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
            "cores: wall times include waiting for the CPU)\n"
        )
    if not args.skip_e2e:
        if not os.path.exists(DATA):
            print(f"## Rare-genre experiment: skipped ({DATA} is absent)")
        else:
            try:
                import genreclf  # noqa: F401

                has_train = callable(getattr(genreclf, "train", None))
            except ImportError:
                has_train = False
            e = experiment(
                seeds=tuple(range(args.seeds)),
                keep_rare=args.keep_rare,
                epochs=args.epochs,
                use_genreclf=has_train and not args.no_genreclf,
            )
            report["experiment"] = e
            c = e["counts"][0]
            print("## Rare-genre experiment on imdb_genre27 -- STAND-IN: the extra rows are")
            print("## HELD-BACK REAL descriptions of the 9 rare genres, not GPT output")
            print(
                f"train rows without: {c['base']} (rare genres cut to {args.keep_rare} "
                f"rows each); extra rare rows: {c['extra_rare_rows']}; test rows: "
                f"{c['test']} ({c['rare_test_rows']} rare); seeds: {args.seeds}"
            )
            print(
                f"{'model':<16} {'arm':<8} {'rare macro-F1':>15} {'macro-F1':>15} {'accuracy':>15}"
            )
            for model in ("tfidf_lr", "genreclf_ngram"):
                for arm in ("without", "with"):
                    runs = e[model][arm]
                    print(
                        f"{model:<16} {arm:<8} "
                        f"{_mean_std([r['rare_macro_f1'] for r in runs]):>15} "
                        f"{_mean_std([r['macro_f1'] for r in runs]):>15} "
                        f"{_mean_std([r['accuracy'] for r in runs]):>15}"
                    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2, default=str)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
