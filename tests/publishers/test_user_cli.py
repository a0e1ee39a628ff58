"""`otkrito user add/grant/reset-password`: passwords from a prompt or stdin, never argv."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.state import open_portal
from publishers.login import authenticate
from publishers.users import roles_of

ROOT = Path(__file__).resolve().parents[2]


def otkrito(instance: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, input=stdin, timeout=120,
                          env={"OTKRITO_INSTANCE": str(instance), "PATH": "/usr/bin:/bin"})


def test_user_add_reads_the_password_from_stdin_and_grants_the_role(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    otkrito(instance, "publisher", "add", "levski", "--name-bg", "Левски")
    done = otkrito(instance, "user", "add", "Clerk@Levski.bg", "--role", "editor",
                   "--publisher", "levski", "--password-stdin", stdin="a long enough password\n")
    portal = open_portal({"INSTANCE": str(instance), "DATABASE_URL": None})
    user = authenticate(portal.engine, "clerk@levski.bg", "a long enough password", address="cli")
    assert done.returncode == 0, done.stderr
    assert roles_of(portal.engine, user.id) == {1: "editor"}


def test_user_add_asks_twice_on_a_prompt(tmp_path: Path) -> None:
    done = otkrito(tmp_path / "i", "user", "add", "admin@x.bg", "--role", "site-admin",
                   stdin="first long password\nfirst long password\n")
    assert done.returncode == 0 and "site-admin" in done.stdout


def test_there_is_no_password_option_on_the_command_line(tmp_path: Path) -> None:
    done = otkrito(tmp_path / "i", "user", "add", "a@x.bg", "--role", "site-admin",
                   "--password", "a long enough password")
    assert done.returncode == 2 and "No such option" in done.stderr


def test_a_short_password_is_refused_with_a_clean_message(tmp_path: Path) -> None:
    done = otkrito(tmp_path / "i", "--lang", "en", "user", "add", "a@x.bg", "--role", "site-admin",
                   "--password-stdin", stdin="short\n")
    assert done.returncode == 2 and "at least 12 characters" in done.stderr
    assert "Traceback" not in done.stderr


def test_reset_password_replaces_the_password(tmp_path: Path) -> None:
    instance = tmp_path / "i"
    otkrito(instance, "user", "add", "a@x.bg", "--role", "site-admin", "--password-stdin",
            stdin="the first password\n")
    done = otkrito(instance, "user", "reset-password", "a@x.bg", "--password-stdin",
                   stdin="the second password\n")
    portal = open_portal({"INSTANCE": str(instance), "DATABASE_URL": None})
    assert done.returncode == 0
    assert authenticate(portal.engine, "a@x.bg", "the second password", address="cli")


def test_an_editor_role_needs_a_publisher(tmp_path: Path) -> None:
    done = otkrito(tmp_path / "i", "--lang", "en", "user", "add", "a@x.bg", "--role", "editor",
                   "--password-stdin", stdin="a long enough password\n")
    assert done.returncode == 2 and "--publisher" in done.stderr
