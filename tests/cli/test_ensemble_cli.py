"""`genreclf ensemble` on the command line: --out apart from the members; reading --data."""

import pytest

from genreclf.cli import main
from genreclf.ensemble_members import check_out_apart
from genreclf.errors import ConfigError


@pytest.fixture
def members(tmp_path):
    """Two folders standing in for runs: the --out check comes before any is read."""
    folders = [tmp_path / "runs" / "a", tmp_path / "runs" / "b"]
    for folder in folders:
        folder.mkdir(parents=True)
        (folder / "model.keras").write_bytes(b"the member's model")
    return folders


@pytest.mark.parametrize(
    "out,where",
    [
        ("runs/a", "is the member"),
        ("./runs/a/", "is the member"),
        ("runs/b/ensemble", "is inside the member"),
        ("runs", "holds the member"),
        (".", "holds the member"),
    ],
)
def test_an_out_that_is_inside_or_holds_a_member_is_refused_before_any_work(
    out, where, members, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    argv = ["ensemble", "runs/a", "runs/b", "--out", out, "--overwrite"]
    assert main(argv) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("genreclf ensemble: error: The ensemble's out (`--out`) must be a f")
    assert f"Received: out={out!r}, which {where} " in line and "--out runs/ensemble" in line
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["a", "b"]
    for folder in members:
        assert [p.name for p in folder.iterdir()] == ["model.keras"]
        assert (folder / "model.keras").read_bytes() == b"the member's model"


def test_a_symbolic_link_to_a_member_is_the_member(members, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(members[0], target_is_directory=True)
    with pytest.raises(ConfigError, match="which is the member"):
        check_out_apart(members, link)
    check_out_apart(members, tmp_path / "runs" / "ensemble")  # a sibling is fine


def test_the_python_api_lets_members_live_inside_out(members, tmp_path):
    """The GPU pair ensembles OUT/members/* into OUT; only the CLI refuses that."""
    inside = [tmp_path / "pair" / "members" / "stack"]
    check_out_apart(inside, tmp_path / "pair", members_inside=True)
    with pytest.raises(ConfigError, match="holds the member"):
        check_out_apart(inside, tmp_path / "pair")
    with pytest.raises(ConfigError, match="which is the member"):
        check_out_apart(members, members[1], members_inside=True)


def test_reading_options_need_data(members, tmp_path, capsys):
    out = tmp_path / "ens"
    assert main(["ensemble", *map(str, members), "--out", str(out), "--label", "g"]) == 1
    err = capsys.readouterr().err
    assert "genreclf ensemble: error: --label applies to reading --data" in err
    assert "Received: label='g' without data" in err and not out.exists()


def test_held_out_rows_are_read_with_the_label_column_given(trained_run, sample_csv, tmp_path):
    header, *rows = sample_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    renamed = tmp_path / "held_out.csv"
    renamed.write_text(header.replace(",genre,", ",tag_a,") + "".join(rows), encoding="utf-8")
    run = str(trained_run.path)
    out = tmp_path / "ens"
    argv = ["ensemble", run, run, "--data", str(renamed), "--out", str(out), "--quiet"]
    assert main([*argv, "--label", "tag_a"]) == 0
    assert (out / "thresholds.json").exists()  # finished
