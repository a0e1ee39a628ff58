"""What every `otkrito` command shares: the portal, the language, and errors turned into messages."""
from __future__ import annotations

import sys
from functools import wraps
from typing import Any, Callable

import click

from app import config
from app.state import Portal, open_portal
from metadata.errors import NewerSchema, OtkritoError, ValidationFailed


def portal() -> Portal:
    return open_portal(config.load())


def lang() -> str:
    ctx = click.get_current_context()
    return ctx.find_root().params.get("lang") or "bg"


def clean_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into a message and an exit code instead of a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValidationFailed as error:
            if error.report is not None:
                from app.cli.report import render_report

                click.echo(render_report(error.report, lang()))
            click.echo(error.text.get(lang()), err=True)
            sys.exit(1)
        except NewerSchema as error:
            click.echo(f"{error.text.bg}\n{error.text.en}", err=True)
            sys.exit(1)
        except OtkritoError as error:
            click.echo(f"{error.text.get(lang())}", err=True)
            sys.exit(2)

    return wrapper
