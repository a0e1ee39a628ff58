"""Bilingual messages for validation errors (merged into metadata.messages.MESSAGES).

Ids are "valid.<frictionless error type>", refined as "valid.type-error.<type>" and
"valid.constraint.<constraint>". Parameters: `field_bg`/`field_en` (the column's title
in each language, its name when it has none), `value` (the offending cell, shortened),
and per message `limit`, `allowed`, `hint_bg`/`hint_en`, `other`, `position`, `key`,
`columns_bg`/`columns_en`, `code`, `detail`.
"""
from __future__ import annotations

_IN = ("Стойността „{value}“ в колона „{field_bg}“", "The value '{value}' in column '{field_en}'")


def _cell(bg: str, en: str) -> tuple[str, str]:
    """Prefix a message about one cell with the value and its column."""
    return (f"{_IN[0]} {bg}", f"{_IN[1]} {en}")


VALIDATION_MESSAGES: dict[str, tuple[str, str]] = {
    # The value cannot be read as the column's type
    "valid.type-error": _cell(
        "не е от вида, който колоната изисква ({type}).",
        "is not of the kind the column requires ({type}).",
    ),
    "valid.type-error.date": _cell(
        "не е дата (очаква се дд.мм.гггг).", "is not a date (expected dd.mm.yyyy)."
    ),
    "valid.type-error.datetime": _cell(
        "не е дата и час (очаква се дд.мм.гггг чч:мм).",
        "is not a date and time (expected dd.mm.yyyy hh:mm).",
    ),
    "valid.type-error.time": _cell("не е час (очаква се чч:мм).", "is not a time (expected hh:mm)."),
    "valid.type-error.year": _cell(
        "не е година (очаква се напр. 2026).", "is not a year (expected e.g. 2026)."
    ),
    "valid.type-error.integer": _cell(
        "не е цяло число (очаква се напр. 42, без интервали и знаци).",
        "is not a whole number (expected e.g. 42, without spaces or symbols).",
    ),
    "valid.type-error.number": _cell(
        "не е число (очаква се напр. 1234,56, без интервали и „лв.“).",
        "is not a number (expected e.g. 1234.56, without spaces or currency).",
    ),
    "valid.type-error.boolean": _cell(
        "не е „да“ или „не“ (очаква се true или false).",
        "is not yes or no (expected true or false).",
    ),
    "valid.type-error.uri": _cell(
        "не е уеб адрес (очаква се адрес, който започва с https://).",
        "is not a web address (expected an address starting with https://).",
    ),
    "valid.type-error.email": _cell(
        "не е адрес на електронна поща.", "is not an e-mail address."
    ),
    # The value was read but breaks a constraint of its column
    "valid.constraint-error": _cell(
        "не отговаря на ограничението „{constraint}“ ({limit}).",
        "breaks the constraint '{constraint}' ({limit}).",
    ),
    "valid.constraint.required": (
        "Колона „{field_bg}“ е задължителна, а на този ред е празна.",
        "The column '{field_en}' is required but is empty in this row.",
    ),
    "valid.constraint.minimum": _cell(
        "е под допустимия минимум {limit}.", "is below the minimum of {limit}."
    ),
    "valid.constraint.maximum": _cell(
        "е над допустимия максимум {limit}.", "is above the maximum of {limit}."
    ),
    "valid.constraint.exclusiveMinimum": _cell(
        "трябва да е по-голяма от {limit}.", "must be greater than {limit}."
    ),
    "valid.constraint.exclusiveMaximum": _cell(
        "трябва да е по-малка от {limit}.", "must be less than {limit}."
    ),
    "valid.constraint.minLength": _cell(
        "е твърде кратка: трябва да има поне {limit} знака.",
        "is too short: it must have at least {limit} characters.",
    ),
    "valid.constraint.maxLength": (
        "Текстът в колона „{field_bg}“ е твърде дълъг: {length} знака при най-много {limit}.",
        "The text in column '{field_en}' is too long: {length} characters, at most {limit} allowed.",
    ),
    "valid.constraint.pattern": _cell(
        "не е в нужния запис. {hint_bg}", "is not written in the required form. {hint_en}"
    ),
    "valid.constraint.enum": _cell(
        "не е сред допустимите: {allowed}.", "is not one of the allowed values: {allowed}."
    ),
    # Uniqueness across rows
    "valid.unique-error": _cell(
        "трябва да е уникална, но вече я има на ред {other}.",
        "must be unique but already appears in row {other}.",
    ),
    "valid.primary-key": (
        "Редът повтаря ключа ({key}) от ред {other}; всеки ред трябва да има различна комбинация "
        "от {columns_bg}.",
        "The row repeats the key ({key}) of row {other}; each row needs a different combination "
        "of {columns_en}.",
    ),
    "valid.primary-key.blank": (
        "Ключовите колони ({columns_bg}) на този ред са празни.",
        "The key columns ({columns_en}) are empty in this row.",
    ),
    # Row shape
    "valid.missing-cell": (
        "На този ред липсва клетка за колона „{field_bg}“: редът има по-малко клетки от заглавния.",
        "This row has no cell for column '{field_en}': it has fewer cells than the header.",
    ),
    "valid.extra-cell": (
        "Редът има повече клетки от заглавния: излишна стойност „{value}“ в позиция {position}.",
        "The row has more cells than the header: an extra value '{value}' at position {position}.",
    ),
    "valid.blank-row": ("Редът е празен.", "The row is empty."),
    # Header
    "valid.extra-label": (
        "Колоната „{value}“ не е описана в схемата на набора от данни.",
        "The column '{value}' is not described in the dataset's schema.",
    ),
    "valid.missing-label": (
        "Липсва колоната „{field_bg}“ ({field}), която схемата изисква.",
        "The column '{field_en}' ({field}) required by the schema is missing.",
    ),
    "valid.duplicate-label": (
        "Колоната „{value}“ се среща повече от веднъж в заглавния ред.",
        "The column '{value}' appears more than once in the header row.",
    ),
    "valid.blank-label": (
        "Колона {position} няма име в заглавния ред.",
        "Column {position} has no name in the header row.",
    ),
    "valid.incorrect-label": (
        "Заглавието „{value}“ в позиция {position} не съвпада с колоната „{field_bg}“ от схемата.",
        "The header '{value}' at position {position} does not match the schema's column "
        "'{field_en}'.",
    ),
    "valid.blank-header": ("Заглавният ред е празен.", "The header row is empty."),
    "valid.unmatched-header": (
        "Нито една колона от заглавния ред не е описана в схемата.",
        "None of the header's columns is described in the schema.",
    ),
    "valid.encoding-error": (
        "Файлът не е валиден текст в кодировка UTF-8.", "The file is not valid UTF-8 text."
    ),
    # Anything frictionless reports that has no message of its own
    "valid.other": (
        "Проблем при проверката на данните ({code}): {detail}",
        "Problem while checking the data ({code}): {detail}",
    ),
    # The schema itself
    "valid.bad-schema": (
        "Схемата на таблицата е невалидна: {detail}",
        "The table schema is invalid: {detail}",
    ),
    "valid.unsafe-schema": (
        "Схемата на таблицата трябва да е вградена и да не препраща към други файлове или "
        "адреси („{key}“).",
        "The table schema must be inline and must not refer to other files or addresses ('{key}').",
    ),
    "valid.bad-limit": (
        "Границата на грешките трябва да е поне 1, а не {limit}.",
        "The error limit must be at least 1, not {limit}.",
    ),
}
