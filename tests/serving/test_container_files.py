"""The TF Serving container kit's files: configs parse as TF Serving's protos, Dockerfile and compose agree.

No Docker needed: these read the files only (tests/serving/test_container.py starts the container).
"""

import json
import pathlib
import re

REPO = pathlib.Path(__file__).resolve().parents[2]
SERVING = REPO / "serving"


def _message_classes(messages):
    """proto3 message classes `tensorflow.serving.<name>` for `{name: fields}`.

    Each field is `(name, type, label)`: a `FieldDescriptorProto` type name such
    as `"TYPE_INT64"`, or a message type such as `".google.protobuf.Int64Value"`.
    """
    from google.protobuf import descriptor_pb2
    from google.protobuf import descriptor_pool
    from google.protobuf import message_factory
    from google.protobuf import wrappers_pb2

    pool = descriptor_pool.DescriptorPool()
    wrappers = descriptor_pb2.FileDescriptorProto()
    wrappers_pb2.DESCRIPTOR.CopyToProto(wrappers)
    pool.Add(wrappers)
    proto = descriptor_pb2.FileDescriptorProto(
        name="genreclf_test_serving_configs.proto",
        package="tensorflow.serving",
        syntax="proto3",
        dependency=["google/protobuf/wrappers.proto"],
    )
    F = descriptor_pb2.FieldDescriptorProto
    for name, fields in messages.items():
        message = proto.message_type.add(name=name)
        for number, (field, kind, label) in enumerate(fields, start=1):
            entry = message.field.add(name=field, number=number, label=label)
            if kind.startswith("."):
                entry.type, entry.type_name = F.TYPE_MESSAGE, kind
            else:
                entry.type = getattr(F, kind)
    pool.Add(proto)
    return {
        name: message_factory.GetMessageClass(
            pool.FindMessageTypeByName(f"tensorflow.serving.{name}")
        )
        for name in messages
    }


def _parse(path, message):
    from google.protobuf import text_format

    return text_format.Parse(path.read_text(), message)


def test_models_config_is_a_model_server_config():
    from tensorflow_serving.config import model_server_config_pb2

    config = _parse(SERVING / "models.config", model_server_config_pb2.ModelServerConfig())
    models = {c.name: c for c in config.model_config_list.config}
    assert sorted(models) == ["genre", "genre_multilabel"]
    genre = models["genre"]
    assert genre.base_path == "/models/genre" and genre.model_platform == "tensorflow"
    assert list(genre.model_version_policy.specific.versions) == [1, 2]
    assert dict(genre.version_labels) == {"stable": 1, "canary": 2}
    assert models["genre_multilabel"].model_version_policy.latest.num_versions == 1


def test_batching_and_monitoring_configs_parse():
    # TF Serving's BatchingParameters (session_bundle_config.proto) and
    # MonitoringConfig (monitoring_config.proto): names and types as there.
    opt, rep = 1, 3
    classes = _message_classes(
        {
            "BatchingParameters": [
                ("max_batch_size", ".google.protobuf.Int64Value", opt),
                ("batch_timeout_micros", ".google.protobuf.Int64Value", opt),
                ("max_enqueued_batches", ".google.protobuf.Int64Value", opt),
                ("num_batch_threads", ".google.protobuf.Int64Value", opt),
                ("thread_pool_name", ".google.protobuf.StringValue", opt),
                ("allowed_batch_sizes", "TYPE_INT64", rep),
                ("pad_variable_length_inputs", "TYPE_BOOL", opt),
            ],
            "PrometheusConfig": [("enable", "TYPE_BOOL", opt), ("path", "TYPE_STRING", opt)],
            "MonitoringConfig": [
                ("prometheus_config", ".tensorflow.serving.PrometheusConfig", opt)
            ],
        }
    )
    params = _parse(SERVING / "batching.config", classes["BatchingParameters"]())
    for field in (
        "max_batch_size",
        "batch_timeout_micros",
        "num_batch_threads",
        "max_enqueued_batches",
    ):
        assert params.HasField(field) and getattr(params, field).value > 0
    sizes = list(params.allowed_batch_sizes)
    assert sizes == sorted(sizes) and sizes[-1] == params.max_batch_size.value

    monitoring = _parse(SERVING / "monitoring.config", classes["MonitoringConfig"]())
    assert monitoring.prometheus_config.enable
    assert monitoring.prometheus_config.path == "/monitoring/prometheus/metrics"


def _flags(args):
    return {a.split("=", 1)[0]: a.split("=", 1)[1] for a in args if a.startswith("--")}


def test_dockerfile_and_compose_agree_and_pin_the_project_tensorflow():
    import tensorflow as tf
    import yaml

    dockerfile = (SERVING / "Dockerfile").read_text()
    tag = re.search(r"^FROM tensorflow/serving:(\S+)$", dockerfile, re.M).group(1)
    assert tag == tf.__version__ == "2.20.0"
    cmd = json.loads(
        re.search(r"^CMD (\[.*?\])$", dockerfile, re.M | re.S).group(1).replace("\\\n", "")
    )
    compose = yaml.safe_load((SERVING / "docker-compose.yml").read_text())
    service = compose["services"]["tfserving"]
    flags = _flags(service["command"])
    assert flags == _flags(cmd)
    for flag in (
        "--model_config_file",
        "--enable_batching",
        "--batching_parameters_file",
        "--monitoring_config_file",
        "--file_system_poll_wait_seconds",
    ):
        assert flag in flags
    assert (flags["--port"], flags["--rest_api_port"]) == ("8500", "8501")
    assert sorted(service["ports"]) == ["8500:8500", "8501:8501"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    assert mounts["/models"] == "../models"
    for name in ("models.config", "batching.config", "monitoring.config"):
        assert flags.values() and f"/config/{name}" in flags.values()
        assert mounts[f"/config/{name}"] == f"./{name}"
        assert name in dockerfile


# --- the real container -------------------------------------------------------------
