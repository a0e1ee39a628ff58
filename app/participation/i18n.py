"""The participation pages' own translation domain ("participation"): strings in participation.po.

Extract and compile:
  .venv/bin/pybabel extract -F babel.cfg -k _p -k _pn:1,2 --no-default-keywords \
      -o app/participation/translations/participation.pot app
  .venv/bin/pybabel update -D participation -i app/participation/translations/participation.pot \
      -d app/participation/translations --no-fuzzy-matching
  .venv/bin/pybabel compile -D participation -d app/participation/translations
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Domain

TRANSLATIONS = Path(__file__).parent / "translations"
domain = Domain(translation_directories=[str(TRANSLATIONS)], domain="participation")


def _p(message: str, **params: Any) -> str:
    """Translate an interface string of the participation pages (msgid in English)."""
    return domain.gettext(message, **params)


def _pn(singular: str, plural: str, num: int, **params: Any) -> str:
    """Translate a string with a count."""
    return domain.ngettext(singular, plural, num, **params)


def init_app(app: Flask) -> None:
    """Offer `_p` and `_pn` to templates."""
    app.jinja_env.globals.update(_p=_p, _pn=_pn)
