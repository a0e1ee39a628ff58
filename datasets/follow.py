"""Following datasets by e-mail: ask, confirm and end subscriptions; what a target is called.

A request from a page is checked (the honeypot and the rate limits of citizen feedback, per
client address and per e-mail address) and answered the same whether or not the address is
known; the confirmation it may cause goes to the outbox in the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from datasets import catalog
from metadata import mail_message
from metadata.errors import InvalidInput
from metadata.mail_text import Mail, phrase
from metadata.messages import Text
from metadata.vocab import THEMES
from publishers import feedback, follow_tokens, outbox, subscriptions
from publishers.registry import find_publisher
from publishers.subscriptions import Subscription

MAX_KEYWORD = 100


@dataclass(frozen=True)
class Mailer:
    """What composing a message needs from the settings."""

    base_url: str
    secret_key: str
    sender: str  # the From address (OTKRITO_MAIL_FROM)

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).hostname or "otkrito.invalid"

    @property
    def site(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    def url(self, path: str, lang: str, **query: Any) -> str:
        params = {k: v for k, v in query.items() if v is not None}
        if lang == "en":
            params["lang"] = "en"
        tail = "&".join(f"{k}={v}" for k, v in params.items())
        return self.base_url.rstrip("/") + path + (f"?{tail}" if tail else "")

    def token(self, purpose: str, payload: dict[str, Any]) -> str:
        return follow_tokens.make(self.secret_key, purpose, payload)


def localized(text: Text, lang: str) -> str:
    return (text.en or text.bg) if lang == "en" else (text.bg or text.en)


def target_title(engine: Engine, kind: str, target: str) -> Text:
    """Return what a subscription follows, in both languages; refuse a target that is not there."""
    if kind == "dataset" and (dataset := catalog.find_dataset(engine, target)) is not None:
        title = dataset.title
    elif kind == "publisher" and (publisher := find_publisher(engine, target)) is not None:
        title = publisher.name
    elif kind == "theme" and target in THEMES:
        title = THEMES[target]
    elif kind == "keyword" and 0 < len(target) <= MAX_KEYWORD and target == feedback.clean(target):
        title = Text(target, target)
    elif kind == "overdue" and target == "":
        title = Text("", "")
    else:
        raise InvalidInput("follow.bad-target")
    bg, en = localized(title, "bg"), localized(title, "en")
    return Text(phrase("bg", f"mail.what.{kind}", title=bg), phrase("en", f"mail.what.{kind}", title=en))


def ask(engine: Engine, mailer: Mailer, *, email: str, kind: str, target: str, frequency: str,
        lang: str, client: str, consent: bool, honeypot: str = "", now: datetime | None = None) -> None:
    """Ask for a subscription from a page; raise InvalidInput or RateLimited for bad requests."""
    now = now or datetime.now(timezone.utc)
    subscriptions.check_choice(kind=kind, frequency=frequency, lang=lang)
    address = subscriptions.normalize_email(email)
    what = target_title(engine, kind, target)
    if not consent:
        raise InvalidInput("follow.consent-required")
    if honeypot:
        return  # a robot: answered as if it worked, nothing kept
    try:
        feedback.throttle(engine, f"follow-client|{client}", now=now)
        feedback.throttle(engine, f"follow-email|{address}", now=now)
    except feedback.RateLimited as error:
        raise feedback.RateLimited("follow.rate-limited", **error.params) from None
    with engine.begin() as conn:
        asked = subscriptions.subscribe(conn, email=address, kind=kind, target=target,
                                        frequency=frequency, lang=lang, now=now)
        if asked is None:
            return
        found, sub = asked
        message_id = mail_message.new_message_id(mailer.domain)
        unsubscribe = unsubscribe_url(mailer, found.id, found.secret, [sub.id], lang)
        mail = Mail(
            lang=lang, subject=phrase(lang, "mail.confirm.subject", what=what.get(lang)),
            intro=phrase(lang, "mail.confirm.intro", site=mailer.site, what=what.get(lang),
                         frequency=phrase(lang, f"mail.frequency.{frequency}")),
            action=(phrase(lang, "mail.confirm.action"),
                    mailer.url("/follow/confirm/" + mailer.token("confirm", {"u": sub.id, "s": sub.secret}), lang)),
            footer=phrase(lang, "mail.footer.why", site=mailer.site),
            links=((phrase(lang, "mail.footer.unsubscribe"), unsubscribe),))
        raw = mail_message.build(mail, sender=mailer.sender, to=found.email, message_id=message_id,
                                 unsubscribe_url=unsubscribe, now=now)
        outbox.enqueue(conn, address_id=found.id, message_id=message_id, kind="confirm", raw=raw, now=now)


def unsubscribe_url(mailer: Mailer, address_id: int, secret: str, subscription_ids: list[int],
                    lang: str) -> str:
    token = mailer.token("unsubscribe", {"a": address_id, "s": secret, "u": subscription_ids})
    return mailer.url("/follow/unsubscribe/" + token, lang)


def manage_url(mailer: Mailer, address_id: int, secret: str, lang: str) -> str:
    return mailer.url("/follow/manage/" + mailer.token("manage", {"a": address_id, "s": secret}), lang)


def confirm(engine: Engine, secret_key: str, token: str, *, now: datetime | None = None) -> Subscription:
    """Confirm the subscription a confirmation link names."""
    payload = follow_tokens.read(secret_key, "confirm", token)
    with engine.begin() as conn:
        return subscriptions.confirm(conn, int(payload.get("u", 0)), str(payload.get("s", "")),
                                     now=now or datetime.now(timezone.utc))


def _address_of(conn: Any, secret_key: str, purpose: str, token: str) -> tuple[int, dict[str, Any]]:
    payload = follow_tokens.read(secret_key, purpose, token)
    try:
        address_id = int(payload.get("a", 0))
    except (TypeError, ValueError):
        raise InvalidInput("follow.token-invalid") from None
    subscriptions.address_for(conn, address_id, str(payload.get("s", "")))
    return address_id, payload


def check_unsubscribe(engine: Engine, secret_key: str, token: str) -> None:
    """Refuse an unsubscribe link that is forged or names an address no longer kept."""
    with engine.connect() as conn:
        _address_of(conn, secret_key, "unsubscribe", token)


def unsubscribe(engine: Engine, secret_key: str, token: str, *, only: list[int] | None = None,
                now: datetime | None = None) -> int:
    """End what an unsubscribe link covers (or, from the manage page, the ones chosen)."""
    with engine.begin() as conn:
        purpose = "manage" if only is not None else "unsubscribe"
        address_id, payload = _address_of(conn, secret_key, purpose, token)
        if only is None:  # the link's own subscriptions (all of the address's, if it names none)
            named = [i for i in payload.get("u", []) if isinstance(i, int)]
            return subscriptions.end(conn, address_id, named or None, now=now or datetime.now(timezone.utc))
        return subscriptions.end(conn, address_id, only, now=now or datetime.now(timezone.utc))


def unsubscribe_all(engine: Engine, secret_key: str, token: str, *, now: datetime | None = None) -> int:
    """End every subscription of the address a manage link names."""
    with engine.begin() as conn:
        address_id, _ = _address_of(conn, secret_key, "manage", token)
        return subscriptions.end(conn, address_id, None, now=now or datetime.now(timezone.utc))


def managed(engine: Engine, secret_key: str, token: str, lang: str) -> list[tuple[Subscription, str]]:
    """Return an address's live subscriptions with what each follows (never the address)."""
    with engine.connect() as conn:
        address_id, _ = _address_of(conn, secret_key, "manage", token)
        found = subscriptions.of_address(conn, address_id)
    out = []
    for sub in found:
        try:
            out.append((sub, target_title(engine, sub.kind, sub.target).get(lang)))
        except InvalidInput:
            out.append((sub, sub.target))  # a dataset deleted since: still shown, to end it
    return out
