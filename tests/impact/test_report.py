"""The yearly impact report: `otkrito impact report` and /impact/<year> carry the same figures as
plain SQL over the catalog (tests/impact/independent.py), the /impact page and the impact
dataset's CSV; its lists of datasets and requests are the year's; the PDF holds the same text;
no requester's or subscriber's address is in any of it; a bad year is refused in both languages."""
from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

import pypdf
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from app import config, create_app
from app.cli.commands import main
from app.cli.demo import seed
from app.state import Portal, open_portal
from tests.impact.independent import expected, moment, rows

ROOT = Path(__file__).resolve().parents[2]
IMPACT = "vazdeystvie-na-portala"
SECRETS = re.compile(r"zayavitel\d+@|komentar\d+@|abonat\d+@|198\.51\.100\.|203\.0\.113\.|example\.org|[\w.+-]@[\w-]+\.")  # addresses of any kind
# Indicators of a state at the month's end (or now, for the month under way): the current month's
# value moves with the clock, so it is checked against the values just before and just after the run.
STATES = ("on_time_share", "quality_average", "subscribers_confirmed")
# The year of the latest complete month: the seeded history (months back from today) has some in it.
YEAR = (datetime.now(timezone.utc).date().replace(day=1) - timedelta(days=1)).year


class Document(HTMLParser):
    """What a report says, read from its markup: each indicator's months, statuses and list rows."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.values: dict[tuple[str, str], str] = {}
        self.statuses: dict[str, str] = {}
        self.datasets: dict[str, tuple[int, bool]] = {}
        self.requests: dict[int, str] = {}
        self.links: list[str] = []
        self.table: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.table = a.get("data-indicator") if "series" in (a.get("class") or "") else None
        elif tag == "td" and self.table and "data-month" in a:
            self.values[(self.table, a["data-month"])] = a["data-value"] or ""
        elif tag == "tr" and "data-status" in a:
            self.statuses[a["data-indicator"]] = a["data-status"]
        elif tag == "tr" and "data-slug" in a:
            self.datasets[a["data-slug"]] = (int(a["data-releases"]), a["data-new"] == "1")
        elif tag == "tr" and "data-request" in a:
            self.requests[int(a["data-request"])] = a["data-days"]
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])


def steady(values: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """The values that do not move with the clock between two runs (see STATES)."""
    now = f"{datetime.now(timezone.utc):%Y-%m}"
    return {(k, m): v for (k, m), v in values.items() if not (k in STATES and m == now)}


def written(value: Any) -> str:
    """A figure as the report's data-value and the dataset's CSV write it."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def across_the_new_year(engine: sa.Engine) -> None:
    """Move a little of the demo into the year before YEAR, so the report must draw the line: a
    dataset's first release (it is then not new in YEAR), a request filed then and answered in
    YEAR, and a request filed and answered then (not in YEAR's list)."""
    from publishers.participation_store import feedback, feedback_events
    from publishers.store import releases

    december = datetime(YEAR - 1, 12, 10, 9, tzinfo=timezone.utc)
    with engine.begin() as conn:
        first = conn.execute(sa.select(releases.c.id).where(releases.c.version == 1)
                             .order_by(releases.c.id).limit(1)).scalar()
        conn.execute(releases.update().where(releases.c.id == first).values(created_at=december))
        answered = conn.execute(sa.select(feedback.c.id).join(feedback_events, feedback_events.c.feedback_id
                                                               == feedback.c.id)
                                .where(feedback.c.kind == "request", feedback_events.c.action == "answered")
                                .order_by(feedback.c.id).limit(2)).scalars().all()
        conn.execute(feedback.update().where(feedback.c.id.in_(answered)).values(created_at=december))
        conn.execute(feedback_events.update().where(feedback_events.c.feedback_id == answered[1])
                     .values(at=december + timedelta(days=5)))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The seeded demo (a history of months with requests, answers, use, subscribers), once."""
    root = tmp_path_factory.mktemp("report") / "instance"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OTKRITO_INSTANCE", str(root))
        opened = open_portal(config.load())
        list(seed(opened))
        across_the_new_year(opened.engine)
        yield opened
    opened.engine.dispose()


def run(portal: Portal, *args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"OTKRITO_INSTANCE": str(portal.instance.root)},
                              catch_exceptions=False)


def assert_figures_are_those_of_sql(engine: sa.Engine, report: Document, year: int, before: datetime,
                                    after: datetime, *, publisher_id: int | None = None) -> list[str]:
    """Each indicator's months in the report are plain SQL's, computed just before and after it."""
    months = [date(year, m, 1) for m in range(1, 13)]
    this_month = datetime.now(timezone.utc).date().replace(day=1)
    early, late = (expected(engine, months, publisher_id=publisher_id, now=at) for at in (before, after))
    keys = sorted({k for k, _ in report.values})
    assert len(keys) == (13 if publisher_id is None else 12) and len(report.values) == len(keys) * 12
    for key in keys:
        for month in months:
            got = report.values[(key, f"{month:%Y-%m}")]
            if key in STATES and month == this_month:
                assert got in {written(early.get((key, month))), written(late.get((key, month)))}, key
            else:
                assert got == written(early.get((key, month))) == written(late.get((key, month))), (key, month)
    measured = [m for m in months if report.values[("page_views", f"{m:%Y-%m}")] != ""]
    assert len(measured) >= 1 and sum(int(report.values[("requests_filed", f"{m:%Y-%m}")]) for m in measured) >= 1
    return keys


def assert_lists_are_those_of_sql(engine: sa.Engine, report: Document, year: int) -> None:
    """The year's datasets and requests are plain SQL's, and they add up to the year's indicators."""
    months = [date(year, m, 1) for m in range(1, 13)]
    begin, stop = datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc)
    releases: dict[str, list[datetime]] = {}
    for slug, at in rows(engine, "SELECT d.slug, r.created_at FROM releases r JOIN datasets d ON d.id = r.dataset_id"
                                 " WHERE d.slug <> :slug", slug=IMPACT):
        releases.setdefault(slug, []).append(moment(at))
    want = {slug: (sum(begin <= t < stop for t in made), begin <= min(made) < stop)
            for slug, made in releases.items() if any(begin <= t < stop for t in made)}
    assert report.datasets == want and want
    answers = {r[0]: (moment(r[1]), moment(r[2])) for r in rows(
        engine, "SELECT f.id, f.created_at, MIN(e.at) FROM feedback f JOIN feedback_events e ON e.feedback_id = f.id"
                " WHERE f.kind = 'request' AND f.moderation = 'approved'"
                " AND e.action IN ('answered', 'fulfilled', 'declined') GROUP BY f.id, f.created_at")}
    assert report.requests == {i: written(round((b - a).total_seconds() / 86400, 1))
                               for i, (a, b) in answers.items() if begin <= b < stop}
    assert len(report.requests) >= 1
    total = {k: sum(int(report.values[(k, f"{m:%Y-%m}")] or 0) for m in months)
             for k in ("requests_answered", "datasets_published", "releases_published")}
    assert total == {"requests_answered": len(report.requests),
                     "datasets_published": sum(new for _, new in want.values()),
                     "releases_published": sum(n for n, _ in want.values())}


