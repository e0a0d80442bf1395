"""An `--abstain` run exported and served: the signature itself answers "unknown"."""

import json

import pytest
import requests

import genreclf


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from genreclf.data.sample import sample_path
    from genreclf.export import export_run

    base = tmp_path_factory.mktemp("abstain")
    run = genreclf.train(
        sample_path(),
        text="overview",
        label="genre",
        model="ngram",
        abstain=True,
        out=base / "run",
        verbose=0,
    )
    path, report = export_run(run.path, base / "models", "genre", return_report=True)
    return run, path, report


def test_export_verify_checks_the_abstaining_output(exported):
    from genreclf.export.verify import verify_export

    run, path, report = exported
    assert report.ok, report.summary()
    names = [c["name"] for c in report.checks]
    assert "abstaining 'labels' output" in names and "softmax rows sum to 1" not in names
    card = json.loads((path / "assets.extra" / "model_card.json").read_text())
    assert card["abstention"]["unknown"] == "unknown"
    assert card["signatures"]["serving_default"]["outputs"]["labels"]["shape"] == [None, 1]
    again = verify_export(path, sample_texts=["zzqx vvbn qwrt", "A ghost in the attic."])
    assert again.ok, again.summary()


def test_served_signature_returns_unknown(exported, start_server):
    run, path, _ = exported
    server = start_server(path.parent.parent)
    texts = ["zzqx vvbn qwrt", "A sheriff rides out to face an outlaw gang in the desert."]
    reply = requests.post(
        f"{server.rest_url}/v1/models/genre:predict",
        json={"signature_name": "serving_default", "instances": [{"text": t} for t in texts]},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text
    predictions = reply.json()["predictions"]
    served = [p["labels"][0] for p in predictions]
    assert served == [p["labels"][0] for p in run.predict(texts)]
    assert served[0] == "unknown"
