"""Reader for the Large Movie Review Dataset (aclImdb) layout.

Reviews are files `{split}/{pos,neg}/ID_RATING.txt`, under a folder (with or
without the `aclImdb/` level) or inside a `.tar.gz` or `.tar` that is read as a
stream, never extracted to disk, and refused if damaged or cut short (one that
lacks its end-of-archive marker included). Each review becomes a record with
the columns `id` (`{split}/{polarity}/ID_RATING.txt`, unique), `rating`
(`"1"`..`"10"`), `polarity` (`"pos"`/`"neg"`) and `text`. A split needs
reviews of both polarities; its `unsup/` folder (unlabelled reviews) is not
read. Files in `pos/` or `neg/` that do not end in `.txt` (`2_3.TXT`,
`3_2.txt.bak`) are not reviews: they are left out, with one warning per
folder saying how many. A folder with none of the layout (no `aclImdb/`, no
`train/` or `test/` holding `pos/` or `neg/`) was most likely given in place
of a data file, and its error says so rather than which split is missing.
"""

import logging
import os
import re
import tarfile
import zlib

from genreclf.data.aclimdb_hints import POLARITIES
from genreclf.data.aclimdb_hints import looks_like_aclimdb
from genreclf.data.aclimdb_hints import not_data_message
from genreclf.data.aclimdb_hints import split_fix
from genreclf.data.records import Record
from genreclf.data.records import row_error
from genreclf.data.utf8 import bad_byte
from genreclf.data.utf8 import not_utf8_message
from genreclf.data.utf8 import resave_fix
from genreclf.errors import DataError

logger = logging.getLogger("genreclf.data")

COLUMNS = ("id", "rating", "polarity", "text")
_NAME = re.compile(r"^(\d+)_(\d+)\.txt$")


def is_archive(path):
    """Whether `path` names a tar archive this reader can stream.

    Example:

    >>> is_archive("aclImdb_v1.tar.gz"), is_archive("movies.csv")
    (True, False)
    """
    name = str(path).lower()
    return name.endswith((".tar.gz", ".tgz", ".tar"))


def sort_key(example_id):
    """Order of reviews: `neg` before `pos`, then by numeric ID.

    Example:

    >>> sorted(["train/pos/10_7.txt", "train/pos/2_9.txt"], key=sort_key)
    ['train/pos/2_9.txt', 'train/pos/10_7.txt']
    """
    _, polarity, name = example_id.rsplit("/", 2)
    match = _NAME.match(name)
    return (polarity, int(match.group(1)) if match else -1, name)


