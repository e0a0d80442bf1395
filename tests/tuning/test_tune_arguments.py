"""`tune`'s arguments that need no data: refused before the data is read or a folder made."""

import pytest

from genreclf.errors import ConfigError

from .conftest import tiny_search


@pytest.mark.parametrize("search_space", ["lr", "", ["lr"], [("lr", [1e-3])]])
def test_a_search_space_that_is_no_mapping_is_refused(tmp_path, search_space):
    # "lr" was a ValueError from dict(); "" searched the default space silently.
    with pytest.raises(ConfigError, match=r"^search_space must be a mapping of settings, or nu"):
        tiny_search(tmp_path / "s", search_space=search_space)
    assert not (tmp_path / "s").exists()


def test_a_directory_that_is_a_file_or_no_path_is_refused(tmp_path):
    a_file = tmp_path / "search.py"
    a_file.write_text("print('mine')")
    # These were FileExistsError / NotADirectoryError, after the data was read.
    for directory in (a_file, a_file / "inside"):
        with pytest.raises(ConfigError, match=r"^directory must be a tuning folder, not a file\."):
            tiny_search(directory)
    with pytest.raises(ConfigError, match=r"^directory must be the path of a tuning folder"):
        tiny_search(["tuning/a"])
    assert a_file.read_text() == "print('mine')"


def test_resume_where_there_is_no_search_is_refused_naming_the_folder(tmp_path):
    # This started a new search (an INFO line said so): most likely a wrong --dir.
    missing = tmp_path / "typo"
    with pytest.raises(ConfigError, match=r"no search to resume: '.*typo' does not exist\. "):
        tiny_search(missing, resume=True)
    assert not missing.exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"holds no search .*pass resume=False \(drop --res"):
        tiny_search(tmp_path / "empty", resume=True)
    assert list((tmp_path / "empty").iterdir()) == []
