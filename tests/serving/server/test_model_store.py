"""`ModelStore`: which version folders are loaded, labels, policies, status (fake loader)."""

import os

import pytest

from genreclf.serving.server.model_store import ModelSpec
from genreclf.serving.server.model_store import ModelStore
from genreclf.serving.server.model_store import complete_versions
from genreclf.serving.server.model_store import discover_models
from genreclf.serving.server.model_store import parse_label_flags
from genreclf.serving.server.model_store import read_models_config
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


def test_failed_load_is_reported_and_retried_only_when_files_change(tmp_path):
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
