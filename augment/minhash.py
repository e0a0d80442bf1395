"""`MinHashIndex`: near-duplicate search by character-shingle MinHash + LSH, in numpy."""

import re

import numpy as np

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text):
    """Lower-cases, keeps letters and digits, collapses whitespace.

    Example:

    >>> normalize("  A Heist,  GONE wrong!")
    'a heist gone wrong'
    """
    return _NON_WORD.sub(" ", str(text).lower()).strip()


def shingles(text, k=5):
    """Unique 64-bit hashes of the character `k`-grams of `normalize(text)`.

    Example:

    >>> len(shingles("abcdef", k=5))
    2
    """
    data = np.frombuffer(normalize(text).encode("utf-8"), dtype=np.uint8)
    if data.size == 0:
        return np.zeros(0, dtype=np.uint64)
    if data.size < k:
        data = np.concatenate([data, np.zeros(k - data.size, dtype=np.uint8)])
    windows = np.lib.stride_tricks.sliding_window_view(data, k).astype(np.uint64)
    # Polynomial hash mod 2**64 (numpy wraps uint64 arithmetic), then a mix.
    powers = np.array([1099511628211 ** (k - 1 - j) % 2**64 for j in range(k)],
                      dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = (windows * powers).sum(axis=1, dtype=np.uint64)
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return np.unique(h)


def _choose_bands(num_perm, threshold):
    """Bands `b` dividing `num_perm` whose LSH knee `(1/b)**(1/r)` sits just below threshold."""
    best = None
    for b in range(1, num_perm + 1):
        if num_perm % b:
            continue
        r = num_perm // b
        knee = (1.0 / b) ** (1.0 / r)
        score = abs(knee - (threshold - 0.1))
        if best is None or score < best[0]:
            best = (score, b)
    return best[1]


class MinHashIndex:
    """Finds texts whose shingle Jaccard similarity is at least `threshold`.

    Signatures use `num_perm` multiply-shift hash functions over 64-bit
    shingle hashes; candidates come from LSH banding and are confirmed by the
    estimated Jaccard (the fraction of equal signature values).

    Args:
        threshold: Jaccard similarity at or above which texts are duplicates.
        num_perm: signature length.
        k: shingle length in characters.
        seed: seed of the hash functions.

    Example:

    >>> index = MinHashIndex(threshold=0.8)
    >>> index.add("A detective hunts a killer in foggy London streets at night.")
    0
    >>> index.query("A detective hunts a killer in the foggy London streets at night!")
    [0]
    >>> index.query("Two sisters open a bakery in a small Italian village.")
    []
    """

    def __init__(self, threshold=0.8, num_perm=128, k=5, seed=1):
        if not 0.0 < threshold <= 1.0:
            raise ValueError(
                f"Expected 0 < threshold <= 1. Received: threshold={threshold}.")
        self.threshold = float(threshold)
        self.num_perm = int(num_perm)
        self.k = int(k)
        rng = np.random.default_rng(seed)
        self._a = rng.integers(1, 2**63, size=self.num_perm, dtype=np.uint64) * 2 + 1
        self._b = rng.integers(0, 2**63, size=self.num_perm, dtype=np.uint64)
        self.bands = _choose_bands(self.num_perm, self.threshold)
        self.rows = self.num_perm // self.bands
        self._buckets = [dict() for _ in range(self.bands)]
        self._signatures = []

    def __len__(self):
        return len(self._signatures)

    def signature(self, text):
        """The `uint32 [num_perm]` MinHash signature of `text`."""
        sh = shingles(text, self.k)
        if sh.size == 0:
            return np.zeros(self.num_perm, dtype=np.uint32)
        sig = np.empty(self.num_perm, dtype=np.uint32)
        step = max(1, 2_000_000 // max(1, sh.size))
        with np.errstate(over="ignore"):
            for s in range(0, self.num_perm, step):
                a = self._a[s:s + step, None]
                b = self._b[s:s + step, None]
                hashed = (a * sh[None, :] + b) >> np.uint64(32)
                sig[s:s + step] = hashed.min(axis=1).astype(np.uint32)
        return sig

    def _band_keys(self, sig):
        return [sig[i * self.rows:(i + 1) * self.rows].tobytes()
                for i in range(self.bands)]

    def add(self, text, signature=None):
        """Indexes `text`; returns its id (0, 1, ...)."""
        sig = self.signature(text) if signature is None else signature
        idx = len(self._signatures)
        self._signatures.append(sig)
        for bucket, key in zip(self._buckets, self._band_keys(sig)):
            bucket.setdefault(key, []).append(idx)
        return idx

    def query(self, text, signature=None):
        """Ids of indexed texts with estimated Jaccard >= threshold, sorted."""
        sig = self.signature(text) if signature is None else signature
        candidates = set()
        for bucket, key in zip(self._buckets, self._band_keys(sig)):
            candidates.update(bucket.get(key, ()))
        return sorted(i for i in candidates
                      if float(np.mean(self._signatures[i] == sig)) >= self.threshold)


def jaccard(a, b, k=5):
    """Exact Jaccard similarity of the character `k`-shingle sets of two texts.

    Example:

    >>> jaccard("the same text", "the same text")
    1.0
    """
    sa, sb = shingles(a, k), shingles(b, k)
    if sa.size == 0 and sb.size == 0:
        return 1.0
    inter = np.intersect1d(sa, sb, assume_unique=True).size
    return inter / float(sa.size + sb.size - inter)
