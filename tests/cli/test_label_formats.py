"""`genreclf label` and `label keywords` read every format `genreclf train` reads, and
their errors' hints name flags the subcommand takes."""

import re

import pytest

from genreclf.cli import main
from genreclf.cli.label import build_audit_parser
from genreclf.cli.label import build_keywords_parser
from genreclf.cli.label import build_parser
from genreclf.labelling.label_file import read_labelled

GENRES = "genres:\n  horror: {keywords: [ghost]}\n  comedy: {keywords: [chefs]}\n"
# A TSV without quoting: `"Run,"` opens a quoted cell for a CSV reader (as `tsv`).
UNQUOTED = (
    "id\toverview\n"
    'm1\t"Run," she said, as the ghost came in.\n'
    "m2\tTwo chefs cook for a wedding.\n"
    "m3\tAn accountant files taxes.\n"
)
KEYWORDS = ["--stages", "keywords", "--thresholds", "keywords=0.5", "--quiet"]


@pytest.fixture
def genres(tmp_path):
    path = tmp_path / "genres.yaml"
    path.write_text(GENRES)
    return path


def flags_in(message):
    """The command-line flags an error message suggests, e.g. `--format tsv-unquoted`."""
    return set(re.findall(r"`(--[a-z][a-z-]*)", message))


def accepted(parser):
    return {flag for action in parser._actions for flag in action.option_strings}


def error_line(capsys):
    (line,) = capsys.readouterr().err.strip().splitlines()
    return line


def test_label_reads_a_tsv_unquoted_file(tmp_path, genres):
    data = tmp_path / "unlabelled.tsv"
    data.write_text(UNQUOTED)
    out = tmp_path / "out.jsonl"
    argv = ["label", str(data), "--format", "tsv-unquoted", "--genres", str(genres)]
    assert main([*argv, *KEYWORDS, "--out", str(out)]) == 0
    rows = {row["id"]: row for row in read_labelled(out)}
    assert rows["m1"]["text"] == '"Run," she said, as the ghost came in.'
    assert rows["m1"]["labels"] == ["horror"] and rows["m2"]["labels"] == ["comedy"]
    assert rows["m3"]["labels"] == [] and rows["m3"]["line"] == 4


