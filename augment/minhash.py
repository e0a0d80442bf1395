"""`MinHashIndex`: near-duplicate search by character-shingle MinHash + LSH (`datasketch`)."""

import re

from datasketch import MinHash
from datasketch import MinHashLSH

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text):
    """Lower-cases, keeps letters and digits, collapses whitespace.

    Example:

    >>> normalize("  A Heist,  GONE wrong!")
    'a heist gone wrong'
    """
    return _NON_WORD.sub(" ", str(text).lower()).strip()


def shingles(text, k=5):
    """The set of character `k`-grams of `normalize(text)` (one padded gram if shorter).

    Example:

    >>> sorted(shingles("abcdef", k=5))
    ['abcde', 'bcdef']
    """
    norm = normalize(text)
    if not norm:
        return set()
    if len(norm) < k:
        return {norm}
    return {norm[i : i + k] for i in range(len(norm) - k + 1)}


def jaccard(a, b, k=5):
    """Exact Jaccard similarity of the character `k`-shingle sets of two texts.

    Example:

    >>> jaccard("the same text", "the same text")
    1.0
    """
    sa, sb = shingles(a, k), shingles(b, k)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / float(len(sa | sb))


class MinHashIndex:
    """Finds texts whose shingle Jaccard similarity is at least `threshold`.

    `datasketch`'s `MinHash` signatures and `MinHashLSH` banding find the
    candidates; each is confirmed by its estimated Jaccard similarity.

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
            raise ValueError(f"Expected 0 < threshold <= 1. Received: threshold={threshold}.")
        self.threshold = float(threshold)
        self.num_perm = int(num_perm)
        self.k = int(k)
        self.seed = int(seed)
        # A lower LSH threshold than the confirmation one: fewer missed pairs.
        self._lsh = MinHashLSH(threshold=max(0.05, self.threshold - 0.1), num_perm=self.num_perm)
        self._signatures = []

    def __len__(self):
        return len(self._signatures)

    def signature(self, text):
        """The `datasketch.MinHash` of `text`'s shingles."""
        signature = MinHash(num_perm=self.num_perm, seed=self.seed)
        signature.update_batch([s.encode("utf-8") for s in shingles(text, self.k)])
        return signature

    def add(self, text, signature=None):
        """Indexes `text`; returns its id (0, 1, ...)."""
        signature = self.signature(text) if signature is None else signature
        index = len(self._signatures)
        self._signatures.append(signature)
        self._lsh.insert(index, signature)
        return index

    def query(self, text, signature=None):
        """Ids of indexed texts with estimated Jaccard >= threshold, sorted."""
        signature = self.signature(text) if signature is None else signature
        return sorted(
            i
            for i in self._lsh.query(signature)
            if self._signatures[i].jaccard(signature) >= self.threshold
        )
