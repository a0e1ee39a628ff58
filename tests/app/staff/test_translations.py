"""The workspace speaks Bulgarian by default: every interface string has a translation."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from tests.app.staff.staff_world import World

APP = Path(__file__).resolve().parents[3] / "app"
CATALOG = APP / "staff" / "translations" / "bg" / "LC_MESSAGES"
DYNAMIC = {"admin", "editor", "site-admin", "string", "integer", "number", "date", "datetime",
           "boolean", "year"}


def _used() -> set[str]:
    found = set()
    method_map = [("staff/templates/**.html", "jinja2"), ("staff/**.py", "python"),
                  ("api/**.py", "python")]
    for _file, _line, message, _comments, _context in extract_from_dir(
            APP, method_map=method_map, keywords={"_s": None, "_sn": (1, 2)}):
        found.add(message if isinstance(message, str) else message[0])
    return found | DYNAMIC


def test_every_workspace_string_is_translated_in_staff_po() -> None:
    with (CATALOG / "staff.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    assert sorted(_used() - translated) == []


def test_the_compiled_catalog_matches_staff_po() -> None:
    with (CATALOG / "staff.po").open("rb") as po, (CATALOG / "staff.mo").open("rb") as mo:
        assert {m.id: m.string for m in read_po(po) if m.id} == {
            m.id: m.string for m in read_mo(mo) if m.id}


def test_the_sign_in_page_is_bulgarian_by_default_and_english_on_request(world: World) -> None:
    client = world.app.test_client()
    assert "Електронна поща" in client.get("/staff/login").text
    assert "E-mail" in client.get("/staff/login?lang=en").text


def test_no_catalog_translates_one_string_twice() -> None:
    """Two branches adding the same msgid leave two entries; only one translation can win."""
    import re
    from collections import Counter

    twice = {}
    for po in APP.rglob("*.po"):
        text = po.read_text(encoding="utf-8")
        # An entry's key is its context (if any) and its msgid, as gettext looks it up.
        keys = re.findall(r'^(?:msgctxt ("[^\n]*")\n)?msgid ("[^\n]*"(?:\n"[^\n]*")*)', text, re.M)
        twice[po.relative_to(APP).as_posix()] = [key for key, n in Counter(keys).items()
                                                 if n > 1 and key != ("", '""')]
    assert {path: keys for path, keys in twice.items() if keys} == {}
