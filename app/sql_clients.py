"""Fair use of the SQL API: each client address runs at most a few queries at once.

Datasette answers queries on a small pool of threads (3 by default); a single client sending
nine heavy queries at once would fill it and make everybody else wait for the time limit.
Here each address gets `running` slots; its further requests wait their turn in the event
loop (cheap), and beyond `waiting` of them they are refused with 429 at once.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, MutableMapping

RUNNING_PER_CLIENT = 2
WAITING_PER_CLIENT = 32


class ClientSlots:
    """Per-address slots for SQL requests."""

    def __init__(self, *, running: int = RUNNING_PER_CLIENT,
                 waiting: int = WAITING_PER_CLIENT) -> None:
        self.running = running
        self.waiting = waiting
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._pending: dict[str, int] = {}  # running plus waiting, per address

    @asynccontextmanager
    async def slot(self, address: str) -> AsyncIterator[bool]:
        """Hold one of the address's slots (waiting for it); yield False when too many wait."""
        pending = self._pending.get(address, 0)
        if pending >= self.running + self.waiting:
            yield False
            return
        self._pending[address] = pending + 1
        semaphore = self._slots.setdefault(address, asyncio.Semaphore(self.running))
        try:
            async with semaphore:
                yield True
        finally:
            self._pending[address] -= 1
            if not self._pending[address]:  # nobody waits on it: forget the address
                del self._pending[address]
                del self._slots[address]


def client_address(scope: MutableMapping[str, Any]) -> str:
    """Return the client's address (uvicorn puts a trusted proxy's X-Forwarded-For there)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


TOO_MANY = ("Твърде много едновременни заявки от вашия адрес; опитайте след малко. / "
            "Too many simultaneous queries from your address; try again in a moment.")
