"""The publishing API against a live server: tokens, scope, multipart releases, problems."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.app.staff.staff_world import BROKEN_ROWS, GOOD_ROWS, World, cp1251_csv

from datasets import catalog
from publishers.tokens import revoke_token
from tests.conftest import HTTP_TIMEOUT

pytestmark = pytest.mark.catalogs  # SQLite and PostgreSQL (tests/postgres.py)


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_an_api_client_publishes_a_release_with_a_multipart_upload_and_gets_the_same_report_as_the_workspace(
        world: World, live_server: str, tmp_path: Path) -> None:
    broken = cp1251_csv(tmp_path / "broken.csv", BROKEN_ROWS)
    with broken.open("rb") as handle:
        refused = httpx.post(f"{live_server}/api/v1/datasets/a-data/releases",
                             headers=_auth(world.token_a), timeout=HTTP_TIMEOUT,
                             files={"file": ("broken.csv", handle, "text/csv")},
                             data={"notes": "опит"})
    client = world.app.test_client()
    from tests.app.staff.staff_world import login

    login(client, "editor-a@x.bg")
    from tests.app.staff.staff_world import csrf_of

    token = csrf_of(client.get("/staff/datasets/a-data/upload").text)
    with broken.open("rb") as handle:
        job = client.post("/staff/datasets/a-data/upload", content_type="multipart/form-data",
                          data={"csrf_token": token, "file": (handle, "broken.csv")}).location
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["report"] == client.get(job + "/report.json").json
    assert refused.json()["title_bg"].startswith("Данните не са публикувани")

    with cp1251_csv(tmp_path / "good.csv", GOOD_ROWS).open("rb") as handle:
        done = httpx.post(f"{live_server}/api/v1/datasets/a-data/releases",
                          headers=_auth(world.token_a), timeout=HTTP_TIMEOUT,
                          files={"file": ("good.csv", handle, "text/csv")},
                          data={"notes": "Втора версия"})
    assert done.status_code == 201
    assert (done.json()["release"]["version"], done.json()["report"]["valid"]) == (2, True)
    listed = httpx.get(f"{live_server}/api/v1/datasets/a-data/releases", headers=_auth(world.token_a),
                       timeout=HTTP_TIMEOUT)
    assert [r["version"] for r in listed.json()] == [2, 1]
    assert httpx.get(f"{live_server}/sql/a-data.json", timeout=HTTP_TIMEOUT).status_code == 200


def test_a_check_only_upload_returns_the_report_and_publishes_nothing(
        world: World, tmp_path: Path) -> None:
    client = world.app.test_client()
    with cp1251_csv(tmp_path / "good.csv", GOOD_ROWS).open("rb") as handle:
        response = client.post("/api/v1/datasets/a-data/releases", headers=_auth(world.token_a),
                               data={"file": (handle, "good.csv"), "check": "true"},
                               content_type="multipart/form-data")
    dataset = catalog.get_dataset(world.portal.engine, "a-data")
    assert response.status_code == 200, response.json
    assert response.json["report"]["valid"] is True
    assert [r.version for r in catalog.list_releases(world.portal.engine, dataset.id)] == [1]


def test_requests_without_a_token_or_with_a_revoked_one_get_401_problems(world: World) -> None:
    client = world.app.test_client()
    missing = client.get("/api/v1/datasets")
    revoke_token(world.portal.engine, world.token_a_id, actor="test")
    revoked = client.get("/api/v1/datasets", headers=_auth(world.token_a))
    assert (missing.status_code, revoked.status_code) == (401, 401)
    assert missing.mimetype == "application/problem+json" and missing.json["title_bg"]
    assert revoked.json["message_id"] == "token.invalid"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_sees_and_creates_datasets_of_its_own_publisher_only(world: World) -> None:
    client = world.app.test_client()
    listed = client.get("/api/v1/datasets", headers=_auth(world.token_b)).json
    created = client.post("/api/v1/datasets", headers=_auth(world.token_b),
                          json={"slug": "b-budget", "title_bg": "Бюджет", "licence": "CC0-1.0"})
    assert [d["slug"] for d in listed] == ["b-data"]
    assert created.status_code == 201 and created.json["publisher"] == "b"


def test_invalid_metadata_gets_422_with_bilingual_field_errors(world: World) -> None:
    response = world.app.test_client().patch("/api/v1/datasets/a-data", headers=_auth(world.token_a),
                                              json={"licence": "proprietary", "title_bg": ""})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.json["errors"] == {
        "licence": {"bg": "Изберете една от възможните стойности.",
                    "en": "Choose one of the offered values."},
        "title_bg": {"bg": "Полето е задължително.", "en": "This field is required."}}


def test_metadata_updates_through_the_api_are_audited_publicly(world: World) -> None:
    client = world.app.test_client()
    response = client.patch("/api/v1/datasets/a-data", headers=_auth(world.token_a),
                            json={"title_en": "Settlements of A", "keywords": ["ЕКАТТЕ"]})
    assert response.status_code == 200 and response.json["title_en"] == "Settlements of A"
    assert "a-data" in client.get("/changelog").text


def test_withdrawing_through_the_api_keeps_the_checksums(world: World) -> None:
    response = world.app.test_client().post(
        "/api/v1/datasets/a-data/releases/1/withdraw", headers=_auth(world.token_a),
        json={"reason": "Лични данни по погрешка"})
    assert response.status_code == 200 and response.json["status"] == "withdrawn"
    assert all(f["sha256"] for f in response.json["files"])


def test_the_openapi_document_is_generated_from_the_schemas_the_api_uses(world: World) -> None:
    document = world.app.test_client().get("/api/v1/openapi.json").json
    dataset = document["components"]["schemas"]["Dataset"]
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/datasets", "/datasets/{slug}", "/datasets/{slug}/releases",
                                      "/datasets/{slug}/releases/{version}/withdraw", "/uploads/{job}",
                                      "/webhooks", "/webhooks/{id}", "/webhooks/{id}/deliveries",
                                      "/webhooks/{id}/deliveries/{delivery}/resend"}
    assert dataset["required"] == ["slug", "title_bg"]
    assert dataset["properties"]["licence"]["enum"] == ["CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0",
                                                         "ODbL-1.0"]
    assert "file" in document["paths"]["/datasets/{slug}/releases"]["post"]["requestBody"][
        "content"]["multipart/form-data"]["schema"]["properties"]


def test_a_slug_with_a_trailing_line_break_is_refused_with_a_bilingual_422(world: World) -> None:
    client = world.app.test_client()
    response = client.post("/api/v1/datasets", headers=_auth(world.token_a),
                           json={"slug": "a-novo\n", "title_bg": "Нов набор"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.json["errors"] == {"slug": {
        "bg": "Само малки латински букви, цифри и тирета (напр. byudzhet-2026).",
        "en": "Lowercase Latin letters, digits and hyphens only (e.g. budget-2026)."}}
    assert catalog.find_dataset(world.portal.engine, "a-novo\n") is None
