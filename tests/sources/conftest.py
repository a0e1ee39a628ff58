"""A data server on 127.0.0.1, loopback allowed the way an operator allows it, and a record of
every socket connection the process makes (to prove a refusal sent no packet)."""
from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from typing import Any, Iterator

import pytest

from tests.sources.remote import Remote, running

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
_recording: list[list[Any]] = []
_lock = threading.Lock()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    # "socket.connect" is raised by the interpreter before the connect system call of any
    # socket: nothing is sent on a socket that never got there.
    if event == "socket.connect" and _recording:
        with _lock:
            for record in _recording:
                record.append(args[1])


sys.addaudithook(_audit)  # audit hooks cannot be removed: this one records only when asked


@pytest.fixture
def connects() -> Iterator[list[Any]]:
    """Every address a socket of this process tried to connect to during the test."""
    record: list[Any] = []
    _recording.append(record)
    yield record
    _recording.remove(record)


@pytest.fixture
def remote() -> Iterator[Remote]:
    yield from running()


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names the test makes resolve to addresses it chooses (others resolve as usual);
    `resolver["calls"]` counts lookups of the chosen names."""
    names: dict[str, list[str]] = {}
    calls: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host in names:
            calls.append(host)
            answers = []
            for address in names[host]:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr = (address, int(port or 0), 0, 0) if ":" in address else (address, int(port or 0))
                answers.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
            return answers
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    names["calls"] = calls  # type: ignore[assignment]
    return names
