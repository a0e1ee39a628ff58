"""S3-compatible object storage: the bucket holds the master copy, the instance a cache.

`OTKRITO_STORAGE_URL=s3://bucket/prefix` selects it. The endpoint and credentials are the
standard ones boto3 reads itself (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, and `AWS_DEFAULT_REGION` when the store wants one), so nothing about
them is configured twice.

Every object is written once, with `If-None-Match: *`: the store refuses the write when the
key exists (SeaweedFS, AWS S3 and MinIO answer 412), so a release's bytes can never be
replaced, even by two nodes racing. Each put carries the file's sha256 (`x-amz-checksum-sha256`,
which the store checks on arrival) and keeps it in the object's metadata, where a fetch
without a catalog record (an upload) finds what to check against.

Any failure to reach the store, or a refusal, becomes `StorageUnavailable` with a bilingual
message; never a traceback from botocore.
"""
from __future__ import annotations

import base64
import threading
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar
from urllib.parse import urlsplit

from datasets.files import CHUNK, sha256_of
from datasets.storage_cache import Cache
from metadata.errors import Conflict, InvalidInput, StorageUnavailable
from metadata.records import ReleaseFile

T = TypeVar("T")
# A stopped store must fail a request in seconds, not hang a page or a publish: short
# timeouts, and botocore's standard retries (with backoff) for a store that blinks.
CLIENT_CONFIG = {"connect_timeout": 5, "read_timeout": 60,
                 "retries": {"max_attempts": 3, "mode": "standard"}}
DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes


def _b64(sha256: str) -> str:
    return base64.b64encode(bytes.fromhex(sha256)).decode("ascii")


