"""`otkrito impact`: set the baseline period and yearly targets, show the figures, publish them."""
from __future__ import annotations

import click

from app.cli.support import clean_errors, lang, portal

STAFF_ACTOR = "cli"


@click.group()
def impact() -> None:
    """Impact evaluation: participation indicators, baseline, targets (docs/impact.md)."""


@impact.command()
@click.argument("indicator")
@click.option("--year", required=True, help="The year of the target, e.g. 2026.")
@click.option("--value", required=True, help="The monthly value to reach by December of that year.")
@click.option("--note", default="", help="Why the target is what it is (kept in the history).")
@clean_errors
def target(indicator: str, year: str, value: str, note: str) -> None:
    """Set INDICATOR's target for a year (a new version of the methodology)."""
    from datasets.impact_methodology import set_target

    saved = set_target(portal().engine, key=indicator, year=year, value=value, note=note, actor=STAFF_ACTOR)
    click.echo(_saved(saved.version, saved.change))


@impact.command()
@click.option("--from", "start", required=True, help="The first month of the baseline period, YYYY-MM.")
@click.option("--to", "end", required=True, help="The last month of the baseline period, YYYY-MM.")
@click.option("--note", default="", help="Why this period (kept in the history).")
@clean_errors
def baseline(start: str, end: str, note: str) -> None:
    """Set the baseline period (a new version of the methodology)."""
    from datasets.impact_methodology import set_baseline

    saved = set_baseline(portal().engine, start=start, end=end, note=note, actor=STAFF_ACTOR)
    click.echo(_saved(saved.version, saved.change))


def _saved(version: int, change: str) -> str:
    return (f"Methodology version {version}: {change}" if lang() == "en"
            else f"Методика, версия {version}: {change}")


@impact.command()
@click.option("--year", type=int, help="The year (default: this year).")
@click.option("--publisher", help="One publisher's figures (its slug).")
@clean_errors
def show(year: int | None, publisher: str | None) -> None:
    """Print each indicator's status and monthly figures."""
    from datetime import date, datetime, timezone

    from datasets.impact import indicator, status_year
    from datasets.impact_methodology import current, statuses
    from datasets.impact_methodology import parse_year as check_year

    year = check_year(year or status_year())
    engine = portal().engine
    methodology = current(engine)
    from datasets.impact import monthly_figures, series

    figures = monthly_figures(engine, start=date(year, 1, 1), end=date(year, 12, 1), publisher=publisher)
    for found in statuses(engine, year=year, publisher=publisher, methodology=methodology):
        values = " ".join("—" if f.value is None else f"{f.value:g}" for f in series(figures, found.indicator)
                          if f.month <= datetime.now(timezone.utc).date())
        click.echo(f"{indicator(found.indicator).title.get(lang())}: {found.label.get(lang())} | {values}")


@impact.command("publish")
@click.option("--publisher", help="On first run: the publisher that owns the dataset (default: the first).")
@clean_errors
def publish_command(publisher: str | None) -> None:
    """Publish the figures as the next release of vazdeystvie-na-portala (none if unchanged)."""
    from datasets.impact import IMPACT_SLUG
    from datasets.impact_dataset import publish_figures
    from metadata.messages import text

    opened = portal()
    done = publish_figures(opened.instance, opened.engine, publisher=publisher)
    if done.version is None:
        click.echo(text("impact.unchanged").get(lang()))
    else:
        click.echo(text("impact.published", version=done.version, slug=IMPACT_SLUG, rows=done.rows,
                        first=f"{done.first:%Y-%m}", last=f"{done.last:%Y-%m}").get(lang()))


from app.cli.impact_report import report  # noqa: E402 (the yearly report lives in its own module)

impact.add_command(report)
