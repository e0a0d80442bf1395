"""A labelled file resumes only with the settings it was started with; asked stages must run."""

import pytest
import yaml

from genreclf.errors import ConfigError
from genreclf.labelling.api import build_cascade
from genreclf.labelling.api import label
from genreclf.labelling.output_settings import settings_path

from .conftest import GENRES

KEYWORDS = dict(stages=("keywords",), thresholds={"keywords": 0.6})


def test_an_identical_rerun_resumes_and_the_settings_are_recorded(texts_csv, genres_yaml, tmp_path):
    out = tmp_path / "labelled.jsonl"
    first = label(texts_csv, out=out, genres=genres_yaml, **KEYWORDS)
    recorded = settings_path(out)
    assert recorded.endswith("labelled.jsonl.settings.json")
    again = label(texts_csv, out=out, genres=genres_yaml, **KEYWORDS)
    assert again.resumed == first.rows == 6 and again.by_stage == first.by_stage


def test_a_rerun_with_another_threshold_is_refused_naming_it(texts_csv, genres_yaml, tmp_path):
    out = tmp_path / "labelled.jsonl"
    label(texts_csv, out=out, genres=genres_yaml, **KEYWORDS)
    before = out.read_bytes()
    with pytest.raises(ConfigError) as error:
        label(
            texts_csv,
            out=out,
            genres=genres_yaml,
            stages=("keywords",),
            thresholds={"keywords": 0.9},
        )
    message = str(error.value)
    assert "keywords threshold: 0.6 → 0.9" in message
    assert "another --out" in message and f"delete {out}" in message
    assert out.read_bytes() == before


