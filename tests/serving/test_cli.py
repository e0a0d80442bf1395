"""`genreclf serve` argument errors: exit code 2 and a message saying how to fix it; a port
in use: exit code 1 and one line naming it."""

import os
import socket

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


def test_shutdown_grace_default_is_the_local_servers():
    from genreclf.serving.server.local_server import SHUTDOWN_GRACE

    assert build_parser().parse_args(["models/"]).shutdown_grace == SHUTDOWN_GRACE == 25.0
    assert build_parser().parse_args(["m/", "--shutdown-grace", "2.5"]).shutdown_grace == 2.5


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
                    ("--chunk-size", "0"), ("--shutdown-grace", "0"), ("--shutdown-grace", "-1"),
                    ("--shutdown-grace", "nan"), ("--shutdown-grace", "soon"),
                    # Each would start a server that fails every request (or that grpcio
                    # aborts: its connection quota and message size are C ints).
                    ("--max-body-bytes", "-1"), ("--max-body-bytes", "0"),
                    ("--max-body-bytes", "2147483648"), ("--max-body-bytes", "1.5"),
                    ("--max-body-bytes-in-flight", "0"), ("--max-texts", "0"),
                    ("--max-text-bytes", "-1"), ("--max-connections", "0"),
                    ("--max-connections", "2147483647"), ("--header-timeout", "-1"),
                    ("--header-timeout", "inf"), ("--body-timeout", "0"),
                    ("--poll-seconds", "-1"), ("--poll-seconds", "nan")]
)  # fmt: skip
def test_out_of_range_numbers_are_refused_by_the_parser(tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), flag, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: expected a " in err and f"Received: '{value}'" in err, err
    assert "Pass e.g. " in err, err


def test_the_range_edges_of_the_numeric_flags_are_accepted():
    argv = ["models/", "--poll-seconds", "0", "--max-connections", "2147483646"]
    argv += ["--max-body-bytes", "2147483647", "--max-body-bytes-in-flight", "2147483647"]
    argv += ["--max-texts", "1", "--max-text-bytes", "1", "--header-timeout", "0.5"]
    args = build_parser().parse_args([*argv, "--body-timeout", "86400"])
    assert (args.poll_seconds, args.max_connections, args.max_body_bytes) == (
        0,
        2**31 - 2,
        2**31 - 1,
    )
    assert (args.max_texts, args.max_text_bytes, args.header_timeout, args.body_timeout) == (
        1,
        1,
        0.5,
        86400,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("flag, protocol", [("--rest-port", "REST"), ("--grpc-port", "gRPC")])
def test_a_port_in_use_is_one_line_and_exit_code_1(tmp_path, capsys, flag, protocol):
    other = "--grpc-port" if flag == "--rest-port" else "--rest-port"
    with socket.socket() as taken:  # held by something else, listening
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [str(tmp_path), flag, str(port), other, str(free_port()), "--poll-seconds", "0"]
        assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        f"genreclf serve: error: Expected a free port to serve {protocol} on. Received: "
        f"{flag}={port} on 127.0.0.1: address already in use. Pick another port with {flag} "
        f"(0 turns {protocol} off), or stop what is using it."
    )


@pytest.mark.parametrize(
    "host, reason",
    [
        ("nohost.invalid", "name or service not known"),  # an unknown name
        ("192.0.2.1", "cannot assign requested address"),  # TEST-NET-1: no machine's
        ("", "an empty name (every interface?)"),  # bound every interface, as http://:PORT
    ],
)
def test_a_host_this_machine_cannot_listen_on_names_host_not_the_port(
    tmp_path, capsys, host, reason
):
    # It said "Expected a free port to serve REST on ... Pick another port with --rest-port".
    argv = [str(tmp_path), "--host", host, "--rest-port", str(free_port()), "--grpc-port", "0"]
    assert main([*argv, "--poll-seconds", "0"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "genreclf serve: error: Expected --host to name an address of this machine to serve "
        f"REST on. Received: --host={host!r}: {reason}. Pass one of its addresses or names, "
        "e.g. 127.0.0.1 (the default), localhost, or 0.0.0.0 for every interface."
    )


def test_a_file_for_models_dir_is_not_said_not_to_exist(tmp_path, capsys):
    (tmp_path / "models.txt").write_text("")
    assert main([str(tmp_path / "models.txt"), "--poll-seconds", "0"]) == 2
    assert "models.txt', which is a file." in capsys.readouterr().err


def fake_version(base, name, version):
    """A version folder that is a load candidate (its contents are never read here)."""
    os.makedirs(base / name / str(version) / "variables")
    (base / name / str(version) / "saved_model.pb").write_bytes(b"pb")
    (base / name / str(version) / "variables" / "variables.index").write_bytes(b"index")


@pytest.mark.parametrize(
    "flags, expected",
    [
        (
            ["--label", "nope:canary=1"],
            "Received: model='nope'; the served models are genre, solo.",
        ),
        (["--label", "genre:canary=9"], "Received: canary=9; genre serves versions 1, 2."),
        (["--label", "canary=9"], "Received: version=9; genre serves versions 1, 2; solo serves"),
        (
            ["--versions", "latest", "--label", "genre:stable=1"],
            "genre serves versions 2 (on disk but not wanted by its version policy: 1)",
        ),
        (["--model-config", "CONFIG"], "of model genre (version_labels of the model config)"),
    ],
)
def test_labels_naming_what_is_not_served_are_refused_at_startup(tmp_path, capsys, flags, expected):
    for name, version in (("genre", 1), ("genre", 2), ("solo", 2)):
        fake_version(tmp_path, name, version)
    config = tmp_path / "models.config"
    config.write_text(
        f'model_config_list {{ config {{ name: "genre" base_path: "{tmp_path / "genre"}" '
        'version_labels { key: "canary" value: 9 } } }'
    )
    flags = [str(config) if flag == "CONFIG" else flag for flag in flags]
    argv = [str(tmp_path), *flags, "--rest-port", "0", "--grpc-port", "0", "--poll-seconds", "0"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "genreclf serve: error: Expected " in err and expected in err
