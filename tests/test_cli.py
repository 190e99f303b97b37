from __future__ import annotations

import subprocess
import sys

import pytest

from doorstroom.cli import build_parser, main


def test_help_lists_every_command_in_plain_language(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in (
        "demo",
        "serve",
        "worker",
        "migrate",
        "load-reference-data",
        "import-population",
        "verify-access-log",
        "config",
    ):
        assert command in out
    assert "start the demo" in out


def test_every_subcommand_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name, action in subparsers.choices.items():  # type: ignore[union-attr]
        assert subparsers._name_parser_map[name] is action  # type: ignore[union-attr]
    assert all(choice.help for choice in subparsers._choices_actions)  # type: ignore[union-attr]


def test_config_documents_every_environment_variable() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "doorstroom.cli", "config"],
        capture_output=True,
        text=True,
        check=True,
    )
    for name in (
        "DATABASE_URL",
        "SECRET_KEY",
        "DOORSTROOM_FIELD_KEYS",
        "DOORSTROOM_ACCESS_LOG_KEY",
        "DOORSTROOM_SESSION_IDLE_MINUTES",
    ):
        assert name in result.stdout
    assert "(required)" in result.stdout


def test_generate_keys(capsys: pytest.CaptureFixture[str]) -> None:
    main(["generate-keys"])
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    assert set(lines) == {
        "SECRET_KEY",
        "DOORSTROOM_FIELD_KEYS",
        "DOORSTROOM_BSN_HMAC_KEY",
        "DOORSTROOM_ACCESS_LOG_KEY",
    }
    assert len(lines["SECRET_KEY"]) >= 50
