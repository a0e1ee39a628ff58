"""Fixtures of the data.egov.bg tests: the fake national portal, and a publisher with releases."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from app.state import Portal
from datasets import catalog
from datasets.publish import Upload, publish
from metadata.records import Publisher
from publishers.egov_keys import set_key
from publishers.registry import add_publisher
from tests.egov.fake_portal import FakePortal

KEY = "0b7c4b8e-2f4d-4c55-9a53-5f1d7e0c9a11"  # the shape of data.egov.bg's keys (UUIDs)
ORG = 7
SECRET = "test-instance-secret"
BASE_URL = "http://127.0.0.1:8000"
SLUGS = ("byudzhet-2026", "resheniya-2026", "naselenie-2026")


@pytest.fixture
def fake() -> Iterator[FakePortal]:
    """The fake national portal on a free 127.0.0.1 port; KEY is a member of organisation ORG."""
    with FakePortal() as running:
        running.add_user(KEY, orgs=(ORG,))
        yield running


def write_csv(path: Path, rows: int = 3, word: str = "ред") -> Path:
    path.write_text("name,value\n" + "".join(f"{word} {i},{i}\n" for i in range(rows)), encoding="utf-8")
    return path


def release(portal: Portal, slug: str, tmp_path: Path, *, rows: int = 3, word: str = "ред") -> int:
    """Publish a small CSV through the real pipeline as the dataset's next release."""
    path = write_csv(tmp_path / f"{slug}-{rows}-{word}.csv", rows, word)
    return publish(portal.instance, portal.engine, Upload(path, path.name), dataset=slug).version


@pytest.fixture
def levski(portal: Portal, tmp_path: Path) -> Publisher:
    """A publisher with three released datasets and its key stored (organisation ORG)."""
    owner = add_publisher(portal.engine, "obshtina-levski", name_bg="Община Левски",
                          name_en="Municipality of Levski")
    for slug, theme, frequency in zip(SLUGS, ("ECON", "GOVE", "SOCI"), ("QUARTERLY", "MONTHLY", "ANNUAL")):
        catalog.create_dataset(portal.engine, slug, publisher=owner.slug, title_bg=f"Набор {slug}",
                               title_en=f"Dataset {slug}", description_bg=f"Описание на {slug}",
                               themes=[theme], keywords=["Левски", slug], frequency=frequency)
        release(portal, slug, tmp_path)
    set_key(portal.engine, owner, KEY, org_id=ORG, secret=SECRET, actor="test")
    return owner


@pytest.fixture
def sync(portal: Portal, fake: FakePortal) -> Callable[..., object]:
    """sync(publisher, **options) -> SyncReport, against the fake, with the test's secret."""
    from datasets.egov_sync import sync_publisher

    def run(owner: Publisher, **options: object) -> object:
        options.setdefault("egov_url", fake.url)
        return sync_publisher(portal.engine, owner, base_url=BASE_URL, secret=SECRET, actor="test",
                              **options)

    return run
