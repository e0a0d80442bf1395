"""`ModelStore`: which version folders are loaded, labels, policies, status (fake loader)."""

import logging
import os

import pytest

from genreclf.serving.server.model_store import ModelSpec
from genreclf.serving.server.model_store import ModelStore
from genreclf.serving.server.model_store import complete_versions
from genreclf.serving.server.model_store import discover_models
from genreclf.serving.server.model_store import parse_label_flags
from genreclf.serving.server.model_store import read_models_config
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


def test_labels_and_tf_serving_messages(tmp_path):
    write_version(tmp_path, "genre", 1)
    write_version(tmp_path, "genre", 2)
    store = ModelStore(
        str(tmp_path),
        labels=parse_label_flags(["stable=1", "genre:canary=2"]),
        loader=FakeServable,
        poll_seconds=0,
    )
    store.scan()
    assert store.get("genre", label="stable").version == 1
    assert store.get("genre", label="canary").version == 2
    with pytest.raises(ServingStatusError) as info:
        store.get("genre", label="beta")
    assert (info.value.code, info.value.message) == (
        "INVALID_ARGUMENT",
        "Unrecognized servable version label: beta",
    )
    with pytest.raises(ServingStatusError) as info:
        store.get("other")
    assert info.value.message == "Servable not found for request: Latest(other)"
    with pytest.raises(ServingStatusError) as info:
        store.status("genre", version=9)
    assert info.value.message == "Could not find version 9 of model genre"
    assert store.models() == {
        "genre": {"versions": [1, 2], "labels": {"stable": 1, "canary": 2}, "classes": None}
    }


def test_version_policies():
    assert ModelSpec("m", "p", policy="latest", num_versions=2).wants([1, 3, 2]) == [2, 3]
    assert ModelSpec("m", "p", policy="specific", versions=(1, 3)).wants([1, 2, 3]) == [1, 3]
    assert ModelSpec("m", "p").wants([2, 1]) == [1, 2]


def test_discover_models_single_model_folder(tmp_path):
    write_version(tmp_path, "genre", 1)
    (tmp_path / ".hidden").mkdir()
    assert [s.name for s in discover_models(str(tmp_path))] == ["genre"]
    assert [s.name for s in discover_models(str(tmp_path / "genre"))] == ["genre"]


def test_label_flag_errors_say_how_to_fix():
    with pytest.raises(ValueError, match="Received: --label='stable'"):
        parse_label_flags(["stable"])


def test_models_config_file(tmp_path):
    config = tmp_path / "models.config"
    config.write_text(
        'model_config_list { config { name: "genre" base_path: "/models/genre" '
        'model_platform: "tensorflow" model_version_policy { specific { versions: 1 versions: 2 } } '
        'version_labels { key: "stable" value: 1 } version_labels { key: "canary" value: 2 } } }'
    )
    (spec,) = read_models_config(str(config), str(tmp_path))
    assert (spec.name, spec.base_path, spec.policy, spec.versions, spec.labels) == (
        "genre",
        str(tmp_path / "genre"),
        "specific",
        (1, 2),
        {"stable": 1, "canary": 2},
    )


def test_config_callable_is_re_read_at_each_scan(tmp_path):
    write_version(tmp_path, "genre", 1)
    write_version(tmp_path, "genre", 2)
    current = {"labels": {"stable": 1}}

    def specs():
        if current.get("broken"):
            raise ValueError("bad config")
        return [ModelSpec("genre", str(tmp_path / "genre"), labels=dict(current["labels"]))]

    store = ModelStore(str(tmp_path), specs=specs, loader=FakeServable, poll_seconds=0)
    store.scan()
    assert store.get("genre", label="stable").version == 1
    current["labels"] = {"stable": 2}
    store.scan()
    assert store.get("genre", label="stable").version == 2
    current["broken"] = True
    store.scan()  # keeps the previous config
    assert store.get("genre", label="stable").version == 2


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


def test_label_errors_at_startup_say_what_is_served(tmp_path):
    write_version(tmp_path, "genre", 1)
    write_version(tmp_path, "genre", 2)
    write_version(tmp_path, "hybrid", 1)

    def startup_error(flags, policy="all", specs=None):
        store = ModelStore(
            str(tmp_path), specs, parse_label_flags(flags), policy, 0, loader=FakeServable
        )
        with pytest.raises(ValueError) as info:
            store.scan(strict=True)
        assert store.models() == {}  # nothing loaded
        return str(info.value)

    message = startup_error(["nope:canary=1"])
    assert "Expected --label nope:canary=1 to name a served model." in message
    assert "Received: model='nope'; the served models are genre, hybrid." in message
    message = startup_error(["genre:canary=9"])
    assert "Expected version label 'canary' of model genre (--label genre:canary=9)" in message
    assert "Received: canary=9; genre serves versions 1, 2. Export version 9 of genre" in message
    message = startup_error(["canary=9"])
    assert "Expected --label canary=9 to name a version that a served model serves." in message
    assert "genre serves versions 1, 2; hybrid serves versions 1." in message
    message = startup_error(["genre:stable=1"], policy="latest")
    assert "genre serves versions 2 (on disk but not wanted by its version policy: 1)" in message
    configured = [ModelSpec("genre", str(tmp_path / "genre"), labels={"canary": 3})]
    message = startup_error([], specs=configured)
    assert "of model genre (version_labels of the model config)" in message
    assert "or change version_labels in the model config" in message


