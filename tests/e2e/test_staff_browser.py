"""A clerk in real Chromium: sign in, a broken Windows-1251 file, its report, the fixed file,
schema review, publish, and the release on the public page and in /sql/."""
from __future__ import annotations

from pathlib import Path

import httpx

from app.state import Portal
from publishers.registry import add_publisher
from publishers.users import add_user, grant
from tests.conftest import HTTP_TIMEOUT

PASSWORD = "correct horse battery staple"
HEADER = "екатте;селище;площ;население"
GOOD = ["00761;Асеновци;44238;1317", "00802;Аспарухово;11777;586", "05044;Божурлук;13853;117"]
BROKEN = ["00761;Асеновци;44238;1317", "00802;Аспарухово;11777;586;излишно", "05044;Божурлук"]


def _cp1251(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1251"))
    return path


def test_a_clerk_fixes_a_broken_file_reviews_the_schema_and_publishes_it(
        portal: Portal, live_server: str, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    add_user(portal.engine, "clerk@levski.bg", password=PASSWORD)
    grant(portal.engine, "clerk@levski.bg", "editor", publisher="levski")

    page.goto(f"{live_server}/staff/")
    page.fill("#email", "clerk@levski.bg")
    page.fill("#password", PASSWORD)
    page.click("main form.stack button[type=submit]")
    page.goto(f"{live_server}/staff/publishers/levski/datasets/new")
    page.fill("#slug", "selishta")
    page.fill("#title_bg", "Населени места")
    page.fill("#title_en", "Settlements")
    page.click("form.dataset-form button[type=submit]")
    page.wait_for_url("**/staff/datasets/selishta/upload")

    page.set_input_files("#file", str(_cp1251(tmp_path / "селища.csv", BROKEN)))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("ul.summary")
    assert "Редове с повече клетки от заглавния ред: 1" in page.inner_text("ul.summary")
    assert "излишно" in page.inner_text("table.errors")
    page.goto(page.url + "?lang=en")
    assert "Rows with fewer cells than the header: 1" in page.inner_text("ul.summary")
    page.goto(f"{live_server}/staff/datasets/selishta/upload?lang=bg")

    page.set_input_files("#file", str(_cp1251(tmp_path / "селища-поправени.csv", GOOD)))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("a.button")
    page.click("a.button")  # review the schema
    page.wait_for_selector("form.schema-form")
    for i, title_en in enumerate(["EKATTE code", "Settlement", "Area", "Population"]):
        page.fill(f"input[name='f{i}.title_en']", title_en)
    page.click("form.schema-form button[type=submit]")
    page.wait_for_selector("p.ok")
    page.click("a.button")  # preview and publish
    page.wait_for_selector("table.preview")
    assert "Асеновци" in page.inner_text("table.preview")
    page.fill("#notes", "Първа версия на списъка")
    page.click("main form.stack button[type=submit]")
    page.wait_for_url("**/publish")
    page.click("main p a >> nth=0")  # the public release page
    page.wait_for_load_state()
    assert "Населени места" in page.content()

    rows = httpx.get(f"{live_server}/sql/selishta/selishta.json?_shape=array", timeout=HTTP_TIMEOUT).json()
    assert [r["selishte"] for r in rows] == ["Асеновци", "Аспарухово", "Божурлук"]
    page.goto(f"{live_server}/changelog")
    assert "selishta" in page.inner_text("main")
