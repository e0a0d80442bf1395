"""`audit`: how often a classifier (or a person) agrees with the generated genres."""

import collections
import csv
import dataclasses
import io
import json
import random

from genreclf.augment.text_files import read_text
from genreclf.augment.text_files import utf8_lines
from genreclf.data.inputs import has_words
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.metrics.wilson import wilson_interval
from genreclf.setting import whole

ROWS_EXPECTED = "the JSONL `genreclf augment run` writes (--out): one JSON object per line"
LABELS_EXPECTED = "a CSV of manual labels with a header, such as `id,label`"


@dataclasses.dataclass
class AuditResult:
    """Agreement on an audited sample.

    Attributes:
        n: rows audited.
        agree: rows whose genre the judge agreed with.
        proportion: `agree / n`.
        low, high: the 95% Wilson interval.
        judge: `"run:<path>"`, `"labels:<csv>"` or `"predictor"`.
        per_genre: `{genre: {"n", "agree", "proportion", "low", "high"}}`.
        disagreements: up to 10 `{"id", "genre", "judged", "text"}`.
    """

    n: int
    agree: int
    proportion: float
    low: float
    high: float
    judge: str
    per_genre: dict
    disagreements: list

    def to_dict(self):
        return dataclasses.asdict(self)

    def to_table(self):
        """A plain-text report (what `genreclf augment audit` prints)."""
        lines = [
            f"agreement ({self.judge}): {self.agree}/{self.n} = "
            f"{self.proportion:.3f}  95% Wilson CI [{self.low:.3f}, {self.high:.3f}]",
            f"{'genre':<20} {'n':>5} {'agree':>6} {'rate':>6}  95% CI",
        ]
        for g, d in self.per_genre.items():
            lines.append(
                f"{g:<20} {d['n']:>5} {d['agree']:>6} {d['proportion']:>6.3f}"
                f"  [{d['low']:.3f}, {d['high']:.3f}]"
            )
        return "\n".join(lines)


def read_rows(path):
    """Reads an `augment` JSONL file into a list of dicts.

    A line that is not UTF-8 (a binary file), not JSON or not an object with
    a `text` of some words is a `DataError` naming the file and line.

    Example:

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "aug.jsonl"
    >>> _ = path.write_text('{"text": "A duel.", "genre": "western"}\\n')
    >>> read_rows(path)
    [{'text': 'A duel.', 'genre': 'western'}]
    """
    rows = []
    for number, line in utf8_lines(path, ROWS_EXPECTED):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise DataError(
                "not valid JSON; expected one object per line "
                "as written by `genreclf augment run`.",
                path=path,
                line=number,
            ) from None
        problem = _text_problem(row)
        if problem:
            raise DataError(
                f"{problem} Remove the line or fill in its text, then audit again.",
                path=path,
                line=number,
                field="text",
            )
        rows.append(row)
    return rows


def _text_problem(row):
    """What is wrong with an audited row's text (not a string with some words), or None.

    Example:

    >>> _text_problem({"text": "  ", "genre": "war"})
    "expected a synopsis with some words. Received: text='  '."
    """
    if not isinstance(row, dict) or "text" not in row:
        return "expected an object with a 'text' field."
    if not isinstance(row["text"], str):
        return f"expected the text as a string. Received: text={row['text']!r:.80}."
    if not has_words(row["text"]):
        return f"expected a synopsis with some words. Received: text={row['text']!r:.80}."
    return None


def _genre(row):
    if row.get("genre"):
        return row["genre"]
    labels = row.get("labels") or []
    return labels[0] if labels else None


def _read_manual_labels(path, label=None, sep="|"):
    """`{"id": {...}, "text": {...}}` maps of the manual labels CSV.

    `label` names its label column; by default the first of `label`, `labels`,
    `genre`, `genres`, `tag` that it has (as `load_dataset` looks for them).
    """
    from genreclf.data.columns import LABEL_COLUMNS

    by_id, by_text = {}, {}
    records = _csv_records(path)
    fields = next(records, None) or []
    if label is None:
        label = next((c for c in LABEL_COLUMNS if c in fields), None)
    if label not in fields or not ({"id", "text"} & set(fields)):
        raise DataError(
            f"expected a header with a label column ({label or ' or '.join(LABEL_COLUMNS)}) "
            f"and `id` or `text` (e.g. `id,label`). Received: columns={fields}. Name "
            "another label column with --label (`label=` in Python).",
            path=path,
            line=1,
        )
    for number, values in enumerate(records, start=2):
        rec = dict(zip(fields, values))
        labels = [l.strip() for l in (rec.get(label) or "").split(sep) if l.strip()]
        if not labels:
            raise DataError("empty label", path=path, line=number, field=label)
        if rec.get("id"):
            by_id[rec["id"]] = labels
        if rec.get("text"):
            by_text[" ".join(rec["text"].split())] = labels
    return by_id, by_text


def _csv_records(path):
    """The header, then the non-blank rows, of the CSV file `path` (UTF-8), or a `DataError`."""
    reader = csv.reader(io.StringIO(read_text(path, LABELS_EXPECTED), newline=""))
    try:
        yield next(reader, [])
        yield from (row for row in reader if row)
    except csv.Error as e:
        raise DataError(
            f"not a readable CSV ({e}). Expected {LABELS_EXPECTED}. Check the path, or "
            "fix the quoting of this line.",
            path=path,
            line=reader.line_num,
        ) from None


