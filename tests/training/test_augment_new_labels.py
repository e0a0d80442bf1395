"""Genres that only synthetic rows carry never silently become classes (issue 11, item 11)."""

import json

import pytest

import genreclf
from genreclf.errors import ConfigError


def _write_rows(path, genres):
    with open(path, "w", encoding="utf-8") as handle:
        for i, genre in enumerate(genres):
            row = {
                "id": f"syn-{i}",
                "text": f"A synthetic synopsis number {i} about a {genre}.",
                "labels": [genre],
                "genre": genre,
                "source": "synthetic",
            }
            handle.write(json.dumps(row) + "\n")


def test_synthetic_only_genre_is_refused(tmp_path):
    aug = tmp_path / "aug.jsonl"
    _write_rows(aug, ["comedy", "space western"])
    with pytest.raises(ConfigError, match="space western") as err:
        genreclf.train(
            genreclf.sample_path(),
            text="overview",
            label="genre",
            model="ngram",
            epochs=1,
            augment=str(aug),
            out=tmp_path / "run",
            verbose=0,
        )
    assert "no real training row" in str(err.value)
    assert not (tmp_path / "run" / "model.keras").exists()