def test_a_rerun_with_other_genres_is_refused_naming_them(texts_csv, genres_yaml, tmp_path):
    out = tmp_path / "labelled.jsonl"
    label(texts_csv, out=out, genres=genres_yaml, **KEYWORDS)
    before = out.read_bytes()
    other = tmp_path / "other.yaml"
    genres = {"genres": dict(GENRES["genres"], drama={"keywords": ["family"]})}
    other.write_text(yaml.safe_dump(genres, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError, match="genres: horror, comedy, western → horror, comedy"):
        label(texts_csv, out=out, genres=other, **KEYWORDS)
    # The same names with other keywords: the digest tells.
    genres = {"genres": dict(GENRES["genres"], western={"keywords": ["cowboy"]})}
    other.write_text(yaml.safe_dump(genres, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError, match="the genres' descriptions or keywords"):
        label(texts_csv, out=out, genres=other, **KEYWORDS)
    assert out.read_bytes() == before


def test_other_stages_are_refused_and_a_file_without_the_record_resumes(
    texts_csv, genres_yaml, tmp_path
):
    out = tmp_path / "labelled.jsonl"
    label(texts_csv, out=out, genres=genres_yaml, **KEYWORDS)
    with pytest.raises(ConfigError, match="stages: keywords → keywords, zero_shot"):
        label(
            texts_csv,
            out=out,
            genres=genres_yaml,
            stages=("keywords", "zero_shot"),
            embedder=object(),  # refused before it is used
        )
    # A file an older genreclf wrote (no settings beside it) resumes as before.
    import os

    os.remove(settings_path(out))
    result = label(texts_csv, out=out, genres=genres_yaml, stages=("keywords",))
    assert result.resumed == 6


@pytest.mark.parametrize(
    "stages,needs,rest",
    [
        (("keywords", "classifier"), "classifier needs run= (`--run RUN`)", "`--stages keywords`"),
        (("llm",), "llm needs llm= (`--llm MODEL`)", None),
        (("keywords", "llm"), "llm needs llm= (`--llm MODEL`)", "`--stages keywords`"),
    ],
)
def test_an_asked_stage_that_cannot_run_is_refused(genres_yaml, stages, needs, rest):
    with pytest.raises(ConfigError) as error:
        build_cascade(genres_yaml, stages=stages)
    message = str(error.value)
    assert needs in message and "No stage can run" not in message
    assert (rest in message) if rest else "leave them out" not in message


def test_keywords_asked_without_any_is_refused_and_the_default_drops_quietly(tmp_path):
    genres = {"genres": {"horror": {"description": "Fear."}, "comedy": {}}}
    with pytest.raises(ConfigError, match="keywords needs keywords in the genres"):
        build_cascade(genres, stages=("keywords", "zero_shot"), embedder=object())
    # Stages not given: every stage that can run (zero-shot only), nothing refused.
    cascade = build_cascade(genres, embedder=object())
    assert [s.name for s in cascade.stages] == ["zero_shot"] and cascade.llm is None


def test_an_out_in_a_read_only_folder_is_named_not_the_settings_temp_file(
    texts_csv, genres_yaml, tmp_path, monkeypatch
):
    # The error named `x.jsonl.settings.json.tmp`, a file the user never gave.
    import errno

    from genreclf.labelling import output_settings

    def read_only(path, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", path)

    monkeypatch.setattr(output_settings, "open", read_only, raising=False)
    out = tmp_path / "x.jsonl"
    with pytest.raises(OSError) as caught:  # an OSError still, as before
        label(texts_csv, out=out, genres=genres_yaml, **KEYWORDS)
    assert isinstance(caught.value, ConfigError)
    assert str(caught.value) == (
        f"Cannot write the labelled file {str(out)!r}: Read-only file system. Expected a file "
        "path in a folder that exists or can be made, where files can be written. Received: "
        f"out={str(out)!r} (`--out`). Pass another --out, or make its folder writable."
    )
    assert not out.exists()


def test_an_out_under_a_file_names_the_out_and_the_file(texts_csv, genres_yaml, tmp_path, capsys):
    from genreclf.cli import main

    a_file = tmp_path / "afile"
    a_file.write_text("not a folder")
    out = a_file / "x.jsonl"
    argv = ["label", str(texts_csv), "--genres", str(genres_yaml), "--stages", "keywords"]
    assert main([*argv, "--out", str(out)]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(
        f"genreclf label: error: Cannot write the labelled file {str(out)!r}: "
        f"{str(a_file)!r}, a folder above it, is a file."
    )
    assert f"Received: out={str(out)!r} (`--out`)." in line and ".tmp" not in line


def test_a_rerun_with_another_few_shot_count_is_refused(texts_csv, genres_yaml, tmp_path, server):
    # The examples are part of every LLM prompt: a killed run resumed with --few-shot 0
    # wrote rows prompted without them beside rows prompted with four, in one file.
    out = tmp_path / "labelled.jsonl"
    args = dict(
        genres=genres_yaml,
        stages=("keywords", "llm"),
        thresholds={"keywords": 0.6},
        llm="gpt-4o-mini",
        base_url=server.url,
        budget_tokens=1,  # stops at the first request: the LLM's rows are left to a rerun
    )
    first = label(texts_csv, out=out, **args)
    assert first.llm["stopped"] == "budget"
    before, asked = out.read_bytes(), len(server.requests)
    with pytest.raises(ConfigError, match="llm few-shot examples: 4 → 0"):
        label(texts_csv, out=out, **{**args, "budget_tokens": None}, few_shot=0)
    assert out.read_bytes() == before and len(server.requests) == asked
    again = label(texts_csv, out=out, **{**args, "budget_tokens": None})
    assert again.by_stage == {"keywords": 4, "llm": 2, "unlabelled": 0}


def test_a_rerun_keyed_by_other_ids_is_refused_not_labelled_twice(genres_yaml, tmp_path):
    # Resumed with another --id-column, no written id matched: every row was labelled
    # again under its new id and appended, so the file held each text twice.
    import csv

    data = tmp_path / "films.csv"
    with open(data, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "overview"])
        w.writerows(
            [["f1", "Lighthouse", "A ghost haunts a lighthouse."], ["f2", "Feast", "Chefs."]]
        )
    out = tmp_path / "labelled.jsonl"
    label(data, out=out, genres=genres_yaml, **KEYWORDS)
    before = out.read_bytes()
    with pytest.raises(ConfigError, match=r"id 'f1' there, 'Lighthouse' here, line 2"):
        label(data, out=out, genres=genres_yaml, id_column="title", **KEYWORDS)
    assert out.read_bytes() == before
    assert label(data, out=out, genres=genres_yaml, **KEYWORDS).resumed == 2


def test_a_rerun_after_its_classifier_run_was_trained_again_is_refused(
    texts_csv, genres_yaml, tmp_path
):
    # The run's folder was recorded, not its model: a run trained again in place (another
    # seed) went on labelling the file, two models' decisions in one file.
    import genreclf

    def train(seed):
        return genreclf.train(
            genreclf.sample_path(),
            text="overview",
            label="genre",
            model="ngram",
            model_config={"max_tokens": 2000, "solver": "adamw"},
            epochs=1,
            seed=seed,
            out=tmp_path / "run",
            overwrite=True,
            verbose=0,
        )

    train(0)
    out = tmp_path / "labelled.jsonl"
    args = dict(genres=genres_yaml, stages=("keywords", "classifier"), run=tmp_path / "run")
    label(texts_csv, out=out, **args)
    assert label(texts_csv, out=out, **args).resumed == 6  # the same run resumes
    before = out.read_bytes()
    train(1)
    with pytest.raises(ConfigError, match=r"was trained again since \(digest \w+ → \w+\)"):
        label(texts_csv, out=out, **args)
    assert out.read_bytes() == before


def test_a_rerun_on_part_of_an_input_holding_a_text_twice_resumes(genres_yaml, tmp_path):
    # (review) Ids a1 and a2 share a text; the input rerun without a1 was refused as
    # "labelled with other ids", though a2 is in the file and nothing is labelled again.
    import csv

    def write(rows):
        with open(data, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "overview"])
            w.writerows(rows)

    data = tmp_path / "films.csv"
    rows = [["a1", "A ghost haunts a lighthouse."], ["a2", "A ghost haunts a lighthouse."]]
    write(rows + [["a3", "Chefs cook."]])
    out = tmp_path / "labelled.jsonl"
    label(data, out=out, genres=genres_yaml, **KEYWORDS)
    before = out.read_bytes()
    write(rows[1:] + [["a3", "Chefs cook."]])
    assert label(data, out=out, genres=genres_yaml, **KEYWORDS).resumed == 2
    assert out.read_bytes() == before
