"""`check_model_card`: `export verify` fails a model card that describes another model."""

import json
import pathlib
import shutil
import types

import pytest

from genreclf.export.card_check import check_model_card
from genreclf.export.card_check import check_run_source
from genreclf.export.card_check import run_model_digest
from genreclf.export.card_check import saved_model_digest
from genreclf.export.exporter import export_model
from genreclf.export.verify import verify_export


def _with_assets_of(version, other, out):
    """A copy of `version` whose `assets/` and `assets.extra/` come from `other`."""
    shutil.copytree(version, out)
    for folder in ("assets", "assets.extra"):
        shutil.rmtree(out / folder)
        shutil.copytree(other / folder, out / folder)
    return out


def _check(report, name):
    (check,) = [c for c in report.checks if c["name"] == name]
    return check


def _card(path):
    return json.loads((path / "assets.extra" / "model_card.json").read_text())


def test_exported_card_records_the_saved_model_files(single_export):
    path, report = single_export
    assert _card(path)["saved_model"] == saved_model_digest(path)
    assert all(len(h) == 64 for h in saved_model_digest(path).values())
    assert _check(report, "model card matches the SavedModel files")["ok"]
    assert _check(report, "model card matches the signatures")["ok"]


def test_verify_fails_a_card_copied_from_another_export(
    single_export, make_model, single_vocab, tmp_path
):
    # Same labels, same mode, same signatures: only the files tell them apart.
    path, _ = single_export
    other = make_model(3, False, 5)
    other_path = export_model(other, single_vocab, tmp_path / "b", "genre", verify=False)
    card = _card(other_path)
    card["source"] = "runs/other"  # what the web explain route would load
    (other_path / "assets.extra" / "model_card.json").write_text(json.dumps(card))
    swapped = _with_assets_of(path, other_path, tmp_path / "swapped")
    report = verify_export(swapped, sample_texts=["a killer in the rain"])
    assert not report.ok
    check = _check(report, "model card matches the SavedModel files")
    assert not check["ok"]
    assert "written for another SavedModel (source 'runs/other')" in check["detail"]
    assert "Received sha256: saved_model.pb" in check["detail"]
    assert "Re-export" in check["detail"]
    assert "[FAIL] model card matches the SavedModel files" in report.summary()


@pytest.mark.parametrize(
    "worker, damaged",
    [
        ([{"name": "run", "ok": False, "detail": "IndexError: Read less bytes"}], True),
        ([{"name": "worker", "ok": False, "detail": "died without a report"}], True),
        # stopped before loading (disallowed ops): nothing says the files are damaged
        ([{"name": "ops", "ok": False, "detail": "CaseFoldUTF8 not allowed"}], False),
        ([{"name": "load", "ok": True, "detail": ""}, {"name": "run", "ok": False}], False),
    ],
)
def test_changed_files_are_called_damaged_only_when_the_model_failed_to_load(
    single_export, tmp_path, worker, damaged
):
    path, _ = single_export
    changed = tmp_path / "1"
    shutil.copytree(path, changed)
    card = _card(changed)
    card["saved_model"]["saved_model.pb"] = "0" * 64
    (changed / "assets.extra" / "model_card.json").write_text(json.dumps(card))
    (files, _) = check_model_card(changed, {"checks": worker})
    assert not files["ok"]
    assert ("damaged since export" in files["detail"]) is damaged
    assert ("written for another SavedModel" in files["detail"]) is not damaged


def test_multi_label_card_on_a_single_label_model_blames_the_card(
    single_export, multi_export, tmp_path
):
    path, _ = single_export
    swapped = _with_assets_of(path, multi_export, tmp_path / "swapped")
    report = verify_export(swapped, sample_texts=["a killer in the rain"])
    assert not report.ok
    names = [c["name"] for c in report.checks]
    assert "multi-label 'labels' output" not in names  # the output is not what is wrong
    detail = _check(report, "model card matches the signatures")["detail"]
    assert detail.startswith("the card and the model disagree: the card says multi-label, but ")
    assert "serving_default has no 'labels' output (a single-label model)" in detail
    assert "the card lists 4 labels, the model scores 3 classes" in detail


def _result(scores, outputs, labels_output=None, inputs=None):
    return {
        "scores": scores,
        "outputs": outputs,
        "labels_output": labels_output,
        "inputs": inputs or {"text": ["string", [None]]},
    }


MULTI_OUTPUTS = {
    "scores": ["float32", [2, 4]],
    "top_labels": ["string", [2, 2]],
    "top_scores": ["float32", [2, 2]],
    "labels": ["string", [2, 4]],
}


