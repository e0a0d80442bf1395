import pytest

from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.labelling.genre_spec import Genre
from genreclf.labelling.genre_spec import load_genres
from genreclf.labelling.genre_spec import save_genres


def test_reads_yaml_mapping_and_list_forms(genres_yaml):
    genres = load_genres(genres_yaml)
    assert [g.name for g in genres] == ["horror", "comedy", "western"]
    assert genres[0].keywords == ["ghost", "haunted", "demon"]
    listed = load_genres([{"name": "war", "keywords": "Battle, Soldiers"}, "drama"])
    assert listed[0].keywords == ["battle", "soldiers"]
    assert listed[1].prototype_text() == "A drama film."


def test_round_trip(tmp_path):
    path = tmp_path / "g.yaml"
    save_genres([Genre("action", "Fights.", ["chase"])], path)
    assert load_genres(path) == [Genre("action", "Fights.", ["chase"])]


def test_bad_files_say_what_and_where(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("genres:\n  horror: [unclosed\n")
    with pytest.raises(DataError, match="bad.yaml"):
        load_genres(bad)
    with pytest.raises(ConfigError, match="name, a description"):
        load_genres({"genres": {"horror": {"colour": "red"}}})
    with pytest.raises(ConfigError, match="Cannot read"):
        load_genres(tmp_path / "missing.yaml")
    with pytest.raises(ConfigError, match=r"keywords of genre 'horror' as a list.*keywords=5"):
        load_genres({"genres": {"horror": {"keywords": 5}}})
    assert load_genres({"genres": {"war": {"keywords": [1914, "trench"]}}})[0].keywords == [
        "1914",
        "trench",
    ]


def test_an_existing_file_is_refused_unless_overwrite(tmp_path):
    # save_genres replaced a genres.yaml, edits and all, without a word.
    path = tmp_path / "g.yaml"
    save_genres([Genre("action", "Fights.", ["chase"])], path)
    with pytest.raises(ConfigError, match=r"Received: path='.*g\.yaml', which exists .* Pass ov"):
        save_genres([Genre("drama")], path)
    assert load_genres(path) == [Genre("action", "Fights.", ["chase"])]
    save_genres([Genre("drama")], path, overwrite=True)
    assert [g.name for g in load_genres(path)] == ["drama"]
    # written beside and put in place whole: nothing left beside it either way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.yaml"]


def test_an_overwrite_writes_through_a_symlink(tmp_path):
    # (review) os.replace put a regular file where a symlinked genres.yaml was.
    shared = tmp_path / "shared.yaml"
    save_genres([Genre("action", "Fights.")], shared)
    link = tmp_path / "genres.yaml"
    link.symlink_to(shared)
    save_genres([Genre("drama")], link, overwrite=True)
    assert link.is_symlink() and [g.name for g in load_genres(shared)] == ["drama"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["genres.yaml", "shared.yaml"]


def test_a_new_file_is_written_where_hard_links_are_refused(tmp_path, monkeypatch):
    # (review) FAT and some network mounts refuse os.link: "Operation not permitted".
    import os

    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted", src, None, dst)

    monkeypatch.setattr(os, "link", no_links)  # the file system, not the network
    path = tmp_path / "g.yaml"
    save_genres([Genre("action", "Fights.")], path)
    assert [g.name for g in load_genres(path)] == ["action"]
    with pytest.raises(ConfigError, match=r"which exists"):
        save_genres([Genre("drama")], path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.yaml"]
