"""The key at rest, the configured URL, and what a call may carry, before anything is sent."""
from __future__ import annotations

from typing import Any, Callable

import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets import catalog
from datasets.edit import update_dataset
from datasets.egov_client import origin_of
from metadata.egov_requests import dataset_data, resource_data
from metadata.errors import InvalidInput
from metadata.records import Publisher
from publishers.egov_keys import open_key, parse_org
from publishers.egov_store import egov_accounts
from tests.egov.conftest import KEY, SECRET
from tests.egov.fake_portal import FakePortal


def test_the_stored_key_is_sealed_and_opens_only_with_the_instance_secret(portal: Portal, levski: Publisher) -> None:
    with portal.engine.connect() as conn:
        sealed = conn.execute(sa.select(egov_accounts.c.key_sealed)).scalar()
    assert KEY not in sealed and KEY.replace("-", "") not in sealed
    assert open_key(portal.engine, levski, secret=SECRET) == KEY
    with pytest.raises(InvalidInput) as unreadable:
        open_key(portal.engine, levski, secret="another-secret")
    assert unreadable.value.text.en.startswith("The stored API key of obshtina-levski cannot be read")
    assert KEY not in unreadable.value.text.en + unreadable.value.text.bg


@pytest.mark.parametrize("value", ["7a", "0", "12345678901", "-3", "7.0"])
def test_an_organisation_id_must_be_what_the_api_takes(value: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_org(value)
    assert refused.value.message_id == "egov.bad-org"


@pytest.mark.parametrize("url", ["ftp://data.egov.bg", "https://user:pw@data.egov.bg", "https://data.egov.bg/api",
                                 "https://data.egov.bg?x=1", "data.egov.bg", "https://data.egov.bg:99999"])
def test_an_egov_url_that_is_not_an_origin_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        origin_of(url)
    assert refused.value.message_id == "egov.bad-url"


def test_origin_of_keeps_scheme_host_and_port() -> None:
    assert [origin_of(u) for u in ("https://data.egov.bg", "https://data.egov.bg/", "http://127.0.0.1:8081")] == [
        "https://data.egov.bg", "https://data.egov.bg", "http://127.0.0.1:8081"]


def test_proxies_from_the_environment_never_see_the_key(
        levski: Publisher, fake: FakePortal, sync: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    with FakePortal() as proxy:
        proxy.add_user(KEY)
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        assert sync(levski).ok
        assert proxy.state.requests == [] and len(fake.state.requests) == 6


def test_a_keyword_longer_than_the_portal_takes_is_refused_before_sending(
        portal: Portal, levski: Publisher, fake: FakePortal, sync: Callable[..., Any]) -> None:
    update_dataset(portal.engine, "resheniya-2026", keywords=["к" * 192], actor="test")
    report = sync(levski)
    assert report.failed["resheniya-2026"].en == (
        "The dataset resheniya-2026: keyword is longer than the 191 characters data.egov.bg accepts.")
    assert len(fake.state.datasets) == 2 and all("к" * 192 not in str(body) for _a, body in fake.state.requests)


def test_a_dataset_that_never_changes_gets_no_pull_schedule_and_an_empty_description_is_left_out(
        portal: Portal, levski: Publisher) -> None:
    dataset = update_dataset(portal.engine, "naselenie-2026", frequency="NEVER", description_bg="", actor="test")
    resource = resource_data(dataset, csv_url="https://x.example/datasets/naselenie-2026/latest.csv")
    assert "upl_freq_type" not in resource and "upl_freq" not in resource and "description" not in resource
    assert "description" not in dataset_data(dataset, page_url="https://x.example/d", org_id=None)
    assert "org_id" not in dataset_data(catalog.get_dataset(portal.engine, "byudzhet-2026"),
                                        page_url="https://x.example/d", org_id=None)
