"""`ModelStore`: which version folders are loaded, failed loads retried, status (fake loader)."""

import logging
import os

import pytest

from genreclf.serving.server.model_store import ModelStore
from genreclf.serving.server.model_store import complete_versions
from genreclf.serving.server.model_store import version_stamp
from genreclf.serving.server.status import ServingStatusError


def rows(status):
    """A `GetModelStatusResponse` as `(version, state, error code, message)` rows."""
    from tensorflow.core.protobuf import error_codes_pb2
    from tensorflow_serving.apis import get_model_status_pb2

    state = get_model_status_pb2.ModelVersionStatus.State.Name
    return [
        (
            s.version,
            state(s.state),
            error_codes_pb2.Code.Name(s.status.error_code),
            s.status.error_message,
        )
        for s in status.model_version_status
    ]


class FakeServable:
    def __init__(self, name, version, path):
        self.name, self.version, self.path = name, version, path


def write_version(base, name, version, *, pb=True, variables="complete"):
    path = os.path.join(base, name, str(version))
    os.makedirs(path, exist_ok=True)
    if pb:
        with open(os.path.join(path, "saved_model.pb"), "wb") as handle:
            handle.write(b"pb")
    if variables:
        os.makedirs(os.path.join(path, "variables"), exist_ok=True)
        if variables == "complete":
            with open(os.path.join(path, "variables", "variables.index"), "wb") as handle:
                handle.write(b"index")
    return path


def test_half_written_versions_are_never_candidates(tmp_path):
    write_version(tmp_path, "genre", 1)
    write_version(tmp_path, "genre", 2, pb=False)  # no saved_model.pb yet
    write_version(tmp_path, "genre", 3, variables="partial")  # variables.index missing
    os.makedirs(tmp_path / "genre" / ".tmp-4-abc")  # export's temporary folder
    (tmp_path / "genre" / ".tmp-4-abc" / "saved_model.pb").write_bytes(b"pb")
    write_version(tmp_path, "genre", "5-partial")  # not an integer
    assert sorted(complete_versions(str(tmp_path / "genre"))) == [1]


def test_folders_no_int64_reads_are_not_versions_and_polling_goes_on(tmp_path):
    # `str.isdigit` let these through: int("3²") raised in every scan (no new version
    # was ever loaded again) and version 99999999999999999999 made status a 500.
    write_version(tmp_path, "genre", 1)
    for name in ("3²", "1٣", "99999999999999999999"):
        write_version(tmp_path, "genre", name)
    assert sorted(complete_versions(str(tmp_path / "genre"))) == [1]
    store = ModelStore(str(tmp_path), loader=FakeServable, poll_seconds=0)
    store.scan()
    write_version(tmp_path, "genre", 2)
    store.scan()
    assert store.get("genre").version == 2
    assert [row[0] for row in rows(store.status("genre"))] == [2, 1]


def test_scan_loads_new_versions_and_unloads_removed(tmp_path):
    write_version(tmp_path, "genre", 1)
    store = ModelStore(str(tmp_path), loader=FakeServable, poll_seconds=0)
    store.scan()
    assert store.get("genre").version == 1
    write_version(tmp_path, "genre", 2)
    store.scan()
    assert store.get("genre").version == 2
    assert store.get("genre", version=1).version == 1
    os.rename(tmp_path / "genre" / "1", tmp_path / "genre" / ".removed-1")
    store.scan()
    with pytest.raises(ServingStatusError) as info:
        store.get("genre", version=1)
    assert (info.value.code, info.value.message) == (
        "NOT_FOUND",
        "Servable not found for request: Specific(genre, 1)",
    )
    assert rows(store.status("genre")) == [(2, "AVAILABLE", "OK", ""), (1, "END", "OK", "")]


def test_failed_load_is_reported_and_retried_when_its_files_change(tmp_path):
    write_version(tmp_path, "genre", 1)
    calls = []

    def loader(name, version, path):
        calls.append(version)
        if len(calls) == 1:
            raise ValueError("truncated saved_model.pb")
        return FakeServable(name, version, path)

    store = ModelStore(str(tmp_path), loader=loader, poll_seconds=0)
    store.scan()
    store.scan()
    assert calls == [1]
    ((version, state, code, message),) = rows(store.status("genre"))
    assert (version, state, code) == (1, "END", "UNKNOWN")
    assert "truncated saved_model.pb" in message
    pb = tmp_path / "genre" / "1" / "saved_model.pb"
    pb.write_bytes(b"fixed pb")
    os.utime(pb, ns=(1, 10**18))
    store.scan()
    assert store.get("genre").version == 1 and calls == [1, 1]


