"""`ModelStore` configured: version labels and policies, a models.config file re-read at scans."""

import os

import pytest

from genreclf.serving.server.model_store import ModelSpec
from genreclf.serving.server.model_store import ModelStore
from genreclf.serving.server.model_store import discover_models
from genreclf.serving.server.model_store import parse_label_flags
from genreclf.serving.server.model_store import read_models_config
from genreclf.serving.server.status import ServingStatusError
from tests.serving.server.test_model_store import FakeServable
from tests.serving.server.test_model_store import warnings
from tests.serving.server.test_model_store import write_version


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


def test_a_model_listed_twice_is_refused_as_tf_serving_does(tmp_path):
    # The second `genre` was served in place of the first, without a word.
    from genreclf.errors import ConfigError

    entry = 'config {{ name: "{}" base_path: "/models/{}" model_platform: "tensorflow" }} '
    config = tmp_path / "models.config"
    config.write_text(
        "model_config_list { "
        + "".join(entry.format(*pair) for pair in [("genre", "a"), ("b", "b"), ("genre", "c")])
        + "}"
    )
    with pytest.raises(ConfigError) as info:
        read_models_config(str(config), str(tmp_path))
    assert str(info.value) == (
        "Illegal to list model genre multiple times in config list. Expected each model "
        f"name once. Received: {config}: 'genre' listed more than once. Give each config "
        "its own name, or remove the extra ones."
    )
    assert info.value.content_digest  # a poll warns once per edit, as for a broken file


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


def test_a_model_being_exported_is_not_told_to_export_one(tmp_path, caplog):
    # Its staging folder appears before its first version: the server said "export one"
    # in the middle of the export.
    from genreclf.export.versions import _HOST  # the host a staging folder's name records
    from genreclf.export.versions import staged_version

    store = ModelStore(str(tmp_path), loader=FakeServable, poll_seconds=0)
    with staged_version(str(tmp_path / "genre"), 1) as staging:
        store.scan()
        assert warnings(caplog, "No versions of servable genre") == []
        write_version(os.path.dirname(staging), os.path.basename(staging), "")
    store.scan()
    assert store.get("genre").version == 1 and warnings(caplog, "No versions") == []
    # A killed export's staging folder (its process gone) is no export in progress.
    stale = f".tmp-2-999999999-{_HOST}-0a1b2c3d"  # pid 999999999: no process
    os.rename(tmp_path / "genre" / "1", tmp_path / "genre" / stale)
    store.scan()
    assert len(warnings(caplog, "No versions of servable genre")) == 1
