"""`report.md` gains a few examples per class with their top words (train and evaluate)."""

import numpy as np

from genreclf.explaining.report_examples import HEADING
from genreclf.explaining.report_examples import pick_examples


def _section(path):
    text = path.read_text(encoding="utf-8")
    assert text.count(HEADING) == 1, text
    return text[text.index(HEADING) :]


def _table_rows(section):
    return [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][
        1:
    ]


def test_train_writes_examples_per_class_with_words(trained_run):
    section = _section(trained_run.path / "report.md")
    assert "Random validation rows" in section and "exact" in section
    rows = _table_rows(section)
    classes = [row.split("|")[1].strip() for row in rows]
    assert set(classes) <= set(trained_run.labels) and len(set(classes)) >= 5
    assert max(classes.count(c) for c in classes) == 2  # two rows per class, linear
    assert any("+" in row.split("|")[4] for row in rows)  # words that pushed the class


def test_evaluate_adds_the_section_to_its_report(trained_run, sample_csv, tmp_path):
    import genreclf

    genreclf.evaluate(trained_run, sample_csv, out=tmp_path / "eval")
    section = _section(tmp_path / "eval" / "report.md")
    assert "Random evaluation rows" in section and _table_rows(section)


def test_rows_are_picked_per_class_largest_first_and_reproducibly():
    targets = np.eye(3)[[0, 0, 0, 1, 1, 2]]
    picks = pick_examples(targets, per_class=2, max_classes=2, seed=3)
    assert [k for k, _ in picks] == [0, 0, 1, 1]
    assert all(targets[row, k] for k, row in picks)
    assert picks == pick_examples(targets, per_class=2, max_classes=2, seed=3)
