import json
import os

import numpy as np
import pytest

from genreclf.errors import ConfigError
from genreclf.metrics import classification_report
from genreclf.metrics import format_summary
from genreclf.metrics import write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def single_label_report():
    labels = ["action", "comedy", "drama", "horror"]
    ids = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3]
    predicted = [0, 0, 0, 1, 1, 1, 0, 2, 1, 3]
    y_true = np.eye(4, dtype="float32")[ids]
    scores = np.eye(4, dtype="float32")[predicted] * 0.7 + 0.1
    return classification_report(y_true, scores, labels, rare_classes=["horror", "drama"])


def multi_label_report():
    y_true = np.array([[1, 0], [1, 1], [0, 1]], dtype="float32")
    scores = np.array([[0.9, 0.2], [0.6, 0.4], [0.3, 0.8]])
    return classification_report(
        y_true, scores, ["a", "b"], multi_label=True, thresholds=[0.5, 0.3]
    )


def table_rows(markdown, header_start):
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_single_label_writes_json_markdown_and_png(tmp_path):
    report = single_label_report()
    out_dir = tmp_path / "run" / "eval"
    paths = write_report(report, out_dir, title="Test set")
    assert sorted(os.listdir(out_dir)) == ["confusion.png", "metrics.json", "report.md"]
    assert paths["confusion"] == str(out_dir / "confusion.png")

    with open(paths["metrics"], encoding="utf-8") as f:
        assert json.load(f) == report

    with open(paths["confusion"], "rb") as f:
        assert f.read(8) == PNG_SIGNATURE
    from matplotlib.image import imread

    image = imread(paths["confusion"])
    assert image.ndim == 3 and min(image.shape[:2]) >= 400

    markdown = (out_dir / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Test set\n")
    assert "| accuracy | 0.7000 |" in markdown
    assert f"| macro F1 | {report['macro_f1']:.4f} |" in markdown
    assert "| rare-class macro F1 (2 classes) |" in markdown
    rows = table_rows(markdown, "| class |")
    # Rare classes first, rarest first; then the others by support, descending.
    assert [row[0] for row in rows] == ["horror", "drama", "action", "comedy"]
    assert [row[1] for row in rows] == ["rare", "rare", "", ""]
    assert rows[2] == ["action", "", "4", "0.7500", "0.7500", "0.7500"]
    confused = table_rows(markdown, "| true |")
    assert confused[0][:3] == ["action", "comedy", "1"]
    assert "![Confusion matrix, rows normalized](confusion.png)" in markdown


def test_multi_label_writes_no_confusion_and_shows_thresholds(tmp_path):
    paths = write_report(multi_label_report(), tmp_path)
    assert sorted(paths) == ["metrics", "report"]
    assert not (tmp_path / "confusion.png").exists()
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "subset accuracy (exact match)" in markdown
    header = next(line for line in markdown.splitlines() if line.startswith("| class |"))
    assert header.endswith("| threshold |")
    rows = table_rows(markdown, "| class |")
    assert {row[0]: row[-1] for row in rows} == {"a": "0.500", "b": "0.300"}


def test_label_names_with_pipes_are_escaped(tmp_path):
    y_true = np.eye(2, dtype="float32")
    report = classification_report(y_true, y_true, ["sci|fi", "war"])
    write_report(report, tmp_path)
    assert "| sci\\|fi |" in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_incomplete_report_is_rejected(tmp_path):
    report = single_label_report()
    del report["per_class"]
    with pytest.raises(ConfigError, match="per_class"):
        write_report(report, tmp_path)
    assert not os.listdir(tmp_path)


def test_training_and_cross_validation_extras_are_shown(tmp_path):
    report = single_label_report()
    report["num_train"] = 40
    report["num_synthetic"] = 5
    report["cross_validation"] = {
        "k": 3,
        "best_fold": 1,
        "summary": {"macro_f1": {"mean": 0.61, "std": 0.02}},
        "folds": [{"macro_f1": 0.6}, {"macro_f1": 0.64}, {"macro_f1": 0.59}],
    }
    write_report(report, tmp_path)
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "Trained on 40 rows (5 synthetic)." in markdown
    assert "| macro_f1 | 0.6100 | 0.0200 |" in markdown
    # Named as its folder is: best_fold 1 is folds/fold_1, not the first fold.
    assert "3 folds; the tables above are the best fold's, `folds/fold_1`." in markdown


def test_classes_without_rows_are_listed_apart_from_the_rare_classes(tmp_path):
    labels = ["action", "comedy", "drama", "war"]
    ids = [0, 0, 0, 1, 1, 2]  # war: no rows
    y_true = np.eye(4, dtype="float32")[ids]
    report = classification_report(y_true, y_true * 0.8 + 0.05, labels)
    paths = write_report(report, tmp_path / "eval")
    markdown = open(paths["report"], encoding="utf-8").read()
    assert "Rare classes first (1, rarest first: drama)" in markdown
    assert "No rows of 1 class (war): macro-F1 counts each as 0; they are not among" in markdown
    rows = table_rows(markdown, "| class |")
    assert [row[:3] for row in rows] == [
        ["drama", "rare", "1"],
        ["action", "", "3"],
        ["comedy", "", "2"],
        ["war", "no rows", "0"],
    ]


def test_multi_label_classes_without_a_positive_row_are_named_so(tmp_path):
    labels = ["action", "comedy", "war"]
    y_true = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 0]], dtype="float32")  # no war
    report = classification_report(y_true, y_true * 0.8 + 0.1, labels)
    assert report["classes_without_rows"] == ["war"]
    markdown = open(write_report(report, tmp_path / "eval")["report"], encoding="utf-8").read()
    assert "No positive row of 1 class (war)" in markdown
    assert "  no positives     war  (macro-F1 counts each as 0)" in format_summary(report)