def test_a_label_for_every_model_warns_once_about_models_without_its_version(tmp_path, caplog):
    write_version(tmp_path, "genre", 1)
    write_version(tmp_path, "genre", 2)
    write_version(tmp_path, "solo", 2)
    labels = parse_label_flags(["stable=1", "canary=2"])
    store = ModelStore(str(tmp_path), labels=labels, loader=FakeServable, poll_seconds=0)
    store.scan(strict=True)
    store.scan()
    (record,) = warnings(caplog, "label 'stable'")
    assert record.message.startswith(
        "Expected version label 'stable' of model solo (--label stable=1) to name a version "
        "that solo serves. Received: stable=1; solo serves versions 2. Requests to solo by "
        "label 'stable' get 404"
    )
    assert not warnings(caplog, "label 'canary'")
    assert store.get("genre", label="stable").version == 1
    assert store.get("solo", label="canary").version == 2
    with pytest.raises(ServingStatusError) as info:
        store.get("solo", label="stable")
    assert (info.value.code, info.value.message) == (
        "NOT_FOUND",
        "Servable not found for request: Specific(solo, 1) (version label 'stable' names "
        "version 1, which is not available; GET /v1/models/solo lists the versions served)",
    )
    os.rename(tmp_path / "genre" / "2", tmp_path / "genre" / ".removed-2")
    store.scan()
    store.scan()
    (record,) = warnings(caplog, "label 'canary' of model genre")
    assert "Received: canary=2; genre serves versions 1." in record.message


def write_config(path, base, labels):
    entries = "".join(f'version_labels {{ key: "{k}" value: {v} }} ' for k, v in labels.items())
    path.write_text(
        f'model_config_list {{ config {{ name: "genre" base_path: "{base}" '
        f"model_version_policy {{ all {{}} }} {entries}}} }}"
    )


def test_config_edits_that_cannot_apply_keep_the_previous_with_one_warning_each(tmp_path, caplog):
    write_version(tmp_path, "genre", 1)
    write_version(tmp_path, "genre", 2)
    config = tmp_path / "models.config"
    write_config(config, tmp_path / "genre", {"stable": 1})
    store = ModelStore(
        str(tmp_path),
        specs=lambda: read_models_config(str(config), str(tmp_path)),
        loader=FakeServable,
        poll_seconds=0,
    )
    store.scan(strict=True)
    write_config(config, tmp_path / "genre", {"stable": 1, "canary": 9})
    for _ in range(3):
        store.scan()
    (record,) = warnings(caplog, "Keeping the previous model config")
    assert "Expected version label 'canary' of model genre (version_labels" in record.message
    assert store.models()["genre"]["labels"] == {"stable": 1}
    config.write_text("model_config_list { config { nme: 'x' } }")
    for _ in range(3):
        store.scan()
    assert len(warnings(caplog, "Expected a TF Serving model config")) == 1
    config.write_text("model_config_list { config { nme: 'y' } }")  # another broken edit
    store.scan()
    store.scan()
    assert len(warnings(caplog, "Expected a TF Serving model config")) == 2
    write_config(config, tmp_path / "genre", {"stable": 2})  # fixed
    store.scan()
    assert store.get("genre", label="stable").version == 2
    config.write_text("model_config_list { config { nme: 'x' } }")  # broken again: warned again
    store.scan()
    assert len(warnings(caplog, "Expected a TF Serving model config")) == 3
    assert len(warnings(caplog, "Keeping the previous model config")) == 4


def test_a_model_without_versions_is_warned_about_once_per_change(tmp_path, caplog):
    config = tmp_path / "models.config"
    config.write_text(
        'model_config_list { config { name: "nothere" base_path: "/models/nothere" } }'
    )
    store = ModelStore(
        str(tmp_path),
        specs=lambda: read_models_config(str(config), str(tmp_path)),
        loader=FakeServable,
        poll_seconds=0,
    )
    for _ in range(3):
        store.scan()
    (record,) = warnings(caplog, "No versions of servable nothere")
    assert record.message == (
        f"No versions of servable nothere found under base path {tmp_path / 'nothere'} "
        "(base_path /models/nothere), which does not exist. Fix the model's base_path in the "
        "model config, or export a version there with `genreclf export RUN --name nothere "
        f"--base {tmp_path}`."
    )
    write_version(tmp_path, "nothere", 1)
    store.scan()
    assert store.get("nothere").version == 1
    os.rename(tmp_path / "nothere" / "1", tmp_path / "nothere" / ".removed-1")
    store.scan()
    store.scan()
    assert len(warnings(caplog, "No versions of servable nothere")) == 2
    latest = warnings(caplog, "No versions of servable nothere")[-1].message
    assert "Expected integer version folders holding a saved_model.pb" in latest
