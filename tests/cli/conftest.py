"""Tiny labelled and unlabelled CSVs for the `genreclf label` tests (its runs and its refusals)."""

import csv

import pytest

ROWS = [
    ("m1", "A ghost haunts the old house at night.", "horror"),
    ("m2", "A ghost and a demon haunt a quiet village.", "horror"),
    ("m3", "The ghost of a sailor haunts a lighthouse.", "horror"),
    ("m4", "A demon is summoned in a haunted school.", "horror"),
    ("m5", "Two chefs compete in a cooking contest and fall in love.", "comedy"),
    ("m6", "Chefs plan a wedding that goes wrong in every way.", "comedy"),
    ("m7", "Rival chefs swap kitchens for a week of pranks.", "comedy"),
    ("m8", "A wedding singer and two chefs start a food truck.", "comedy"),
]


@pytest.fixture
def files(tmp_path):
    labelled = tmp_path / "labelled.csv"
    with open(labelled, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview", "genre"])
        w.writerows(ROWS)
    unlabelled = tmp_path / "unlabelled.csv"
    with open(unlabelled, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "overview"])
        w.writerows((i, t) for i, t, _ in ROWS)
        w.writerow(["m9", "An accountant files taxes."])
    return labelled, unlabelled
