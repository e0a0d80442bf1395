"""`LabelIssues`: the rows whose given labels look wrong, ranked, as a CSV and a report.

Example:

>>> import numpy as np
>>> from genreclf.data import TextDataset
>>> data = TextDataset(["a ghost", "a kiss", "a ghost again"], [["horror"], ["romance"],
...                    ["romance"]], lines=[2, 3, 4])
>>> probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.95, 0.05]])
>>> issues = LabelIssues(data, data.vocabulary(), probs, quality=np.array([0.9, 0.8, 0.05]),
...                      flagged=np.array([False, False, True]), model="tfidf", folds=2)
>>> row = issues.rows()[0]
>>> row["line"], row["given"], row["suggested"], row["score"]
(4, 'romance', 'horror', 0.05)
"""

import csv
import dataclasses
import pathlib

import numpy as np

# Curated datasets hold a few percent of wrong labels (Northcutt et al. 2021: 3.3%
# on average over ten benchmark test sets). A flagged share far above that says
# more about the out-of-fold scorer than about the labels (bench/RESULTS.md,
# "Label issues": 36% flagged on movielens_plots, 11% of them the planted errors).
WEAK_SCORER_SHARE = 0.2
CSV_COLUMNS = ("rank", "line", "id", "text", "given", "suggested", "score", "flagged")
SNIPPET = 160  # characters of text in the CSV and the report
LABEL_SEP = "|"


