"""The report's calibration section: ECE before/after in report.md, reliability.png beside it."""

import json

import numpy as np

from genreclf.metrics import classification_report
from genreclf.metrics import write_report
from genreclf.metrics.calibration_report import calibration_section

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _report(calibrated):
    y_true = np.eye(2)[[0, 1, 1, 1, 1]]
    raw = np.array([[0.9, 0.1], [0.8, 0.2], [0.45, 0.55], [0.5, 0.5], [0.05, 0.95]])
    scores = np.array([[0.7, 0.3], [0.6, 0.4], [0.4, 0.6], [0.5, 0.5], [0.2, 0.8]])
    report = classification_report(y_true, scores if calibrated else raw, ["comedy", "drama"])
    report["calibration"] = calibration_section(
        y_true,
        raw,
        scores if calibrated else None,
        multi_label=False,
        method="temperature" if calibrated else "none",
        fitted_on="the validation split" if calibrated else None,
    )
    return report


def test_report_has_ece_before_and_after_and_the_diagram(tmp_path):
    report = _report(calibrated=True)
    paths = write_report(report, tmp_path, title="Test set")
    assert (tmp_path / "reliability.png").read_bytes()[:8] == PNG_SIGNATURE
    assert paths["reliability"] == str(tmp_path / "reliability.png")
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    section = markdown[markdown.index("## Calibration") :]
    assert "Method: temperature, fitted on the validation split." in section
    assert f"| before calibration | {report['calibration']['ece_before']:.4f} |" in section
    assert f"| after calibration | {report['calibration']['ece_after']:.4f} |" in section
    assert "15 equal-width confidence bins" in section and "top label" in section
    assert "![Reliability diagram](reliability.png)" in section
    saved = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert saved["calibration"]["ece_before"] == report["calibration"]["ece_before"]


def test_uncalibrated_model_reports_its_ece(tmp_path):
    write_report(_report(calibrated=False), tmp_path)
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "The model is not calibrated. ECE 0.3800." in markdown
    assert (tmp_path / "reliability.png").exists()


def test_reports_without_the_section_are_unchanged(tmp_path):
    report = _report(calibrated=True)
    del report["calibration"]
    assert "reliability" not in write_report(report, tmp_path)
    assert "Calibration" not in (tmp_path / "report.md").read_text(encoding="utf-8")
