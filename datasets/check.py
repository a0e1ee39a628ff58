"""Check rows against a Table Schema in one streaming pass, as frictionless would, but fast.

Frictionless stays the definition of validity. Each field gets a fast reader that accepts only
cells it can prove valid (type and every constraint, by the same rules frictionless applies);
any other cell, and any ragged or blank row, goes through frictionless's own `Row`, so every
reported error is frictionless's own error object in frictionless's order. Uniqueness and
primary keys are checked afterwards in a temporary on-disk SQLite database (constant memory)
rather than frictionless's dict of every key seen. Schemas this module cannot check exactly
(foreign keys, a header that is not the field names, keys of types without an exact SQL
equality) are left to frictionless: `Checker.supports` says so.
"""
from __future__ import annotations

import datetime as dt
import operator
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from frictionless import Schema, errors
from frictionless.table import Row, create_cell_handlers

BATCH = 10_000
_BAD = object()  # a fast reader's "not sure this cell is valid: ask frictionless"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KEY_TYPES = frozenset({"integer", "year", "boolean", "string", "date"})
_BOUNDS = {"minimum": operator.ge, "maximum": operator.le, "exclusiveMinimum": operator.gt,
           "exclusiveMaximum": operator.lt}
Reader = Callable[[str], Any]


@dataclass(frozen=True)
class Checked:
    """What a check found: the first `limit` errors in frictionless's order, and counts."""

    errors: tuple[Any, ...]  # frictionless Error objects, row numbers in the upload's numbering
    error_count: int
    row_count: int


def supports(schema: Schema, labels: Sequence[str]) -> bool:
    """Tell whether this module checks `schema` exactly for a file with these header labels."""
    names = [f.name for f in schema.fields]
    if list(labels) != names or len(set(names)) != len(names) or schema.foreign_keys:
        return False
    keyed = set(schema.primary_key) | {f.name for f in schema.fields
                                       if f.constraints.get("unique")}
    return all(schema.get_field(name).type in _KEY_TYPES for name in keyed)


