"""`genreclf serve` argument errors: exit code 2 and a message saying how to fix it."""

import pytest

from genreclf.serving.cli import DEFAULT_MAX_BODY_BYTES_IN_FLIGHT
from genreclf.serving.cli import build_parser
from genreclf.serving.cli import main


def test_defaults_bind_loopback_on_tf_serving_ports():
    args = build_parser().parse_args(["models/"])
    assert (args.host, args.rest_port, args.grpc_port) == ("127.0.0.1", 8501, 8500)
    assert args.poll_seconds == 2.0 and args.versions == "all"


def test_missing_folder(tmp_path, capsys):
    assert main([str(tmp_path / "missing")]) == 2
    assert "genreclf export RUN --base MODELS_DIR" in capsys.readouterr().err


def test_bad_label_flag(tmp_path, capsys):
    assert main([str(tmp_path), "--label", "stable"]) == 2
    assert "MODEL:LABEL=VERSION" in capsys.readouterr().err


def test_bad_model_config(tmp_path, capsys):
    config = tmp_path / "models.config"
    config.write_text("model_config_list { config { nme: 'x' } }")
    assert main([str(tmp_path), "--model-config", str(config)]) == 2
    assert "Expected a TF Serving model config" in capsys.readouterr().err


def test_flag_defaults_are_the_limits_defaults():
    from genreclf.serving.server.limits import Limits

    args = build_parser().parse_args(["models/"])
    limits = Limits()
    for name in (
        "max_texts",
        "max_text_bytes",
        "chunk_size",
        "max_body_bytes",
        "max_connections",
        "header_timeout",
        "body_timeout",
    ):
        assert getattr(args, name) == getattr(limits, name), name
    assert args.max_body_bytes_in_flight is None  # Limits': 256 MiB, or a larger body limit
    assert limits.max_body_bytes_in_flight == DEFAULT_MAX_BODY_BYTES_IN_FLIGHT


def test_a_larger_body_limit_alone_raises_the_budget_in_flight():
    from genreclf.serving.server.limits import Limits

    assert Limits(max_body_bytes=300_000_000).max_body_bytes_in_flight == 300_000_000
    assert Limits(max_body_bytes=1000).max_body_bytes_in_flight == DEFAULT_MAX_BODY_BYTES_IN_FLIGHT


def test_a_budget_in_flight_below_one_body_is_refused(tmp_path, capsys):
    argv = [str(tmp_path), "--max-body-bytes", "1000", "--max-body-bytes-in-flight", "999"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "max_body_bytes_in_flight=999, max_body_bytes=1000" in err
    assert "Raise --max-body-bytes-in-flight" in err


@pytest.mark.parametrize(
    "flag, value", [("--rest-port", "99999"), ("--grpc-port", "-5"), ("--workers", "0"),
                    ("--chunk-size", "0")]
)  # fmt: skip
def test_out_of_range_numbers_are_refused_by_the_parser(tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), flag, value])
    assert exit_info.value.code == 2
    assert f"Received: '{value}'" in capsys.readouterr().err
