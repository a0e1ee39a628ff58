"""The systemd units in deploy/systemd/: systemd's own checker accepts them, and they are hardened."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

# The long-running services (the backup's units are docs/backup.md's).
UNITS = [REPO / "deploy" / "systemd" / name for name in ("otkrito-web.service", "otkrito-worker.service")]
OTKRITO = "/opt/otkrito/venv/bin/otkrito"  # where docs/operations.md installs the command


def _keys(unit: Path) -> dict[str, list[str]]:
    """Each key of the unit with its values in order (systemd allows a key more than once)."""
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_web_server_and_the_worker_have_units() -> None:
    assert all(unit.is_file() for unit in UNITS)


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_systemd_analyze_verify_accepts_the_unit_without_a_warning(unit: Path, tmp_path: Path) -> None:
    # verify also checks that ExecStart's program exists: the same unit, with this checkout's
    # venv where the installation's would be.
    assert shutil.which("systemd-analyze"), "install Debian's systemd package (.ci/run does)"
    here = tmp_path / unit.name
    text = unit.read_text()
    assert OTKRITO in text
    here.write_text(text.replace(OTKRITO, str(Path(sys.executable).parent / "otkrito")))
    result = subprocess.run(["systemd-analyze", "verify", str(here)], capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_analyze_verify_reports_a_mistyped_key(tmp_path: Path) -> None:
    # What the test above relies on: an unknown key or value is a warning, not a failure.
    bad = tmp_path / "bad.service"
    bad.write_text("[Service]\nExecStart=/bin/true\nProtectSystem=strictly\n")
    result = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True, text=True)
    assert "ProtectSystem" in result.stderr or "protect system" in result.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_the_unit_is_hardened_and_restarts(unit: Path) -> None:
    keys = _keys(unit)
    one = {key: values[-1] for key, values in keys.items()}
    assert one["User"] == "otkrito" and one["StateDirectory"] == "otkrito"
    assert (one["ProtectSystem"], one["ReadWritePaths"]) == ("strict", "/var/lib/otkrito")
    for flag in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "RestrictSUIDSGID"):
        assert one[flag] == "yes", flag
    assert one["CapabilityBoundingSet"] == "" and one["LimitNOFILE"] == "65536"
    assert one["Restart"] == "on-failure"
    assert one["EnvironmentFile"] == "/etc/otkrito/otkrito.env"
    assert one["ExecStart"].startswith(OTKRITO + " ")


def test_the_web_server_migrates_then_serves_on_loopback_for_nginx() -> None:
    keys = _keys(REPO / "deploy" / "systemd" / "otkrito-web.service")
    assert keys["ExecStartPre"] == [f"{OTKRITO} migrate"]
    assert keys["ExecStart"] == [f"{OTKRITO} serve --host 127.0.0.1 --port 8000 --workers 2"]


def test_the_example_settings_are_real_settings() -> None:
    from app.config import SETTINGS

    known = {setting.env for setting in SETTINGS}
    lines = (REPO / "deploy" / "otkrito.env").read_text().splitlines()
    named = {line.lstrip("#").split("=", 1)[0] for line in lines
             if line.lstrip("#").startswith("OTKRITO_")}
    assert named and named <= known, named - known
    assert "OTKRITO_TRUSTED_PROXIES=127.0.0.1" in lines


def test_systemd_analyze_verify_accepts_the_nightly_backup_units(tmp_path: Path) -> None:
    # The timer is checked beside the service it starts, as systemd finds them installed.
    assert shutil.which("systemd-analyze"), "install Debian's systemd package (.ci/run does)"
    names = ("otkrito-backup.service", "otkrito-backup.timer")
    for name in names:
        text = (REPO / "deploy" / "systemd" / name).read_text()
        (tmp_path / name).write_text(text.replace(OTKRITO, str(Path(sys.executable).parent / "otkrito")))
    assert OTKRITO in (REPO / "deploy" / "systemd" / names[0]).read_text()
    result = subprocess.run(["systemd-analyze", "verify", *(str(tmp_path / n) for n in names)],
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
