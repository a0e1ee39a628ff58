"""The visitor's language: ?lang= switches it and a cookie keeps it; Bulgarian by default."""
from __future__ import annotations

from flask import Flask, Response, g, request

LANGUAGES = ("bg", "en")


def current_lang() -> str:
    """Return the language of this request."""
    return g.get("lang", "bg")


def init_app(app: Flask) -> None:
    """Pick the language per request and offer `t(bg, en)` and `lang` to templates."""

    @app.before_request
    def pick_language() -> None:
        asked = request.args.get("lang")
        g.lang = asked if asked in LANGUAGES else request.cookies.get("lang", "bg")
        if g.lang not in LANGUAGES:
            g.lang = "bg"

    @app.after_request
    def keep_language(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            response.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax",
                                httponly=True)
        response.headers.setdefault("Content-Language", current_lang())
        return response

    @app.context_processor
    def language_helpers() -> dict[str, object]:
        lang = current_lang()
        return {"lang": lang, "t": lambda bg, en: en if lang == "en" else bg,
                "tx": lambda text: text.get(lang) if text is not None else "",
                # Feeds and other formats register what they offer for a page here.
                "alternate_links": lambda: [link for provider in app.extensions.get("alternates", [])
                                            for link in provider()]}