class Checker:
    """Check rows one by one; `row()` returns the row's typed values for SQLite."""

    def __init__(self, schema: Schema, *, limit: int = 1000) -> None:
        self.schema = schema
        self.limit = limit
        self.fields = list(schema.fields)
        self.width = len(self.fields)
        self.fast_row = compile_row(self.fields)
        self.to_sql = [(i, _sql_value(f)) for i, f in enumerate(self.fields)
                       if f.type not in ("integer", "year", "string")]
        self.handlers = create_cell_handlers(self.fields)
        index = {f.name: i for i, f in enumerate(self.fields)}
        self.unique = [index[f.name] for f in self.fields if f.constraints.get("unique")]
        self.primary = [index[name] for name in schema.primary_key]
        # frictionless reads the unique and key cells of a row first, so their errors come first
        self.early = list(dict.fromkeys([self.fields[i].name for i in self.unique + self.primary]))
        self.keys = [[i] for i in self.unique] + ([self.primary] if self.primary else [])
        self.listed: list[tuple[int, int, Any]] = []
        self.error_count = 0
        self.row_count = 0
        self._pending: list[list[tuple[Any, ...]]] = [[] for _ in self.keys]
        self._db = sqlite3.connect("") if self.keys else None  # private, on disk, self-deleting
        if self._db is not None:
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            for k, columns in enumerate(self.keys):
                names = ", ".join(f"v{c}, r{c}" for c in range(len(columns)))
                self._db.execute(f"CREATE TABLE k{k} (row INTEGER, src INTEGER, {names})")

    def row(self, cells: list[str], source: int | None = None) -> list[Any]:
        """Check one data row (the next in the file); return its values for SQLite."""
        self.row_count += 1
        number = self.row_count + 1  # frictionless's row number: the header is row 1
        source = number if source is None else source
        try:
            values = self.fast_row(cells)
        except UNSURE:
            values = self._slow_row(cells, number, source)
            cells = (cells + [""] * self.width)[: self.width]
        if self.keys:
            self._remember(values, cells, number, source)
        return values

    def _slow_row(self, cells: list[str], number: int, source: int) -> list[Any]:
        row = Row(cells, handlers=self.handlers, row_number=source)
        for name in self.early:
            row[name]  # noqa: B018 -- read in frictionless's order, errors and all
        for error in row.errors:
            self._add(number, 0, error)
        values = [row[f.name] for f in self.fields]
        for i, sql in self.to_sql:
            values[i] = sql(values[i], (cells + [""] * self.width)[i])
        return values

    def _add(self, number: int, phase: int, error: Any) -> None:
        self.error_count += 1
        if len(self.listed) < self.limit:
            self.listed.append((number, phase, error))

    def _remember(self, values: list[Any], cells: list[str], number: int, source: int) -> None:
        # `values` are SQL values: for every key type they are what _key_value makes of the
        # typed value (booleans 0/1, dates ISO text), so SQL equality is frictionless's.
        for k, columns in enumerate(self.keys):
            if len(columns) == 1:
                value = values[columns[0]]
                if value.__class__ is int or value.__class__ is str:  # the usual key
                    pending = self._pending[k]
                    pending.append((number, source, value, cells[columns[0]]))
                    if len(pending) >= BATCH:
                        self._flush(k)
                    continue
            key = [_key_value(values[c]) for c in columns]
            if all(v is None for v in key):
                if k == len(self.unique):  # the primary key: frictionless flags an empty one
                    note = 'cells composing the primary keys are all "None"'
                    self._add(number, 1 + k, errors.PrimaryKeyError(
                        note=note, cells=_strings(cells), row_number=source))
                continue
            raws = [cells[c] if c < len(cells) else "" for c in columns]
            pending = self._pending[k]
            pending.append((number, source, *[x for pair in zip(key, raws) for x in pair]))
            if len(pending) >= BATCH:
                self._flush(k)

    def _flush(self, k: int) -> None:
        assert self._db is not None
        pending = self._pending[k]
        if pending:
            marks = ", ".join("?" * len(pending[0]))
            self._db.executemany(f"INSERT INTO k{k} VALUES ({marks})", pending)
            pending.clear()

    def finish(self) -> Checked:
        """Find repeated unique values and keys; return the errors in frictionless's order."""
        if self._db is not None:
            for k in range(len(self.keys)):
                self._flush(k)
            for k, columns in enumerate(self.keys):
                self._repeats(k, columns)
            self._db.close()
            self._db = None
        self.listed.sort(key=lambda item: (item[0], item[1]))
        return Checked(tuple(e for _, _, e in self.listed[: self.limit]), self.error_count,
                       self.row_count)

    def _repeats(self, k: int, columns: list[int]) -> None:
        assert self._db is not None
        values = ", ".join(f"v{c}" for c in range(len(columns)))
        raws = ", ".join(f"r{c}" for c in range(len(columns)))
        query = (f"SELECT row, src, prev, {raws} FROM (SELECT row, src, {raws}, LAG(src) OVER "
                 f"(PARTITION BY {values} ORDER BY row) AS prev FROM k{k}) "
                 "WHERE prev IS NOT NULL ORDER BY row")
        primary = k == len(self.unique)
        for number, source, previous, *raw in self._db.execute(query):
            note = f"the same as in the row at position {previous}"
            cells = [""] * self.width
            for c, text in zip(columns, raw):
                cells[c] = text
            if primary:
                error = errors.PrimaryKeyError(note=note, cells=cells, row_number=source)
            else:
                field = self.fields[columns[0]]
                error = errors.UniqueError(note=note, cells=cells, row_number=source,
                                           cell=raw[0], field_name=field.name,
                                           field_number=columns[0] + 1)
            self._add(number, 1 + k, error)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _strings(cells: list[Any]) -> list[str]:
    return ["" if c is None else str(c) for c in cells]