def test_label_keywords_reads_a_tsv_unquoted_file(tmp_path, capsys):
    data = tmp_path / "labelled.tsv"
    data.write_text(
        "overview\tgenre\n"
        + '"Run," she said: a ghost!\thorror\n' * 2
        + "Two chefs cook.\tcomedy\n" * 2
    )
    out = tmp_path / "genres.yaml"
    argv = ["label", "keywords", str(data), "--format", "tsv-unquoted", "--min-df", "2"]
    assert main([*argv, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "horror: ghost" in printed and "comedy: chefs" in printed


def test_label_reads_the_kaggle_test_format_without_genres(tmp_path, genres):
    data = tmp_path / "test_data.txt"
    data.write_text("1 ::: Boo (2001) ::: A ghost haunts a school.\n2 ::: Yum ::: Chefs.\n")
    out = tmp_path / "out.jsonl"
    assert main(["label", str(data), "--genres", str(genres), *KEYWORDS, "--out", str(out)]) == 0
    assert [row["labels"] for row in read_labelled(out)] == [["horror"], ["comedy"]]


@pytest.mark.parametrize("command", ["label", "keywords"])
def test_an_unknown_extension_hints_at_a_format_flag_the_command_takes(
    command, tmp_path, genres, capsys
):
    data = tmp_path / "data.dat"
    data.write_text("overview,genre\nA ghost haunts a house.,horror\nTwo chefs cook.,comedy\n")
    if command == "label":
        argv, parser = ["label", str(data), "--genres", str(genres), *KEYWORDS], build_parser()
    else:
        argv, parser = ["label", "keywords", str(data), "--min-df", "1"], build_keywords_parser()
    argv += ["--out", str(tmp_path / "out")]
    assert main(argv) == 1
    line = error_line(capsys)
    assert "Cannot tell the format" in line and "tsv-unquoted" in line
    assert flags_in(line) == {"--format"} and "--format" in accepted(parser)
    assert main([*argv, "--format", "csv"]) == 0  # the hint works


def test_a_malformed_row_hints_at_flags_the_command_takes(tmp_path, genres, capsys):
    data = tmp_path / "data.tsv"  # read as `tsv`, the quote in `"Run,"` never closes properly
    data.write_text(
        "overview\tgenre\n"
        + '"Run," she said: a ghost!\thorror\n'
        + "A ghost haunts a house.\thorror\n"
        + "Two chefs cook.\tcomedy\n"
    )
    out = str(tmp_path / "out")
    assert main(["label", "keywords", str(data), "--min-df", "1", "--out", out]) == 1
    line = error_line(capsys)
    assert flags_in(line) == {"--format", "--skip-bad-rows"}, line
    assert flags_in(line) <= accepted(build_keywords_parser())
    argv = ["label", "keywords", str(data), "--min-df", "1", "--out", out, "--skip-bad-rows"]
    assert main(argv) == 0

    assert main(["label", str(data), "--genres", str(genres), *KEYWORDS, "--out", out]) == 1
    line = error_line(capsys)  # `genreclf label` skips no rows: the fix alone
    assert line.startswith(f"genreclf label: error: {data}:2: field 'overview': a quote")
    assert flags_in(line) == {"--format"} and "--format" in accepted(build_parser())
    assert "skip" not in line


def test_label_names_its_own_id_column_flag_and_bytes_that_are_not_utf8(tmp_path, genres, capsys):
    data = tmp_path / "data.tsv"
    data.write_bytes(b"id\toverview\nm1\tA ghost.\nm2\tCaf\xe9 chefs.\n")
    argv = ["label", str(data), "--genres", str(genres), *KEYWORDS, "--out", str(tmp_path / "o")]
    assert main([*argv, "--id-column", "key"]) == 1
    line = error_line(capsys)
    assert "Column 'key' not found" in line and flags_in(line) == {"--id-column"}
    assert main(argv) == 1
    line = error_line(capsys)
    assert line.startswith(f"genreclf label: error: {data}:3: field 'overview': text is not valid")
    assert "Received: byte 0xe9 at byte offset 6 of line 3." in line
    assert "Re-save the file as UTF-8" in line and "skip" not in line


# `--calibrate`: a labelled file of its own, with its own label column and format flags.
CALIBRATION = (
    "overview\tkind\n"
    + '"Run," she said, as the ghost came in.\thorror\n' * 6
    + "Two chefs cook for a wedding.\tcomedy\n" * 6
)


@pytest.fixture
def unlabelled(tmp_path):
    path = tmp_path / "unlabelled.tsv"
    path.write_text(UNQUOTED)
    return path


def label_argv(unlabelled, genres, calibration, *flags):
    """`genreclf label` on `unlabelled` (its format given), calibrating on `calibration`."""
    argv = ["label", str(unlabelled), "--format", "tsv-unquoted", "--genres", str(genres)]
    argv += ["--stages", "keywords", "--quiet", "--out", str(unlabelled.with_suffix(".jsonl"))]
    return [*argv, "--calibrate", str(calibration), *flags]


def test_calibrate_format_reads_a_calibration_file_its_name_does_not_tell(
    tmp_path, genres, unlabelled, capsys
):
    calibration = tmp_path / "calibration.txt"  # neither .tsv nor Kaggle genre lines
    calibration.write_text(CALIBRATION)
    argv = label_argv(unlabelled, genres, calibration, "--calibrate-label", "kind")
    assert main(argv) == 1  # `--format` is the input's: the calibration file's is detected
    line = error_line(capsys)
    assert line.startswith("genreclf label: error: Cannot tell the format of ")
    assert "calibration.txt" in line and "Pass calibrate_format= one of [" in line
    assert flags_in(line) == {"--calibrate-format"} <= accepted(build_parser())
    assert main([*argv, "--calibrate-format", "tsv-unquoted"]) == 0  # the hint works
    rows = {row["id"]: row for row in read_labelled(unlabelled.with_suffix(".jsonl"))}
    assert rows["m1"]["labels"] == ["horror"] and rows["m2"]["labels"] == ["comedy"]


@pytest.mark.parametrize(
    "label_flags", [[], ["--calibrate-label", "genre"]], ids=["found", "named"]
)
def test_a_missing_calibration_label_column_hints_at_calibrate_label(
    label_flags, tmp_path, genres, unlabelled, capsys
):
    calibration = tmp_path / "calibration.txt"
    calibration.write_text(CALIBRATION)
    argv = label_argv(unlabelled, genres, calibration, "--calibrate-format", "tsv-unquoted")
    assert main([*argv, *label_flags]) == 1
    line = error_line(capsys)
    assert "Columns present: ['overview', 'kind']. Pass calibrate_label= " in line
    assert flags_in(line) == {"--calibrate-label"} <= accepted(build_parser())
    assert main([*argv, "--calibrate-label", "kind"]) == 0  # the hint works


def test_a_bad_calibration_row_hints_at_calibrate_format_and_skips_nothing(
    tmp_path, genres, unlabelled, capsys
):
    calibration = tmp_path / "calibration.tsv"  # read as `tsv`: `"Run,"` opens a quoted cell
    calibration.write_text(CALIBRATION)
    argv = label_argv(unlabelled, genres, calibration, "--calibrate-label", "kind")
    assert main(argv) == 1
    line = error_line(capsys)
    assert line.startswith(f"genreclf label: error: {calibration}:2: field 'overview': a quote")
    assert (
        "read it with calibrate_format='tsv-unquoted' (`--calibrate-format tsv-unquoted`)" in line
    )
    assert flags_in(line) == {"--calibrate-format"} and "skip" not in line
    assert main([*argv, "--calibrate-format", "tsv-unquoted"]) == 0


def test_a_tab_separated_calibration_csv_hints_at_calibrate_format_tsv(
    tmp_path, genres, unlabelled, capsys
):
    calibration = tmp_path / "calibration.csv"
    calibration.write_text(CALIBRATION.replace('"Run," she said,', "She said"))
    argv = label_argv(unlabelled, genres, calibration, "--calibrate-label", "kind")
    assert main(argv) == 1
    line = error_line(capsys)
    assert "pass calibrate_format='tsv' (`--calibrate-format tsv`)" in line
    # `--text` is the input's text column: the calibration file's is `--calibrate-text`.
    assert "Pass calibrate_text= the column to use (`--calibrate-text` on the" in line
    assert flags_in(line) == {"--calibrate-text", "--calibrate-format"} <= accepted(build_parser())
    assert main([*argv, "--calibrate-format", "tsv"]) == 0


def test_the_python_api_names_calibrate_label_and_calibrate_format(tmp_path, genres, unlabelled):
    from genreclf.errors import ConfigError
    from genreclf.errors import DataError
    from genreclf.labelling import label

    calibration = tmp_path / "calibration.dat"
    calibration.write_text(CALIBRATION)
    out = tmp_path / "out.jsonl"
    options = dict(out=out, format="tsv-unquoted", genres=genres, stages=("keywords",))
    with pytest.raises(ConfigError, match=r"Pass calibrate_format= one of \[.*\(`--calibrate-"):
        label(unlabelled, calibrate=calibration, calibrate_label="kind", **options)
    with pytest.raises(DataError) as caught:
        label(unlabelled, calibrate=calibration, calibrate_format="tsv-unquoted", **options)
    assert str(caught.value).endswith(
        "Pass calibrate_label= the column to use (`--calibrate-label` on the command line)."
    )
    assert caught.value.path == str(calibration)  # still a located DataError
    result = label(
        unlabelled,
        calibrate=calibration,
        calibrate_label="kind",
        calibrate_format="tsv-unquoted",
        **options,
    )
    assert result.by_stage["keywords"] == 2


def test_a_judge_file_s_hints_name_the_flags_label_audit_takes(tmp_path, genres, capsys):
    data = tmp_path / "unlabelled.tsv"
    data.write_text(UNQUOTED)
    out = tmp_path / "labelled.jsonl"
    argv = ["label", str(data), "--format", "tsv-unquoted", "--genres", str(genres)]
    assert main([*argv, *KEYWORDS, "--out", str(out)]) == 0
    judge = tmp_path / "judge.txt"  # neither .tsv nor Kaggle genre lines
    judge.write_text("id\toverview\tkind\nm1\tA ghost.\thorror\nm2\tChefs.\tcomedy\n")
    argv = ["label", "audit", str(out), "--judge", str(judge)]
    assert main(argv) == 1
    line = error_line(capsys)
    assert line.startswith("genreclf label: error: Cannot tell the format of ")
    assert "Pass judge_format= one of [" in line and flags_in(line) == {"--format"}
    assert main([*argv, "--format", "tsv"]) == 1
    line = error_line(capsys)
    assert "Pass judge_label= the column to use (`--label` on the command line)." in line
    assert flags_in(line) == {"--label"}
    assert {"--format", "--label"} <= accepted(build_audit_parser())
    assert main([*argv, "--format", "tsv", "--label", "kind"]) == 0  # the hints work
    assert "| all | 2 | 2 | 2 | 1.000 |" in capsys.readouterr().out
