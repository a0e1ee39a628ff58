"""The impact catalog: every _i string has a Bulgarian translation, once, and the .mo is current."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "app/impact/translations/bg/LC_MESSAGES/impact.po"


def test_every_impact_string_has_one_bulgarian_translation_and_the_mo_is_compiled(tmp_path: Path) -> None:
    pot = tmp_path / "impact.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_i",
                    "--no-default-keywords", "-o", str(pot), "app"], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="bg", domain="impact")
    done = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    assert sorted(wanted - set(done)) == [] and len(wanted) > 40
    ids = [line for line in PO.read_text(encoding="utf-8").splitlines() if line.startswith("msgid ")]
    assert [i for i, n in Counter(ids).items() if n > 1 and i != 'msgid ""'] == []
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = {m.id: m.string for m in read_mo(handle) if m.id}
    assert compiled == done