def _key_value(value: Any) -> Any:
    """The SQLite value whose equality is frictionless's equality of typed cells."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# fast readers ----------------------------------------------------------------------------------

def _missing(field: Any) -> frozenset[str]:
    if field.has_defined("missing_values") or not field.schema:
        return frozenset(field.missing_values)
    return frozenset(field.schema.missing_values)


def _constraint_test(field: Any) -> Callable[[Any], bool] | None:
    """All of the field's non-required constraints as one predicate on a typed value."""
    reader = field.create_value_reader()
    tests: list[Callable[[Any], bool]] = []
    for name in field.supported_constraints:
        constraint = field.constraints.get(name)
        if constraint is None or name == "required":
            continue
        if name in _BOUNDS:
            bound, op = reader(constraint), _BOUNDS[name]
            tests.append(lambda v, b=bound, op=op: v == v and bool(op(v, b)))
        elif name == "pattern":
            match = re.compile(f"^{constraint}$").match
            tests.append(lambda v, m=match: m(v) is not None)
        elif name == "enum":
            allowed = [reader(item) for item in constraint]
            tests.append(lambda v, a=allowed: v in a)
        elif name == "minLength":
            tests.append(lambda v, n=constraint: len(v) >= n)
        elif name == "maxLength":
            tests.append(lambda v, n=constraint: len(v) <= n)
    if not tests:
        return None
    test = tests[0]
    for other in tests[1:]:
        test = (lambda first, second: lambda v: first(v) and second(v))(test, other)
    return test


def _parse(field: Any) -> Callable[[str], Any]:
    """Return a parser for canonical cells that raises or returns _BAD when unsure."""
    kind, defined = field.type, set(field.list_defined())
    if kind == "string" and field.format == "default":
        return lambda cell: cell
    if kind == "integer" and "bare_number" not in defined:
        return lambda cell: int(cell.strip())
    if kind == "number" and not defined & {"bare_number", "decimal_char", "group_char",
                                           "float_number"}:
        return _float if _constraint_test(field) is None else lambda cell: Decimal(cell.strip())
    if kind == "date" and field.format == "default":
        return lambda cell: dt.date.fromisoformat(cell) if _ISO_DATE.fullmatch(cell) else _BAD
    if kind in ("boolean", "year"):
        reader = field.create_value_reader()
        return lambda cell: _BAD if (value := reader(cell)) is None else value
    slow = field.create_value_reader()  # any other type or format: frictionless's own reader
    return lambda cell: _BAD if (value := slow(cell)) is None else value


class _Unsure(Exception):
    """A fast reader cannot prove a cell valid: frictionless's own Row decides."""


# Whatever a fast row raises only means "not sure": the row then goes through frictionless.
UNSURE = (_Unsure, ValueError, ArithmeticError, TypeError, KeyError)


def _unsure() -> Any:
    raise _Unsure


def _iso_date(cell: str) -> str:
    """An ISO date cell is its own SQL value (date.isoformat() of it gives it back)."""
    if len(cell) == 10 and _ISO_DATE.fullmatch(cell):
        dt.date.fromisoformat(cell)  # ValueError unless a real date
        return cell
    raise _Unsure


def compile_row(fields: Sequence[Any]) -> Callable[[list[str]], list[Any]]:
    """Return cells -> SQL values for a row whose every cell is surely valid; else raise.

    One generated function per schema with each field's check inlined: a Python call per
    cell was most of the checker's time. Only field indices and constants go into the code;
    names and constraint values stay data, in the function's namespace.
    """
    if not fields:
        return lambda cells: _unsure()
    namespace: dict[str, Any] = {"_unsure": _unsure, "_iso_date": _iso_date, "W": len(fields)}
    expressions = [_expression(i, field, namespace) for i, field in enumerate(fields)]
    blank = ("not any(cells)" if all(_missing(f) == {""} for f in fields)
             else "values.count(None) == W")  # a blank row is frictionless's to report
    source = (f"def fast_row(cells):\n"
              f"    {', '.join(f'c{i}' for i in range(len(fields)))}, = cells\n"
              f"    values = [{', '.join(expressions)}]\n"
              f"    if {blank}:\n        _unsure()\n"
              f"    return values\n")
    exec(compile(source, "<datasets.check fast_row>", "exec"), namespace)  # noqa: S102
    return namespace["fast_row"]  # type: ignore[no-any-return]


def _expression(i: int, field: Any, namespace: dict[str, Any]) -> str:
    """The Python expression that turns cell `c<i>` into its SQL value, or raises."""
    cell, missing = f"c{i}", _missing(field)
    empty = "_unsure()" if field.constraints.get("required") else "None"
    value = _value_expression(i, field, namespace)
    if missing == {""}:
        return f"({value} if {cell} else {empty})"
    namespace[f"m{i}"] = missing
    return f"({empty} if {cell} in m{i} else {value})"


