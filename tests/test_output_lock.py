"""One job per output: a second train, augment run or label on the same output is refused."""

import contextlib
import os
import pathlib
import threading

import pytest

import genreclf
from genreclf import augment
from genreclf.augment.fake_server import FakeChatServer
from genreclf.errors import ConfigError
from genreclf.output_lock import OutputInUseError
from genreclf.output_lock import output_lock


@contextlib.contextmanager
def held_by_another_job(output, job):
    """`output_lock(output, job)` held by another thread, as a first job holds it."""
    holding, done = threading.Event(), threading.Event()

    def first_job():
        with output_lock(output, job):
            holding.set()
            done.wait(timeout=120)

    thread = threading.Thread(target=first_job, daemon=True)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        yield
    finally:
        done.set()
        thread.join()


def test_a_second_train_into_a_folder_in_use_is_refused(tmp_path, sample_csv):
    out = tmp_path / "run"
    out.mkdir()
    with held_by_another_job(out, "genreclf train"):
        with pytest.raises(OutputInUseError, match="Another genreclf train is writing"):
            genreclf.train(sample_csv, text="overview", label="genre", model="ngram", out=out,
                           epochs=1, verbose=0)  # fmt: skip
    assert not (out / "config.json").exists()  # refused before writing anything


def test_the_same_job_takes_its_own_lock_again():
    with output_lock("runs/x", "genreclf train"), output_lock("runs/x", "genreclf train"):
        pass  # `train` holds its folder and `fit_run` inside it takes the same lock
    with output_lock("runs/x", "genreclf train"):  # released by the outer hold
        pass


def test_a_run_finished_while_the_next_job_reads_its_data_is_not_replaced(tmp_path, sample_csv):
    # The second job's early check passes (the folder is unfinished). It reads
    # its rows from a FIFO, which blocks it until they come; the first job
    # finishes meanwhile. The check under the lock refuses.
    out, rows = tmp_path / "run", tmp_path / "rows.csv"
    out.mkdir()
    os.mkfifo(rows)
    lines, stop = pathlib.Path(sample_csv).read_text(), threading.Event()

    def first_job_finishes_then_rows_come():
        while not stop.is_set():  # the reader opens the file twice: its header, then its rows
            with contextlib.suppress(BrokenPipeError), open(rows, "w") as fifo:  # waits for it
                (out / "thresholds.json").write_text("{}")
                fifo.write(lines)

    thread = threading.Thread(target=first_job_finishes_then_rows_come, daemon=True)
    thread.start()
    with pytest.raises(ConfigError, match="already holds a finished run"):
        genreclf.train(rows, text="overview", label="genre", model="ngram", out=out, verbose=0)
    stop.set()
    os.close(os.open(rows, os.O_RDONLY | os.O_NONBLOCK))  # frees a writer waiting to open
    thread.join(timeout=30)
    assert sorted(p.name for p in out.iterdir()) == ["thresholds.json"]  # nothing written


def test_a_second_augment_run_on_an_output_in_use_sends_nothing(tmp_path, sample_csv):
    out = tmp_path / "aug.jsonl"
    with FakeChatServer() as server, held_by_another_job(out, "genreclf augment run"):
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
    with held_by_another_job(out, "genreclf label"):
        assert main(argv) != 0
    assert "Another genreclf label is writing" in capsys.readouterr().err
    assert main(argv) == 0 and out.exists()  # once the first has finished
    assert sorted(p.name for p in tmp_path.iterdir()) == [  # no lock file left beside it
        "genres.yaml",
        "labelled.jsonl",
        "texts.csv",
    ]
