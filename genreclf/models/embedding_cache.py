"""`EmbeddingCache`: a frozen encoder's output, computed once per distinct text.

A frozen encoder maps the same text to the same vector in every epoch, fold,
run and tuning trial, and on CPU that pass is the whole cost of training a
head on it. The cache keeps one vector per (encoder, text) on disk:

    <cache dir>/<encoder key>/index.txt    one text digest (SHA-256) a line
    <cache dir>/<encoder key>/vectors.f32  the vectors, float32, in index order
    <cache dir>/<encoder key>/meta.json    the key material and the width

The encoder key hashes everything that changes the output (the preset's
files, sequence length, windows, pooling). Appends take an exclusive lock,
write the vectors, fsync, then the index lines, fsync: a killed run leaves at
most a tail that the next run ignores and recomputes, and concurrent runs on
one machine share the folder safely. No pickles. Written here because the maintained
caches (diskcache, joblib.Memory) pickle their values and key whole calls,
not single texts.

The default folder is `$GENRECLF_CACHE_DIR/embeddings`, else
`~/.cache/genreclf/embeddings`.
"""

import hashlib
import json
import os
import pathlib
import time

import numpy as np


def default_cache_dir():
    """`$GENRECLF_CACHE_DIR/embeddings`, else `~/.cache/genreclf/embeddings`."""
    root = os.environ.get("GENRECLF_CACHE_DIR")
    root = pathlib.Path(root) if root else pathlib.Path.home() / ".cache" / "genreclf"
    return root / "embeddings"


