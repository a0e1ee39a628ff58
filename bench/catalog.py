"""Generate a large catalog (datasets and releases as catalog rows) for the scale benchmark.

Rows go straight into the catalog tables in a few bulk inserts: the pages, feeds, DCAT and
CKAN API read only the catalog, so release files are not needed (the SQL API skips releases
whose database file is missing).
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

CHUNK = 5_000
THEMES = ["TRAN", "ECON", "GOVE", "EDUC", "HEAL", "ENVI", "SOCI", "REGI"]
TOPICS = ["бюджет", "транспорт", "образование", "здравеопазване", "екология", "култура",
          "спорт", "администрация", "строителство", "социални дейности"]
TOWNS = ["Левски", "Плевен", "Русе", "Варна", "Бургас", "Габрово", "Смолян", "Видин", "Ловеч",
         "Шумен", "Ямбол", "Сливен", "Перник", "Кърджали", "Монтана", "Враца", "Добрич",
         "Силистра", "Търговище", "Разград"]


def generate(instance_dir: Path, *, datasets: int, releases: int, seed: int = 8) -> None:
    """Create a fresh instance with `datasets` datasets and `releases` releases spread over them."""
    from datasets import catalog
    from datasets.instance import Instance
    from publishers.registry import add_publisher
    from publishers.store import connect, migrate
    from publishers.store import datasets as dataset_table
    from publishers.store import releases as release_table

    instance = Instance.at(instance_dir)
    instance.ensure()
    engine = connect(instance.catalog_url)
    migrate(engine)
    for n, town in enumerate(TOWNS, start=1):
        add_publisher(engine, f"obshtina-{n}", name_bg=f"Община {town}", name_en=f"Town {n}")
    rnd = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    with engine.begin() as conn:
        rows = []
        for i in range(datasets):
            topic, town = TOPICS[i % len(TOPICS)], TOWNS[i % len(TOWNS)]
            created = start + timedelta(hours=i)
            rows.append(dict(
                slug=f"nabor-{i}", publisher_id=i % len(TOWNS) + 1,
                title_bg=f"{topic.capitalize()} на община {town} {i}", title_en=f"Dataset {i}",
                description_bg=f"Данни за {topic} в община {town}, набор {i}.",
                themes=[THEMES[i % len(THEMES)]], keywords=[topic, f"дума{i % 50}"],
                licence="CC-BY-4.0", frequency="ANNUAL", sample=False,
                created_at=created, updated_at=created))
            if len(rows) == CHUNK:
                conn.execute(dataset_table.insert(), rows)
                rows = []
        if rows:
            conn.execute(dataset_table.insert(), rows)
        ids = [r[0] for r in conn.execute(dataset_table.select().with_only_columns(
            dataset_table.c.id).order_by(dataset_table.c.id))]
        versions: dict[int, int] = {}
        rows = []
        for n in range(releases):
            dataset_id = ids[n % len(ids)]
            version = versions[dataset_id] = versions.get(dataset_id, 0) + 1
            created = start + timedelta(hours=len(ids) + n)
            rows.append(dict(
                dataset_id=dataset_id, version=version, created_at=created,
                notes=f"Версия {version}", row_count=rnd.randrange(10, 100_000),
                status="published", files=_files(f"nabor-{dataset_id}", version, n, rnd)))
            if len(rows) == CHUNK:
                conn.execute(release_table.insert(), rows)
                rows = []
        if rows:
            conn.execute(release_table.insert(), rows)
        catalog.bump_generation(conn)
    engine.dispose()


def _files(slug: str, version: int, n: int, rnd: random.Random) -> list[dict[str, object]]:
    """The five files every release has (they are never read: only listed)."""
    named = [(f"{slug}.csv", "data", "text/csv"), (f"{slug}.db", "sqlite", "application/vnd.sqlite3"),
             ("datapackage.json", "datapackage", "application/json"),
             (f"{slug}-v{version}.zip", "zip", "application/zip"),
             ("source/original.csv", "source", "application/octet-stream")]
    return [{"name": name, "role": role, "media_type": media, "bytes": rnd.randrange(1000, 10**7),
             "sha256": f"{n:056x}{i:08x}"} for i, (name, role, media) in enumerate(named)]
