"""The visitor's language: ?lang= switches it and a cookie keeps it; Bulgarian by default.

Interface strings go through Flask-Babel's gettext (msgids in English, the Bulgarian catalog in
app/translations/bg/LC_MESSAGES/messages.po; see babel.cfg for extracting and compiling).
Dataset metadata is bilingual data, not interface text: `tx(text)` picks the visitor's language.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, Response, g, request, url_for
from flask_babel import Babel, format_date, format_datetime, format_decimal, gettext

LANGUAGES = ("bg", "en")
DEFAULT = "bg"


def current_lang() -> str:
    """Return the language of this request."""
    return g.get("lang", DEFAULT)


def _pick() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get("lang")
    return kept if kept in LANGUAGES else DEFAULT


def localized(text: Any) -> str:
    """Return a bilingual value (a Text, or a dict with bg/en) in the visitor's language."""
    if text is None:
        return ""
    lang = current_lang()
    if isinstance(text, dict):
        return text.get(lang) or text.get("bg") or text.get("en") or ""
    return text.get(lang)


def field_text(field: dict[str, Any], key: str) -> str:
    """Return a Table Schema field's title or description in the visitor's language, with fallback."""
    bg, en = field.get(key) or "", field.get(f"{key}_en") or ""
    return (en or bg) if current_lang() == "en" else (bg or en)


def number(value: Any, *, digits: int = 2) -> str:
    """Format a number for the visitor's locale ("" for None)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return format_decimal(value, format=f"#,##0.{'0' * digits}")
    return format_decimal(value, format="#,##0")


def day(value: date | datetime | None) -> str:
    """Format a date in the visitor's locale ("" for None)."""
    if value is None:
        return ""
    return format_date(value.date() if isinstance(value, datetime) else value, format="long")


def moment(value: datetime | None) -> str:
    """Format a date and time in the visitor's locale."""
    return "" if value is None else format_datetime(value, format="medium")


def size(value: int | None) -> str:
    """Format a file size for people (B, KB, MB) in the visitor's locale."""
    if value is None:
        return ""
    if value < 1024:
        return gettext("%(num)s B", num=format_decimal(value))
    if value < 1024 * 1024:
        return gettext("%(num)s KB", num=format_decimal(round(value / 1024, 1), format="#,##0.#"))
    return gettext("%(num)s MB", num=format_decimal(round(value / 1024 / 1024, 1), format="#,##0.#"))


def lang_url(lang: str) -> str:
    """Return this page's URL in another language (the other query parameters kept)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return url_for(request.endpoint or "public.home", **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    """Pick the language per request; offer formatting helpers and alternate links to templates."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Sofia")
    Babel(app, locale_selector=current_lang)

    @app.before_request
    def pick_language() -> None:
        g.lang = _pick()

    @app.after_request
    def keep_language(response: Response) -> Response:
        asked = request.args.get("lang")
        # An embed sets no cookie: it lives on other sites' pages (its language is in its URL).
        if asked in LANGUAGES and request.cookies.get("lang") != asked \
                and not request.path.startswith("/embed/"):
            response.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax",
                                httponly=True)
        response.headers.setdefault("Content-Language", current_lang())
        response.vary.add("Cookie")
        return response

    @app.context_processor
    def language_helpers() -> dict[str, object]:
        return {"lang": current_lang(), "tx": localized, "field_text": field_text,
                "number": number, "day": day, "moment": moment, "size": size,
                "lang_url": lang_url,
                # Feeds and other formats register what they offer for a page here.
                "alternate_links": lambda: [link for provider in app.extensions.get("alternates", [])
                                            for link in provider()]}
