import gzip
import io
import logging
import shutil
import subprocess
import tarfile

import pytest

from genreclf.data import iter_examples
from genreclf.data import load_dataset
from genreclf.errors import ConfigError
from genreclf.errors import DataError

REVIEWS = {
    "train/pos/0_9.txt": "A wonderful film.",
    "train/pos/10_7.txt": "Good enough.",
    "train/pos/2_10.txt": "Perfect.",
    "train/neg/1_1.txt": "Awful.<br /><br />Truly.",
    "train/neg/3_4.txt": "Not great.",
    "test/pos/0_8.txt": "Nice.",
    "test/neg/0_2.txt": "Bad.",
}


def make_folder(root, prefix="aclImdb/", reviews=REVIEWS):
    for name, text in reviews.items():
        path = root / (prefix + name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    (root / prefix / "train" / "unsup").mkdir(parents=True, exist_ok=True)
    (root / prefix / "train" / "unsup" / "5_0.txt").write_text("unlabelled")
    (root / prefix / "train" / "urls_pos.txt").write_text("http://x")
    return root


def make_archive(path, reviews=REVIEWS):
    with tarfile.open(path, "w:gz") as archive:
        for name, text in reviews.items():
            data = text.encode("utf-8") if isinstance(text, str) else text
            info = tarfile.TarInfo("aclImdb/" + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


EXPECTED_IDS = [
    "train/neg/1_1.txt",
    "train/neg/3_4.txt",
    "train/pos/0_9.txt",
    "train/pos/2_10.txt",
    "train/pos/10_7.txt",
]


def test_folder_ratings(tmp_path):
    ds = load_dataset(make_folder(tmp_path))
    assert ds.ids == EXPECTED_IDS
    assert ds.labels == [["1"], ["4"], ["9"], ["10"], ["7"]]
    assert ds.texts[0] == "Awful.<br /><br />Truly."
    assert ds.lines == [1, 2, 3, 4, 5]
    assert ds.multi_label is False


@pytest.mark.parametrize("prefix", ["aclImdb/", ""])
def test_folder_polarity_and_layouts(tmp_path, prefix):
    ds = load_dataset(make_folder(tmp_path, prefix), aclimdb_label="polarity")
    assert [l for [l] in ds.labels] == ["neg", "neg", "pos", "pos", "pos"]


def test_split_folder_itself(tmp_path):
    make_folder(tmp_path)
    ds = load_dataset(tmp_path / "aclImdb" / "train", format="aclimdb")
    assert len(ds) == 5


def test_test_split(tmp_path):
    ds = load_dataset(make_folder(tmp_path), split="test")
    assert ds.ids == ["test/neg/0_2.txt", "test/pos/0_8.txt"]


def test_archive_matches_folder(tmp_path):
    archive = make_archive(tmp_path / "aclImdb_train.tar.gz")
    folder = make_folder(tmp_path / "folder")
    from_archive = load_dataset(archive)
    from_folder = load_dataset(folder)
    assert from_archive.ids == from_folder.ids == EXPECTED_IDS
    assert from_archive.texts == from_folder.texts
    assert from_archive.labels == from_folder.labels
    assert from_archive.path == str(archive)
    assert len(list(iter_examples(archive))) == 5


def test_archive_without_split(tmp_path):
    archive = make_archive(tmp_path / "a.tar.gz", {"train/pos/0_9.txt": "x"})
    with pytest.raises(DataError, match="No aclImdb reviews for split 'test'"):
        load_dataset(archive, split="test")


def test_aclimdb_folder_without_the_split(tmp_path):
    # An aclImdb folder keeps the message of the split it lacks.
    make_folder(tmp_path, prefix="", reviews={"test/pos/0_8.txt": "Nice.", "test/neg/0_2.txt": "x"})
    shutil.rmtree(tmp_path / "train")
    pattern = r"No aclImdb reviews for split 'train'.*Found: \['test'\]\. Pass split='train'"
    with pytest.raises(DataError, match=pattern):
        load_dataset(tmp_path)
    assert len(load_dataset(tmp_path, split="test").texts) == 2
    # With the `aclImdb/` level, even one without a split in it.
    (tmp_path / "more" / "aclImdb").mkdir(parents=True)
    with pytest.raises(DataError, match=r"No aclImdb reviews for split 'train'.*\['aclImdb'\]"):
        load_dataset(tmp_path / "more")


@pytest.mark.parametrize("name", ["dir.csv", "data"])
def test_a_folder_that_is_no_aclimdb_folder_is_called_a_folder(tmp_path, name):
    # It talked of aclImdb reviews for split 'train' and said to pass split=,
    # when the mistake is a folder given for a data file.
    folder = tmp_path / name
    (folder / "other").mkdir(parents=True)
    (folder / "train").mkdir()  # a `train/` without pos/ or neg/ is no aclImdb split
    with pytest.raises(DataError) as caught:
        load_dataset(folder)
    assert str(caught.value) == (
        f"{folder}: This is a folder, not a data file. Expected a data file (CSV, TSV, JSONL, "
        "Parquet, or a .txt in the Kaggle `ID ::: TITLE ::: GENRE ::: DESCRIPTION` format) "
        "or an aclImdb folder (holding `aclImdb/train/pos` and `.../neg`, or `train/pos` and "
        "`train/neg`, with files ID_RATING.txt). Found in the folder: ['other', 'train']. "
        "Pass the data file itself, or the folder holding the aclImdb reviews."
    )
    assert caught.value.path == str(folder)
    assert "split" not in caught.value.message


def test_a_folder_holding_a_data_file_names_it(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "movies.csv").write_text("overview,genre\nA heist.,crime\n")
    with pytest.raises(DataError) as caught:
        load_dataset(tmp_path, split="test")
    message = str(caught.value)
    assert "`aclImdb/test/pos`" in message  # the layout of the split asked for
    assert "Found in the folder: ['movies.csv', 'notes']." in message
    assert message.endswith(f"Pass the data file itself, e.g. {str(tmp_path / 'movies.csv')!r}.")


def test_bad_file_name_and_bytes(tmp_path):
    reviews = {"train/pos/0_9.txt": "ok", "train/pos/oops.txt": "x"}
    archive = make_archive(tmp_path / "a.tar.gz", reviews)
    with pytest.raises(DataError, match=r"a\.tar\.gz/aclImdb/train/pos/oops\.txt: field 'rating'"):
        load_dataset(archive)
    reviews = {"train/pos/0_9.txt": "ok", "train/neg/1_2.txt": b"line\nbad \xfe"}
    folder = make_folder(tmp_path / "f", reviews=reviews)
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    assert str(info.value).startswith(
        str(folder / "aclImdb/train/neg/1_2.txt") + ":2: field 'text': text is not valid UTF-8"
    )
    ds = load_dataset(folder, skip_bad_rows=True)
    assert ds.ids == ["train/pos/0_9.txt"]
    assert ds.skipped == {"invalid_utf8": 1}


def test_bad_options(tmp_path):
    folder = make_folder(tmp_path)
    with pytest.raises(ConfigError, match="aclimdb_label"):
        load_dataset(folder, aclimdb_label="stars")
    with pytest.raises(ConfigError, match="split"):
        load_dataset(folder, split="unsup")


def archive_bytes(reviews=REVIEWS):
    """The uncompressed tar of `reviews` and its members (with their offsets)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, text in reviews.items():
            info = tarfile.TarInfo("aclImdb/" + name)
            info.size = len(text)
            archive.addfile(info, io.BytesIO(text.encode("utf-8")))
    with tarfile.open(fileobj=io.BytesIO(buffer.getvalue())) as archive:
        members = archive.getmembers()
    return bytearray(buffer.getvalue()), members


def test_archive_with_a_damaged_header_in_the_middle(tmp_path):
    # tarfile takes a bad header after offset 0 for the end of the archive.
    data, members = archive_bytes()
    last_train = members[4]  # train/neg/3_4.txt: the four reviews before it load
    assert last_train.name == "aclImdb/train/neg/3_4.txt"
    data[last_train.offset : last_train.offset + 100] = b"\x07" * 100
    path = tmp_path / "aclImdb.tar.gz"
    path.write_bytes(gzip.compress(bytes(data)))
    with pytest.raises(
        DataError, match=r"aclImdb\.tar\.gz: The archive is damaged after 4 reviews"
    ):
        load_dataset(path)
    with pytest.raises(DataError, match="damaged after 4 reviews"):
        load_dataset(path, skip_bad_rows=True)  # a damaged archive is not a bad row


def test_archive_with_a_bad_gzip_crc(tmp_path):
    data, _ = archive_bytes()
    compressed = bytearray(gzip.compress(bytes(data)))
    compressed[-8] ^= 0xFF  # the CRC-32 of the trailer; every member still reads
    path = tmp_path / "aclImdb.tar.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(DataError, match="damaged after 5 reviews: CRC check failed"):
        load_dataset(path)


def test_intact_archive_with_trailing_zeros_loads(tmp_path):
    data, _ = archive_bytes()
    path = tmp_path / "aclImdb.tar.gz"
    path.write_bytes(gzip.compress(bytes(data) + bytes(20 * 512)))
    assert load_dataset(path).ids == EXPECTED_IDS


def end_of_data(members):
    """The offset just after the last member's data blocks: where the end marker starts."""
    last = members[-1]
    return last.offset_data + -(-last.size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE


@pytest.mark.parametrize("compress", [False, True])
def test_archive_cut_on_a_member_boundary_is_refused(tmp_path, compress):
    # Every member is whole, but the end-of-archive marker (zero blocks) is gone.
    data, members = archive_bytes()
    cut = end_of_data(members)
    assert cut % tarfile.BLOCKSIZE == 0 and len(data) > cut
    path = tmp_path / ("aclImdb.tar.gz" if compress else "aclImdb.tar")
    content = bytes(data[:cut])
    path.write_bytes(gzip.compress(content) if compress else content)
    kind = r"\.tar\.gz" if compress else r"\.tar"
    with pytest.raises(
        DataError,
        match=rf"aclImdb{kind}: The archive is damaged after 5 reviews: it ends at byte "
        rf"{cut} of the unpacked archive without the end-of-archive marker.* Expected an "
        rf"intact {kind} of the aclImdb folder",
    ):
        load_dataset(path)


def test_archive_cut_between_members_is_refused(tmp_path):
    data, members = archive_bytes()
    path = tmp_path / "aclImdb.tar"
    path.write_bytes(bytes(data[: members[2].offset]))  # two reviews, then nothing
    with pytest.raises(DataError, match="damaged after 2 reviews: it ends at byte"):
        load_dataset(path)


@pytest.mark.parametrize("zero_blocks", [1, 2])
def test_plain_archive_with_a_short_end_marker_loads(tmp_path, zero_blocks):
    # Python's tarfile pads the marker to a 10240-byte record; one zero block is enough.
    data, members = archive_bytes()
    path = tmp_path / "aclImdb.tar"
    cut = end_of_data(members) + zero_blocks * tarfile.BLOCKSIZE
    path.write_bytes(bytes(data[:cut]))
    assert load_dataset(path).ids == EXPECTED_IDS
    path.write_bytes(bytes(data))
    assert load_dataset(path).ids == EXPECTED_IDS


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs a tar command")
def test_archive_written_by_the_tar_command_loads(tmp_path):
    make_folder(tmp_path / "folder")
    path = tmp_path / "aclImdb.tar"
    subprocess.run(["tar", "cf", str(path), "aclImdb"], cwd=tmp_path / "folder", check=True)
    assert load_dataset(path).ids == EXPECTED_IDS
    gzipped = tmp_path / "aclImdb.tar.gz"
    subprocess.run(["tar", "czf", str(gzipped), "aclImdb"], cwd=tmp_path / "folder", check=True)
    assert load_dataset(gzipped).ids == EXPECTED_IDS


def test_folder_without_neg_is_refused(tmp_path):
    reviews = {k: v for k, v in REVIEWS.items() if "/neg/" not in k}
    folder = make_folder(tmp_path, reviews=reviews)  # unsup/ is there, and not read
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    message = str(info.value)
    assert message.startswith(f"{folder}: Missing folder {str(folder / 'aclImdb/train/neg')!r}")
    assert "needs both pos/ and neg/" in message and "'pos', 'unsup'" in message


def test_folder_with_an_empty_pos_is_refused(tmp_path):
    reviews = {k: v for k, v in REVIEWS.items() if "/pos/" not in k}
    folder = make_folder(tmp_path, reviews=reviews)
    (folder / "aclImdb/train/pos").mkdir()
    with pytest.raises(DataError, match=r"train/pos' holds no review files"):
        load_dataset(folder)


def test_archive_without_neg_is_refused(tmp_path):
    reviews = {k: v for k, v in REVIEWS.items() if not k.startswith("train/neg/")}
    archive = make_archive(tmp_path / "a.tar.gz", reviews)
    with pytest.raises(DataError, match="no reviews under `train/neg/`"):
        load_dataset(archive)
    assert len(load_dataset(archive, split="test")) == 2  # the test split has both


def test_a_folder_named_like_a_review_is_a_row_error(tmp_path):
    folder = make_folder(tmp_path)
    odd = folder / "aclImdb/train/neg/2_3.txt"
    odd.mkdir()
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    assert str(info.value).startswith(f"{odd}: cannot read the review file: Is a directory.")
    assert "--skip-bad-rows" in str(info.value)
    ds = load_dataset(folder, skip_bad_rows=True)
    assert ds.ids == EXPECTED_IDS
    assert ds.skipped == {"unreadable_file": 1}


def test_files_that_are_not_txt_are_named_in_one_warning_per_folder(tmp_path, caplog):
    reviews = dict(REVIEWS, **{"train/neg/2_3.TXT": "Dull.", "train/neg/3_2.txt.bak": "Old."})
    folder = make_folder(tmp_path / "f", reviews=reviews)
    archive = make_archive(tmp_path / "a.tar.gz", reviews)
    for path, where in [
        (folder, str(folder / "aclImdb/train/neg")),
        (archive, f"{archive}:train/neg/"),
    ]:
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="genreclf.data"):
            ds = load_dataset(path)
        assert ds.ids == EXPECTED_IDS
        messages = [r.getMessage() for r in caplog.records]
        assert messages == [
            f"Ignored 2 file(s) in {where} that do not end in .txt, for example '2_3.TXT': "
            "aclImdb reviews are named ID_RATING.txt. Rename those that are reviews."
        ]


def test_a_bad_file_name_says_how_to_fix_it(tmp_path):
    folder = make_folder(tmp_path, reviews=dict(REVIEWS, **{"train/neg/review.txt": "Dull."}))
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    assert str(info.value).endswith(
        "Received: 'review.txt'. Rename it to its ID and rating (such as 0_9.txt), or move it "
        "out of neg/, or pass skip_bad_rows=True (`--skip-bad-rows`) to skip such rows."
    )


@pytest.mark.parametrize("name", ["train/neg/7_9.txt", "train/pos/8_3.txt"])
def test_a_review_rated_against_its_folder_is_a_bad_row(tmp_path, name, caplog):
    # A review rated 9 in neg/ was read as rating 9, or with polarity labels as neg.
    folder = make_folder(tmp_path, reviews=dict(REVIEWS, **{name: "Misfiled."}))
    polarity, file_name = name.split("/")[1:]
    rating = file_name[2]
    with pytest.raises(DataError) as info:
        load_dataset(folder, aclimdb_label="polarity")
    assert str(info.value).startswith(
        f"{folder / 'aclImdb' / name}: field 'rating': a review rated {rating} in {polarity}/. "
        "Expected ratings 7 to 10 in pos/ and 1 to 4 in neg/"
    )
    assert "Move it to " in str(info.value)
    with caplog.at_level(logging.WARNING, logger="genreclf.data"):
        ds = load_dataset(folder, skip_bad_rows=True)
    assert ds.ids == EXPECTED_IDS and ds.skipped == {"bad_file_name": 1}
    assert file_name in caplog.text
    # aclImdb itself has no 5 or 6; a folder of one's own may put them on either side.
    six = make_folder(tmp_path / "six", reviews=dict(REVIEWS, **{"train/neg/7_6.txt": "Meh."}))
    assert ["6"] in load_dataset(six).labels
