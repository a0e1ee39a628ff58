"""The participation catalog: every _p string has a Bulgarian translation, and the .mo is current."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app/translations/bg/LC_MESSAGES/participation.po"


def test_the_compiled_participation_catalog_is_the_po_file_compiled() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="bg", domain="participation")
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert PO.with_suffix(".mo").read_bytes() == compiled.getvalue()


def test_every_participation_string_has_a_bulgarian_translation(tmp_path: Path) -> None:
    pot = tmp_path / "participation.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_p", "-k", "_pn:1,2", "--no-default-keywords", "-o", str(pot), "app"],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        done = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle, locale="bg")
                if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string) and not m.fuzzy}
    assert sorted(wanted - done) == []
