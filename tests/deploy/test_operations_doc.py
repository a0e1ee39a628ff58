"""docs/operations.md: its sections in the order an operator needs them, and every `otkrito`
command it shows exists in the command line."""
from __future__ import annotations

import re

import click
from click.testing import CliRunner

from app.cli.commands import main
from tests.conftest import REPO

DOC = REPO / "docs" / "operations.md"
SECTIONS = ["Install", "Configure", "Back up", "Restore", "Monitor", "Upgrade"]
COMMAND = re.compile(r"^(?:otkrito|/opt/otkrito/venv/bin/otkrito) ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?", re.M)
# Commands of the backup branch (docs/backup.md), merged separately: empty this once it is in.
PENDING: set[str] = set()  # commands documented before they were built (none now)


def shell_lines(markdown: str) -> str:
    blocks = re.findall(r"```sh\n(.*?)```", markdown, re.S)
    return "\n".join(line.strip() for block in blocks for line in block.splitlines())


def commands_in(markdown: str) -> list[list[str]]:
    """The `otkrito` commands the shell blocks run: [command] or [group, subcommand]."""
    found = []
    for name, sub in COMMAND.findall(shell_lines(markdown)):
        command = main.commands.get(name)
        found.append([name, sub] if isinstance(command, click.Group) and sub else [name])
    return found


def unknown(commands: list[list[str]]) -> list[list[str]]:
    """The commands whose `--help` the real command line does not answer."""
    return [c for c in commands if c[0] not in PENDING
            and CliRunner().invoke(main, [*c, "--help"]).exit_code != 0]


def test_the_sections_come_in_the_order_an_operator_needs_them() -> None:
    headings = re.findall(r"^## (.+)$", DOC.read_text(encoding="utf-8"), re.M)
    assert headings == SECTIONS


def test_every_command_shown_exists_in_the_command_line() -> None:
    commands = commands_in(DOC.read_text(encoding="utf-8"))
    shown = {" ".join(c) for c in commands}
    assert {"init", "publisher add", "user add", "deploy nginx", "migrate", "check",
            "backup", "restore"} <= shown
    assert unknown(commands) == []


def test_the_check_catches_a_command_that_does_not_exist() -> None:
    sample = "```sh\notkrito deploy nginx --server-name x\notkrito deploy apache\notkrito frobnicate\n```\n"
    assert unknown(commands_in(sample)) == [["deploy", "apache"], ["frobnicate"]]


def test_the_doc_shows_the_monitoring_endpoints_and_the_shipped_files() -> None:
    text = DOC.read_text(encoding="utf-8")
    for shown in ("curl -s http://127.0.0.1:8000/healthz", "curl -s http://127.0.0.1:8000/readyz",
                  "curl -s http://127.0.0.1:8000/metrics", "OTKRITO_TRUSTED_PROXIES",
                  "deploy/systemd/otkrito-web.service", "deploy/nginx/otkrito.conf"):
        assert shown in text, shown


def test_every_shell_block_is_valid_shell_and_the_example_settings_source_in_sh() -> None:
    import subprocess

    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert len(blocks) > 10
    for block in blocks:
        checked = subprocess.run(["bash", "-n"], input=block, text=True, capture_output=True)
        assert checked.returncode == 0, (block, checked.stderr)
    # The docs' `otkrito` function and the upgrade read the file with `set -a; . file` too.
    env = REPO / "deploy" / "otkrito.env"
    shown = subprocess.run(["sh", "-c", f'set -a; . "{env}"; echo "$OTKRITO_TRUSTED_PROXIES $OTKRITO_INSTANCE"'],
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert shown.stdout == "127.0.0.1 /var/lib/otkrito/instance\n", shown.stderr
