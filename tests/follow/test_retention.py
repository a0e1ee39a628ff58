"""What is kept and for how long: an unconfirmed or unsubscribed address goes 30 days after its
last change, with its messages; a confirmed one stays; old records of sent mail and finished
webhook deliveries go after 30 days too."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.state import Portal
from datasets import follow
from datasets.follow_dispatch import dispatch
from publishers import follow_tokens
from publishers.follow_store import follow_addresses, follow_subscriptions, mail_outbox

pytestmark = pytest.mark.catalogs


def ask(portal: Portal, mailer: follow.Mailer, email: str) -> None:
    follow.ask(portal.engine, mailer, email=email, kind="overdue", target="", frequency="weekly", lang="en",
               client="127.0.0.9", consent=True)


def emails(portal: Portal) -> list[str]:
    with portal.engine.connect() as conn:
        return sorted(conn.execute(sa.select(follow_addresses.c.email)).scalars())


def outbox_count(portal: Portal) -> int:
    with portal.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(mail_outbox)).scalar_one())


def test_unconfirmed_and_unsubscribed_addresses_go_after_30_days_and_confirmed_ones_stay(
        portal: Portal, mailer: follow.Mailer) -> None:
    for email in ("never@example.org", "left@example.org", "stays@example.org"):
        ask(portal, mailer, email)
    with portal.engine.connect() as conn:
        subs = {r.email: r for r in conn.execute(
            sa.select(follow_subscriptions.c.id, follow_subscriptions.c.secret, follow_addresses.c.email,
                      follow_addresses.c.id.label("address"), follow_addresses.c.secret.label("address_secret"))
            .join(follow_addresses, follow_addresses.c.id == follow_subscriptions.c.address_id))}
    for email in ("left@example.org", "stays@example.org"):
        follow.confirm(portal.engine, mailer.secret_key,
                       follow_tokens.make(mailer.secret_key, "confirm", {"u": subs[email].id, "s": subs[email].secret}))
    left = subs["left@example.org"]
    follow.unsubscribe(portal.engine, mailer.secret_key, follow_tokens.make(
        mailer.secret_key, "unsubscribe", {"a": left.address, "s": left.address_secret, "u": [left.id]}))
    now = datetime.now(timezone.utc)
    dispatch(portal.instance, portal.engine, mailer, now=now + timedelta(days=29))
    assert emails(portal) == ["left@example.org", "never@example.org", "stays@example.org"]
    dispatch(portal.instance, portal.engine, mailer, now=now + timedelta(days=31))
    assert emails(portal) == ["stays@example.org"]
    assert outbox_count(portal) == 1  # the kept address's confirmation; the others' went with them
    dispatch(portal.instance, portal.engine, mailer, now=now + timedelta(days=62))
    assert outbox_count(portal) == 1  # a message not sent yet is never forgotten ...
    with portal.engine.begin() as conn:
        conn.execute(mail_outbox.update().values(state="sent", raw=""))
    dispatch(portal.instance, portal.engine, mailer, now=now + timedelta(days=62))
    assert emails(portal) == ["stays@example.org"] and outbox_count(portal) == 0  # ... a sent one's record is


def test_a_link_of_a_deleted_address_no_longer_works(portal: Portal, mailer: follow.Mailer) -> None:
    ask(portal, mailer, "never@example.org")
    with portal.engine.connect() as conn:
        sub = conn.execute(sa.select(follow_subscriptions)).one()
    token = follow_tokens.make(mailer.secret_key, "confirm", {"u": sub.id, "s": sub.secret})
    dispatch(portal.instance, portal.engine, mailer, now=datetime.now(timezone.utc) + timedelta(days=31))
    from metadata.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        follow.confirm(portal.engine, mailer.secret_key, token)
    assert refused.value.message_id == "follow.token-invalid"
