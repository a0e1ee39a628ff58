"""Bilingual messages of the staff workspace and the publishing API (merged into MESSAGES)."""
from __future__ import annotations

STAFF_MESSAGES: dict[str, tuple[str, str]] = {
    # Accounts and sign-in
    "staff.bad-email": ("„{email}“ не е адрес на електронна поща.", "'{email}' is not an e-mail address."),
    "staff.user-exists": ("Вече има потребител {email}.", "There is already a user {email}."),
    "staff.user-not-found": ("Няма потребител {email}.", "There is no user {email}."),
    "staff.password-too-short": (
        "Паролата трябва да е поне {minimum} знака.",
        "The password must be at least {minimum} characters long.",
    ),
    "staff.password-too-long": (
        "Паролата трябва да е най-много {maximum} знака.",
        "The password must be at most {maximum} characters long.",
    ),
    "staff.login-failed": (
        "Грешен адрес или парола.", "Wrong e-mail address or password.",
    ),
    "staff.login-throttled": (
        "Твърде много неуспешни опити. Опитайте отново след {minutes} минути.",
        "Too many failed attempts. Try again in {minutes} minutes.",
    ),
    "staff.unknown-role": (
        "Непозната роля „{role}“. Възможни: {choices}.", "Unknown role '{role}'. Choices: {choices}.",
    ),
    "staff.role-needs-publisher": (
        "Ролята „{role}“ е за определен издател: посочете --publisher.",
        "The role '{role}' belongs to a publisher: give --publisher.",
    ),
    "staff.forbidden": (
        "Нямате право да правите това за този издател.",
        "You are not allowed to do this for this publisher.",
    ),
    "staff.login-required": ("Влезте в системата.", "Please sign in."),
    # API tokens
    "token.missing": (
        "Липсва API ключ: изпратете заглавка Authorization: Bearer <ключ>.",
        "The API token is missing: send the header Authorization: Bearer <token>.",
    ),
    "token.invalid": (
        "API ключът е невалиден, изтекъл или оттеглен.",
        "The API token is not valid, has expired or was revoked.",
    ),
    "token.not-found": ("Няма такъв API ключ.", "There is no such API token."),
    # Forms
    "form.required": ("Полето е задължително.", "This field is required."),
    "form.invalid": ("Стойността не е допустима.", "The value is not valid."),
    "form.choice": ("Изберете една от възможните стойности.", "Choose one of the offered values."),
    "form.email": ("Въведете адрес на електронна поща.", "Enter an e-mail address."),
    "form.date": ("Въведете дата във вида гггг-мм-дд.", "Enter a date as yyyy-mm-dd."),
    "form.too-long": ("Текстът е твърде дълъг.", "The text is too long."),
    "form.slug": (
        "Само малки латински букви, цифри и тирета (напр. byudzhet-2026).",
        "Lowercase Latin letters, digits and hyphens only (e.g. budget-2026).",
    ),
    "form.reason": (
        "Опишете причината с поне 10 знака.", "Describe the reason in at least 10 characters.",
    ),
    "form.unknown-field": ("Непознато поле.", "Unknown field."),
    "form.period": (
        "Краят на периода е преди началото му.", "The end of the period is before its start.",
    ),
    "form.primary-key": (
        "Първичният ключ трябва да е от колоните на таблицата.",
        "The primary key must be made of the table's columns.",
    ),
    "form.invalid-input": ("Данните във формуляра имат грешки.", "The form has errors."),
    # Uploads and releases
    "upload.missing-file": ("Изберете файл за качване.", "Choose a file to upload."),
    "upload.not-found": ("Няма такова качване.", "There is no such upload."),
    "upload.not-ready": (
        "Качването още не е проверено или не е валидно.",
        "The upload has not been checked yet or is not valid.",
    ),
    "upload.failed": (
        "Файлът не може да бъде обработен: {detail}", "The file could not be processed: {detail}",
    ),
    "upload.interrupted": (
        "Обработката беше прекъсната; качете файла отново.",
        "Processing was interrupted; upload the file again.",
    ),
    "upload.expired": (
        "Файлът е изтрит, защото дълго не беше публикуван; качете го отново.",
        "The file was deleted because it was not published for a long time; upload it again.",
    ),
    "release.already-withdrawn": (
        "Версия {version} на „{slug}“ вече е оттеглена.",
        "Release {version} of '{slug}' is already withdrawn.",
    ),
}

# Plain-words summary of a report: one sentence per kind of error and column.
SUMMARY_MESSAGES: dict[str, tuple[str, str]] = {
    "summary.type-error.date": (
        "Редове, в които „{field}“ не е дата: {count}", "Rows where '{field}' is not a date: {count}",
    ),
    "summary.type-error.integer": (
        "Редове, в които „{field}“ не е цяло число: {count}",
        "Rows where '{field}' is not a whole number: {count}",
    ),
    "summary.type-error.number": (
        "Редове, в които „{field}“ не е число: {count}",
        "Rows where '{field}' is not a number: {count}",
    ),
    "summary.type-error": (
        "Редове, в които „{field}“ е от неочакван вид: {count}",
        "Rows where '{field}' holds a value of the wrong kind: {count}",
    ),
    "summary.constraint-error": (
        "Редове, в които „{field}“ е извън допустимото: {count}",
        "Rows where '{field}' is out of bounds: {count}",
    ),
    "summary.required": (
        "Редове без стойност в задължителната колона „{field}“: {count}",
        "Rows with no value in the required column '{field}': {count}",
    ),
    "summary.unique": (
        "Редове, които повтарят стойност в „{field}“, а тя трябва да е уникална: {count}",
        "Rows that repeat a value in '{field}', which must be unique: {count}",
    ),
    "summary.missing-cell": (
        "Редове с по-малко клетки от заглавния ред: {count}",
        "Rows with fewer cells than the header: {count}",
    ),
    "summary.extra-cell": (
        "Редове с повече клетки от заглавния ред: {count}",
        "Rows with more cells than the header: {count}",
    ),
    "summary.blank-row": ("Празни редове: {count}", "Empty rows: {count}"),
    "summary.row": (
        "Редове с проблем от вида „{code}“: {count}", "Rows with a problem of kind '{code}': {count}",
    ),
    "summary.file": ("Проблем с файла: {message}", "A problem with the file: {message}"),
}