def test_thresholds_top_k_and_inputs_are_compared(multi_export):
    # multi_export: labels crime, horror, romance, thriller; thresholds 0.5 0.45 0.55 0.5.
    scores = [[0.9, 0.46, 0.1, 0.2], [0.1, 0.2, 0.3, 0.6]]
    good = [["crime", "horror", "", ""], ["thriller", "", "", ""]]
    checks = check_model_card(multi_export, _result(scores, MULTI_OUTPUTS, good))
    assert [c["ok"] for c in checks] == [True, True], checks
    assert checks[1]["detail"] == "4 labels, multi-label, top_k 2"

    at_one_half = [["crime", "", "", ""], ["thriller", "", "", ""]]  # horror 0.46 < 0.5
    (_, check) = check_model_card(multi_export, _result(scores, MULTI_OUTPUTS, at_one_half))
    assert not check["ok"] and "does not apply the card's thresholds" in check["detail"]

    wider = dict(MULTI_OUTPUTS, top_labels=["string", [2, 3]])
    (_, check) = check_model_card(multi_export, _result(scores, wider, good))
    assert "the card says top_k 2, top_labels has 3" in check["detail"]

    hybrid = {"text": ["string", [None]], "year": ["float32", [None, 1]]}
    (_, check) = check_model_card(multi_export, _result(scores, MULTI_OUTPUTS, good, hybrid))
    assert "the card's inputs ['text'] are not the signature's ['text', 'year']" in check["detail"]


