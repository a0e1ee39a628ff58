"""Languages: the Bulgarian catalog is complete and compiled, the switch sticks, values are localized."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Iterable

import pytest
from babel.messages.catalog import Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask

from app import create_app
from app.cli.demo import seed
from app.state import open_portal

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "app/translations/bg/LC_MESSAGES/messages.po"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    instance = tmp_path_factory.mktemp("i18n") / "instance"
    portal = open_portal({"INSTANCE": str(instance), "DATABASE_URL": None})
    list(seed(portal))
    portal.engine.dispose()
    return create_app({"INSTANCE": str(instance), "TESTING": True})


def _translations(messages: Iterable[Message]) -> dict[object, object]:
    as_key = lambda text: text if isinstance(text, str) else tuple(text)  # noqa: E731 - plurals
    return {as_key(m.id): as_key(m.string) for m in messages if m.id}


def test_the_compiled_catalog_is_exactly_the_po_file_compiled() -> None:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="bg")
    with PO.with_suffix(".mo").open("rb") as handle:
        compiled = read_mo(handle)
    # Translations, not bytes: the .mo header names the Babel version that compiled it.
    assert _translations(compiled) == _translations(m for m in catalog if not m.fuzzy)


def test_every_interface_string_has_a_bulgarian_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "lazy_gettext", "-o", str(pot), "app"], cwd=ROOT, check=True,
                   capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with PO.open("rb") as handle:
        translated = {(m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(handle, locale="bg")
                      if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
                      and not m.fuzzy}
    assert sorted(wanted - translated) == []


def test_pages_are_bulgarian_by_default(app: Flask) -> None:
    page = app.test_client().get("/")
    assert page.headers["Content-Language"] == "bg"
    assert '<html lang="bg">' in page.text and "Към съдържанието" in page.text


def test_the_english_switch_is_kept_in_a_cookie(app: Flask) -> None:
    client = app.test_client()
    switched = client.get("/datasets?lang=en")
    assert "lang=en" in switched.headers["Set-Cookie"] and "HttpOnly" in switched.headers["Set-Cookie"]
    later = client.get("/datasets")
    assert '<html lang="en">' in later.text and "Skip to content" in later.text
    assert '<html lang="bg">' in client.get("/?lang=bg").text


def test_dataset_metadata_follows_the_language(app: Flask) -> None:
    client = app.test_client()
    assert "Бюджет на Община Левски" in client.get("/datasets/byudzhet-na-obshtina-levski").text
    english = client.get("/datasets/byudzhet-na-obshtina-levski?lang=en").text
    assert "Budget of the Municipality of Levski" in english
    assert "EBK paragraph" in english  # field titles from the Table Schema


def test_dates_and_numbers_are_formatted_for_the_locale(app: Flask) -> None:
    client = app.test_client()
    bulgarian = client.get("/datasets/byudzhet-na-obshtina-levski").text
    english = client.get("/datasets/byudzhet-na-obshtina-levski?lang=en").text
    assert "2 150 000" in bulgarian.replace("\xa0", " ") and "2,150,000" in english
    months_bg = "януари|февруари|март|април|май|юни|юли|август|септември|октомври|ноември|декември"
    assert re.search(rf"\d{{1,2}} ({months_bg}) \d{{4}}\s?г\.", bulgarian)
    assert re.search(r"(January|February|March|April|May|June|July|August|September|October"
                     r"|November|December) \d{1,2}, \d{4}", english)
    assert "16 rows" in english and "16 реда" in bulgarian


def test_the_language_links_keep_the_rest_of_the_query(app: Flask) -> None:
    page = app.test_client().get("/datasets?q=byudzhet&theme=ECON").text
    assert 'href="/datasets?q=byudzhet&amp;theme=ECON&amp;lang=en"' in page
