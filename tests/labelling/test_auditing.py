import csv
import json

import pytest

from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.labelling.api import label
from genreclf.labelling.auditing import audit
from genreclf.labelling.auditing import sample_rows


def test_audit_against_a_labels_file(texts_csv, genres_yaml, tmp_path):
    out = tmp_path / "labelled.jsonl"
    label(
        texts_csv, out=out, genres=genres_yaml, stages=("keywords",), thresholds={"keywords": 0.5}
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    by_id = {r["id"]: r for r in rows}
    # a4 ('a quiet story', comedy) has no keyword; a6 ('A family moves...') neither
    assert by_id["a4"]["labels"] == [] and by_id["a1"]["labels"] == ["horror"]
    result = audit(out, tmp_path / "labels.csv", sample=100, judge_label="genre")
    assert result.unlabelled == 2 and result.sampled == 4
    assert (
        result.per_stage["keywords"]["agree"] == 4 and result.per_stage["keywords"]["trials"] == 4
    )
    assert result.per_stage["keywords"]["low"] == pytest.approx(0.5101, abs=1e-4)
    assert result.per_genre["horror"]["rows"] == 2
    assert "| stage keywords | 4 | 4 | 4 | 1.000 | 0.510–1.000 |" in result.table()


def test_a_judge_file_in_a_format_its_name_does_not_tell(texts_csv, genres_yaml, tmp_path):
    # A TSV without quoting, named .txt: `judge_format` (`label audit --format`) reads it.
    out = tmp_path / "labelled.jsonl"
    label(
        texts_csv, out=out, genres=genres_yaml, stages=("keywords",), thresholds={"keywords": 0.5}
    )
    with open(tmp_path / "labels.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    judge = tmp_path / "judge.txt"
    judge.write_text("".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")
    result = audit(out, judge, judge_label="genre", judge_format="tsv-unquoted")
    assert result.per_stage["keywords"]["agree"] == result.per_stage["keywords"]["trials"] == 4


def test_sampling_is_per_stage_and_seeded():
    rows = [{"id": str(i), "stage": "a" if i < 50 else "b", "labels": ["x"]} for i in range(60)]
    rows.append({"id": "u", "stage": None, "labels": []})
    picked = sample_rows(rows, sample=5, seed=1)
    assert (
        sum(r["stage"] == "a" for r in picked) == 5 and sum(r["stage"] == "b" for r in picked) == 5
    )
    assert picked == sample_rows(rows, sample=5, seed=1)


def test_the_llm_as_judge_goes_through_the_local_server(texts_csv, genres_yaml, tmp_path, server):
    out = tmp_path / "labelled.jsonl"
    label(
        texts_csv, out=out, genres=genres_yaml, stages=("keywords",), thresholds={"keywords": 0.5}
    )
    result = audit(out, "llm", llm="gpt-4o-mini", genres=genres_yaml, base_url=server.url)
    assert result.sampled == 4 and len(server.requests) == 4
    assert result.overall["trials"] == 4


def test_a_run_as_judge(texts_csv, genres_yaml, tmp_path, trained_run):
    out = tmp_path / "labelled.jsonl"
    label(
        texts_csv, out=out, genres=genres_yaml, stages=("keywords",), thresholds={"keywords": 0.5}
    )
    result = audit(out, str(trained_run.path), sample=100)
    assert result.judge == f"run {trained_run.path}" and result.overall["trials"] == 4
    predicted = trained_run.predict([r["text"] for r in json_rows(out) if r["labels"]])
    agree = sum(
        r["labels"][0] in p["labels"]
        for r, p in zip([r for r in json_rows(out) if r["labels"]], predicted)
    )
    assert result.overall["agree"] == agree


def json_rows(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


# The judge file's errors name `audit`'s arguments and `genreclf label audit`'s flags.
JUDGE = "id,overview,kind\na1,A ghost.,horror\na2,Two chefs.,comedy\n"


@pytest.fixture
def labelled(texts_csv, genres_yaml, tmp_path):
    out = tmp_path / "labelled.jsonl"
    label(
        texts_csv, out=out, genres=genres_yaml, stages=("keywords",), thresholds={"keywords": 0.5}
    )
    return out


@pytest.mark.parametrize(
    "options,hint",
    [
        ({}, "Pass judge_label= the column to use (`--label` on the command line)."),
        (
            {"judge_label": "genre"},
            "Pass judge_label= one of them (`--label` on the command line).",
        ),
        (
            {"judge_label": "kind", "judge_text": "plot"},
            "Pass judge_text= one of them (`--text` on the command line).",
        ),
        (
            {"judge_label": "kind", "judge_text": "kind"},
            "Received: judge_text='kind', judge_label='kind'.",
        ),
    ],
    ids=["no-label", "label", "text", "same"],
)
def test_a_judge_file_s_column_hints_name_the_judge_arguments(labelled, tmp_path, options, hint):
    judge = tmp_path / "judge.csv"
    judge.write_text(JUDGE)
    with pytest.raises((DataError, ConfigError)) as caught:
        audit(labelled, judge, **options)
    assert str(caught.value).endswith(hint)


def test_a_judge_file_s_format_hints_name_judge_format(labelled, tmp_path):
    judge = tmp_path / "judge.dat"
    judge.write_text(JUDGE)
    with pytest.raises(ConfigError) as caught:
        audit(labelled, judge, judge_label="kind")
    assert str(caught.value).endswith(
        "Pass judge_format= one of ['csv', 'tsv', 'tsv-unquoted', 'jsonl', 'parquet', "
        "'kaggle-genre', 'aclimdb'] (`--format`)."
    )
    with pytest.raises(
        ConfigError, match=r"Received: judge_format='xls'\. Pass judge_format= one of them"
    ):
        audit(labelled, judge, judge_label="kind", judge_format="xls")
    tabs = tmp_path / "judge.csv"
    tabs.write_text(JUDGE.replace(",", "\t"))
    with pytest.raises(DataError) as caught:
        audit(labelled, tabs, judge_label="kind")
    assert str(caught.value).endswith(
        "Pass judge_text= the column to use (`--text` on the command line). The header holds "
        "tabs: for a tab-separated file pass judge_format='tsv' (`--format tsv`)."
    )


def test_a_bad_judge_row_keeps_its_location_and_offers_no_skipping(labelled, tmp_path):
    judge = tmp_path / "judge.tsv"  # read as `tsv`: the quote in `"Run,"` is never closed
    judge.write_text('id\toverview\tkind\na1\t"Run," a ghost.\thorror\na2\tChefs.\tcomedy\n')
    with pytest.raises(DataError) as caught:
        audit(labelled, judge, judge_label="kind")
    message = str(caught.value)
    assert message.startswith(f"{judge}:2: field 'overview': ") and caught.value.line == 2
    assert message.endswith(
        "read it with judge_format='tsv-unquoted' (`--format tsv-unquoted`)."
    ), message
    assert "skip" not in message
    judge = tmp_path / "judge.csv"
    judge.write_text("id,overview,kind\na1,A ghost.,horror\na2,,comedy\n")
    with pytest.raises(DataError) as caught:
        audit(labelled, judge, judge_label="kind")
    assert str(caught.value) == (
        f"{judge}:3: field 'overview': empty text. Every row needs a non-blank text. Fill it in."
    )


@pytest.mark.parametrize("judge", ["llm", "run"])
def test_the_judge_file_s_options_are_refused_without_a_judge_file(judge, tmp_path):
    # They were ignored: `--sep ';'` with a run as judge changed nothing and said nothing.
    judge = str(tmp_path) if judge == "run" else judge
    with pytest.raises(ConfigError) as caught:
        audit(tmp_path / "labelled.jsonl", judge, judge_sep=";", judge_format="csv")
    assert str(caught.value).startswith(
        "judge_format='csv' (`--format`), judge_sep=';' (`--sep`) apply to a judge file. "
        f"Received: judge={judge!r}, "
    )
    assert str(caught.value).endswith("Drop them, or pass judge= a labelled file (`--judge FILE`).")


def test_an_aclimdb_judge_archive_without_train_says_only_train_is_read(labelled, imdb_test_only):
    # There is no `judge_split`: the hint said `Pass split='train' or split='test' to match
    # the archive`. Nor does it say to pass the folder of the test reviews: a judge folder
    # is a run.
    _, archive = imdb_test_only
    with pytest.raises(DataError) as caught:
        audit(labelled, archive)
    assert str(caught.value) == (
        f"{archive}: No aclImdb reviews for split 'train' in the archive: expected members "
        "like `aclImdb/train/pos/0_9.txt`. No split can be chosen for this file, so only the "
        "archive's `train/` reviews are read."
    )


# `musical` is no genre of genres.yaml: a2, labelled `comedy`, counts as a disagreement.
MUSICAL = (
    "id,overview,kind\na1,A ghost.,horror\na2,Two chefs.,musical\na3,A sheriff.,western\n"
    "a5,A demon.,horror\n"
)


def test_a_judge_label_outside_the_genres_is_warned_about_and_counted_as_before(
    labelled, genres_yaml, tmp_path, capsys, caplog
):
    import logging

    from genreclf.cli import main

    judge = tmp_path / "judge.csv"
    judge.write_text(MUSICAL + "a9,A song.,horror|musical\n")
    with caplog.at_level(logging.WARNING, logger="genreclf.labelling"):
        result = audit(labelled, judge, judge_label="kind", genres=genres_yaml)
    assert (result.overall["agree"], result.overall["trials"]) == (3, 4)  # as before the check
    [warning] = [r.getMessage() for r in caplog.records if r.name == "genreclf.labelling"]
    assert warning == (
        f"{judge}:3: field 'kind': the label 'musical' of the judge file is not among the genres "
        f"of {genres_yaml} ['horror', 'comedy', 'western']: no row was labelled with it, so the 1 "
        "row that carries only such labels counts as a disagreement wherever it is sampled; on "
        "the 1 row that also carries a genre, it is ignored. Received: {'musical': 2} on 2 of 5 "
        f"rows, the first at line 3. If it should be labelled, add it to {genres_yaml}; "
        "otherwise this warning can be ignored."
    )
    argv = ["label", "audit", str(labelled), "--judge", str(judge), "--label", "kind"]
    assert main([*argv, "--genres", str(genres_yaml)]) == 0
    assert "| all | 4 | 4 | 3 | 0.750 |" in capsys.readouterr().out


def test_without_genres_judge_labels_no_labelled_row_carries_are_warned_about(
    labelled, tmp_path, caplog
):
    import logging

    judge = tmp_path / "judge.csv"
    judge.write_text(MUSICAL)
    with caplog.at_level(logging.WARNING, logger="genreclf.labelling"):
        result = audit(labelled, judge, judge_label="kind")
    assert (result.overall["agree"], result.overall["trials"]) == (3, 4)
    [warning] = [r.getMessage() for r in caplog.records if r.name == "genreclf.labelling"]
    assert warning.startswith(
        f"{judge}:3: field 'kind': the label 'musical' of the judge file is not among the genres "
        f"of the rows of {labelled} ['horror', 'comedy', 'western']: no row was labelled with it, "
        "so the 1 row that carries only such labels counts as a disagreement wherever it is "
        "sampled. "
    )
    assert warning.endswith(
        "If it is a genre of the genres.yaml the rows were labelled with, pass genres= that file "
        "(`--genres`) to compare the judge's labels with all its genres; otherwise this warning "
        "can be ignored."
    )


@pytest.mark.parametrize("with_genres", [True, False], ids=["genres", "rows"])
def test_judge_labels_that_look_like_a_mistake_stop_the_audit(
    labelled, genres_yaml, tmp_path, with_genres
):
    genres = {"genres": genres_yaml} if with_genres else {}
    source = genres_yaml if with_genres else f"the rows of {labelled}"
    judge = tmp_path / "judge.csv"
    # (a): two genres joined by `;`, where labels are split on `|`.
    judge.write_text(MUSICAL.replace("musical", "comedy;horror"))
    with pytest.raises(DataError) as caught:
        audit(labelled, judge, judge_label="kind", **genres)
    assert str(caught.value) == (
        f"{judge}:3: field 'kind': the label 'comedy;horror' of the judge file is not among the "
        f"genres of {source}: it lists several genres joined by ';', and labels are split on "
        "'|'. Expected labels among ['horror', 'comedy', 'western']. Received: "
        "{'comedy;horror': 1} on 1 of 4 rows, the first at line 3. Pass judge_sep=';' "
        "(`--sep ';'`)."
    )
    assert audit(labelled, judge, judge_label="kind", judge_sep=";", **genres).overall["agree"] == 4
    # (b): a genre but for case.
    judge.write_text(MUSICAL.replace("musical", "Comedy"))
    with pytest.raises(DataError) as caught:
        audit(labelled, judge, judge_label="kind", **genres)
    assert str(caught.value).endswith(
        "it is the genre 'comedy' but for case or surrounding spaces: a label must be written "
        "exactly as its genre to be matched. Expected labels among ['horror', 'comedy', "
        "'western']. Received: {'Comedy': 1} on 1 of 4 rows, the first at line 3. Write "
        "'Comedy' as 'comedy' in those rows."
    )


def test_a_judge_file_with_no_row_carrying_a_genre_stops_the_audit_given_the_genres(
    labelled, genres_yaml, tmp_path, capsys, caplog
):
    # (c): the ratings column, not the genres.
    import logging

    from genreclf.cli import main

    judge = tmp_path / "judge.csv"
    judge.write_text("id,overview,stars\na1,A.,4\na2,B.,2\na3,C.,5\na5,D.,4\n")
    argv = ["label", "audit", str(labelled), "--judge", str(judge), "--label", "stars"]
    assert main([*argv, "--genres", str(genres_yaml)]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == (
        f"genreclf label: error: {judge}:2: field 'stars': the labels '4', '2', '5' of the judge "
        f"file are not among the genres of {genres_yaml}: no row carries one of the genres, so "
        "there is nothing to audit against (every label given would count as a disagreement). "
        "Expected labels among ['horror', 'comedy', 'western']. Received: {'4': 2, '2': 1, "
        "'5': 1} on 4 of 4 rows, the first at line 2. If it is the wrong column, pass "
        "judge_label= the genre column (`--label`); if these labels are the genres to label, "
        f"add them to {genres_yaml}."
    )
    # Without the genres, those the labelled rows carry may not be all: only warned about.
    with caplog.at_level(logging.WARNING, logger="genreclf.labelling"):
        result = audit(labelled, judge, judge_label="stars")
    assert result.overall["agree"] == 0
    [warning] = [r.getMessage() for r in caplog.records if r.name == "genreclf.labelling"]
    assert "the 4 rows that carry only such labels count as disagreements" in warning


def test_an_empty_labelled_file_is_refused_not_reported_as_nan(texts_csv, tmp_path):
    empty = tmp_path / "labelled.jsonl"
    empty.write_text("")
    with pytest.raises(DataError, match=r"labelled.jsonl: no rows to audit"):
        audit(empty, tmp_path / "labels.csv", judge_label="genre")
