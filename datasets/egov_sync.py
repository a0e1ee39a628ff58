"""`otkrito egov sync`: register a publisher's datasets on data.egov.bg and keep them in step.

For each dataset with a published CSV: addDataset, then addResourceMetadata of type API pointing
at our stable latest-CSV URL with our update frequency, so that the national portal pulls the
data itself. Later syncs compare what they would send with the fingerprint of what the remote
last accepted and send editDataset / editResourceMetadata only for what changed: a sync with
nothing changed sends nothing. Every URI is stored with its call, in one transaction, the moment
it arrives; a sync that stops (the remote failing, the process killed) resumes where it was.

The one window left: a process killed after the remote created a record and before our commit.
The API has no idempotency key (addDataset always makes a new UUID, DataSetController.php:135),
so that record is made again by the next sync; the call log shows the call without its URI.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy.engine import Engine

from datasets.catalog import latest_release, list_datasets
from datasets.egov_client import Answer, EgovClient, EgovDenied, EgovError, EgovUnreachable, origin_of
from metadata.dcat import Site
from metadata.egov_requests import dataset_data, digest, resource_data, resource_edit_data
from metadata.errors import InvalidInput, NotFound, OtkritoError
from metadata.messages import Text, text
from metadata.records import Dataset, Publisher
from publishers import audit
from publishers.egov_keys import find_account, open_key
from publishers.egov_registry import Registration, registrations, save, sync_claim

log = logging.getLogger("otkrito.egov")
HIDDEN = "***"  # what dry runs print instead of the key


@dataclass(frozen=True)
class CallEvent:
    """One call, sent (with its outcome) or only planned (a dry run: `request` set)."""

    action: str
    dataset: str
    url: str
    success: bool = True
    status: int | None = None
    remote_uri: str | None = None
    message: str = ""
    request: dict[str, Any] | None = None

    def json_line(self) -> str:
        return json.dumps({"action": self.action, "dataset": self.dataset, "url": self.url,
                           "body": self.request}, ensure_ascii=False, sort_keys=True)


@dataclass
class SyncReport:
    """What one sync did, for the command's summary and exit status."""

    publisher: str
    calls: int = 0
    registered: list[str] = field(default_factory=list)
    failed: dict[str, Text] = field(default_factory=dict)
    skipped: dict[str, Text] = field(default_factory=dict)
    stopped: Text | None = None

    @property
    def ok(self) -> bool:
        return not self.failed and self.stopped is None

    @property
    def summary(self) -> Text:
        return text("egov.summary", publisher=self.publisher, calls=self.calls,
                    registered=len(self.registered), failed=len(self.failed), skipped=len(self.skipped))


class _Sender:
    """Sends a call and logs it with its registration change; or, in a dry run, only shows it."""

    def __init__(self, engine: Engine, publisher: Publisher, client: EgovClient | None, origin: str,
                 actor: str, report: SyncReport, on_call: Callable[[CallEvent], None]) -> None:
        self.engine, self.publisher, self.client, self.origin = engine, publisher, client, origin
        self.actor, self.report, self.on_call = actor, report, on_call

    def send(self, dataset: Dataset, action: str, fields: dict[str, Any],
             store: Callable[[Answer], dict[str, Any]]) -> Answer:
        url = f"{self.origin}/api/{action}"
        self.report.calls += 1
        if self.client is None:  # dry run: the request as it would go, with the key hidden
            self.on_call(CallEvent(action, dataset.slug, url, request={"api_key": HIDDEN, **fields}))
            return Answer(200, {"success": True, "uri": f"<{action} {dataset.slug}>"})
        entry = {"publisher_id": self.publisher.id, "action": action, "actor": self.actor}
        try:
            answer = self.client.call(action, fields)
            values = store(answer)  # an add answered without a URI fails here, and is logged so
        except EgovError as error:
            message = error.params.get("message") or error.text.en
            save(self.engine, dataset.id, status="failed", error_bg=error.text.bg, error_en=error.text.en,
                 call={**entry, "http_status": error.status, "success": False, "message": message[:1000]})
            self._event(CallEvent(action, dataset.slug, url, False, error.status, message=message))
            raise
        # The URI made (an add) or the one changed (an edit).
        uri = answer.uri if action.startswith("add") else fields.get("resource_uri") or fields.get("dataset_uri")
        save(self.engine, dataset.id, call={**entry, "http_status": answer.status, "success": True,
                                            "remote_uri": uri}, **values)
        self._event(CallEvent(action, dataset.slug, url, True, answer.status, remote_uri=uri))
        return answer

    def _event(self, event: CallEvent) -> None:
        log.info("egov %s dataset=%s status=%s success=%s uri=%s", event.action, event.dataset,
                 event.status, event.success, event.remote_uri or "-")
        self.on_call(event)


