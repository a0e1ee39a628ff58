"""The impact pages' own translation domain ("impact"): strings in impact.po (msgids in English).

Extract and compile:
  .venv/bin/pybabel extract -F babel.cfg -k _i --no-default-keywords \
      -o app/impact/translations/impact.pot app
  .venv/bin/pybabel update -D impact -i app/impact/translations/impact.pot \
      -d app/impact/translations --no-fuzzy-matching
  .venv/bin/pybabel compile -D impact -d app/impact/translations
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_babel import Domain

TRANSLATIONS = Path(__file__).parent / "translations"
domain = Domain(translation_directories=[str(TRANSLATIONS)], domain="impact")


def _i(message: str, **params: Any) -> str:
    """Translate an interface string of the impact pages."""
    return domain.gettext(message, **params)


def init_app(app: Flask) -> None:
    """Offer `_i` to templates."""
    app.jinja_env.globals.update(_i=_i)