def test_the_report_has_the_figures_of_plain_sql_the_page_and_the_dataset(demo: Portal, tmp_path: Path) -> None:
    engine, year = demo.engine, YEAR
    this_month = datetime.now(timezone.utc).date().replace(day=1)
    before = datetime.now(timezone.utc)
    done = run(demo, "impact", "report", "--year", str(year), "--out", str(tmp_path), "--format", "html")
    after = datetime.now(timezone.utc)
    assert done.exit_code == 0, done.output
    path = tmp_path / f"impact-report-{year}-bg.html"
    assert str(path) in done.output and "Отчетът за" in done.output
    text = path.read_text(encoding="utf-8")
    report = Document(text)

    # (a) Every indicator's twelve months, and the year's lists, are those of plain SQL over the catalog.
    keys = assert_figures_are_those_of_sql(engine, report, year, before, after)
    assert_lists_are_those_of_sql(engine, report, year)

    # (b) The /impact page's series (complete months: the page is drawn at another moment) agree.
    client = create_app().test_client()
    page = client.get("/impact").get_data(as_text=True)
    charts = {k: json.loads(html.unescape(d)) for k, d in re.findall(
        r'<figure class="chart" id="([a-z0-9_]+)-chart">.*?data-chart=\'([^\']*)\'', page, re.S)}
    assert sorted(charts) == keys
    compared = 0
    for key, chart in charts.items():
        for label, value in zip(chart["labels"], chart["series"][0]["values"]):
            if label.startswith(f"{year}-") and label < f"{this_month:%Y-%m}":
                assert report.values[(key, label)] == written(value), (key, label)
                compared += 1
    assert compared >= 13
    assert f'href="/impact/{year}"' in page and f'href="/impact/{year}.pdf"' in page

    # (c) The impact dataset's CSV, published now, has the same value for every month it holds.
    published = run(demo, "impact", "publish")
    assert published.exit_code == 0, published.output
    version = rows(engine, "SELECT MAX(r.version) FROM releases r JOIN datasets d ON d.id = r.dataset_id"
                           " WHERE d.slug = :slug", slug=IMPACT)[0][0]
    data = client.get(f"/datasets/{IMPACT}/releases/{version}/{IMPACT}.csv")
    assert data.status_code == 200
    lines = [r for r in csv.DictReader(io.StringIO(data.get_data(as_text=True)))
             if r["policy"] == "portal" and r["period"].startswith(f"{year}-")]
    assert len(lines) >= 13
    for line in lines:
        assert report.values[(line["indicator"], line["period"])] == line["actual"], line

    assert f"{config.load()['BASE_URL']}/requests/{min(report.requests)}" in report.links

    # Methodology, statuses and privacy: the rule and every definition; no address of anyone.
    assert f'Портал за отворени данни „Открито“: <a href="{config.load()["BASE_URL"]}/">' in text
    assert "Базовата стойност е средната месечна стойност" in text and "Базов период: от" in text
    assert set(report.statuses.values()) <= {"on_track", "behind", "no_target", "not_measured"}
    summary = dict(re.findall(r'<tr data-indicator="([a-z0-9_]+)"><th scope="row"><a href="#[a-z0-9_]+">.*?</a>'
                              r'</th>\s*<td class="status status-([a-z_]+)">', page, re.S))
    assert report.statuses == summary and len(summary) == 13  # the page's status year is the report's
    assert "<script" not in text and re.findall(r"<link[^>]*>", text) == ['<link rel="icon" href="data:,">']
    assert text.count('src="data:image/svg+xml;base64,') == 13  # every chart inside the file
    assert not SECRETS.search(text)
    stored = [r[0] for r in rows(engine, "SELECT email FROM follow_addresses UNION SELECT contact_email FROM"
                                         " feedback WHERE contact_email IS NOT NULL")]
    assert len(stored) >= 5 and not any(address in text for address in stored)


