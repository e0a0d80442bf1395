"""Fixtures for the labelling tests: tiny genres, a tiny CSV of texts, a real local LLM server."""

import csv

import pytest

from genreclf.augment.fake_server import FakeChatServer

GENRES = {
    "genres": {
        "horror": {
            "description": "A frightening film of ghosts and monsters.",
            "keywords": ["ghost", "haunted", "demon"],
        },
        "comedy": {"description": "A funny film.", "keywords": ["chefs", "wedding", "prank"]},
        "western": {"description": "Cowboys and outlaws.", "keywords": ["sheriff", "outlaw"]},
    }
}
TEXTS = [
    ("a1", "A ghost haunts a haunted lighthouse keeper.", "horror"),
    ("a2", "Two chefs plan a prank at a wedding.", "comedy"),
    ("a3", "The sheriff rides out to face an outlaw gang.", "western"),
    ("a4", "A quiet story about a long summer.", "comedy"),
    ("a5", "A demon and a ghost wait in the attic.", "horror"),
    ("a6", "A family moves to a new town.", "western"),
]
# Two genres, one keyword each: the cascade most calibration tests label with.
HORROR_COMEDY = {"genres": {"horror": {"keywords": ["ghost"]}, "comedy": {"keywords": ["chefs"]}}}
# The end of an aclImdb file's hint without `train/` reviews, for a reader without a split.
FIXES = {
    "folder": "No split can be chosen for this file, so only `train/` is read: for another "
    "split's reviews, pass the folder holding their pos/ and neg/ (e.g. `aclImdb/test`).",
    "archive": "No split can be chosen for this file, so only the archive's `train/` reviews "
    "are read.",
}


@pytest.fixture
def server():
    """A `FakeChatServer` on 127.0.0.1 (random port), stopped after the test."""
    with FakeChatServer() as s:
        yield s


@pytest.fixture
def genres_yaml(tmp_path):
    import yaml

    path = tmp_path / "genres.yaml"
    path.write_text(yaml.safe_dump(GENRES, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def texts_csv(tmp_path):
    """`id,overview` rows to label, and `labels.csv` with their true genres beside."""
    path = tmp_path / "unlabelled.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview"])
        for row_id, text, _ in TEXTS:
            w.writerow([row_id, text])
    with open(tmp_path / "labels.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview", "genre"])
        for row_id, text, genre in TEXTS:
            w.writerow([row_id, text, genre])
    return path


@pytest.fixture
def imdb_test_only(tmp_path):
    """`(folder, archive)`: aclImdb reviews of the `test` split only, as a folder and a .tar.gz.

    What `genreclf label`'s files cannot read as they are: without a split
    option, an aclImdb folder or archive is read for its `train/` reviews.
    """
    import tarfile

    root = tmp_path / "imdb"
    for name, text in (("pos/0_9.txt", "A ghost, loved it."), ("neg/1_2.txt", "Dull chefs.")):
        review = root / "aclImdb" / "test" / name
        review.parent.mkdir(parents=True, exist_ok=True)
        review.write_text(text, encoding="utf-8")
    archive = tmp_path / "imdb.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root / "aclImdb", "aclImdb")
    return root, archive
