"""One job per output: a second train, augment run or label on the same output is refused."""

import pytest

import genreclf
from genreclf import augment
from genreclf.augment.fake_server import FakeChatServer
from genreclf.output_lock import OutputInUseError
from genreclf.output_lock import output_lock


def test_a_second_train_into_a_folder_in_use_is_refused(tmp_path, sample_csv):
    out = tmp_path / "run"
    out.mkdir()
    with output_lock(out, "genreclf train"):  # as a first run holds it
        with pytest.raises(OutputInUseError, match="Another genreclf train is writing"):
            genreclf.train(sample_csv, text="overview", label="genre", model="ngram", out=out,
                           epochs=1, verbose=0)  # fmt: skip
    assert not (out / "config.json").exists()  # refused before writing anything


def test_a_second_augment_run_on_an_output_in_use_sends_nothing(tmp_path, sample_csv):
    out = tmp_path / "aug.jsonl"
    with FakeChatServer() as server, output_lock(out, "genreclf augment run"):
        with pytest.raises(OutputInUseError, match="augment run is writing .*aug.jsonl"):
            augment.generate(sample_csv, text="overview", label="genre", out=out,
                             target_count=20, base_url=server.url)  # fmt: skip
        assert server.requests == []


def test_a_second_label_run_on_an_output_in_use_is_refused(tmp_path, capsys):
    from genreclf.cli import main

    texts = tmp_path / "texts.csv"
    texts.write_text("id,text\na1,A ghost haunts a lighthouse.\n")
    genres = tmp_path / "genres.yaml"
    genres.write_text("genres:\n  horror:\n    keywords: [ghost]\n")
    out = tmp_path / "labelled.jsonl"
    argv = ["label", str(texts), "--genres", str(genres), "--stages", "keywords", "--out", str(out)]
    with output_lock(out, "genreclf label"):
        assert main(argv) != 0
    assert "Another genreclf label is writing" in capsys.readouterr().err
    assert main(argv) == 0 and out.exists()  # once the first has finished
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no lock file left beside it
        "genres.yaml",
        "labelled.jsonl",
        "texts.csv",
    ]