def text_digest(text):
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    """Vectors of one encoder, keyed by the text's SHA-256, on disk.

    Args:
        key: a JSON-serialisable description of the encoder (what changes
            its output).
        dim: the vector width.
        directory: the cache root (default `default_cache_dir()`).

    Example:

    >>> import tempfile
    >>> cache = EmbeddingCache({"encoder": "toy"}, dim=2, directory=tempfile.mkdtemp())
    >>> cache.add(["a ghost story"], np.array([[0.6, 0.8]], dtype="float32"))
    >>> vectors, missing = cache.lookup(["a ghost story", "a heist"])
    >>> vectors[0].tolist(), missing.tolist()
    ([0.6000000238418579, 0.800000011920929], [False, True])
    """

    def __init__(self, key, dim, directory=None):
        self.dim = int(dim)
        material = json.dumps(key, sort_keys=True)
        self.path = (
            pathlib.Path(directory or default_cache_dir())
            / hashlib.sha256(material.encode()).hexdigest()[:24]
        )
        self.path.mkdir(parents=True, exist_ok=True)
        meta = self.path / "meta.json"
        if not meta.exists():
            tmp = meta.with_suffix(f".{os.getpid()}.tmp")  # concurrent first runs: one file each
            tmp.write_text(json.dumps({"key": key, "dim": self.dim}, indent=2))
            tmp.replace(meta)
        self._rows = self._load()

    def _load(self):
        index, vectors = self.path / "index.txt", self.path / "vectors.f32"
        self._count = 0
        self._vectors = np.zeros((0, self.dim), dtype="float32")
        if not index.exists() or not vectors.exists():
            return {}
        digests = index.read_text(encoding="ascii").split("\n")
        complete = [d for d in digests if len(d) == 64]  # a torn last line is dropped
        stored = vectors.stat().st_size // (4 * self.dim)
        count = min(len(complete), stored)
        self._vectors = np.fromfile(vectors, dtype="float32", count=count * self.dim).reshape(
            count, self.dim
        )
        self._count = count
        return {digest: i for i, digest in enumerate(complete[:count])}

    def __len__(self):
        return len(self._rows)

    def lookup(self, texts):
        """`(vectors [n, dim], missing [n])`: cached vectors (zeros where missing)."""
        vectors = np.zeros((len(texts), self.dim), dtype="float32")
        missing = np.ones(len(texts), dtype=bool)
        for i, text in enumerate(texts):
            row = self._rows.get(text_digest(text))
            if row is not None:
                vectors[i] = self._vectors[row]
                missing[i] = False
        return vectors, missing

    def add(self, texts, vectors):
        """Appends `vectors [n, dim]` of `texts` (durably: fsync before returning).

        Writers hold an exclusive lock on `<folder>/lock`, so several runs on
        one machine can share a cache; a writer that finds rows another
        process appended re-reads the folder first.
        """
        import fcntl

        vectors = np.ascontiguousarray(vectors, dtype="float32").reshape(len(texts), self.dim)
        digests = [text_digest(t) for t in texts]
        with open(self.path / "lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if self._rows_on_disk() != self._count:
                    self._rows = self._load()  # another process appended since we read
                # Drop a torn tail a killed writer left, so index and vectors align.
                self._truncate_to(self._count)
                with open(self.path / "vectors.f32", "ab") as f:
                    f.write(vectors.tobytes())
                    f.flush()
                    os.fsync(f.fileno())
                with open(self.path / "index.txt", "a", encoding="ascii") as f:
                    f.write("".join(d + "\n" for d in digests))
                    f.flush()
                    os.fsync(f.fileno())
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        start = self._count
        self._vectors = np.concatenate([self._vectors[:start], vectors])
        self._count += len(digests)
        for i, digest in enumerate(digests):
            self._rows.setdefault(digest, start + i)

    def _rows_on_disk(self):
        vectors, index = self.path / "vectors.f32", self.path / "index.txt"
        if not vectors.exists() or not index.exists():
            return 0
        return min(vectors.stat().st_size // (4 * self.dim), index.stat().st_size // 65)

    def _truncate_to(self, rows):
        vectors, index = self.path / "vectors.f32", self.path / "index.txt"
        if vectors.exists() and vectors.stat().st_size != rows * 4 * self.dim:
            with open(vectors, "r+b") as f:
                f.truncate(rows * 4 * self.dim)
        if index.exists() and index.stat().st_size != rows * 65:
            with open(index, "r+b") as f:
                f.truncate(rows * 65)


def cached_embeddings(encoder, texts, cache, batch_size=64, verbose=0, name="encoder"):
    """Vectors of `texts` from `cache`, computing (and caching) the missing ones.

    Args:
        encoder: a `keras.Model` taking `{"text": string [batch]}` to `[batch, dim]`.
        texts: the texts.
        cache: an `EmbeddingCache`.
        batch_size: texts per encoder call; the missing texts are sorted by
            length first, so a batch pads to similar lengths.
        verbose: print progress lines.
        name: the encoder's name in progress lines.

    Returns:
        `float32 [len(texts), dim]`.
    """
    import tensorflow as tf

    texts = list(texts)
    vectors, missing = cache.lookup(texts)
    embed = tf.function(
        lambda t: encoder({"text": t}), input_signature=[tf.TensorSpec([None], tf.string)]
    )
    todo = sorted({texts[i] for i in np.flatnonzero(missing)}, key=len)
    start, last_print = time.perf_counter(), 0.0
    for offset in range(0, len(todo), batch_size * 8):
        block = todo[offset : offset + batch_size * 8]
        computed = [
            np.asarray(embed(tf.constant(block[i : i + batch_size])))
            for i in range(0, len(block), batch_size)
        ]
        cache.add(block, np.concatenate(computed))
        if verbose and time.perf_counter() - last_print > 30:
            last_print = time.perf_counter()
            done = offset + len(block)
            print(
                f"{name}: embedded {done:,}/{len(todo):,} new texts "
                f"({done / (last_print - start):.0f}/s)",
                flush=True,
            )
    if todo:
        vectors, missing = cache.lookup(texts)
    if verbose:
        print(
            f"{name}: {len(texts) - len(todo):,} of {len(texts):,} texts from the cache, "
            f"{len(todo):,} embedded in {time.perf_counter() - start:.1f}s",
            flush=True,
        )
    return vectors
