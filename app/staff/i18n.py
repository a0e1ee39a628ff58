"""The staff workspace's own translation domain ("staff"), so its strings live in staff.po."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Babel, Domain

from app.i18n import current_lang

TRANSLATIONS = Path(__file__).parent / "translations"
domain = Domain(translation_directories=[str(TRANSLATIONS)], domain="staff")


def _s(message: str, **params: Any) -> str:
    """Translate an interface string of the staff workspace (msgid in English)."""
    return domain.gettext(message, **params)


def _sn(singular: str, plural: str, num: int, **params: Any) -> str:
    """Translate a string with a count."""
    return domain.ngettext(singular, plural, num, **params)


def pick(value: Any) -> str:
    """Return a bilingual value (Text or {bg, en}) in the request's language."""
    if value is None:
        return ""
    lang = current_lang()
    if isinstance(value, dict):
        return value.get(lang) or value.get("bg") or ""
    return value.get(lang)


def init_app(app: Flask) -> None:
    """Offer `_s`, `_sn` and `pick` to templates (Babel itself is set up by app.i18n)."""
    if "babel" not in app.extensions:
        Babel(app, locale_selector=current_lang)
    app.jinja_env.globals.update(_s=_s, _sn=_sn, pick=pick)