def _new_uri(answer: Answer, action: str) -> str:
    if not answer.uri:
        raise EgovError("egov.bad-answer", status=answer.status, action=action)
    return answer.uri


def _sync_dataset(sender: _Sender, site: Site, dataset: Dataset, before: Registration,
                  org_id: int | None) -> None:
    engine = sender.engine
    release = latest_release(engine, dataset.id)
    if release is None or release.file("data") is None:
        raise InvalidInput("egov.no-release", slug=dataset.slug)
    wanted = dataset_data(dataset, page_url=site.dataset(dataset.slug), org_id=org_id)
    resource = resource_data(dataset, csv_url=site.latest_csv(dataset.slug))
    wanted_digest, resource_digest = digest(wanted), digest(resource)
    dataset_uri = before.dataset_uri
    if dataset_uri is None:
        answer = sender.send(dataset, "addDataset", {"data": wanted}, lambda a: {
            "dataset_uri": _new_uri(a, "addDataset"), "dataset_digest": wanted_digest, "status": "partial"})
        dataset_uri = answer.uri
    elif before.dataset_digest != wanted_digest:
        sender.send(dataset, "editDataset", {"dataset_uri": dataset_uri, "data": wanted},
                    lambda a: {"dataset_digest": wanted_digest})
    if before.resource_uri is None:
        sender.send(dataset, "addResourceMetadata", {"dataset_uri": dataset_uri, "data": resource},
                    lambda a: {"resource_uri": _new_uri(a, "addResourceMetadata"),
                               "resource_digest": resource_digest})
    elif before.resource_digest != resource_digest:
        sender.send(dataset, "editResourceMetadata",
                    {"resource_uri": before.resource_uri, "data": resource_edit_data(resource)},
                    lambda a: {"resource_digest": resource_digest})
    if sender.client is not None:
        save(engine, dataset.id, status="registered", error_bg=None, error_en=None,
             synced_at=datetime.now(timezone.utc))


def sync_publisher(engine: Engine, publisher: Publisher, *, base_url: str, egov_url: str, secret: str,
                   actor: str, dry_run: bool = False,
                   on_call: Callable[[CallEvent], None] = lambda event: None) -> SyncReport:
    """Register or update every dataset of the publisher; a dry run sends and stores nothing."""
    origin = origin_of(egov_url)
    site = Site(base_url)
    account = find_account(engine, publisher.id)
    if account is None and not dry_run:
        raise NotFound("egov.no-key", publisher=publisher.slug)
    org_id = account.org_id if account else None
    report = SyncReport(publisher.slug)
    if dry_run:
        _run(_Sender(engine, publisher, None, origin, actor, report, on_call), site, org_id, lambda: None)
        return report
    key = open_key(engine, publisher, secret=secret)
    with sync_claim(engine, publisher.id, publisher.slug) as touch, EgovClient(origin, key) as client:
        _run(_Sender(engine, publisher, client, origin, actor, report, on_call), site, org_id, touch)
    with engine.begin() as conn:
        audit.record(conn, actor=actor, action="egov.sync", target=publisher.slug,
                     detail={"calls": report.calls, "registered": len(report.registered),
                             "failed": len(report.failed)})
    return report


def _run(sender: _Sender, site: Site, org_id: int | None, touch: Callable[[], None]) -> None:
    engine, report = sender.engine, sender.report
    known = registrations(engine, sender.publisher.id)
    for dataset in sorted(list_datasets(engine, publisher_id=sender.publisher.id), key=lambda d: d.id):
        if dataset.sample:
            report.skipped[dataset.slug] = text("egov.sample", slug=dataset.slug)
            continue
        touch()
        before = known.get(dataset.id, Registration(dataset.id))
        try:
            _sync_dataset(sender, site, dataset, before, org_id)
        except (EgovUnreachable, EgovDenied) as error:
            # Every further call would fail the same way: stop, keeping what was obtained.
            report.failed[dataset.slug] = error.text
            report.stopped = text("egov.stopped")
            return
        except OtkritoError as error:  # this dataset only: a refused field, no release yet
            if not isinstance(error, EgovError) and sender.client is not None:
                waiting = error.message_id == "egov.no-release"
                save(engine, dataset.id, status="waiting" if waiting else "failed",
                     error_bg=error.text.bg, error_en=error.text.en)
            (report.skipped if error.message_id == "egov.no-release" else report.failed)[dataset.slug] = error.text
            continue
        report.registered.append(dataset.slug)

