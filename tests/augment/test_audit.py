import json

import pytest

from genreclf.augment.audit import audit
from genreclf.augment.audit import read_rows
from genreclf.errors import ConfigError
from genreclf.errors import DataError
from genreclf.metrics.wilson import wilson_interval


class Judge:
    def __init__(self, answers):
        self.answers = answers
        self.seen = []

    def predict(self, texts):
        self.seen.extend(texts)
        return [{"top_labels": self.answers[t]} for t in texts]


def _rows(n):
    return [
        {
            "id": f"r{i}",
            "text": f"text {i}",
            "labels": ["war" if i % 2 else "news"],
            "genre": "war" if i % 2 else "news",
            "source": "synthetic",
        }
        for i in range(n)
    ]


def test_audit_with_a_predictor_and_sampling():
    rows = _rows(40)
    # The judge agrees on war rows only, and ranks news second on news rows.
    answers = {r["text"]: ["war"] if r["genre"] == "war" else ["drama", "news"] for r in rows}
    judge = Judge(answers)
    res = audit(rows, predictor=judge, sample=10, seed=3)
    assert res.n == 10 and len(judge.seen) == 10
    n_war = sum(1 for r in rows if r["text"] in judge.seen and r["genre"] == "war")
    assert res.agree == n_war and res.proportion == n_war / 10
    assert (res.low, res.high) == wilson_interval(n_war, 10)
    assert res.per_genre["news"]["agree"] == 0
    assert audit(rows, predictor=Judge(answers), sample=10, seed=3).agree == res.agree
    assert audit(rows, predictor=Judge(answers), sample=None, top_k=2).agree == 40
    assert "95% Wilson CI" in res.to_table()


def test_audit_with_manual_labels(tmp_path):
    rows = _rows(6)
    path = tmp_path / "aug.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    labels = tmp_path / "manual.csv"
    labels.write_text("id,label\nr0,news\nr1,drama\nr2,news|drama\n")
    res = audit(str(path), labels=str(labels), sample=100)
    assert (res.n, res.agree) == (3, 2)
    by_text = tmp_path / "by_text.csv"
    by_text.write_text("text,label\ntext 3,war\ntext  4,war\n")
    res = audit(str(path), labels=str(by_text))
    assert (res.n, res.agree) == (2, 1)
    genres = tmp_path / "genres.csv"  # load_dataset's column names are found too
    genres.write_text("id,genres\nr0,news\nr1,drama\n")
    assert audit(str(path), labels=str(genres)).n == 2
    named = tmp_path / "named.csv"
    named.write_text("id,judged\nr0,news;drama\nr1,drama\n")
    res = audit(str(path), labels=str(named), label="judged", sep=";")
    assert (res.n, res.agree) == (2, 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,category\nx,y\n")
    with pytest.raises(DataError, match="bad.csv:1.*columns=\\['name', 'category'\\].*--label"):
        audit(str(path), labels=str(bad))


def test_audit_needs_exactly_one_judge(tmp_path):
    with pytest.raises(ConfigError, match="exactly one judge"):
        audit(_rows(2))
    bad = tmp_path / "aug.jsonl"
    bad.write_text('{"text": "a"}\n{oops\n')
    with pytest.raises(DataError, match="aug.jsonl:2"):
        read_rows(str(bad))


@pytest.mark.large
def test_audit_with_a_trained_run_folder(tmp_path, make_corpus):
    """The --run judge: a real (tiny) genreclf run folder, loaded lazily."""
    genreclf = pytest.importorskip("genreclf")
    from genreclf.augment.cli import main

    ds = make_corpus({"war": 16, "news": 16})
    cue = {"war": " Soldiers, tanks and a battle.", "news": " An anchor reads headlines."}
    ds.texts = [t + cue[l[0]] for t, l in zip(ds.texts, ds.labels)]
    run = genreclf.train(
        ds, model="ngram", out=str(tmp_path / "run"), epochs=1, verbose=0, val_split=0.25
    )
    rows = [
        {
            "id": f"r{i}",
            "text": f"Story {i}." + cue[g],
            "genre": g,
            "labels": [g],
            "source": "synthetic",
        }
        for i, g in enumerate(["war", "news"] * 6)
    ]
    path = tmp_path / "aug.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = audit(str(path), run=str(tmp_path / "run"), sample=8, seed=1)
    assert res.n == 8 and res.judge.startswith("run:")
    # The same agreement, computed by hand from the run's predictions.
    preds = run.predict([r["text"] for r in rows])
    agree_all = sum(r["genre"] == p["top_labels"][0] for r, p in zip(rows, preds))
    full = audit(rows, run=str(tmp_path / "run"), sample=None)
    assert full.agree == agree_all and full.n == 12
    assert main(["audit", str(path), "--run", str(tmp_path / "run"), "--sample", "12"]) == 0


def test_a_blank_text_is_named_by_its_file_and_line_before_any_prediction(tmp_path):
    rows = _rows(8)
    rows[5]["text"] = ""
    path = tmp_path / "aug2.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    judge = Judge({r["text"]: ["war"] for r in rows})
    expected = "aug2.jsonl:6: field 'text': expected a synopsis with some words. Received: text=''"
    with pytest.raises(DataError, match=expected):
        audit(str(path), predictor=judge)
    assert judge.seen == []
    rows[5]["text"] = "  "  # rows given in Python: named by their position
    with pytest.raises(DataError, match=r"rows\[5\]: expected a synopsis .* text='  '"):
        audit(rows, predictor=judge, sample=3)


def test_an_empty_file_is_refused_not_reported_as_no_agreement(tmp_path):
    # It printed "agreement (predictor): 0/0 = 0.000" and exited 0.
    path = tmp_path / "aug.jsonl"
    path.write_text("\n")
    with pytest.raises(DataError, match=r"aug.jsonl: no rows to audit"):
        audit(str(path), predictor=Judge({}))


@pytest.mark.parametrize(
    ("option", "value"), [("sample", 0), ("sample", -1), ("top_k", 0), ("top_k", -2)]
)
def test_sample_and_top_k_below_one_are_refused(option, value, tmp_path, capsys):
    from genreclf.augment.cli import main

    rows = _rows(4)
    expected = rf"{option} must be a whole number of at least 1.* Received: {option}={value}\."
    with pytest.raises(ConfigError, match=expected):
        audit(rows, predictor=Judge({}), **{option: value})
    path = tmp_path / "aug.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    flag = "--" + option.replace("_", "-")
    with pytest.raises(SystemExit):  # argparse's usage error, as `predict --top-k 0`'s
        main(["audit", str(path), "--run", "run", flag, str(value)])
    err = capsys.readouterr().err
    assert f"argument {flag}: expected a whole number of at least 1. Received: '{value}'" in err
