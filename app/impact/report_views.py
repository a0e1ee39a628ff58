"""The yearly impact report on the site: /impact/<year> (the same document as the command writes)
and /impact/<year>.pdf. A year that is not a number, is before the portal opened or is still to
come is a 404 page with the reason in both languages."""
from __future__ import annotations

import threading

from flask import Blueprint, Response, request, url_for

from app.headers import CSP
from app.i18n import current_lang
from app.impact.report import render_html, render_pdf, style_hash
from app.state import current_portal
from datasets.impact_report import Report, build
from metadata.errors import InvalidInput, NotFound

bp = Blueprint("impact_report", __name__)
# A PDF takes seconds of CPU: one at a time, so that a burst of requests cannot take every core.
_PRINTING = threading.BoundedSemaphore(1)


def report_link(year: int) -> tuple[int, str]:
    """The year and words of the /impact page's link to a report: the status year's, or the
    opening year's if the portal opened after it (in January, the status year is the last one)."""
    from datetime import datetime, timezone

    from app.impact.report import words
    from datasets.impact_report import opening_year

    shown = max(year, opening_year(current_portal().engine, now=datetime.now(timezone.utc)))
    return shown, words(current_lang())("title", year=shown)


def _report(year: str) -> Report:
    slug = request.args.get("publisher", "").strip() or None
    try:
        return build(current_portal().engine, year, publisher=slug)
    except InvalidInput as wrong:  # a report that does not exist: not found, with the reason
        raise NotFound(wrong.message_id, **wrong.params) from None


def _document(year: str) -> tuple[Report, str]:
    made = _report(year)
    lang = current_lang()
    keep = {k: v for k, v in (("publisher", made.publisher.slug if made.publisher else None),
                              ("lang", lang if lang == "en" else None)) if v}
    html = render_html(made, lang, pdf_link=url_for("impact_report.report_pdf", year=made.year, **keep),
                       back_link=url_for("impact.impact_page", **keep))
    return made, html


@bp.get("/impact/<year>")
def report_page(year: str) -> Response:
    html = _document(year)[1]
    answer = Response(html, mimetype="text/html")
    # The site's policy, with the document's own <style> block allowed by its hash (no 'unsafe-inline').
    answer.headers["Content-Security-Policy"] = CSP.replace("style-src 'self'", f"style-src 'self' {style_hash(html)}")
    return answer


@bp.get("/impact/<year>.pdf")
def report_pdf(year: str) -> Response:
    made, html = _document(year)
    with _PRINTING:
        body = render_pdf(html)
    name = f"impact-report-{made.year}-{current_lang()}" + (f"-{made.publisher.slug}" if made.publisher else "")
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"'})
