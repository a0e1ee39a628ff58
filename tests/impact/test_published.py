"""The demo's impact figures end to end on a real server: the /impact page, the dataset's CSV,
/sql/, the feed, DCAT and `frictionless validate` all carry the same figures, and no seeded
requester's or subscriber's e-mail or network address shows anywhere."""
from __future__ import annotations

import csv
import html
import io
import json
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest

from app.cli.demo import seed
from app.impact.present import shown_months
from app.state import Portal
from datasets.impact import IMPACT_SLUG, all_figures, monthly_figures
from datasets.impact_dataset import period
from datasets.impact_methodology import current
from tests.conftest import start_server, stop_server

FRICTIONLESS = Path(sys.executable).parent / "frictionless"
TABLE = IMPACT_SLUG.replace("-", "_")
SECRETS = re.compile(r"zayavitel\d+@|komentar\d+@|abonat\d+@|198\.51\.100\.|203\.0\.113\.|example\.org")


@pytest.fixture
def demo_url(portal: Portal):  # type: ignore[no-untyped-def]
    """The seeded demo served by uvicorn with OTKRITO_BASE_URL = its own address."""
    list(seed(portal))
    server = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                           "--port", "{port}", "--log-level", "warning"],
                          env={"OTKRITO_INSTANCE": str(portal.instance.root),
                               "OTKRITO_BASE_URL": "http://127.0.0.1:{port}"}, ready="/sql/")
    try:
        yield server.url
    finally:
        stop_server(server)


def _charts(page: str) -> dict[str, dict]:
    found = re.findall(r'<figure class="chart" id="([a-z0-9_]+)-chart">.*?data-chart=\'([^\']*)\'', page, re.S)
    return {key: json.loads(html.unescape(data)) for key, data in found}


def test_the_figures_are_the_same_on_the_page_in_the_csv_and_in_sql(portal: Portal, demo_url: str) -> None:
    live_server = demo_url
    engine, now = portal.engine, datetime.now(timezone.utc)
    get = httpx.Client(base_url=live_server, timeout=120).get

    # The page: each indicator's chart series (and its table) are monthly_figures' values.
    start, end = shown_months(None, now.date(), current(engine).baseline_start)
    opened = period(engine, now=now)
    assert opened is not None
    start = max(start, opened[0])
    for query, slug in (("", None), ("?publisher=obshtinski-savet-levski&lang=en", "obshtinski-savet-levski")):
        page = get("/impact" + query)
        assert page.status_code == 200
        charts = _charts(page.text)
        figures = monthly_figures(engine, start=start, end=end, publisher=slug, now=now)
        keys = sorted({f.indicator for f in figures})
        assert sorted(charts) == keys
        for key in keys:
            own = [f for f in figures if f.indicator == key]
            assert charts[key]["labels"] == [f"{f.month:%Y-%m}" for f in own]
            assert charts[key]["series"][0]["values"] == [f.value for f in own], key
        assert not SECRETS.search(page.text)
    bg = get("/impact?lang=bg").text
    assert "Подадени искания за данни" in bg and "по план" in bg and "изостава" in bg
    assert "Тире (—) в таблица означава" in bg

    # The dataset: its CSV holds every complete month's figure for the portal and each publisher.
    data = get(f"/datasets/{IMPACT_SLUG}/releases/1/{IMPACT_SLUG}.csv")
    assert data.status_code == 200, data.text[:300]
    assert not SECRETS.search(data.text)
    rows = list(csv.DictReader(io.StringIO(data.text)))
    first, last = period(engine, now=now)
    want = {(f.publisher or "portal", f.indicator, f"{f.month:%Y-%m}"): f.value
            for f in all_figures(engine, start=first, end=last, now=now)}
    got = {(r["policy"], r["indicator"], r["period"]): r["actual"] for r in rows}
    assert set(got) == set(want) and len(rows) == len(want) >= 7 * 13
    for key, value in want.items():
        assert got[key] == ("" if value is None else (str(int(value)) if float(value).is_integer()
                                                      else f"{value:.1f}")), key

    # /sql/: the same rows, queryable.
    answer = get(f"/sql/{IMPACT_SLUG}.json", params={
        "sql": f"select policy, indicator, period, actual from [{TABLE}] where policy = 'portal'"
               " and indicator = 'requests_filed' order by period", "_shape": "array"})
    assert answer.status_code == 200, answer.text[:300]
    periods = sorted(k[2] for k in want if k[:2] == ("portal", "requests_filed"))
    assert [(r["period"], r["actual"]) for r in answer.json()] == [
        (p, want[("portal", "requests_filed", p)]) for p in periods]  # 3 == 3.0: a number column
    everything = get(f"/sql/{IMPACT_SLUG}.json", params={"sql": f"select * from [{TABLE}]", "_shape": "array"})
    assert len(everything.json()) == len(rows) and not SECRETS.search(everything.text)

    # Feed and DCAT list it like any dataset; frictionless accepts its data package.
    assert f"/datasets/{IMPACT_SLUG}" in get("/feeds/releases.atom").text
    assert f"/datasets/{IMPACT_SLUG}" in get("/catalog.ttl").text
    result = subprocess.run([str(FRICTIONLESS), "validate", "--json", f"{live_server}/datasets/{IMPACT_SLUG}/datapackage.json"],
                            capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert (result.returncode, report["valid"]) == (0, True), result.stdout[-2000:]
    assert report["tasks"][0]["stats"]["rows"] == len(rows)

    # The rules page states the methodology, its history and the privacy rule; no address on it.
    rules = get("/rules?lang=en").text
    assert "Impact evaluation: methodology" in rules and "no figure can be tied to a person" in rules
    assert "baseline " in rules and "target page_views" in rules and not SECRETS.search(rules)