def audit(
    rows,
    *,
    run=None,
    predictor=None,
    labels=None,
    label=None,
    sep="|",
    sample=100,
    seed=0,
    top_k=1,
):
    """Measures agreement with the intended genre on a random sample of rows.

    Exactly one judge: a classifier run folder (`run`, loaded with
    `genreclf.load_run`), any `predictor` with `.predict(texts) -> list[dict]`
    having `"top_labels"`, or a CSV of manual labels (`labels`, columns
    `id,label` or `text,label`; several labels joined by `|`; `label` and
    `sep` name another column and separator). A row agrees
    when its genre is among the predictor's `top_labels[:top_k]`, or among
    the manual labels. With manual labels, the sample is drawn from the rows
    the CSV labels.

    Args:
        rows: a JSONL path written by `augment.generate`, or a list of its rows.
        run, predictor, labels: the judge.
        label: the manual labels CSV's label column (default: the first of
            `label`, `labels`, `genre`, `genres`, `tag` it has).
        sep: the separator of several manual labels in one cell.
        sample: rows to audit at most (random, seeded), at least 1; `None`
            for all.
        seed: the sampling seed.
        top_k: how many top predictions count as agreement, at least 1.

    Returns:
        An `AuditResult` with the proportion and its 95% Wilson interval.

    Raises:
        ConfigError: not exactly one judge, or `sample` or `top_k` not a
            whole number of at least 1.
        DataError: a row that is not an object with a text of some words
            (its file and line, or `rows[i]`), or a bad labels CSV.

    Example:

    >>> class AlwaysWar:
    ...     def predict(self, texts):
    ...         return [{"top_labels": ["war"]} for _ in texts]
    >>> rows = [{"text": "t1", "genre": "war"}, {"text": "t2", "genre": "news"}]
    >>> audit(rows, predictor=AlwaysWar()).proportion
    0.5
    """
    whole(1, also=(None,)).check(
        "sample", sample, fix="Pass e.g. sample=100, or sample=None to audit every row."
    )
    whole(1).check("top_k", top_k, fix="Pass e.g. top_k=1 (the top genre only) or top_k=3.")
    if isinstance(rows, (str, bytes)) or hasattr(rows, "__fspath__"):
        path, rows = rows, read_rows(rows)
        if not rows:  # an agreement of 0/0 was shown as 0.000
            raise DataError(
                "no rows to audit. Expected the synthetic rows `genreclf augment run` wrote, "
                "one JSON object a line; check the path, or run `genreclf augment run` first.",
                path=path,
            )
    for position, row in enumerate(rows):
        problem = _text_problem(row)
        if problem:
            raise DataError(f"rows[{position}]: {problem} Remove the row or fill in its text.")
    judges = [j for j in (run, predictor, labels) if j is not None]
    if len(judges) != 1:
        raise ConfigError(
            "Expected exactly one judge: a run folder (--run), a predictor, or a "
            f"manual labels CSV (--labels). Received: {len(judges)}."
        )
    rng = random.Random(seed)
    manual = None
    if labels is not None:
        by_id, by_text = _read_manual_labels(labels, label=label, sep=sep)
        manual = {}
        for i, row in enumerate(rows):
            hit = by_id.get(str(row.get("id"))) or by_text.get(" ".join(row["text"].split()))
            if hit is not None:
                manual[i] = hit
        pool = sorted(manual)
        if not pool:
            raise DataError(
                "no row of the audited file matches an `id` or `text` of the labels CSV.",
                path=labels,
            )
        judge = f"labels:{labels}"
    else:
        pool = list(range(len(rows)))
        judge = f"run:{run}" if run is not None else "predictor"
    if sample is not None and sample < len(pool):
        pool = sorted(rng.sample(pool, int(sample)))
    picked = [rows[i] for i in pool]
    if manual is not None:
        judged = [manual[i] for i in pool]
    else:
        if run is not None:
            import genreclf  # lazily: only audits with a run need the core

            predictor = genreclf.load_run(run)
        preds = predictor.predict([r["text"] for r in picked]) if picked else []
        judged = [[str(label) for label in p["top_labels"]][:top_k] for p in preds]  # 7: '7'
    per = collections.defaultdict(lambda: [0, 0])
    agree, disagreements = 0, []
    for row, said in zip(picked, judged):
        g = _genre(row)
        ok = g in said
        agree += ok
        per[g][0] += 1
        per[g][1] += ok
        if not ok and len(disagreements) < 10:
            disagreements.append(
                {"id": row.get("id"), "genre": g, "judged": said, "text": row["text"][:200]}
            )
    n = len(picked)
    low, high = wilson_interval(agree, n)
    per_genre = {}
    for g in sorted(per, key=str):
        k_n, k_a = per[g]
        lo, hi = wilson_interval(k_a, k_n)
        per_genre[g] = {"n": k_n, "agree": k_a, "proportion": k_a / k_n, "low": lo, "high": hi}
    return AuditResult(
        n, agree, agree / n if n else 0.0, low, high, judge, per_genre, disagreements
    )
