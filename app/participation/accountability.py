"""Accountability pages: timeliness, metadata quality, release comparison (and their feeds)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, abort, jsonify, request, url_for
from markupsafe import escape

from app.i18n import current_lang, field_text, localized
from app.participation.feeds import MEDIA, Entry, render
from app.participation.i18n import _p
from app.participation.responses import FMT, feed_lang, feed_response, page, site
from app.state import current_portal
from datasets import catalog, diff, timeliness
from datasets.sources import failing as failing_sources
from datasets.storage import release_key
from metadata import quality
from metadata.messages import Text
from metadata.records import Dataset, Release
from metadata.vocab import FREQUENCIES
from publishers import staff_reminders
from publishers.registry import get_publisher_by_id, list_publishers

bp = Blueprint("participation", __name__, template_folder="templates")
STATE_LABELS = {"on_time": Text("навреме", "on time"), "due_soon": Text("предстои обновяване", "due soon"),
                "overdue": Text("просрочен", "overdue"),
                "no_promise": Text("без обещан срок", "no promised date")}




# Timeliness

@bp.get("/timeliness")
def timeliness_page():  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    now = datetime.now(timezone.utc)
    entries = timeliness.overview(engine, now=now)
    groups = []
    for publisher in list_publishers(engine):
        mine = [e for e in entries if e.publisher.id == publisher.id]
        if not mine:
            continue
        series = [(d, catalog.list_releases(engine, d.id)) for d in (e.dataset for e in mine)]
        points = timeliness.history(series, now=now, months=12)
        chart = {"kind": "line", "unit": "%",
                 "labels": [p.at.strftime("%Y-%m") for p in points],
                 "series": [{"name": _p("Datasets not overdue, percent"),
                             "values": [p.share_on_time for p in points]}]}
        groups.append((publisher, mine, points, chart))
    counts = {state: sum(1 for e in entries if e.timeliness.state == state)
              for state in timeliness.STATES}
    failing = {s.dataset_id: s for s in failing_sources(engine)}
    return page("participation/timeliness.html", groups=groups, counts=counts,
                state_labels=STATE_LABELS, frequencies=FREQUENCIES, failing=failing,
                reminders=staff_reminders.sent_for(engine, [e.dataset.id for e in entries]))


@bp.get(f"/timeliness/overdue.{FMT}")
def overdue_feed(fmt: str) -> Response:
    lang = feed_lang()
    here = site()
    entries = []
    for entry in timeliness.overview(current_portal().engine):
        found = entry.timeliness
        if found.state != "overdue" or found.due is None:
            continue
        title = Text(f"Просрочен: {entry.dataset.title.bg}", f"Overdue: {entry.dataset.title.en}")
        frequency = FREQUENCIES[found.frequency].label
        days = -(found.days_left or 0)
        summary = Text(f"{entry.publisher.name.bg}: обещано „{frequency.bg}“; срокът изтече на "
                       f"{found.due:%Y-%m-%d} ({days} дни закъснение).",
                       f"{entry.publisher.name.en}: promised '{frequency.en}'; due on "
                       f"{found.due:%Y-%m-%d} ({days} days late).")
        # One entry per missed due date: the id stays the same until a new release resets it.
        entries.append(Entry(("overdue", entry.dataset.slug, found.due.strftime("%Y-%m-%d")),
                             title.get(lang), summary.get(lang), here.dataset(entry.dataset.slug),
                             found.due))
    title = Text("Просрочени набори от данни", "Overdue datasets").get(lang)
    body = render(here, key="overdue", title=title, self_url=here.url(request.full_path.rstrip("?")),
                  html_url=here.url("timeliness"), entries=entries, lang=lang, fmt=fmt)
    return feed_response(body, fmt)


# Metadata quality

def files_present(dataset: Dataset, release: Release | None) -> bool:
    """Tell whether every file of the release is where the catalog says."""
    if release is None:
        return False
    storage = current_portal().instance.storage  # with object storage: the bucket, not the cache
    return all(storage.exists(release_key(dataset.slug, release.version, f.name))
               for f in release.files)


def quality_of(dataset: Dataset) -> quality.Quality:
    """Return the metadata quality of a dataset and its latest published release."""
    engine = current_portal().engine
    release = catalog.latest_release(engine, dataset.id)
    return quality.assess(dataset, release, get_publisher_by_id(engine, dataset.publisher_id),
                          files_present=files_present(dataset, release))


@bp.get("/quality")
def quality_page():  # type: ignore[no-untyped-def]
    engine = current_portal().engine
    groups = []
    for publisher in list_publishers(engine):
        rows = [(d, quality_of(d)) for d in catalog.list_datasets(engine, publisher_id=publisher.id)]
        if rows:
            groups.append((publisher, rows, quality.average([q for _d, q in rows])))
    return page("participation/quality.html", groups=groups, dimensions=quality.DIMENSIONS,
                ratings=quality.RATING_LABELS)


@bp.get("/quality/<slug>")
def quality_detail(slug: str):  # type: ignore[no-untyped-def]
    dataset = catalog.get_dataset(current_portal().engine, slug)
    return page("participation/quality_detail.html", dataset=dataset, quality=quality_of(dataset),
                dimensions=quality.DIMENSIONS, ratings=quality.RATING_LABELS, staff=False)


BADGE_COLOURS = {"excellent": "#1b5e20", "good": "#2e7d32", "sufficient": "#8a5300", "bad": "#b71c1c"}


@bp.get("/datasets/<slug>/quality.svg")
def quality_badge(slug: str) -> Response:
    dataset = catalog.get_dataset(current_portal().engine, slug)
    found = quality_of(dataset)
    label = escape(_p("metadata"))
    value = escape(f"{found.percent}% · {localized(quality.RATING_LABELS[found.rating])}")
    width = 70 + 7 * len(str(value))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
           f'aria-label="{label}: {value}"><title>{label}: {value}</title>'
           f'<rect width="70" height="20" fill="#555"/><rect x="70" width="{width - 70}" height="20" '
           f'fill="{BADGE_COLOURS[found.rating]}"/><g fill="#fff" font-family="sans-serif" '
           f'font-size="11"><text x="6" y="14">{label}</text><text x="76" y="14">{value}</text></g></svg>')
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


# Release comparison

def _versions(dataset: Dataset) -> tuple[list[int], int, int]:
    """Return published versions (newest first) and the (from, to) pair the request asks for."""
    published = [r.version for r in catalog.list_releases(current_portal().engine, dataset.id)
                 if r.status == "published"]
    if len(published) < 2:
        return published, 0, 0

    def asked(name: str, default: int) -> int:
        raw = request.args.get(name, "")
        if not raw:
            return default
        if not raw.isdigit() or int(raw) not in published:
            abort(404)
        return int(raw)

    return published, asked("from", published[1]), asked("to", published[0])


def _compare(slug: str) -> tuple[Dataset, list[int], int, int, diff.Diff | None]:
    dataset = catalog.get_dataset(current_portal().engine, slug)
    published, old, new = _versions(dataset)
    if not old or old == new:
        return dataset, published, old, new, None
    found = diff.compare_releases(current_portal().instance, current_portal().engine, slug, old, new)
    return dataset, published, old, new, found


@bp.get("/datasets/<slug>/compare")
def compare_page(slug: str):  # type: ignore[no-untyped-def]
    dataset, published, old, new, found = _compare(slug)
    # The preview's column titles (the raw names are what the JSON keeps).
    titles = {f["name"]: field_text(f, "title") or f["name"]
              for f in (dataset.table_schema or {}).get("fields", [])}
    return page("participation/compare.html", dataset=dataset, published=published, old=old,
                new=new, diff=found, summary=diff.summary(found) if found else None, titles=titles)


@bp.get("/datasets/<slug>/compare.json")
def compare_json(slug: str):  # type: ignore[no-untyped-def]
    dataset, _published, old, new, found = _compare(slug)
    if found is None:
        abort(404)
    text = diff.summary(found)
    body = {"dataset": dataset.slug, "from": old, "to": new,
            "summary": {"bg": text.bg, "en": text.en}, **found.to_json()}
    response = jsonify(body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# Wiring

def alternates() -> list[dict[str, str]]:
    """Offer each participation page's feeds for autodiscovery."""
    endpoint = request.endpoint or ""
    lang = {"lang": "en"} if current_lang() == "en" else {}
    offers = {"participation.timeliness_page": ("participation.overdue_feed",
                                                Text("Просрочени набори", "Overdue datasets")),
              "participation_feedback.request_list": ("participation_feedback.requests_feed",
                                                      Text("Искания за данни", "Data requests"))}
    if endpoint not in offers:
        return []
    target, title = offers[endpoint]
    return [{"type": MEDIA[fmt], "title": f"{localized(title)} ({fmt.upper()})",
             "href": url_for(target, fmt=fmt, **lang)} for fmt in ("atom", "rss")]


def timeliness_of(dataset: Dataset) -> timeliness.Timeliness:
    """Return a dataset's timeliness now (for other pages' templates)."""
    releases = catalog.list_releases(current_portal().engine, dataset.id)
    return timeliness.assess_dataset(dataset, releases, now=datetime.now(timezone.utc))
