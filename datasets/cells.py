"""Fast readers of single cells: accept only what is surely valid, as frictionless would see it.

`compile_row` builds one function per schema that turns a row's cells into SQL values or
raises one of `UNSURE`; the checker then hands that row to frictionless's own `Row`.
"""
from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from datasets.generated import row_function, unpack

_BAD = object()  # a fast reader's "not sure this cell is valid: ask frictionless"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOUNDS = {"minimum": operator.ge, "maximum": operator.le, "exclusiveMinimum": operator.gt,
           "exclusiveMaximum": operator.lt}
Reader = Callable[[str], Any]


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

    One generated function per schema with each field's check inlined (datasets.generated).
    """
    if not fields:
        return lambda cells: _unsure()
    namespace: dict[str, Any] = {"_unsure": _unsure, "_iso_date": _iso_date, "W": len(fields)}
    expressions = [_expression(i, field, namespace) for i, field in enumerate(fields)]
    blank = ("not any(cells)" if all(_missing(f) == {""} for f in fields)
             else "values.count(None) == W")  # a blank row is frictionless's to report
    return row_function("fast_row", [
        unpack(len(fields), "cells"),
        f"values = [{', '.join(expressions)}]",
        f"if {blank}:", "    _unsure()",
        "return values"], namespace)


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
    parse, test, sql = _parse(field), _constraint_test(field), sql_value(field)

    def read(cell: str) -> Any:
        value = parse(cell)
        if value is _BAD or value is None or (test is not None and not test(value)):
            raise _Unsure
        return sql(value, cell)

    return read


def sql_value(field: Any) -> Callable[[Any, str], Any]:
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
