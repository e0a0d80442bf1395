"""`LineDecoder.numbered`: the one read loop of the JSONL and the Kaggle ":::" readers
(and of `genreclf label`'s output): line numbers count blank lines, and a line's
non-UTF-8 byte is named at its own line, field and offset."""

import io

import pytest

from genreclf.data import load_dataset
from genreclf.data.records import LineDecoder
from genreclf.errors import DataError


def test_numbered_skips_blank_lines_and_keeps_their_numbers():
    data = b"a\n\n \r\nb\xff\n\t\nc"
    assert list(LineDecoder(io.BytesIO(data)).numbered()) == [
        (1, "a\n", None),
        (4, "b\udcff\n", (4, 0xFF, 1)),
        (6, "c", None),
    ]


@pytest.mark.parametrize(
    "name, data, where",
    [
        (
            "m.jsonl",
            b'{"text": "ok", "label": "x"}\n\n  \n{"text": "caf\xe9", "label": "y"}\n',
            ":4: field 'text': text is not valid UTF-8. Expected UTF-8 text. Received: byte "
            "0xe9 at byte offset 13 of line 4.",
        ),
        (
            "train_data.txt",
            b"1 ::: A ::: drama ::: ok plot\n\n2 ::: B ::: drama ::: Na\xefve plot\n",
            ":3: field 'description': text is not valid UTF-8. Expected UTF-8 text. Received: "
            "byte 0xef at byte offset 24 of line 3.",
        ),
    ],
    ids=["jsonl", "kaggle"],
)
def test_both_readers_name_the_line_field_and_byte_after_blank_lines(tmp_path, name, data, where):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(DataError) as info:
        load_dataset(path)
    assert str(info.value).startswith(f"{path}{where}")
