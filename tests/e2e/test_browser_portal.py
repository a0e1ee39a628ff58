"""A visitor in real Chromium: search in both alphabets, filter, read, chart, download, switch language."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

BUDGET = "byudzhet-na-obshtina-levski"


def test_a_visitor_finds_charts_and_downloads_the_budget_then_reads_it_in_english(
        demo_server, page, shoot) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(demo_server.url + "/")
    expect(page.locator("h1")).to_have_text("Открити данни на общината")
    shoot(page, "desktop-home")

    page.get_by_label("Търсене в наборите от данни").fill("Бюджет")
    page.get_by_label("Търсене в наборите от данни").press("Enter")
    expect(page.locator("#results-title")).to_contain_text("1")
    expect(page.locator(f'ul.datasets a[href="/datasets/{BUDGET}"]')).to_be_visible()

    page.get_by_label("Търсене в заглавия, описания, ключови думи и имена на колони").fill("byudzhet")
    page.get_by_role("button", name="Търсене").click()
    expect(page.locator(f'ul.datasets a[href="/datasets/{BUDGET}"]')).to_be_visible()
    shoot(page, "desktop-search-latin")

    page.locator(".facets").get_by_role("link", name=re.compile("Икономика и финанси")).click()
    expect(page).to_have_url(re.compile(r"theme=ECON"))
    expect(page.locator(".facets a.chosen")).to_have_count(1)

    page.locator(f'ul.datasets a[href="/datasets/{BUDGET}"]').click()
    expect(page.locator("h1")).to_have_text("Бюджет на Община Левски")
    chart = page.locator("#budget-function .chart-box")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("data-drawn", "true")
    assert chart.locator("canvas").bounding_box()["height"] > 100
    shoot(page, "desktop-dataset-budget")

    with page.expect_download() as waiting:
        page.locator(f'a[href="/datasets/{BUDGET}/releases/2/{BUDGET}.csv"]').click()
    downloaded = Path(waiting.value.path()).read_bytes()
    release_csv = demo_server.instance / "releases" / BUDGET / "2" / f"{BUDGET}.csv"
    assert downloaded == release_csv.read_bytes()

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Budget of the Municipality of Levski")
    expect(page.locator("#budget-function .chart-box")).to_have_attribute("data-drawn", "true")

    page.locator(".facts").get_by_role("link", name="Municipality of Levski").click()
    expect(page.locator("h1")).to_have_text("Municipality of Levski")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the cookie kept the choice
    shoot(page, "desktop-publisher-en")


def test_the_skip_link_is_the_first_stop_and_moves_focus_to_the_content(demo_server, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(demo_server.url + "/datasets")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Към съдържанието"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_pages_fit_a_360_pixel_screen(demo_server, browser, shoot) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1)
    narrow = context.new_page()
    try:
        for name, path in (("home", "/"), ("catalog", "/datasets?q=решения"),
                           ("dataset", f"/datasets/{BUDGET}"),
                           ("indicators", "/datasets/indikatori-na-plana-za-razvitie"),
                           ("release", f"/datasets/{BUDGET}/releases/1")):
            narrow.goto(demo_server.url + path)
            width = narrow.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, (path, width)
            shoot(narrow, f"mobile-{name}")
    finally:
        context.close()