class S3Storage:
    """Objects in `bucket` under `prefix`; verified copies cached in the instance `root`."""

    remote = True

    def __init__(self, url: str, root: Path, *, cache_bytes: int) -> None:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise InvalidInput("storage.bad-url", url=url, schemes="s3://")
        self.url, self.root, self.bucket = url, root, parts.netloc
        self.prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
        self.cache = Cache(root, limit_bytes=cache_bytes)
        self._client: Any = None
        self._client_lock = threading.Lock()

    # The client, and errors ------------------------------------------------------------

    def client(self) -> Any:
        """Return the boto3 client, made once (boto3's clients are thread-safe, making one is not)."""
        with self._client_lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                self._client = boto3.session.Session().client("s3", config=Config(**CLIENT_CONFIG))
            return self._client

    def _call(self, operation: Callable[[], T]) -> T:
        """Run one request against the store; turn every failure into StorageUnavailable."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return operation()
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "")) or "?"
            raise StorageUnavailable("storage.refused", store=self.url, code=code) from error
        except BotoCoreError as error:  # cannot connect, timed out, no credentials
            raise StorageUnavailable("storage.unreachable", store=self.url) from error

    def _key(self, key: str) -> str:
        return self.prefix + key

    @staticmethod
    def _status(error: BaseException) -> int | None:
        cause = error.__cause__
        response = getattr(cause, "response", None) or {}
        return response.get("ResponseMetadata", {}).get("HTTPStatusCode")

    # The interface -----------------------------------------------------------------------

    def put_once(self, key: str, path: Path, sha256: str | None = None) -> None:
        sha256 = sha256 or sha256_of(path)
        with path.open("rb") as body:
            try:
                # If-None-Match: * makes the store refuse an existing key (412): never overwritten.
                self._call(lambda: self.client().put_object(
                    Bucket=self.bucket, Key=self._key(key), Body=body, IfNoneMatch="*",
                    ChecksumSHA256=_b64(sha256), Metadata={"sha256": sha256}))
            except StorageUnavailable as error:
                if self._status(error) != 412:
                    raise
                # A retried put whose first try landed finds its own object: the same bytes.
                if self._stored_sha256(key) != sha256:
                    raise Conflict("storage.exists", key=key) from None
        if path == self.cache.path(key):
            self.cache.remember(key, path)  # this node wrote it: its bytes are the stored ones

    def _head(self, key: str) -> dict[str, Any] | None:
        try:
            return self._call(lambda: self.client().head_object(Bucket=self.bucket,
                                                                Key=self._key(key)))
        except StorageUnavailable as error:
            if self._status(error) == 404:
                return None
            raise

    def _stored_sha256(self, key: str) -> str | None:
        head = self._head(key)
        return None if head is None else head.get("Metadata", {}).get("sha256")

    def fetch(self, key: str, sha256: str | None = None) -> Path:
        with self.cache.fetching(key):
            if sha256 is None:  # an upload: its object says what its bytes must hash to
                sha256 = self._stored_sha256(key)
                if sha256 is None:
                    raise StorageUnavailable("storage.missing", store=self.url, key=key)
            cached = self.cache.check(key, sha256)
            if cached is not None:
                return cached
            return self._download(key, sha256)

    def refetch(self, key: str, sha256: str) -> Path:
        """Fetch from the store even when a cached copy looks right (a check reads the master)."""
        with self.cache.fetching(key):
            self.cache.forget(key)
            return self._download(key, sha256)

    def _download(self, key: str, sha256: str) -> Path:
        import hashlib

        partial = self.cache.partial()
        try:
            try:
                response = self._call(lambda: self.client().get_object(Bucket=self.bucket,
                                                                       Key=self._key(key)))
            except StorageUnavailable as error:
                if self._status(error) == 404:
                    raise StorageUnavailable("storage.missing", store=self.url, key=key) from None
                raise
            digest = hashlib.sha256()
            # Closed whatever happens: a body left half read would hold its pooled connection.
            with partial.open("wb") as out, closing(response["Body"]) as body:
                while chunk := self._call(lambda: body.read(CHUNK)):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha256:
                # The store's copy differs from the record: never cache it, never serve it.
                raise StorageUnavailable("storage.corrupt", store=self.url, key=key)
            return self.cache.place(key, partial)
        finally:
            partial.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        if self.cache.path(key).is_file():
            return True
        return self._head(key) is not None

    def _list(self, prefix: str, *, delimiter: str = "") -> tuple[list[str], list[str]]:
        """Return (keys, common prefixes) under a prefix, relative to this store's prefix."""
        paginator = self.client().get_paginator("list_objects_v2")
        keys: list[str] = []
        prefixes: list[str] = []
        strip = len(self.prefix)

        def walk() -> None:
            pages = paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix),
                                       **({"Delimiter": delimiter} if delimiter else {}))
            for page in pages:
                keys.extend(item["Key"][strip:] for item in page.get("Contents", []))
                prefixes.extend(item["Prefix"][strip:] for item in page.get("CommonPrefixes", []))

        self._call(walk)
        return keys, prefixes

    def children(self, prefix: str) -> set[str]:
        base = prefix.rstrip("/") + "/"
        keys, prefixes = self._list(base, delimiter="/")
        names = {k[len(base):] for k in keys} | {p[len(base):].rstrip("/") for p in prefixes}
        folder = self.cache.path(prefix)  # a cached copy of an orphan counts too
        if folder.is_dir():
            names |= {child.name for child in folder.iterdir()}
        return {name for name in names if name}

    def keys(self, prefix: str) -> list[str]:
        """Return the stored keys equal to `prefix` or under `prefix/`."""
        keys, _ = self._list(prefix.rstrip("/"))
        return [k for k in keys if k == prefix or k.startswith(prefix.rstrip("/") + "/")]

    def _delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": self._key(k)} for k in keys[start:start + DELETE_BATCH]]
            self._call(lambda: self.client().delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}))

    def remove(self, prefix: str) -> None:
        import shutil

        doomed = self.keys(prefix)
        self._delete(doomed)
        for key in doomed:
            self.cache.forget(key)
        local = self.cache.path(prefix)
        shutil.rmtree(local, ignore_errors=True) if local.is_dir() else local.unlink(missing_ok=True)

    def store_release(self, build: Path, prefix: str, files: Iterable[ReleaseFile],
                      on_stored: Callable[[int], None] | None = None) -> None:
        """Put every file of the build once, then read back what the store holds of each.

        The store checked each body against its sha256 on arrival; the read-back proves
        every object is there with the recorded size and sha256 before the catalog says so.
        """
        files = list(files)
        stored: list[str] = []
        try:
            for record in files:
                key = f"{prefix}/{record.name}"
                self.put_once(key, build / record.name, record.sha256)
                stored.append(key)
                if on_stored is not None:
                    on_stored(len(stored))
            for record in files:
                head = self._head(f"{prefix}/{record.name}")
                if head is None or head.get("ContentLength") != record.bytes \
                        or head.get("Metadata", {}).get("sha256") != record.sha256:
                    raise StorageUnavailable("storage.unverified", store=self.url,
                                             key=f"{prefix}/{record.name}")
        except BaseException:
            # Half a release is never recorded. Remove what this publish put, if the store
            # still answers (else the next publish or start-up does); never the objects a
            # refused put found, which are someone else's.
            try:
                self._delete(stored)
            except StorageUnavailable:
                pass
            raise
        for record in files:
            # The build is renamed into the cache next: same inodes, so these stamps hold.
            self.cache.remember(f"{prefix}/{record.name}", build / record.name)
