"""Seed a new instance with the Municipality of Levski, its council and sample datasets."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from app.state import Portal
from datasets import catalog
from datasets.publish import Upload, publish
from publishers.registry import add_publisher, find_publisher

DEMO = Path(__file__).resolve().parents[2] / "demo"
LEVSKI = "obshtina-levski"
COUNCIL = "obshtinski-savet-levski"
SAMPLE_NOTE = ("Примерни данни за демонстрация на портала; не са официални.",
               "Sample data for demonstrating the portal; not official figures.")


@dataclass(frozen=True)
class DemoDataset:
    """A demo dataset and the files published as its releases, oldest first."""

    slug: str
    publisher: str
    title: tuple[str, str]
    description: tuple[str, str]
    files: tuple[tuple[str, str], ...]  # (file name in demo/, release notes)
    profile: str | None = None
    frequency: str = "UNKNOWN"
    themes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    sample: bool = True
    sheet: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


DATASETS = (
    DemoDataset(
        "byudzhet-na-obshtina-levski", LEVSKI,
        ("Бюджет на Община Левски", "Budget of the Municipality of Levski"),
        ("Планирани, уточнени и изпълнени разходи по параграфи на ЕБК и дейности. " + SAMPLE_NOTE[0],
         "Planned, amended and executed expenditure by budget paragraph and activity. " + SAMPLE_NOTE[1]),
        (("budget-2026-q1.csv", "Изпълнение към 31.03.2026 г."),
         ("budget-2026-h1.csv", "Изпълнение към 30.06.2026 г.")),
        profile="budget", frequency="QUARTERLY", themes=("ECON", "GOVE"),
        keywords=("бюджет", "разходи", "ЕБК"),
    ),
    DemoDataset(
        "resheniya-na-obshtinski-savet-levski", COUNCIL,
        ("Решения на Общински съвет – Левски", "Decisions of the Levski Municipal Council"),
        ("Решенията на общинския съвет с резултатите от гласуването. " + SAMPLE_NOTE[0],
         "The council's decisions with their votes. " + SAMPLE_NOTE[1]),
        (("council-decisions-2026-q1.csv", "Заседания 35–37, януари – март 2026 г."),),
        profile="decisions", frequency="MONTHLY", themes=("GOVE",),
        keywords=("общински съвет", "решения", "гласуване"),
    ),
    DemoDataset(
        "indikatori-na-plana-za-razvitie", LEVSKI,
        ("Индикатори на Плана за интегрирано развитие на Община Левски",
         "Indicators of the Levski integrated development plan"),
        ("Базови, целеви и постигнати стойности на индикаторите за наблюдение. " + SAMPLE_NOTE[0],
         "Baseline, target and actual values of the monitoring indicators. " + SAMPLE_NOTE[1]),
        (("policy-indicators.xlsx", "Стойности за 2024 г., 2025 г. и първото полугодие на 2026 г."),),
        profile="indicators", frequency="ANNUAL_2", themes=("GOVE", "REGI"),
        keywords=("индикатори", "мониторинг"), sheet="Индикатори",
    ),
    DemoDataset(
        "naseleni-mesta-v-obshtina-levski", LEVSKI,
        ("Населени места в Община Левски", "Settlements of the Municipality of Levski"),
        ("Градът и дванадесетте села на общината с кодове по ЕКАТТЕ, площ и население "
         "(оценка на НСИ, декември 2013 г.).",
         "The town and twelve villages of the municipality with EKATTE codes, area and "
         "population (NSI estimate, December 2013)."),
        (("levski-settlements.csv", "Данни на НСИ (ЕКАТТЕ) от хранилището yurukov/Bulgaria-geocoding."),),
        frequency="IRREG", themes=("REGI", "SOCI"), keywords=("ЕКАТТЕ", "население"), sample=False,
    ),
)


def _publishers(portal: Portal) -> Iterator[str]:
    if find_publisher(portal.engine, LEVSKI) is None:
        add_publisher(portal.engine, LEVSKI, name_bg="Община Левски",
                      name_en="Municipality of Levski", homepage="https://www.levski.bg",
                      actor="demo")
        yield f"+ {LEVSKI}"
    if find_publisher(portal.engine, COUNCIL) is None:
        add_publisher(portal.engine, COUNCIL, name_bg="Общински съвет – Левски",
                      name_en="Levski Municipal Council", homepage="https://www.levski.bg",
                      actor="demo")
        yield f"+ {COUNCIL}"


def _dataset(portal: Portal, item: DemoDataset) -> Iterator[str]:
    found = catalog.find_dataset(portal.engine, item.slug)
    if found is None:
        found = catalog.create_dataset(
            portal.engine, item.slug, publisher=item.publisher, title_bg=item.title[0],
            title_en=item.title[1], description_bg=item.description[0],
            description_en=item.description[1], profile=item.profile, frequency=item.frequency,
            themes=item.themes, keywords=item.keywords, spatial="Община Левски",
            sample=item.sample, actor="demo")
        yield f"+ {item.slug}"
    published = len(catalog.list_releases(portal.engine, found.id))
    for name, notes in item.files[published:]:
        outcome = publish(portal.instance, portal.engine, Upload(DEMO / name, name, sheet=item.sheet),
                          dataset=item.slug, notes=notes, actor="demo")
        yield f"  {item.slug} v{outcome.version}: {outcome.report.row_count}"


def seed(portal: Portal, *, lang: str = "bg") -> Iterator[str]:
    """Create what is missing of the demo content; yield a line per thing created."""
    yield from _publishers(portal)
    for item in DATASETS:
        yield from _dataset(portal, item)
    yield from _impact(portal)


def _impact(portal: Portal) -> Iterator[str]:
    """Months of participation history, then the impact dataset made from it (docs/impact.md)."""
    from app.cli.demo_history import seed_history
    from datasets.impact_dataset import publish_figures

    yield from seed_history(portal, publisher=LEVSKI, council=COUNCIL)
    done = publish_figures(portal.instance, portal.engine, publisher=LEVSKI, actor="demo")
    if done.version is not None:
        yield f"  vazdeystvie-na-portala v{done.version}: {done.rows}"
