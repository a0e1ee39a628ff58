"""Fair use of the SQL API: each client address runs at most a few queries at once.

Datasette answers queries on a small pool of threads (3 by default); a single client sending
nine heavy queries at once would fill it and make everybody else wait for the time limit.
Each address gets `running` of those threads; its further queries wait their turn in the
event loop (cheap), and a client with more than `running + waiting` requests in progress is
refused with 429 at once.

The limit holds around each query, not around the whole request: a request also spends time
on the event loop (routing, rendering JSON) that takes nothing from the pool. Held around the
whole request, two slots left the server idle a quarter of the time under one client's
twenty connections (py-spy: the event loop in `select`, the pool waiting), for no one's gain.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, MutableMapping

RUNNING_PER_CLIENT = 2
WAITING_PER_CLIENT = 32

# The address whose request is being answered: Datasette's queries run in its task.
_client: ContextVar[str | None] = ContextVar("sql_client", default=None)


class ClientSlots:
    """Per-address admission of SQL requests and slots for their queries."""

    def __init__(self, *, running: int = RUNNING_PER_CLIENT,
                 waiting: int = WAITING_PER_CLIENT) -> None:
        self.running = running
        self.waiting = waiting
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._pending: dict[str, int] = {}  # requests in progress, per address

    @asynccontextmanager
    async def admit(self, address: str) -> AsyncIterator[bool]:
        """Admit one request of the address for the block; yield False when it has too many."""
        pending = self._pending.get(address, 0)
        if pending >= self.running + self.waiting:
            yield False
            return
        self._pending[address] = pending + 1
        self._slots.setdefault(address, asyncio.Semaphore(self.running))
        token = _client.set(address)
        try:
            yield True
        finally:
            _client.reset(token)
            self._pending[address] -= 1
            if not self._pending[address]:  # no request of it left: forget the address
                del self._pending[address]
                del self._slots[address]

    @asynccontextmanager
    async def query(self) -> AsyncIterator[None]:
        """Hold one of the current request's query slots (waiting for it) for the block."""
        address = _client.get()
        semaphore = self._slots.get(address) if address is not None else None
        if semaphore is None:  # not inside an admitted request (start-up introspection)
            yield
            return
        async with semaphore:
            yield


def client_address(scope: MutableMapping[str, Any]) -> str:
    """Return the client's address (uvicorn puts a trusted proxy's X-Forwarded-For there)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


TOO_MANY = ("Твърде много едновременни заявки от вашия адрес; опитайте след малко. / "
            "Too many simultaneous queries from your address; try again in a moment.")
