"""axe-core in Chromium on the subscription pages and the pages that link them: no WCAG 2.1 A or
AA violations, at desktop and phone width, in both languages."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from app import config
from app.state import open_portal
from datasets import follow
from publishers import follow_tokens
from publishers.follow_store import follow_addresses, follow_subscriptions
from tests.conftest import REPO, Running, start_server, stop_server
from tests.e2e.test_browser_a11y import violations
from tests.follow.conftest import CHANGED_ROWS, FROM, ROWS, SLUG, publish_budget


@pytest.fixture(scope="module")
def follow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("follow-a11y")
    env = {"OTKRITO_INSTANCE": str(folder / "instance"), "OTKRITO_SMTP_URL": "smtp://127.0.0.1:9",
           "OTKRITO_MAIL_FROM": FROM}
    subprocess.run([sys.executable, "-m", "app.cli", "init"], cwd=REPO, env={**os.environ, **env},
                   check=True, capture_output=True)
    settings = config.load(env)
    portal = open_portal(settings)
    try:
        publish_budget(portal, folder, ROWS)
        publish_budget(portal, folder, CHANGED_ROWS)
        secret = config.secret_key(Path(settings["INSTANCE"]), None)
        follow.ask(portal.engine, follow.Mailer("http://127.0.0.1", secret, FROM), email="a@example.org",
                   kind="dataset", target=SLUG, frequency="daily", lang="bg", client="127.0.0.1", consent=True)
        with portal.engine.connect() as conn:
            sub = conn.execute(sa.select(follow_subscriptions)).one()
            address = conn.execute(sa.select(follow_addresses)).one()
    finally:
        portal.engine.dispose()
    tokens = {"confirm": follow_tokens.make(secret, "confirm", {"u": sub.id, "s": sub.secret}),
              "unsubscribe": follow_tokens.make(secret, "unsubscribe", {"a": address.id, "s": address.secret,
                                                                        "u": [sub.id]}),
              "manage": follow_tokens.make(secret, "manage", {"a": address.id, "s": address.secret})}
    running = start_server(["-m", "uvicorn", "app.web.asgi:factory", "--factory", "--host", "127.0.0.1",
                            "--port", "{port}", "--log-level", "warning"], env=env, ready="/sql/")
    yield running, tokens
    stop_server(running)


PAGES = {
    "form": f"/follow?kind=dataset&target={SLUG}",
    "form-overdue": "/follow?kind=overdue&lang=en",
    "sent": "/follow/sent?lang=en",
    "confirm": "/follow/confirm/{confirm}",
    "unsubscribe": "/follow/unsubscribe/{unsubscribe}?lang=en",
    "manage": "/follow/manage/{manage}",
    "bad-link": "/follow/confirm/forged?lang=en",
    "compare": f"/datasets/{SLUG}/compare?lang=en",
    "dataset": f"/datasets/{SLUG}",
    "rules": "/rules?lang=en",
}


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("name", PAGES)
def test_subscription_pages_pass_axe(follow_server, browser, name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    running, tokens = follow_server
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(running.url + PAGES[name].format(**tokens))
        page.wait_for_load_state("load")
        assert violations(page) == []
    finally:
        context.close()


def test_an_invalid_address_is_announced_and_passes_axe(follow_server, browser) -> None:  # type: ignore[no-untyped-def]
    running, _ = follow_server
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(running.url + PAGES["form"] + "&lang=en")
        page.fill("#email", "not-an-address@x")
        page.check("#consent")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.locator("#form-error").count() == 1, page.content()[:3000]
        assert "Enter a valid e-mail address" in page.inner_text("#form-error")
        assert violations(page) == []
    finally:
        context.close()


def test_the_workspace_webhook_pages_pass_axe(portal, live_server, browser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime, timezone

    from publishers.registry import add_publisher
    from publishers.users import add_user, grant
    from publishers.webhooks import EVENTS, enqueue, register

    add_publisher(portal.engine, "levski", name_bg="Община Левски", name_en="Municipality of Levski")
    add_user(portal.engine, "clerk@levski.bg", password="correct horse battery staple")
    grant(portal.engine, "clerk@levski.bg", "editor", publisher="levski")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/staff/?lang=en")
        page.fill("#email", "clerk@levski.bg")
        page.fill("#password", "correct horse battery staple")
        with page.expect_navigation():
            page.click("main form.stack button[type=submit]")
        page.goto(f"{live_server}/staff/publishers/levski/webhooks?lang=en")
        assert violations(page) == []
        page.fill("#url", "http://hooks.example/")  # refused: https only, said next to the form
        with page.expect_navigation():
            page.click("main form.stack button[type=submit]")
        assert "must start with https://" in page.inner_text("#webhook-error")
        assert violations(page) == []
        with portal.engine.begin() as conn:  # one webhook with one delivery, for its log page
            hook, _ = register(conn, publisher_id=1, dataset_id=None, url="https://hooks.example/a",
                               events=EVENTS, actor="t", now=datetime.now(timezone.utc))
            enqueue(conn, webhook_id=hook.id, event_type="release.published", body="{}",
                    now=datetime.now(timezone.utc))
        page.goto(f"{live_server}/staff/publishers/levski/webhooks/{hook.id}?lang=en")
        assert "release.published" in page.inner_text("main table")
        assert violations(page) == []
    finally:
        context.close()
