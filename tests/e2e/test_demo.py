"""The README's first command, step by step: init, demo, serve — a living portal with /sql/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.conftest import HTTP_TIMEOUT, start_server, stop_server

REPO = Path(__file__).resolve().parents[2]
FRICTIONLESS = Path(sys.executable).parent / "frictionless"
DEMO_TABLES = {
    "byudzhet-na-obshtina-levski": 16,
    "resheniya-na-obshtinski-savet-levski": 27,
    "indikatori-na-plana-za-razvitie": 15,
    "naseleni-mesta-v-obshtina-levski": 13,
}


def _cli(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={"OTKRITO_INSTANCE": str(instance), "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """init, demo, demo again and serve, once for the module: its tests only read the portal."""
    instance = tmp_path_factory.mktemp("demo") / "instance"
    for command in (("init",), ("demo",), ("demo",)):  # the second demo run must change nothing
        done = _cli(instance, *command)
        assert done.returncode == 0, done.stderr
    server = start_server(["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", "{port}"],
                          env={"OTKRITO_INSTANCE": str(instance)}, ready="/sql/")
    yield server.url
    stop_server(server)


def test_every_demo_dataset_is_queryable_under_sql(demo_server: str) -> None:
    for slug, rows in DEMO_TABLES.items():
        table = slug.replace("-", "_")
        answer = httpx.get(f"{demo_server}/sql/{slug}/{table}.json", params={"_shape": "objects"},
                           timeout=HTTP_TIMEOUT)
        assert answer.status_code == 200, (slug, answer.text[:300])
        body = answer.json()
        assert (body["filtered_table_rows_count"], len(body["rows"])) == (rows, rows), slug


def test_the_sql_api_answers_questions_about_the_demo_budget(demo_server: str) -> None:
    sql = ("select period, count(*) as n, round(sum(executed) * 1.0 / sum(plan), 2) as share "
           "from byudzhet_na_obshtina_levski group by period order by period")
    answer = httpx.get(f"{demo_server}/sql/byudzhet-na-obshtina-levski.json",
                       params={"sql": sql, "_shape": "array"}, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200
    shares = {row["period"]: row["share"] for row in answer.json()}
    assert set(shares) == {"H1"} and 0.4 < shares["H1"] < 0.6  # the newest release (H1) is served


def test_demo_pages_and_downloads_answer(demo_server: str) -> None:
    home = httpx.get(demo_server + "/", timeout=HTTP_TIMEOUT)
    assert home.status_code == 200 and "Бюджет на Община Левски" in home.text
    page = httpx.get(f"{demo_server}/datasets/byudzhet-na-obshtina-levski", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200
    csv = httpx.get(f"{demo_server}/datasets/byudzhet-na-obshtina-levski/releases/2/byudzhet-na-obshtina-levski.csv",
                    timeout=HTTP_TIMEOUT)
    assert csv.status_code == 200 and csv.text.startswith("year,period,ebk_paragraph,")


@pytest.mark.parametrize("slug", sorted(DEMO_TABLES))
def test_frictionless_validate_accepts_the_live_data_package(demo_server: str, slug: str) -> None:
    done = subprocess.run([str(FRICTIONLESS), "validate", f"{demo_server}/datasets/{slug}/datapackage.json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
