"""/impact/<year> in Chromium under the site's real CSP: its styles and its chart images apply,
and the browser reports no violation (the `page` fixture fails on any console error)."""
from __future__ import annotations

from tests.e2e.test_browser_a11y import REPORT_YEAR


def test_the_yearly_report_shows_styled_with_its_charts_under_the_csp(demo_server, page) -> None:  # type: ignore[no-untyped-def]
    answer = page.goto(f"{demo_server.url}/impact/{REPORT_YEAR}?lang=en")
    assert answer.status == 200 and "script-src 'self'" in answer.headers["content-security-policy"]
    page.wait_for_load_state("load")
    assert page.eval_on_selector("table", "t => getComputedStyle(t).borderCollapse") == "collapse"
    sizes = page.eval_on_selector_all("figure img", "all => all.map(i => [i.complete, i.naturalWidth])")
    assert len(sizes) == 13 and all(done and width > 0 for done, width in sizes)
    page.get_by_role("link", name="The report as a PDF").wait_for()
