import random

from genreclf.augment.fake_server import fake_synopsis
from genreclf.augment.minhash import MinHashIndex
from genreclf.augment.minhash import jaccard
from genreclf.augment.minhash import normalize
from genreclf.augment.minhash import shingles


def test_normalize_and_shingles():
    assert normalize("  The END,  the end!") == "the end the end"
    sh = shingles("hello world", k=5)
    assert len(sh) == len("hello world") - 4
    assert shingles("Hello,  World!") == shingles("hello world")
    assert len(shingles("", k=5)) == 0 and len(shingles("abc", k=5)) == 1


def test_estimate_tracks_exact_jaccard():
    rng = random.Random(0)
    index = MinHashIndex(threshold=0.5, num_perm=256)
    for _ in range(20):
        a = fake_synopsis(rng)
        words = a.split()
        b = " ".join(words[: len(words) * 3 // 4] + fake_synopsis(rng).split()[:10])
        est = index.signature(a).jaccard(index.signature(b))
        assert abs(est - jaccard(a, b)) < 0.12


def test_near_duplicates_found_distinct_texts_not():
    rng = random.Random(1)
    texts = [fake_synopsis(rng) for _ in range(300)]
    index = MinHashIndex(threshold=0.8)
    for t in texts:
        index.add(t)
    # A light edit of text 17 is found, and only it.
    edited = texts[17].replace("In ", "Back in ", 1) + " A must-see."
    assert jaccard(edited, texts[17]) >= 0.8
    assert index.query(edited) == [17]
    fresh = [fake_synopsis(random.Random(99)) for _ in range(1)]
    assert index.query(fresh[0]) == []
