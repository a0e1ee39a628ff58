"""Every setting, declared once: name, default and help (the README lists them; a test checks)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from datasets.instance import DEFAULT_CACHE_MB
from metadata.errors import NotReady
from publishers.store import is_sqlite


@dataclass(frozen=True)
class Setting:
    """One configuration value read from the environment as OTKRITO_<NAME>."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return f"OTKRITO_{self.name}"


SETTINGS: tuple[Setting, ...] = (
    Setting("INSTANCE", "instance", "Instance directory: catalog, releases, uploads (never in git)."),
    Setting("DATABASE_URL", None, "SQLAlchemy URL of the catalog; default SQLite in the instance."),
    Setting("BASE_URL", "http://127.0.0.1:8000", "Public URL of the portal, for links in feeds and APIs."),
    Setting("TRUSTED_PROXIES", "", "Addresses or CIDR networks (comma-separated) of the reverse "
            "proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, e.g. 127.0.0.1 with "
            "nginx on the same machine; empty: nobody's (the peer is the client)."),
    Setting("SECRET_KEY", None, "Session signing key; generated into the instance when unset "
            "(required when the catalog is not SQLite)."),
    Setting("SQL_TIME_LIMIT_MS", 1000, "Time limit of one query in the SQL API.", int),
    Setting("SQL_MAX_ROWS", 1000, "Most rows one SQL API response returns.", int),
    Setting("MAX_UPLOAD_MB", 200, "Largest upload accepted, in megabytes.", int),
    Setting("UPLOAD_KEEP_DAYS", 7, "Days an upload never published is kept; start-up deletes older ones.", int),
    Setting("STORAGE_URL", None, "Where release files and uploads are kept: unset for the instance "
            "directory, or s3://bucket/prefix (endpoint and credentials from AWS_ENDPOINT_URL, "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)."),
    Setting("STORAGE_CACHE_MB", DEFAULT_CACHE_MB, "With s3:// storage: most megabytes of release "
            "files the instance keeps as its cache.", int),
    Setting("JOBS", None, "Where upload checks and publishes run: `threads` of the web process, or "
            "`queue` (the durable queue in the PostgreSQL catalog, run by `otkrito worker`); "
            "unset: threads with SQLite, queue with PostgreSQL."),
    Setting("JOBS_WAIT_SECONDS", 60.0, "On the queue: how long the publishing API waits for a "
            "check and publish before answering 202 with a status URL.", float),
    Setting("MAP_TILES", None, "Optional base map under the maps: a tile URL template such as "
            "https://tiles.example.org/{z}/{x}/{y}.png (Web Mercator). Unset: boundaries only, no "
            "request to anyone else."),
    Setting("MAP_TILES_ATTRIBUTION", "", "The credit line the tile server requires, shown under "
            "each map with tiles (e.g. © OpenStreetMap contributors)."),
    Setting("FETCH_ALLOW", "", "Networks (CIDR, comma-separated) scheduled sources may be fetched "
            "from although they are not public, e.g. 10.20.0.0/16; loopback, private, link-local "
            "and multicast addresses are refused otherwise."),
    Setting("SOURCES_POLL_SECONDS", 30.0, "How often the sources' scheduler looks for sources "
            "due for a check.", float),
    Setting("JOBS_STALLED_SECONDS", 30.0, "On the queue: a worker silent this long is taken for "
            "dead and its running jobs are retried by another.", float),
    Setting("EGOV_URL", "https://data.egov.bg", "The national open data portal whose API "
            "`otkrito egov sync` calls (POST <url>/api/<action>); publishers' API keys are sent "
            "to this origin only."),
    Setting("SMTP_URL", None, "SMTP server for subscribers' e-mail: smtp://host:port (add "
            "?starttls=1 for STARTTLS) or smtps://host:port; user and password may be in the URL. "
            "Unset: no subscription forms and no mail."),
    Setting("SMTP_USER", None, "SMTP user, when it is not in OTKRITO_SMTP_URL."),
    Setting("SMTP_PASSWORD", None, "SMTP password, when it is not in OTKRITO_SMTP_URL (never logged)."),
    Setting("SMTP_CA_FILE", None, "CA certificates (PEM) to check the SMTP server's certificate "
            "against, instead of the system's."),
    Setting("SMTP_TIMEOUT_SECONDS", 30.0, "How long the sender waits for the SMTP server.", float),
    Setting("MAIL_FROM", None, "The From address of subscribers' e-mail, e.g. "
            "'Otkrito <noreply@example.bg>'; required with OTKRITO_SMTP_URL."),
    Setting("MAIL_LEASE_SECONDS", 120.0, "How long a sender holds a message it is sending; a "
            "message of a sender that died is sent again after this.", float),
    Setting("REMINDER_DAYS", 7, "Days before a dataset's update is due that its publisher's staff get a "
            "reminder by e-mail (and again on the day it becomes overdue); -1: no reminders.", int),
    Setting("WEBHOOK_TIMEOUT_SECONDS", 10.0, "How long a webhook delivery waits to connect and "
            "for the answer before it counts as failed (and is retried).", float),
    Setting("MAIL_POLL_SECONDS", 30.0, "How often the sender inside `otkrito serve` or "
            "`otkrito worker` looks for news and mail due.", float),
    Setting("METRICS_TOKEN", None, "Bearer token that lets a scraper read /metrics from another "
            "machine (`Authorization: Bearer <token>`); unset: /metrics answers loopback only."),
    Setting("LOG_FORMAT", "text", "Request log lines on stderr: `text` (key=value) or `json` (one "
            "JSON object per line).", lambda value: _log_format(value)),
    Setting("WORKER_METRICS_PORT", None, "`otkrito worker` serves its own /metrics on this port of "
            "127.0.0.1 (publishes, mail, webhooks, sources it ran); unset: none.", int),
)


def _log_format(value: str) -> str:
    chosen = value.strip().lower()
    if chosen not in ("text", "json"):
        raise NotReady("ops.log-format", value=value[:40])
    return chosen


def load(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return settings from defaults overridden by OTKRITO_* environment variables."""
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        values[setting.name] = setting.parse(raw) if raw not in (None, "") else setting.default
    values["INSTANCE"] = str(Path(values["INSTANCE"]).resolve())
    return values


def require_secret_key(settings: Mapping[str, Any]) -> None:
    """Refuse to start a node of a shared catalog without the shared OTKRITO_SECRET_KEY.

    With SQLite the catalog lives in one instance, and so may its generated key; nodes sharing a
    server catalog would each generate their own and reject each other's sessions.
    """
    if not settings.get("SECRET_KEY") and not is_sqlite(settings.get("DATABASE_URL")):
        raise NotReady("config.secret-key-required")


def secret_key(instance: Path, configured: str | None) -> str:
    """Return the configured key, or the one generated into the instance on first run."""
    if configured:
        return configured
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