@dataclasses.dataclass(repr=False)
class LabelIssues:
    """The label-quality score of every row and cleanlab's flagged set.

    Attributes:
        dataset: the `TextDataset` that was checked.
        vocabulary: its `LabelVocabulary` (the columns of `probabilities`).
        probabilities: out-of-fold predicted probabilities `[n, K]`.
        quality: cleanlab's label-quality score per row, in [0, 1]: the lower,
            the likelier the given label is wrong.
        flagged: cleanlab's `find_label_issues` verdict per row.
        model: what scored the rows (`"tfidf"` or a model family).
        folds: k of the k-fold.
    """

    dataset: object
    vocabulary: object
    probabilities: np.ndarray
    quality: np.ndarray
    flagged: np.ndarray
    model: str
    folds: int

    def __repr__(self):
        """A summary: rows, flagged, classes and scorer (never the rows themselves).

        Example:

        >>> from genreclf.data import TextDataset
        >>> data = TextDataset(["a ghost", "a kiss"], ["horror", "romance"], path="m.csv")
        >>> LabelIssues(data, data.vocabulary(), np.eye(2), np.array([0.9, 0.1]),
        ...             np.array([False, True]), model="tfidf", folds=2)
        LabelIssues(2 rows, 1 flagged, 2 labels, single-label, model='tfidf', folds=2, path='m.csv')
        """
        n = len(self.dataset)
        parts = [
            f"{n:,} row{'' if n == 1 else 's'}",
            f"{self.num_flagged:,} flagged",
            f"{self.vocabulary.num_classes} label{'' if self.vocabulary.num_classes == 1 else 's'}",
            "multi-label" if self.vocabulary.multi_label else "single-label",
            f"model={self.model!r}",
            f"folds={self.folds}",
        ]
        origin = getattr(self.dataset, "origin", None)
        if getattr(self.dataset, "path", None) is not None:
            parts.append(f"path={str(self.dataset.path)!r}")
        elif origin is not None:
            parts.append(f"from a {origin}")
        return f"LabelIssues({', '.join(parts)})"

    @property
    def ranking(self):
        """Row indices, likeliest issue first (lowest quality; flagged rows before ties)."""
        return np.lexsort((~self.flagged, self.quality))

    @property
    def num_flagged(self):
        return int(self.flagged.sum())

    def suggested(self, i):
        """The labels the out-of-fold model predicts for row `i`."""
        probs = self.probabilities[i]
        names = self.vocabulary.labels
        if self.vocabulary.multi_label:
            chosen = [names[j] for j in np.flatnonzero(probs >= 0.5)]
            return chosen or [names[int(probs.argmax())]]
        return [names[int(probs.argmax())]]

    def rows(self, top=None, flagged_only=False):
        """Dicts with `CSV_COLUMNS`, ranked; `top` limits their number."""
        order = [i for i in self.ranking if self.flagged[i] or not flagged_only]
        lines = self.dataset.lines
        ids = self.dataset.ids
        rows = []
        for rank, i in enumerate(order[:top] if top else order, start=1):
            text = " ".join(self.dataset.texts[i].split())
            rows.append(
                {
                    "rank": rank,
                    "line": lines[i] if lines else int(i) + 1,
                    "id": ids[i] if ids else "",
                    "text": text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…",
                    "given": LABEL_SEP.join(self.dataset.labels[i]),
                    "suggested": LABEL_SEP.join(self.suggested(i)),
                    "score": round(float(self.quality[i]), 6),
                    "flagged": bool(self.flagged[i]),
                }
            )
        return rows

    def to_csv(self, path, top=None, flagged_only=True):
        """Writes the ranked rows (cleanlab's flagged ones, or the `top` lowest scores)."""
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows(top=top, flagged_only=flagged_only and not top))
        return path

    def class_thresholds(self):
        """Multi-label: each class's mean out-of-fold probability over the rows given it.

        cleanlab's confident thresholds (`cleanlab.count.get_confident_thresholds`,
        what it flags rows against); the report's macro-F1 is scored at them.
        Out-of-fold probabilities of a one-vs-rest scorer sit far below 0.5 on
        small data, so scoring at 0.5 would report ~0. None for single-label
        (the arg-max decides).
        """
        if not self.vocabulary.multi_label:
            return None
        from cleanlab.count import get_confident_thresholds

        index = {name: j for j, name in enumerate(self.vocabulary.labels)}
        given = [[index[name] for name in labels] for labels in self.dataset.labels]
        probabilities = np.asarray(self.probabilities, dtype="float64")
        present = get_confident_thresholds(given, probabilities, multi_label=True)[:, 1]
        return np.nan_to_num(present, nan=0.5).astype("float32")

    def out_of_fold_f1(self):
        """The scorer's out-of-fold macro-F1 (multi-label: at `class_thresholds`)."""
        from genreclf.training.linear_heads import macro_f1

        targets = self.dataset.targets(self.vocabulary)
        multi = self.vocabulary.multi_label
        return float(macro_f1(targets, self.probabilities, multi, self.class_thresholds()))

    def caution(self, f1=None):
        """A warning when so many rows are flagged that the scorer, not the labels, is suspect.

        None when at most `WEAK_SCORER_SHARE` of the rows are flagged. `f1`:
        `out_of_fold_f1()` if the caller has it already.
        """
        n = len(self.dataset)
        share = self.num_flagged / max(n, 1)
        if share <= WEAK_SCORER_SHARE:
            return None
        f1 = self.out_of_fold_f1() if f1 is None else f1
        stronger = (
            "" if self.model == "stack" else "; a stronger scorer (--model stack) ranks better"
        )
        return (
            f"{share:.0%} of the rows are flagged, far more than the few percent of wrong labels "
            f"a curated dataset holds: the out-of-fold scorer (macro-F1 "
            f"{f1:.2f}) disagrees with many correct labels too. Read the "
            f"lowest scores first (the CSV is ranked; --top N keeps N), not the whole flagged "
            f"set{stronger}."
        )

    def to_markdown(self, top=20, title=None):
        """The report section: summary, flagged share per label, the top suspects."""
        n, multi = len(self.dataset), self.vocabulary.multi_label
        targets = self.dataset.targets(self.vocabulary)
        f1 = self.out_of_fold_f1()
        scorer = "TF-IDF + logistic regression" if self.model == "tfidf" else self.model
        lines = [
            f"## {title or 'Label issues'}",
            "",
            f"{self.num_flagged:,} of {n:,} rows ({self.num_flagged / max(n, 1):.1%}) are "
            f"flagged as likely mislabelled by cleanlab (confident learning) on "
            f"{self.folds}-fold out-of-fold probabilities of {scorer} "
            f"(out-of-fold macro-F1 {f1:.4f}"
            f"{' at the per-class thresholds cleanlab flags against' if multi else ''}; "
            f"{'multi' if multi else 'single'}-label, "
            f"{self.vocabulary.num_classes} classes). Score: cleanlab's label quality, "
            "lower is likelier wrong.",
            "",
        ]
        caution = self.caution(f1)
        if caution:
            lines += [f"**Caution:** {caution}", ""]
        lines += [
            "| given label | rows | flagged | share |",
            "|---|---:|---:|---:|",
        ]
        has = targets >= 0.5
        for j, name in enumerate(self.vocabulary.labels):
            rows, flagged = int(has[:, j].sum()), int((has[:, j] & self.flagged).sum())
            lines.append(f"| {_cell(name)} | {rows} | {flagged} | {flagged / max(rows, 1):.1%} |")
        top_rows = self.rows(top=top, flagged_only=True)
        if top_rows:
            lines += [
                "",
                f"Top {len(top_rows)} suspects:",
                "",
                "| rank | line | given | suggested | score | text |",
                "|---:|---:|---|---|---:|---|",
            ]
            lines += [
                f"| {r['rank']} | {r['line']} | {_cell(r['given'])} | {_cell(r['suggested'])} "
                f"| {r['score']:.4f} | {_cell(r['text'][:100])} |"
                for r in top_rows
            ]
        return "\n".join(lines) + "\n"

    def write(self, csv_path, top=None, title=None):
        """Writes the CSV and the report (`<csv name>.md` beside it); returns both paths."""
        csv_path = self.to_csv(csv_path, top=top)
        md_path = csv_path.with_suffix(".md")
        md_path.write_text(self.to_markdown(title=title), encoding="utf-8")
        return csv_path, md_path


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")