def test_the_page_and_the_pdf_carry_the_same_report(demo: Portal, tmp_path: Path) -> None:
    year = YEAR
    client = create_app().test_client()
    page = client.get(f"/impact/{year}?lang=en")
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    style = re.search(r"<style>(.*?)</style>", page.get_data(as_text=True), re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    policy = page.headers["Content-Security-Policy"]
    assert f"style-src 'self' 'sha256-{digest}';" in policy and "unsafe-inline" not in policy
    done = run(demo, "impact", "report", "--year", str(year), "--lang", "en", "--out", str(tmp_path / "r.pdf"))
    assert done.exit_code == 0, done.output
    assert "The report for" in done.output
    shown, filed = Document(page.get_data(as_text=True)), Document((tmp_path / "r.html").read_text("utf-8"))
    assert steady(shown.values) == steady(filed.values) and len(steady(shown.values)) >= 13 * 11
    assert shown.datasets == filed.datasets and shown.requests == filed.requests
    assert shown.statuses == filed.statuses
    assert f"/impact/{year}.pdf?lang=en" in shown.links and "/impact?lang=en" in shown.links

    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    words = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", " ", words)
    for title in ("Data requests filed", "Median days to an answer", "Dataset page views", "Confirmed subscribers",
                  f"Yearly impact report of the portal, {year}", "What changed since the baseline"):
        assert title in flat, title
    now = f"{datetime.now(timezone.utc):%Y-%m}"
    last = max(m for (k, m), v in filed.values.items() if k == "page_views" and v and m < now)
    if now.startswith(f"{year}-"):
        assert f"{now} (so far)" in flat  # the month under way says so
    views = int(filed.values[("page_views", last)])
    assert f"{last} {views:,}" in flat  # the month's row of the table, as printed
    assert not SECRETS.search(words)

    served = client.get(f"/impact/{year}.pdf?publisher=obshtina-levski&lang=bg")
    assert served.status_code == 200 and served.content_type == "application/pdf"
    assert served.data.startswith(b"%PDF-")
    one = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(served.data)).pages)
    assert "Обхват:" in one and "Подадени искания за данни" in one and "Потвърдени абонати" not in one


