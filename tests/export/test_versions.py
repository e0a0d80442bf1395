"""Integer version folders and atomic publication."""

import pytest

from genreclf.export.errors import ExportError
from genreclf.export.versions import list_versions
from genreclf.export.versions import next_version
from genreclf.export.versions import resolve_version
from genreclf.export.versions import staged_version


def test_versions_ignore_non_integer_folders(tmp_path):
    for name in ("1", "3", ".tmp-4-abcd", "latest", "10"):
        (tmp_path / name).mkdir()
    (tmp_path / "7").write_text("a file, not a version")
    assert list_versions(tmp_path) == [1, 3, 10]
    assert next_version(tmp_path) == 11
    assert next_version(tmp_path / "missing") == 1


def test_explicit_version_never_overwrites(tmp_path):
    (tmp_path / "2").mkdir()
    assert resolve_version(tmp_path, 5) == 5
    with pytest.raises(ExportError, match="Version 2 already exists"):
        resolve_version(tmp_path, 2)
    for bad in (0, -1, "3", True):
        with pytest.raises(ExportError, match="positive integer"):
            resolve_version(tmp_path, bad)


def test_staged_version_publishes_by_rename(tmp_path):
    with staged_version(tmp_path, 1) as tmp:
        assert tmp.startswith(str(tmp_path / ".tmp-1-"))
        (tmp_path / tmp / "saved_model.pb").write_bytes(b"x")
        assert list_versions(tmp_path) == []  # not visible while being written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1"]
    assert (tmp_path / "1" / "saved_model.pb").read_bytes() == b"x"


def test_staged_version_failure_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        with staged_version(tmp_path, 1) as tmp:
            (tmp_path / tmp / "saved_model.pb").write_bytes(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_staged_version_refuses_a_version_that_appeared(tmp_path):
    with pytest.raises(ExportError, match="appeared"):
        with staged_version(tmp_path, 1):
            (tmp_path / "1").mkdir()
            (tmp_path / "1" / "saved_model.pb").write_bytes(b"other")
    assert [p.name for p in tmp_path.iterdir()] == ["1"]
    assert (tmp_path / "1" / "saved_model.pb").read_bytes() == b"other"
