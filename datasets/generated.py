"""Row functions generated per schema as Python source, for the checker and the normalizer.

A Python call per cell was most of their time; one generated function per schema, with each
field's work inlined, is several times faster. Only column indices and constants go into the
source: names and values from the schema stay data, in the function's namespace.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def row_function(name: str, lines: list[str],
                 namespace: dict[str, Any]) -> Callable[[list[str]], Any]:
    """Compile `def name(cells):` with `lines` as its body, in `namespace`."""
    source = f"def {name}(cells):\n" + "".join(f"    {line}\n" for line in lines)
    exec(compile(source, f"<datasets {name}>", "exec"), namespace)  # noqa: S102
    return namespace[name]  # type: ignore[no-any-return]


def unpack(count: int, row: str) -> str:
    """The line that unpacks `row` (an expression of `count` cells) into c0 … c<count-1>."""
    return f"{', '.join(f'c{i}' for i in range(count))}, = {row}"
