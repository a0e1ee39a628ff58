"""The fake national portal refuses what data.egov.bg refuses, the way it does (see fake_portal.py)."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.egov.conftest import KEY, ORG
from tests.egov.fake_portal import FakePortal

DATASET = {"name": {"bg": "Набор"}, "category_id": 7, "org_id": ORG}
RESOURCE = {"locale": "bg", "name": "CSV", "type": 3, "resource_url": "https://otkrito.example/d/latest.csv",
            "http_rq_type": "get", "upl_freq_type": 4, "upl_freq": 3}


def _post(fake: FakePortal, action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    answer = httpx.post(f"{fake.url}/api/{action}", json=body, timeout=30)
    return answer.status_code, answer.json()


def _dataset_uri(fake: FakePortal) -> str:
    status, body = _post(fake, "addDataset", {"api_key": KEY, "data": DATASET})
    assert status == 200 and body["success"] is True
    return body["uri"]


def test_valid_calls_succeed_with_the_answers_shapes(fake: FakePortal) -> None:
    uri = _dataset_uri(fake)
    status, body = _post(fake, "addResourceMetadata", {"api_key": KEY, "dataset_uri": uri, "data": RESOURCE})
    assert status == 200 and set(body) == {"success", "data"} and set(body["data"]) == {"uri"}
    assert fake.state.resources[body["data"]["uri"]]["http_rq_type"] == "GET"


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"data": DATASET}, 403, "Access denied"),
    ({"api_key": "wrong", "data": DATASET}, 403, "Access denied"),
])
def test_a_missing_or_unknown_key_is_refused_with_403(fake: FakePortal, body: dict[str, Any], status: int,
                                                      message: str) -> None:
    assert _post(fake, "addDataset", body) == (status, {"success": False, "status": status, "errors": [],
                                                        "error": {"type": "General", "message": message}})


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"category_id": None}, "category_id", "The category id field is required."),
    ({"category_id": "ECON"}, "category_id", "The category id field must be an integer."),
    ({"category_id": 99}, "category_id", "The selected category id is invalid."),
    ({"org_id": None}, "org_id", "The org id field is required."),
    ({"visibility": 3}, "visibility", "The selected visibility is invalid."),
    ({"name": {"en": "Only English"}}, "name.bg", "The name.bg field is required when locale is not present."),
    ({"tags": ["x" * 192]}, "tags", "The tags may not be greater than 191 characters."),
])
def test_an_invalid_dataset_is_refused_with_500_and_the_field_errors(
        fake: FakePortal, change: dict[str, Any], field: str, message: str) -> None:
    data = {k: v for k, v in {**DATASET, **change}.items() if v is not None}
    status, body = _post(fake, "addDataset", {"api_key": KEY, "data": data})
    assert (status, body["success"], body["error"]["message"], body["errors"]) == (
        500, False, "Add dataset failure", {field: [message]})


@pytest.mark.parametrize("org", [8, 999])  # another organisation; none (the rights check, :107-128)
def test_an_organisation_the_user_is_not_in_is_refused_as_access_denied(fake: FakePortal, org: int) -> None:
    status, body = _post(fake, "addDataset", {"api_key": KEY, "data": {**DATASET, "org_id": org}})
    assert (status, body["error"]["message"]) == (500, "Access denied")


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"type": "API"}, "type", "The type field must be an integer."),
    ({"type": 9}, "type", "The selected type is invalid."),
    ({"resource_url": None}, "resource_url", "The resource url field is required."),
    ({"resource_url": "ftp://x/y"}, "resource_url", "The resource url format is invalid."),
    ({"resource_url": "https://x.example/" + "a" * 180}, "resource_url",
     "The resource url may not be greater than 191 characters."),
    ({"http_rq_type": None}, "http_rq_type", "The http rq type field is required."),
    ({"upl_freq_type": "month"}, "upl_freq_type", "The upl freq type field must be an integer."),
    ({"upl_freq_type": 5}, "upl_freq_type", "The selected upl freq type is invalid."),
    ({"upl_freq": 128}, "upl_freq", "The upl freq may not be greater than 127."),
])
def test_an_invalid_resource_is_refused_with_500_and_the_field_errors(
        fake: FakePortal, change: dict[str, Any], field: str, message: str) -> None:
    uri = _dataset_uri(fake)
    data = {k: v for k, v in {**RESOURCE, **change}.items() if v is not None}
    status, body = _post(fake, "addResourceMetadata", {"api_key": KEY, "dataset_uri": uri, "data": data})
    assert (status, body["error"]["message"], body["errors"]) == (500, "Add resource metadata failure", {field: [message]})


def test_a_resource_without_locale_fails_without_field_errors(fake: FakePortal) -> None:
    uri = _dataset_uri(fake)
    data = {k: v for k, v in RESOURCE.items() if k != "locale"} | {"name": {"bg": "CSV"}}
    assert _post(fake, "addResourceMetadata", {"api_key": KEY, "dataset_uri": uri, "data": data}) == (
        500, {"success": False, "status": 500, "errors": [],
              "error": {"type": "General", "message": "Add resource metadata failure"}})


def test_an_edit_of_a_resource_clears_the_schedule_it_is_not_given(fake: FakePortal) -> None:
    uri = _dataset_uri(fake)
    _status, body = _post(fake, "addResourceMetadata", {"api_key": KEY, "dataset_uri": uri, "data": RESOURCE})
    resource = body["data"]["uri"]
    assert _post(fake, "editResourceMetadata", {"api_key": KEY, "resource_uri": resource,
                                                "data": {"locale": "bg", "name": "Ново"}})[0] == 200
    assert (fake.state.resources[resource]["upl_freq_type"], fake.state.resources[resource]["upl_freq"]) == (None, None)


def test_an_unknown_action_answers_404(fake: FakePortal) -> None:
    status, body = _post(fake, "addSomething", {"api_key": KEY})
    assert (status, body["error"]["type"]) == (404, "Unknown method")
