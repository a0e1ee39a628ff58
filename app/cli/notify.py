"""`otkrito notify`: prepare the news due now and send the outbox once, then exit.

For a cron job, or to send at once what the background sender would send at its next round.
"""
from __future__ import annotations

import click

from app import config


@click.command()
def notify() -> None:
    """Prepare subscribers' messages due now and send them through OTKRITO_SMTP_URL."""
    import logging
    import sys

    from app.follow.background import run_once
    from app.follow.smtp import from_settings
    from app.state import open_portal
    from metadata.errors import OtkritoError
    from metadata.messages import text

    lang = click.get_current_context().find_root().params.get("lang") or "bg"

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = config.load()
    try:
        smtp = from_settings(settings)
        portal = open_portal(settings)
    except OtkritoError as error:
        click.echo(error.text.get(lang), err=True)
        sys.exit(2)
    try:
        if smtp is None:
            click.echo(text("follow.no-smtp").get(lang), err=True)
        done = run_once(portal, smtp)
    finally:
        portal.engine.dispose()
    click.echo(text("follow.notify-done", queued=done.queued, sent=done.counts.sent,
                    retry=done.counts.retry, failed=done.counts.failed).get(lang))
    click.echo(text("follow.notify-hooks", delivered=done.hooks.delivered, retry=done.hooks.retry,
                    failed=done.hooks.failed).get(lang))
