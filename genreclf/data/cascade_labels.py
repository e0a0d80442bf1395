"""`load_cascade_labels`: the rows `genreclf label` labelled, as a training `TextDataset`.

`genreclf train labelled.jsonl --min-confidence 0.8` trains on what the
labelling cascade decided: rows with labels whose deciding stage's
confidence reaches `min_confidence`. Unlabelled rows and less confident ones
are left out (and counted in `dataset.skipped`). Each row keeps its id and
line; the texts are real (only their labels came from the cascade).
"""

import json
import logging

from genreclf.data.dataset import TextDataset
from genreclf.data.records import LineDecoder
from genreclf.data.records import Record
from genreclf.data.records import has_undecodable
from genreclf.data.records import undecodable_error
from genreclf.errors import DataError

logger = logging.getLogger("genreclf.data")


def is_cascade_output(path):
    """Whether `path` is a JSONL whose first row looks like `genreclf label` output.

    Example:

    >>> is_cascade_output("movies.csv")
    False
    """
    if not str(path).endswith((".jsonl", ".ndjson")):
        return False
    try:
        with open(path, encoding="utf-8") as f:
            first = json.loads(f.readline() or "{}")
    except (OSError, ValueError):
        return False
    return isinstance(first, dict) and {"labels", "stage", "confidence", "tried"} <= set(first)


def load_cascade_labels(path, min_confidence=0.0, multi_label=None):
    """Reads the labelled rows of a cascade's JSONL output.

    Args:
        path: the JSONL `genreclf label` wrote.
        min_confidence: keep rows whose deciding stage's confidence is at least this.
        multi_label: `None`: multi-label if any kept row has several labels.

    Returns:
        A `TextDataset` (`skipped`: rows left out, by reason).

    Raises:
        DataError: a line that is not a labelled row (file and line), a kept row
            whose text, id or labels are not valid Unicode (file, line and field),
            or no row left.

    Example:

    >>> import json, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "labelled.jsonl"
    >>> rows = [{"id": "1", "text": "A ghost.", "labels": ["horror"], "stage": "keywords",
    ...          "confidence": 0.9, "tried": []},
    ...         {"id": "2", "text": "A heist.", "labels": [], "stage": None,
    ...          "confidence": None, "tried": []}]
    >>> _ = path.write_text("".join(json.dumps(r) + "\\n" for r in rows))
    >>> ds = load_cascade_labels(path, min_confidence=0.8)
    >>> ds.texts, ds.labels, ds.skipped
    (['A ghost.'], [['horror']], {'unlabelled': 1})
    """
    rows = {}
    with open(path, "rb") as f:
        lines = LineDecoder(f)  # notes bytes that are not UTF-8, for the error
        for raw in lines:
            number = lines.line
            bad = lines.pop_bad(number, number)
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
                if not isinstance(row, dict) or not {"id", "text", "labels"} <= set(row):
                    raise ValueError("expected an object with id, text and labels")
            except ValueError as e:
                if not raw.endswith("\n"):  # the last line, cut short by a killed `label`
                    logger.warning(
                        "%s:%d: skipped a torn last line (a killed `genreclf label`; "
                        "rerunning it completes the file)",
                        path,
                        number,
                    )
                    continue
                raise DataError(
                    f"not a labelled row ({str(e)[:80]}). Expected the JSONL `genreclf label` "
                    "writes.",
                    path=path,
                    line=number,
                ) from None
            rows[row["id"]] = (number, row, bad)  # the newest row of an id wins
    texts, labels, ids, lines = [], [], [], []
    skipped = {}
    for number, row, bad in rows.values():
        if not row["labels"]:
            skipped["unlabelled"] = skipped.get("unlabelled", 0) + 1
            continue
        if float(row.get("confidence") or 0.0) < float(min_confidence):
            skipped["below_min_confidence"] = skipped.get("below_min_confidence", 0) + 1
            continue
        _check_unicode(Record(number, row, bad_bytes=bad), path)
        texts.append(row["text"])
        labels.append(list(row["labels"]))
        ids.append(str(row["id"]))
        lines.append(number)
    if not texts:
        raise DataError(
            f"No labelled row has confidence >= {min_confidence} ({skipped}). Lower "
            "--min-confidence, or label more rows.",
            path=path,
        )
    if multi_label is None:
        multi_label = any(len(l) > 1 for l in labels)
    dataset = TextDataset(
        texts, labels, multi_label=bool(multi_label), ids=ids, lines=lines, path=str(path)
    )
    dataset.skipped = skipped
    return dataset


def _check_unicode(record, path):
    """Refuses a kept row whose text, id or labels UTF-8 (and a tensor) cannot hold."""
    fields = record.fields
    values = [("text", fields["text"]), ("id", fields["id"])]
    values += [("labels", label) for label in fields["labels"]]
    for field, value in values:
        if isinstance(value, str) and has_undecodable(value):
            raise undecodable_error(record, field, value, path, skippable=False)
