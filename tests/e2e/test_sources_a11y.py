"""axe-core in Chromium on the pages of a scheduled source: the workspace's Source page (its form,
the history of checks with an invalid file's report) and the public dataset page with "last
checked / last changed", at desktop and phone width, in Bulgarian and English."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from app.jobs.scheduler import fetch_options
from app.state import Portal
from datasets import catalog
from datasets.sources import check_source, set_source
from publishers.registry import add_publisher
from publishers.users import add_user, grant
from tests.e2e.test_browser_a11y import violations
from tests.sources.remote import Remote, Route, running

PASSWORD = "correct horse battery staple"
SETTLEMENTS = (Path(__file__).resolve().parents[2] / "demo" / "levski-settlements.csv").read_bytes()
SLUG = "naseleni"


@pytest.fixture
def remote() -> Iterator[Remote]:
    yield from running()


@pytest.fixture
def checked(portal: Portal, remote: Remote, monkeypatch: pytest.MonkeyPatch) -> Portal:
    """A dataset whose source was published once, then served an invalid file and a 500."""
    monkeypatch.setenv("OTKRITO_FETCH_ALLOW", "127.0.0.1/32")
    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    add_user(portal.engine, "clerk@levski.bg", password=PASSWORD)
    grant(portal.engine, "clerk@levski.bg", "editor", publisher="levski")
    catalog.create_dataset(portal.engine, SLUG, publisher="levski", title_bg="Населени места",
                           title_en="Settlements")
    route = Route(SETTLEMENTS)
    set_source(portal.engine, SLUG, remote.route("/s.csv", route), every="daily", actor="test")
    options = fetch_options({"FETCH_ALLOW": "127.0.0.1/32", "MAX_UPLOAD_MB": 10})
    outcomes = []
    for body, status in ((SETTLEMENTS, 200), (SETTLEMENTS + b"00000,PVN16,\n", 200), (b"", 500)):
        route.body, route.status = body, status
        outcomes.append(check_source(portal.instance, portal.engine, SLUG, **options).outcome)
    assert outcomes == ["published", "invalid", "failed"]
    return portal


@pytest.mark.parametrize("lang", ["bg", "en"])
@pytest.mark.parametrize("width", [1280, 360])
def test_the_source_pages_pass_axe_at_levels_a_and_aa(checked: Portal, live_server: str, browser, shoot,  # type: ignore[no-untyped-def]
                                                      width: int, lang: str) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/staff/?lang={lang}")
        page.fill("#email", "clerk@levski.bg")
        page.fill("#password", PASSWORD)
        page.click("main form.stack button[type=submit]")
        page.wait_for_load_state("load")
        found = {}
        for name, path in (("staff source", f"/staff/datasets/{SLUG}/source"),
                           ("public dataset", f"/datasets/{SLUG}")):
            page.goto(f"{live_server}{path}?lang={lang}")
            page.wait_for_load_state("load")
            found[name] = violations(page)
            if name == "staff source":  # the page itself, not a sign-in form, was checked
                assert page.locator("tr.check").count() == 3 and page.locator("ul.report li").count() > 1
            if width == 1280:
                shoot(page, f"axe-source-{name.replace(' ', '-')}-{lang}")
        text = page.inner_text("main")
        assert ("last changed" if lang == "en" else "последна промяна") in text
        assert found == {"staff source": [], "public dataset": []}
    finally:
        context.close()