class AclImdbRecords:
    """Records of an aclImdb folder or `.tar.gz` (or `.tar`) archive.

    Args:
        path: a folder holding `aclImdb/{split}/`, `{split}/` or `pos/` and
            `neg/` directly; or a `.tar.gz` / `.tar` archive of such a folder.
        split: `"train"` or `"test"` (the folder to read).

    Example:

    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name, text in [("pos/0_9.txt", "Loved it."), ("neg/1_2.txt", "Dull.")]:
    ...     (root / "train" / name).parent.mkdir(parents=True, exist_ok=True)
    ...     _ = (root / "train" / name).write_text(text)
    >>> [r.fields["rating"] for r in AclImdbRecords(root)]
    ['2', '9']
    """

    columns = list(COLUMNS)

    def __init__(self, path, split="train"):
        self.path = str(path)
        self.split = split
        if is_archive(self.path):
            self._root = None
        else:
            self._root = self._find_root()
            self._names = self._review_names()

    def _find_root(self):
        candidates = [
            os.path.join(self.path, "aclImdb", self.split),
            os.path.join(self.path, self.split),
            self.path,
        ]
        for root in candidates:
            if any(os.path.isdir(os.path.join(root, p)) for p in POLARITIES):
                return root
        present = sorted(os.listdir(self.path))
        if not looks_like_aclimdb(self.path):
            raise DataError(not_data_message(self.path, self.split, present), path=self.path)
        raise DataError(
            f"No aclImdb reviews for split {self.split!r}: expected folders "
            f"`aclImdb/{self.split}/pos` and `.../neg` (or `{self.split}/pos`, "
            f"`{self.split}/neg`) holding files ID_RATING.txt. Found: "
            f"{present[:20]}. " + split_fix(),
            path=self.path,
        )

    def _review_names(self):
        """`{polarity: review file names}`, refusing a split without both polarities."""
        names = {}
        for polarity in POLARITIES:
            folder = os.path.join(self._root, polarity)
            if not os.path.isdir(folder):
                raise DataError(
                    f"Missing folder {folder!r}: an aclImdb split folder needs both pos/ "
                    "and neg/, or the model learns one polarity only (unsup/ holds "
                    f"unlabelled reviews and is not read). Found: "
                    f"{sorted(os.listdir(self._root))[:20]}. Restore the folder from the "
                    "aclImdb archive, or pass the archive itself.",
                    path=self.path,
                )
            entries = os.listdir(folder)
            found = [n for n in entries if n.endswith(".txt")]
            _warn_ignored(folder, sorted(set(entries) - set(found)))
            if not found:
                raise DataError(
                    f"The folder {folder!r} holds no review files: expected files "
                    "ID_RATING.txt of both polarities (pos/ and neg/). Restore its "
                    "reviews from the aclImdb archive, or pass the archive itself.",
                    path=self.path,
                )
            names[polarity] = sorted(found, key=lambda n, p=polarity: sort_key(f"x/{p}/{n}"))
        return names

    def __iter__(self):
        if self._root is None:
            return self._archive_records()
        return self._folder_records()

    def _folder_records(self):
        number = 0
        for polarity in POLARITIES:
            for name in self._names[polarity]:
                number += 1
                file_path = os.path.join(self._root, polarity, name)
                try:
                    with open(file_path, "rb") as f:
                        data = f.read()
                except OSError as e:
                    yield _unreadable(file_path, e)
                    continue
                yield self._record(number, polarity, name, data, file_path)

    def _archive_records(self):
        pattern = re.compile(r"(?:^|/)" + re.escape(self.split) + r"/(pos|neg)/([^/]+\.txt)$")
        number = 0
        try:
            archive = tarfile.open(self.path, "r:*")
        except (tarfile.TarError, OSError) as e:
            raise DataError(
                f"Cannot open the archive: {e}. Expected a .tar.gz of the aclImdb folder.",
                path=self.path,
            ) from None
        counts = dict.fromkeys(POLARITIES, 0)
        ignored = {polarity: [] for polarity in POLARITIES}
        others = re.compile(r"(?:^|/)" + re.escape(self.split) + r"/(pos|neg)/([^/]+)$")
        with archive:
            archive.fileobj = last_block = _LastBlock(archive.fileobj)
            try:
                for member in archive:
                    match = pattern.search(member.name)
                    if not member.isfile() or not match:
                        other = member.isfile() and others.search(member.name)
                        if other:
                            ignored[other.group(1)].append(other.group(2))
                        continue
                    number += 1
                    counts[match.group(1)] += 1
                    data = archive.extractfile(member).read()
                    yield self._record(
                        number,
                        match.group(1),
                        match.group(2),
                        data,
                        f"{self.path}/{member.name}",
                    )
                last_block.check_end(archive.offset)
            except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
                kind = ".tar" if self.path.lower().endswith(".tar") else ".tar.gz"
                raise DataError(
                    f"The archive is damaged after {number} reviews: {e}. Expected an "
                    f"intact {kind} of the aclImdb folder: download or copy it again.",
                    path=self.path,
                ) from None
        for polarity, names in ignored.items():
            _warn_ignored(f"{self.path}:{self.split}/{polarity}/", names)
        self._check_counts(counts)

    def _check_counts(self, counts):
        if sum(counts.values()) == 0:
            raise DataError(
                f"No aclImdb reviews for split {self.split!r} in the archive: "
                f"expected members like `aclImdb/{self.split}/pos/0_9.txt`. "
                + split_fix(archive=True),
                path=self.path,
            )
        for polarity, count in counts.items():
            if count == 0:
                raise DataError(
                    f"The archive holds no reviews under `{self.split}/{polarity}/`: an "
                    "aclImdb split needs both pos/ and neg/, or the model learns one "
                    "polarity only. Use a complete aclImdb archive.",
                    path=self.path,
                )

    def _record(self, number, polarity, name, data, file_path):
        example_id = f"{self.split}/{polarity}/{name}"
        match = _NAME.match(name)
        if not match or not 1 <= int(match.group(2)) <= 10:
            return row_error(
                "bad_file_name",
                "expected a review file named ID_RATING.txt with a rating "
                f"from 1 to 10. Received: {name!r}.",
                fix="rename it to its ID and rating (such as 0_9.txt), or move it out of "
                f"{polarity}/",
                path=file_path,
                field="rating",
            )
        rating = int(match.group(2))
        if (polarity == "pos" and rating <= 4) or (polarity == "neg" and rating >= 7):
            # Rating and folder disagree: one of the two labels would be wrong.
            other = "neg" if polarity == "pos" else "pos"
            return row_error(
                "bad_file_name",
                f"a review rated {rating} in {polarity}/. Expected ratings 7 to 10 in pos/ and "
                "1 to 4 in neg/, as in aclImdb (5 and 6 may be in either): otherwise its rating "
                f"and its polarity label disagree. Received: {name!r}.",
                fix=f"move it to {other}/, or fix the rating in its name",
                path=file_path,
                field="rating",
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line, byte, offset = bad_byte(data, e)
            return row_error(
                "invalid_utf8",
                not_utf8_message(byte, offset, f"line {line}", "UTF-8 review files"),
                fix=resave_fix(file_path),
                path=file_path,
                line=line,
                field="text",
            )
        fields = {
            "id": example_id,
            "rating": str(int(match.group(2))),
            "polarity": polarity,
            "text": text,
        }
        return Record(number, fields, path=file_path)


def _warn_ignored(folder, names):
    """Logs once that `folder` holds `names` that are not `.txt` reviews."""
    if names:
        logger.warning(
            "Ignored %d file(s) in %s that do not end in .txt, for example %r: aclImdb "
            "reviews are named ID_RATING.txt. Rename those that are reviews.",
            len(names),
            folder,
            names[0],
        )


def _unreadable(file_path, error):
    """The row error for a review that cannot be read (a folder, no permission)."""
    return row_error(
        "unreadable_file",
        f"cannot read the review file: {error.strerror or error}. Expected a readable "
        "file named ID_RATING.txt.",
        fix="remove or rename it (or fix its permissions)",
        path=file_path,
    )


class _LastBlock:
    """A tar archive's file object that keeps the last header block read.

    `tarfile` ends an archive at the first block after offset 0 that is not a
    header, damaged or not, or at the end of the file, and never reads the
    rest of a `.tar.gz`, so its CRC goes unchecked. The block it stopped at
    must be the end-of-archive marker (a block of zeros; writers put two,
    padded with zeros to a 10240-byte record, but a lone one or a record cut
    short leaves every member whole), and all that follows must be zeros too:
    `check_end` reads them to the end (gzip checks its CRC and length there)
    and raises `tarfile.ReadError` if they are not. An archive that ends
    where a header should start has no marker: it was cut on a block boundary.
    """

    def __init__(self, file):
        self._file = file
        self.block = b""

    def read(self, size=-1):
        data = self._file.read(size)
        if size == tarfile.BLOCKSIZE:  # a header: the last one read is where tarfile stopped
            self.block = data
        return data

    def __getattr__(self, name):
        return getattr(self._file, name)

    def check_end(self, offset):
        """Reads what follows the archive's last member, which must be zeros."""
        data = self.block
        if not data:
            raise tarfile.ReadError(
                f"it ends at byte {offset} of the unpacked archive without the "
                "end-of-archive marker (blocks of zeros), so it was cut short"
            )
        while data:
            if data.count(0) != len(data):
                raise tarfile.ReadError(
                    f"a bad tar header or data after byte {offset} of the unpacked archive"
                )
            data = self._file.read(1 << 20)