def test_card_without_hashes_or_without_a_card(multi_export, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(multi_export, old)
    card = _card(old)
    del card["saved_model"]  # written by an older genreclf
    (old / "assets.extra" / "model_card.json").write_text(json.dumps(card))
    files, _ = check_model_card(old)
    assert files["ok"] and "not compared" in files["detail"]
    (old / "assets.extra" / "model_card.json").write_text("{not json")
    ((check),) = check_model_card(old)
    assert not check["ok"] and "not readable JSON" in check["detail"]
    (old / "assets.extra" / "model_card.json").unlink()
    assert [c["ok"] for c in check_model_card(old)] == [True]


@pytest.mark.parametrize("labels_txt", [["crime", "horror", "romance"], None])
def test_labels_txt_must_be_the_cards(multi_export, tmp_path, labels_txt):
    copy = tmp_path / "copy"
    shutil.copytree(multi_export, copy)
    if labels_txt is None:
        (copy / "assets" / "labels.txt").unlink()
    else:
        (copy / "assets" / "labels.txt").write_text("\n".join(labels_txt) + "\n")
    (_, check) = check_model_card(copy)
    assert check["ok"] is (labels_txt is None)


# `check_run_source`: `export verify --run` names a run the version was not exported from.


def _card_only(folder, **fields):
    """A version folder holding only a model card (all `check_run_source` reads)."""
    card = {"labels": ["crime", "horror", "romance"], "multi_label": False, **fields}
    (folder / "assets.extra").mkdir(parents=True)
    (folder / "assets.extra" / "model_card.json").write_text(json.dumps(card))
    return folder


def _run_like(path, labels=("crime", "horror", "romance"), multi_label=False, **more):
    fields = {"config": {}, "fingerprint": {}, **more}
    return types.SimpleNamespace(
        path=pathlib.Path(path), labels=list(labels), multi_label=multi_label, **fields
    )


def test_run_with_another_label_mode_is_named_not_compared(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    version = _card_only(tmp_path / "1", source=str(tmp_path / "runs" / "bilstm"))
    check, comparable = check_run_source(version, _run_like("runs/ngram", multi_label=True))
    assert not comparable
    assert check == {
        "name": "source run",
        "ok": False,
        "detail": "the export came from runs/bilstm (single-label, 3 labels); --run "
        "runs/ngram is another run (multi-label, 3 labels), so their scores were not "
        "compared. Pass --run runs/bilstm, or re-export runs/ngram to serve it.",
    }
    labels = ["crime", "comedy", "romance"]
    check, comparable = check_run_source(version, _run_like("runs/ngram", labels))
    assert not comparable and not check["ok"]
    assert (
        "(single-label, 3 labels; label 1 is 'comedy', the export's is 'horror')"
        in (check["detail"])
    )


def test_the_run_the_card_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "bilstm").mkdir(parents=True)
    version = _card_only(tmp_path / "1", source=str(tmp_path / "runs" / "bilstm"))
    check, comparable = check_run_source(version, _run_like("runs/bilstm"))
    assert comparable and check["ok"]
    assert check["detail"] == "runs/bilstm (single-label, 3 labels), the run the model card names"
    # Retrained in place since: the run changed, not the run's name.
    check, comparable = check_run_source(version, _run_like("runs/bilstm", multi_label=True))
    assert not comparable and not check["ok"]
    assert check["detail"].startswith(
        "runs/bilstm changed since this version was exported from it: the card records "
        "single-label, 3 labels, the run is now multi-label, 3 labels"
    )


def test_the_run_the_card_names_trained_again_with_the_same_labels(tmp_path, monkeypatch):
    # `train --overwrite --set ngrams=1` there: "[ok] source run", then parity failed with
    # a bare number.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "ngram").mkdir(parents=True)
    version = _card_only(
        tmp_path / "1",
        source=str(tmp_path / "runs" / "ngram"),
        config={"model": "ngram", "model_config": {"ngrams": 2}},
        data_fingerprint={"sha256": "abc"},
    )
    config = {"model": "ngram", "model_config": {"ngrams": 2}}
    same = _run_like("runs/ngram", config=config, fingerprint={"sha256": "abc"})
    check, comparable = check_run_source(version, same)
    assert comparable and check["ok"]
    again = _run_like(
        "runs/ngram",
        config={"model": "ngram", "model_config": {"ngrams": 1}},
        fingerprint={"sha256": "abc"},
    )
    check, comparable = check_run_source(version, again)
    assert comparable and not check["ok"]  # the labels agree: the scores are still compared
    assert check["detail"] == (
        "runs/ngram changed since this version was exported from it: its config differs from "
        "the card's, so it was trained again. Re-export runs/ngram to serve it as it is now."
    )


def test_the_run_trained_again_with_the_same_settings_is_told_by_its_model_file(
    tmp_path, monkeypatch
):
    # `train --overwrite` with the same config and data: another model.keras, another model.
    monkeypatch.chdir(tmp_path)
    run = tmp_path / "runs" / "ngram"
    run.mkdir(parents=True)
    (run / "model.keras").write_bytes(b"the model exported")
    config, fingerprint = {"model": "ngram"}, {"sha256": "abc"}
    version = _card_only(
        tmp_path / "1",
        source=str(run),
        config=config,
        data_fingerprint=fingerprint,
        run_model=run_model_digest(run),
    )
    same = _run_like("runs/ngram", config=config, fingerprint=fingerprint)
    check, comparable = check_run_source(version, same)
    assert comparable and check["ok"]
    copy = tmp_path / "backup" / "ngram"
    shutil.copytree(run, copy)
    check, _ = check_run_source(version, _run_like(copy, config=config, fingerprint=fingerprint))
    assert (
        check["ok"]
        and "config, data fingerprint and model file (a copy of that run)" in (check["detail"])
    )
    (run / "model.keras").write_bytes(b"the model trained again")
    check, comparable = check_run_source(version, same)
    assert comparable and not check["ok"]
    assert check["detail"] == (
        "runs/ngram changed since this version was exported from it: its model file differs "
        "from the card's, so it was trained again. Re-export runs/ngram to serve it as it is "
        "now."
    )
    (copy / "model.keras").write_bytes(b"another training elsewhere")
    check, _ = check_run_source(version, _run_like(copy, config=config, fingerprint=fingerprint))
    assert not check["ok"] and "but another model file, so it is another run" in check["detail"]


def test_another_run_with_the_same_labels_is_told_by_config_or_fingerprint(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    version = _card_only(
        tmp_path / "1",
        source=str(tmp_path / "runs" / "bilstm"),
        config={"model": "bilstm"},
        data_fingerprint={"sha256": "abc", "seed": 1},
    )
    other = _run_like(
        "runs/ngram", config={"model": "ngram"}, fingerprint={"sha256": "abc", "seed": 1}
    )
    check, comparable = check_run_source(version, other)
    assert comparable and not check["ok"]  # same labels: the scores are still compared
    assert check["detail"] == (
        "the export came from runs/bilstm; --run runs/ngram has the same labels "
        "(single-label, 3 labels) but another config, so it is another run. Pass --run "
        "runs/bilstm, or re-export runs/ngram to serve it."
    )
    copy = _run_like(
        "backup/bilstm", config={"model": "bilstm"}, fingerprint={"seed": 1, "sha256": "abc"}
    )
    check, comparable = check_run_source(version, copy)
    assert comparable and check["ok"]
    assert "a copy of that run" in check["detail"]


def test_in_memory_export_and_no_card(tmp_path):
    version = _card_only(tmp_path / "1", source=None)
    check, comparable = check_run_source(version, _run_like(tmp_path / "run"))
    assert comparable and check["ok"] and "the card names no run" in check["detail"]
    check, comparable = check_run_source(version, _run_like(tmp_path / "run", multi_label=True))
    assert not comparable and "the export came from an in-memory model" in check["detail"]
    assert check_run_source(tmp_path, _run_like(tmp_path / "run")) == (None, True)


def test_files_check_blames_a_missing_variables_index_not_the_card(single_export, tmp_path):
    path, _ = single_export
    copy = tmp_path / "1"
    shutil.copytree(path, copy)
    (copy / "variables" / "variables.index").unlink()
    files, _ = check_model_card(copy)
    assert not files["ok"]
    assert "another SavedModel" not in files["detail"]
    assert files["detail"].startswith(
        "not compared: the SavedModel has no variables/variables.index (it is incomplete, "
        "not another export)."
    )
