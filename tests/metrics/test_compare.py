import numpy as np

from genreclf.metrics import classification_report
from genreclf.metrics import compare_reports

LABELS = ["action", "comedy", "drama"]
Y_TRUE = np.eye(3, dtype="float32")[[0, 0, 0, 1, 1, 2]]


def report_for(predicted, rare_classes=None):
    scores = np.eye(3, dtype="float32")[predicted] * 0.8 + 0.1
    return classification_report(Y_TRUE, scores, LABELS, rare_classes=rare_classes)


def rows_after(markdown, header_start):
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_overall_metrics_side_by_side_with_deltas():
    old = report_for([0, 0, 1, 1, 2, 2])
    new = report_for([0, 0, 0, 1, 1, 2])  # all correct
    markdown = compare_reports(old, new, "bilstm", "ngram")
    assert markdown.startswith("## bilstm vs ngram\n")
    overall = {row[0]: row[1:] for row in rows_after(markdown, "| metric |")}
    assert overall["accuracy"] == [f"{4 / 6:.4f}", "1.0000", f"{1 - 4 / 6:+.4f}"]
    assert overall["macro F1"][1:] == ["1.0000", f"{1 - old['macro_f1']:+.4f}"]
    assert overall["rare-class macro F1"] == ["0.6667", "1.0000", "+0.3333"]
    assert overall["examples"] == ["6", "6", ""]
    assert "different data" not in markdown


def test_per_class_f1_rare_classes_of_either_report_first():
    a = report_for([0, 0, 1, 1, 2, 2])  # rare (lowest quartile): drama
    b = report_for([0, 1, 1, 1, 1, 2], rare_classes=["comedy"])
    markdown = compare_reports(a, b)
    rows = rows_after(markdown, "| class |")
    assert [row[0] for row in rows] == ["drama", "comedy", "action"]
    assert [row[1] for row in rows] == ["rare", "rare", ""]
    drama = rows[0]
    assert drama[2:] == ["1", "0.6667", "1.0000", "+0.3333"]
    action = rows[2]
    assert action[2:] == ["3", "0.8000", "0.5000", "-0.3000"]


def test_classes_missing_from_one_report_and_different_data_are_flagged():
    a = report_for([0, 0, 1, 1, 2, 2])
    b = classification_report(
        np.eye(2, dtype="float32")[[0, 1, 1]], np.eye(2)[[0, 1, 0]], ["action", "western"]
    )
    markdown = compare_reports(a, b, "A", "B")
    assert "different data (6 vs 3 examples)" in markdown
    rows = {row[0]: row[2:] for row in rows_after(markdown, "| class |")}
    assert rows["western"][1] == "—" and rows["western"][3] == "—"
    assert rows["comedy"][2] == "—"
    assert rows["action"][0] == "3 / 1"


def test_intervals_say_which_deltas_the_rows_can_tell_from_zero():
    old, new = report_for([0, 0, 1, 1, 2, 2]), report_for([0, 0, 0, 1, 1, 2])
    intervals = {
        "macro_f1": {"a": 0.6, "b": 1.0, "difference": 0.4, "low": 0.1, "high": 0.7},
        "accuracy": {"a": 0.7, "b": 0.6, "difference": -0.1, "low": -0.3, "high": 0.05},
    }
    for entry in intervals.values():
        entry["confidence"] = 0.95
    markdown = compare_reports(old, new, "bilstm", "ngram", intervals=intervals)
    assert "Paired bootstrap over the same 6 rows" in markdown
    rows = rows_after(markdown, "| metric | Δ (ngram − bilstm) | 95% interval")
    assert rows == [
        ["macro F1", "+0.4000", "+0.1000 to +0.7000", "ngram is better"],
        ["accuracy", "-0.1000", "-0.3000 to +0.0500", "the rows do not tell them apart"],
    ]
    assert "Is the difference real?" not in compare_reports(old, new)


def test_rare_classes_that_differ_are_noted():
    a = report_for([0, 0, 1, 1, 2, 2])  # rare: drama
    b = report_for([0, 0, 1, 1, 2, 2], rare_classes=["comedy"])
    assert "rare classes differ (drama vs comedy)" in compare_reports(a, b)
    assert "rare classes differ" not in compare_reports(a, a)
