"""How many columns a release may have: each becomes a SQLite column (SQLite stops at 2000)."""
from __future__ import annotations

from metadata.errors import InvalidInput

# Well under SQLite's 2000-column default, which also has to hold the FTS5 index and its
# triggers; real municipal tables have tens of columns, rarely a few hundred.
MAX_COLUMNS = 1000


def check_width(header: list[str], *, limit: int = MAX_COLUMNS) -> None:
    """Raise InvalidInput when a header has more columns than a release can hold."""
    if len(header) > limit:
        raise InvalidInput("read.too-many-columns", columns=len(header), limit=limit)
