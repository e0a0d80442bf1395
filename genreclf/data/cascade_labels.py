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
from genreclf.data.inputs import has_words
from genreclf.data.records import LineDecoder
from genreclf.data.records import Record
from genreclf.data.records import has_undecodable
from genreclf.data.records import row_error
from genreclf.data.records import undecodable_error
from genreclf.data.skip_log import SkipLog
from genreclf.errors import DataError

logger = logging.getLogger("genreclf.data")

# Rows left out by design (not bad rows), as the log says them.
LEFT_OUT = {
    "unlabelled": "unlabelled (the cascade decided no genre)",
    "below_min_confidence": "below --min-confidence {}",
}


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


def load_cascade_labels(path, min_confidence=0.0, multi_label=None, skip_bad_rows=False):
    """Reads the labelled rows of a cascade's JSONL output.

    Args:
        path: the JSONL `genreclf label` wrote.
        min_confidence: keep rows whose deciding stage's confidence is at least this.
        multi_label: `None`: multi-label if any kept row has several labels.
        skip_bad_rows: skip (count and log) bad rows instead of raising, as
            `load_dataset` does.

    Returns:
        A `TextDataset` (`skipped`: rows left out, by reason).

    Raises:
        DataError: a line that is not a labelled row (file and line); a row whose
            id is not a string or a number; a kept row whose text is not a
            non-blank string, whose labels are not a list of strings, whose
            confidence is not a number, or whose text, id or labels are not
            valid Unicode (file, line and field); or no row left.

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
    path = str(path)
    skips = SkipLog(path, skip_bad_rows)
    rows = {}
    for record in _records(path):
        if isinstance(record, DataError):
            skips.add(record)
        else:
            rows[record.fields["id"]] = record  # the newest row of an id wins
    texts, labels, ids, lines = [], [], [], []
    skipped = {}
    for record in rows.values():
        try:
            row_labels = _labels(record, path)
            if not row_labels:
                skipped["unlabelled"] = skipped.get("unlabelled", 0) + 1
                continue
            if _confidence(record, path) < float(min_confidence):
                skipped["below_min_confidence"] = skipped.get("below_min_confidence", 0) + 1
                continue
            _check_text(record, path)
            _check_unicode(record, path)
        except DataError as error:
            skips.add(error)
            continue
        texts.append(record.fields["text"])
        labels.append(row_labels)
        ids.append(str(record.fields["id"]))
        lines.append(record.line)
    skips.finish()
    skipped.update(skips.counts)
    if not texts:
        raise DataError(
            f"No labelled row has confidence >= {min_confidence} ({skipped}). Lower "
            "--min-confidence, or label more rows.",
            path=path,
        )
    left_out = {k: v for k, v in skipped.items() if k in LEFT_OUT}
    if left_out:  # by design, but never silently
        reasons = ", ".join(
            f"{n} {LEFT_OUT[k].format(min_confidence)}" for k, n in left_out.items()
        )
        logger.info(
            "Kept %d of the %d rows of %s: left out %s.", len(texts), len(rows), path, reasons
        )
    if multi_label is None:
        multi_label = any(len(l) > 1 for l in labels)
    dataset = TextDataset(
        texts, labels, multi_label=bool(multi_label), ids=ids, lines=lines, path=path
    )
    dataset.skipped = skipped
    return dataset


def _records(path):
    """`Record`s of the rows of a labelled JSONL, or row `DataError`s for bad lines."""
    with open(path, "rb") as f:
        # `bad`: the line's bytes that are not UTF-8, for the error
        for number, raw, bad in LineDecoder(f).numbered():
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
                yield row_error(
                    "invalid_json",
                    f"not a labelled row ({str(e)[:80]}). Expected the JSONL `genreclf label` "
                    "writes.",
                    fix="rerun `genreclf label` to write the row again, or remove the line",
                    path=path,
                    line=number,
                )
                continue
            record = Record(number, row, bad_bytes=bad)
            row_id = row["id"]
            if row_id is None or isinstance(row_id, bool) or not isinstance(row_id, (str, int)):
                yield _error(
                    record,
                    "id",
                    f"expected the row's id as a string. Received: {_shown(row_id)}.",
                    path,
                    reason="missing_value" if row_id is None else "malformed_line",
                )
                continue
            yield record


def _error(record, field, message, path, reason="malformed_line", fix=None):
    return row_error(
        reason,
        message,
        fix=fix or "rerun `genreclf label` to write the row again",
        path=path,
        line=record.line,
        field=field,
    )


def _shown(value):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _labels(record, path):
    """The row's labels (a list of non-blank strings; `[]` when unlabelled)."""
    value = record.fields["labels"]
    if not isinstance(value, list) or not all(isinstance(label, str) for label in value):
        raise _error(
            record,
            "labels",
            f"expected the labels as a list of strings. Received: {_shown(value)}.",
            path,
        )
    labels = [label.strip() for label in value]
    if not all(labels):
        raise _error(
            record,
            "labels",
            f"empty label. Received: {_shown(value)}.",
            path,
            reason="empty_label",
            fix="remove the blank label",
        )
    return labels


def _confidence(record, path):
    """The deciding stage's confidence (0 when `null`)."""
    value = record.fields.get("confidence")
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _error(
            record,
            "confidence",
            f"expected the confidence as a number from 0 to 1. Received: {_shown(value)}.",
            path,
        )
    return float(value)


def _check_text(record, path):
    """Refuses a kept row whose text is not a non-blank string."""
    text = record.fields["text"]
    if text is None:
        raise _error(record, "text", "missing text (null).", path, reason="missing_value")
    if not isinstance(text, str):
        raise _error(
            record, "text", f"expected the text as a string. Received: {_shown(text)}.", path
        )
    if not has_words(text):
        raise _error(
            record,
            "text",
            "empty text. Every row needs a non-blank text.",
            path,
            reason="empty_text",
        )


def _check_unicode(record, path):
    """Refuses a kept row whose text, id or labels UTF-8 (and a tensor) cannot hold."""
    fields = record.fields
    values = [("text", fields["text"]), ("id", fields["id"])]
    values += [("labels", label) for label in fields["labels"]]
    for field, value in values:
        if isinstance(value, str) and has_undecodable(value):
            raise undecodable_error(record, field, value, path)
