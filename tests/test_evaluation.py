import pytest

import genreclf
from genreclf.errors import DataError


def test_evaluate_writes_report_files(trained_run, sample_csv, tmp_path):
    report = genreclf.evaluate(trained_run, sample_csv, out=tmp_path / "eval")
    assert report["num_examples"] == 310
    for name in ("report.md", "metrics.json", "confusion.png"):
        assert (tmp_path / "eval" / name).exists()


def test_unknown_label_names_file_and_line(trained_run, tmp_path):
    data = tmp_path / "test.csv"
    data.write_text("overview,genre\nA heist.,action\nA musical on ice.,musical\n")
    with pytest.raises(DataError, match=r"test.csv:3: field 'label'.*'musical'"):
        genreclf.evaluate(trained_run, data)


def test_compare_two_runs_side_by_side(trained_run, tmp_path):
    report = genreclf.evaluate(trained_run, compare=trained_run.path, out=tmp_path / "cmp")
    assert "| accuracy |" in report["comparison"] and "| thriller |" in report["comparison"]
    assert (tmp_path / "cmp" / "compare.md").exists()


def test_skip_bad_rows_drops_unknown_labels_and_counts_them(trained_run, tmp_path):
    data = tmp_path / "test.csv"
    data.write_text("overview,genre\nA heist.,action\nA musical on ice.,musical\nA ghost.,horror\n")
    report = genreclf.evaluate(trained_run, data, skip_bad_rows=True, out=tmp_path / "eval")
    assert report["num_examples"] == 2