def _value_expression(i: int, field: Any, namespace: dict[str, Any]) -> str:
    cell, kind, defined = f"c{i}", field.type, set(field.list_defined())
    checks = {name for name in field.supported_constraints
              if name not in ("required", "unique") and field.constraints.get(name) is not None}
    if kind == "string" and field.format == "default":
        if not checks:
            return cell
        if checks == {"enum"}:  # frictionless reads each str item as itself, others as None
            namespace[f"e{i}"] = frozenset(x for x in field.constraints["enum"]
                                           if isinstance(x, str))
            return f"({cell} if {cell} in e{i} else _unsure())"
        if checks == {"pattern"}:
            namespace[f"p{i}"] = re.compile(f"^{field.constraints['pattern']}$").match
            return f"({cell} if p{i}({cell}) else _unsure())"
    if not checks:
        # int() and float() strip whitespace as frictionless does before casting.
        if kind == "integer" and "bare_number" not in defined:
            return f"int({cell})"
        if kind == "number" and _parse(field) is _float:
            # float() accepts no ASCII number Decimal() rejects; without bounds or enum to
            # compare, it decides validity the same way, and it is what SQLite stores.
            return f"(float({cell}) if {cell}.isascii() else _unsure())"
        if kind == "date" and field.format == "default":
            return f"_iso_date({cell})"
        if kind == "boolean":
            mapping = {value: 1 for value in field.true_values}
            mapping.update({value: 0 for value in field.false_values})
            namespace[f"b{i}"] = mapping
            return f"b{i}[{cell}]"
    if checks and checks <= set(_BOUNDS):
        bounded = _bounded_expression(i, field, checks, namespace)
        if bounded is not None:
            return bounded
    namespace[f"r{i}"] = _checked_reader(field)
    return f"r{i}({cell})"


_BOUND_OPERATORS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">",
                    "exclusiveMaximum": "<"}


def _bounded_expression(i: int, field: Any, checks: set[str],
                        namespace: dict[str, Any]) -> str | None:
    """An integer or number with only bounds, compared as frictionless does (int, Decimal)."""
    kind, defined = field.type, set(field.list_defined())
    if kind == "integer" and "bare_number" not in defined:
        parse, to_sql = "int", "v{i}"
    elif kind == "number" and not defined & {"bare_number", "decimal_char", "group_char",
                                             "float_number"}:
        # Decimal compares exactly; a NaN raises on comparison (ArithmeticError: unsure).
        parse, to_sql = "_Decimal", "float(v{i})"
        namespace["_Decimal"] = Decimal
    else:
        return None
    reader = field.create_value_reader()
    tests = []
    for n, name in enumerate(sorted(checks)):
        namespace[f"k{i}_{n}"] = reader(field.constraints[name])  # as frictionless reads it
        tests.append(f"v{i} {_BOUND_OPERATORS[name]} k{i}_{n}")
    value = to_sql.format(i=i)
    return f"({value} if ({' and '.join(tests).replace(f'v{i}', f'(v{i} := {parse}(c{i}))', 1)}) else _unsure())"


def _checked_reader(field: Any) -> Reader:
    """Return cell -> SQL value for a present cell, raising _Unsure unless surely valid."""
    parse, test, sql = _parse(field), _constraint_test(field), _sql_value(field)

    def read(cell: str) -> Any:
        value = parse(cell)
        if value is _BAD or value is None or (test is not None and not test(value)):
            raise _Unsure
        return sql(value, cell)

    return read


def _sql_value(field: Any) -> Callable[[Any, str], Any]:
    """Turn a typed cell into what the release database stores (as before: numbers as REAL)."""
    if field.type in ("integer", "year", "string"):
        return lambda value, cell: value
    if field.type == "number":
        return lambda value, cell: None if value is None else _float(value)
    if field.type == "boolean":
        return lambda value, cell: None if value is None else int(value)
    if field.type == "date":
        return lambda value, cell: None if value is None else value.isoformat()
    return lambda value, cell: None if value is None else cell  # the CSV text, as before


def _float(value: Any) -> Any:
    if value.__class__ is float:
        return value
    try:
        return float(value)
    except (ValueError, TypeError):
        return str(value)
