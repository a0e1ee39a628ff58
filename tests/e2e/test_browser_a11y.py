"""axe-core in Chromium on every page type: no WCAG 2.1 A or AA violations, at desktop and phone width."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REPORT_YEAR = (datetime.now(timezone.utc).date().replace(day=1) - timedelta(days=1)).year  # the demo has months in it
PAGES = {
    "home": "/",
    "catalog": "/datasets",
    "search": "/datasets?q=byudzhet&theme=ECON",
    "budget": "/datasets/byudzhet-na-obshtina-levski",
    "decisions": "/datasets/resheniya-na-obshtinski-savet-levski",
    "indicators": "/datasets/indikatori-na-plana-za-razvitie?lang=en",
    "settlements": "/datasets/naseleni-mesta-v-obshtina-levski",
    "settlements map en": "/datasets/naseleni-mesta-v-obshtina-levski?lang=en&measure=population",
    "embed map": "/embed/datasets/naseleni-mesta-v-obshtina-levski/map",
    "embed map en": "/embed/datasets/naseleni-mesta-v-obshtina-levski/releases/1/map?lang=en",
    "embed chart": "/embed/datasets/byudzhet-na-obshtina-levski/charts/budget-function",
    "embed chart en": "/embed/datasets/byudzhet-na-obshtina-levski/charts/budget-period?lang=en",
    "release": "/datasets/byudzhet-na-obshtina-levski/releases/1",
    "publisher": "/publishers/obshtinski-savet-levski",
    "sql index": "/sql/",
    "impact": "/impact",
    "impact report": f"/impact/{REPORT_YEAR}?lang=en",
    "not-found": "/no-such-page?lang=en",
}


def violations(page) -> list[dict]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                          ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
                          " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))", TAGS)
    return found


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_type_passes_axe_at_levels_a_and_aa(demo_server, browser, shoot, name: str,
                                                       width: int) -> None:  # type: ignore[no-untyped-def]
    # axe is injected by the test, not the site: only its own script tag may pass our CSP.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(demo_server.url + PAGES[name])
        page.wait_for_load_state("load")
        if "[data-chart]" and page.locator("[data-chart]").count():
            page.wait_for_selector("[data-drawn]")
        assert violations(page) == []
        if width == 1280:
            shoot(page, f"axe-{name}")
    finally:
        context.close()