def test_a_new_version_that_fails_to_load_leaves_the_previous_one_serving(tmp_path, caplog):
    # TF Serving's AvailabilityPreservingPolicy: a version no longer wanted is unloaded once
    # a wanted one is available, not before.
    write_version(tmp_path, "genre", 1)

    def loader(name, version, path):
        if version == 2:
            raise ValueError("Wire format was corrupt")
        return FakeServable(name, version, path)

    store = ModelStore(str(tmp_path), policy="latest", loader=loader, poll_seconds=0)
    store.scan()
    write_version(tmp_path, "genre", 2)
    with caplog.at_level(logging.WARNING, logger="genreclf.serving.server"):
        store.scan()
        store.scan()
    assert store.get("genre").version == 1
    (version_2, version_1) = rows(store.status("genre"))
    assert version_2[:3] == (2, "END", "UNKNOWN") and "Wire format was corrupt" in version_2[3]
    assert version_1 == (1, "AVAILABLE", "OK", "")
    assert len(warnings(caplog, "Keeping genre version 1 serving")) == 1  # not at every scan
    write_version(tmp_path, "genre", 3)
    store.scan()
    assert store.get("genre").version == 3
    assert [row[:2] for row in rows(store.status("genre"))] == [
        (3, "AVAILABLE"),
        (2, "END"),
        (1, "END"),
    ]


def test_a_model_whose_versions_are_all_gone_is_unloaded(tmp_path):
    write_version(tmp_path, "genre", 1)
    store = ModelStore(str(tmp_path), policy="latest", loader=FakeServable, poll_seconds=0)
    store.scan()
    os.rename(tmp_path / "genre" / "1", tmp_path / "genre" / ".removed-1")
    store.scan()  # nothing is wanted: nothing is kept (TF Serving's policy too)
    assert rows(store.status("genre")) == [(1, "END", "OK", "")]


def warnings(caplog, text):
    """The WARNING records logged so far that contain `text`."""
    return [r for r in caplog.records if r.levelno == logging.WARNING and text in r.message]


def test_a_file_arriving_late_triggers_a_retry_reported_as_not_found(tmp_path):
    path = write_version(tmp_path, "genre", 1)  # saved_model.pb and variables.index
    calls = []

    def loader(name, version, path):
        calls.append(version)
        if not os.path.exists(os.path.join(path, "variables", "variables.data-00000-of-00001")):
            raise OSError(
                f"{path}/variables/variables.data-00000-of-00001; No such file or directory"
            )
        return FakeServable(name, version, path)

    store = ModelStore(str(tmp_path), loader=loader, poll_seconds=0)
    store.scan()
    store.scan()  # nothing changed: no retry before load_retry_seconds (60)
    ((_, state, code, message),) = rows(store.status("genre"))
    assert (state, code, calls) == ("END", "NOT_FOUND", [1])
    assert "variables.data-00000-of-00001; No such file or directory" in message
    assert tmp_path.name not in message  # no host path
    before = version_stamp(path)
    with open(os.path.join(path, "variables", "variables.data-00000-of-00001"), "wb") as handle:
        handle.write(b"data")
    assert version_stamp(path) != before
    store.scan()
    assert store.get("genre").version == 1 and calls == [1, 1]


def test_a_failed_load_is_retried_after_the_interval_a_few_times(tmp_path, caplog):
    write_version(tmp_path, "genre", 1)
    calls = []

    def loader(name, version, path):
        calls.append(version)
        raise ValueError("the file system hiccupped")

    store = ModelStore(
        str(tmp_path), loader=loader, poll_seconds=0, load_retries=2, load_retry_seconds=0
    )
    with caplog.at_level(logging.INFO, logger="genreclf.serving.server"):
        for _ in range(5):
            store.scan()
    assert calls == [1, 1, 1]  # the first load and 2 retries, files unchanged
    assert any("(retry 2 of 2)" in r.message for r in caplog.records)
    store = ModelStore(str(tmp_path), loader=loader, poll_seconds=0, load_retry_seconds=3600)
    store.scan()
    store.scan()
    assert calls == [1, 1, 1, 1]  # not before the interval