@pytest.mark.parametrize("year, bg, en", [
    ("abc", "трябва да е число", "must be a number"),
    ("1999", "порталът е открит през", "the portal opened in"),
    ("next", "годината още не е започнала", "that year has not begun"),
])
def test_a_bad_year_is_refused_in_both_languages_and_nothing_is_written(demo: Portal, tmp_path: Path, year: str,
                                                                        bg: str, en: str) -> None:
    year = str(datetime.now(timezone.utc).year + 1) if year == "next" else year
    for lang, words in (("bg", bg), ("en", en)):
        done = CliRunner().invoke(main, ["impact", "report", "--year", year, "--lang", lang, "--out", str(tmp_path)],
                                  env={"OTKRITO_INSTANCE": str(demo.instance.root)})
        assert (done.exit_code, words in done.output, "Traceback" in done.output) == (2, True, False), done.output
        page = create_app().test_client().get(f"/impact/{year}?lang={lang}")
        assert page.status_code == 404 and words in html.unescape(page.get_data(as_text=True))
    assert list(tmp_path.iterdir()) == []


def test_other_bad_input_is_refused_and_one_real_process_writes_the_file(demo: Portal, tmp_path: Path) -> None:
    year = str(YEAR)
    for args, words in ((["--format", "docx"], "html, pdf или both"), (["--publisher", "nyama-takav"], "nyama-takav")):
        done = run(demo, "impact", "report", "--year", year, "--out", str(tmp_path), *args)
        assert done.exit_code == 2 and words in done.output, done.output
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "a-file").write_text("not a directory")
    done = run(demo, "--lang", "en", "impact", "report", "--year", year, "--format", "html",
               "--out", str(tmp_path / "a-file" / "report.html"))
    assert done.exit_code == 2 and "The report cannot be written to" in done.output, done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
    out = tmp_path / "report.html"
    process = subprocess.run([sys.executable, "-m", "app.cli", "--lang", "en", "impact", "report", "--year", year,
                              "--format", "html", "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                             timeout=600, env={"OTKRITO_INSTANCE": str(demo.instance.root), "PATH": "/usr/bin:/bin"})
    assert process.returncode == 0, process.stderr
    document = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in document and "Data requests answered in" in document
    assert len({k for k, _ in Document(document).values}) == 13
    assert not SECRETS.search(document)


def test_the_year_of_the_opening_is_the_first_with_a_report(demo: Portal) -> None:
    from datasets.impact_report import check_year
    from metadata.errors import InvalidInput

    with demo.engine.connect() as conn:
        opened = moment(conn.execute(sa.text("SELECT MIN(created_at) FROM publishers")).scalar()).year
    later = datetime(opened + 2, 3, 1, tzinfo=timezone.utc)
    assert check_year(demo.engine, str(opened), now=later) == opened
    assert check_year(demo.engine, opened + 2, now=later) == opened + 2
    for wrong in ("²", "２０２６", "", " ", "2026.0", "-1", "20260"):
        with pytest.raises(InvalidInput, match="must be a number"):
            check_year(demo.engine, wrong, now=later)
    with pytest.raises(InvalidInput, match="opened"):
        check_year(demo.engine, opened - 1, now=later)
    with pytest.raises(InvalidInput, match="has not begun"):
        check_year(demo.engine, opened + 3, now=later - timedelta(days=1))
