import collections
import csv
import re

import pytest

from genreclf.data import load_dataset
from genreclf.data import sample
from genreclf.data.sample import SAMPLE_CSV
from genreclf.data.sample import sample_path

GENRES = {
    "action",
    "comedy",
    "drama",
    "horror",
    "romance",
    "science-fiction",
    "thriller",
    "animation",
    "documentary",
    "western",
}
RARE = {"horror", "animation", "documentary", "western"}
COLUMNS = ["id", "title", "year", "overview", "genre", "genres"]


@pytest.fixture(scope="module")
def rows():
    with open(sample_path(), newline="", encoding="utf-8") as f:
        reader = csv.reader(f, strict=True)
        header = next(reader)
        assert header == COLUMNS
        body = list(reader)
    for line, row in enumerate(body, start=2):
        assert len(row) == len(COLUMNS), f"line {line}: {row}"
    return [dict(zip(COLUMNS, row)) for row in body]


def test_sample_path_points_at_the_packaged_file():
    path = sample_path()
    assert path == SAMPLE_CSV
    assert path.is_file()
    assert path.name == "movies.csv"
    assert path.parent.name == "sample"


def test_missing_file_says_how_to_fix(monkeypatch, tmp_path):
    missing = tmp_path / "movies.csv"
    monkeypatch.setattr(sample, "SAMPLE_CSV", missing)
    with pytest.raises(FileNotFoundError, match="package_data"):
        sample.sample_path()


def test_about_three_hundred_rows_with_unique_ids(rows):
    assert 280 <= len(rows) <= 340
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"s\d{4}", i) for i in ids)


def test_ten_genres_each_with_enough_rows(rows):
    counts = collections.Counter(r["genre"] for r in rows)
    assert set(counts) == GENRES
    assert min(counts.values()) >= 15, counts


def test_rare_genres_are_rarer(rows):
    counts = collections.Counter(r["genre"] for r in rows)
    common = GENRES - RARE
    assert max(counts[g] for g in RARE) < min(counts[g] for g in common), counts


def test_overviews_are_present_distinct_and_synopsis_sized(rows):
    overviews = [r["overview"].strip() for r in rows]
    assert all(overviews)
    normalized = [" ".join(o.lower().split()) for o in overviews]
    duplicates = [o for o, n in collections.Counter(normalized).items() if n > 1]
    assert not duplicates
    for r in rows:
        words = len(r["overview"].split())
        assert 20 <= words <= 60, (r["id"], words)


def test_titles_are_distinct_and_years_plausible(rows):
    titles = [r["title"] for r in rows]
    assert all(t.strip() for t in titles)
    assert len(set(titles)) == len(titles)
    assert all(1900 <= int(r["year"]) <= 2030 for r in rows)


def test_multi_label_column_is_consistent(rows):
    sizes = collections.Counter()
    for r in rows:
        genres = r["genres"].split("|")
        assert 1 <= len(genres) <= 3, r["id"]
        assert len(set(genres)) == len(genres), r["id"]
        assert set(genres) <= GENRES, r["id"]
        assert genres[0] == r["genre"], r["id"]
        sizes[len(genres)] += 1
    # A real multi-label column: some rows carry more than one genre.
    assert sizes[2] + sizes[3] >= len(rows) // 4, sizes


def test_overviews_rarely_name_their_genre(rows):
    named = [r["id"] for r in rows if r["genre"] in r["overview"].lower()]
    assert len(named) <= len(rows) // 10, named


def test_readme_counts_match_the_file(rows):
    readme = (SAMPLE_CSV.parent / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([a-z-]+)` \| (\d+) \|", readme, flags=re.M))
    counts = collections.Counter(r["genre"] for r in rows)
    assert {g: int(n) for g, n in table.items()} == dict(counts)


def test_loads_with_load_dataset_single_and_multi_label():
    single = load_dataset(sample_path(), text="overview", label="genre")
    assert len(single) == 310
    assert not single.multi_label
    assert len(single.vocabulary().labels) == 10

    multi = load_dataset(sample_path(), text="overview", label="genres", multi_label=True, sep="|")
    assert len(multi) == 310
    assert multi.multi_label
    assert set(multi.vocabulary().labels) == GENRES
    assert any(len(labels) == 3 for labels in multi.labels)
