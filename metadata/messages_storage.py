"""Bilingual messages of release storage: the object store (merged into MESSAGES).

The public may read them on a download's error page, so they never name the bucket or the
endpoint; the store's own error code is shown, since it is what an operator looks up.
"""
from __future__ import annotations

STORAGE_MESSAGES: dict[str, tuple[str, str]] = {
    "storage.unreachable": (
        "Хранилището за файлове не отговаря. Нищо не е променено; опитайте отново след малко.",
        "The file store does not answer. Nothing was changed; please try again in a moment.",
    ),
    "storage.refused": (
        "Хранилището за файлове отказа заявката ({code}). Нищо не е променено.",
        "The file store refused the request ({code}). Nothing was changed.",
    ),
    "storage.missing": (
        "Файлът „{key}“ липсва в хранилището за файлове.",
        "The file '{key}' is missing from the file store.",
    ),
    "storage.corrupt": (
        "Копието на „{key}“ в хранилището за файлове не съвпада с контролната сума в каталога.",
        "The file store's copy of '{key}' does not match the checksum in the catalog.",
    ),
    "storage.unverified": (
        "Хранилището за файлове не потвърди „{key}“; нищо не е публикувано.",
        "The file store did not confirm '{key}'; nothing was published.",
    ),
    "storage.exists": (
        "„{key}“ вече е записан в хранилището и не може да бъде заменен.",
        "'{key}' is already stored and can never be replaced.",
    ),
    "storage.bad-url": (
        "Адресът на хранилището „{url}“ не е разбран; възможни са: {schemes}.",
        "The storage address '{url}' is not understood; possible: {schemes}.",
    ),
}
