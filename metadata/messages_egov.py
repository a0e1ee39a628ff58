"""Bilingual messages of the data.egov.bg registration (`otkrito egov`, the workspace page).

Merged into MESSAGES by metadata/messages.py. The remote's own words ({message}) are quoted as
the national portal sent them, never with the API key in them (datasets/egov_client.py).
"""
from __future__ import annotations

EGOV_MESSAGES: dict[str, tuple[str, str]] = {
    "egov.no-key": (
        "Издателят {publisher} няма въведен API ключ за data.egov.bg. Въведете го в работното "
        "място (Администриране → data.egov.bg) или с `otkrito egov key {publisher}`.",
        "The publisher {publisher} has no data.egov.bg API key. Enter it in the workspace "
        "(data.egov.bg page) or with `otkrito egov key {publisher}`.",
    ),
    "egov.bad-key": (
        "API ключът трябва да е един ред без интервали, от 8 до 200 знака.",
        "The API key must be one line without spaces, 8 to 200 characters long.",
    ),
    "egov.bad-org": (
        "Номерът на организацията в data.egov.bg трябва да е цяло число от 1 до 10 цифри, а не „{value}“.",
        "The organisation id on data.egov.bg must be a whole number of 1 to 10 digits, not '{value}'.",
    ),
    "egov.key-unreadable": (
        "Съхраненият API ключ на {publisher} не може да се разчете: ключът на инстанцията "
        "(OTKRITO_SECRET_KEY) е сменен. Въведете API ключа отново.",
        "The stored API key of {publisher} cannot be read: the instance's secret key "
        "(OTKRITO_SECRET_KEY) has changed. Enter the API key again.",
    ),
    "egov.bad-url": (
        "OTKRITO_EGOV_URL трябва да е адрес http(s)://хост[:порт] без път, заявка или потребител, а не „{url}“.",
        "OTKRITO_EGOV_URL must be an http(s)://host[:port] address without a path, query or user, not '{url}'.",
    ),
    "egov.unreachable": (
        "Порталът data.egov.bg на адрес {url} не отговаря ({detail}). Нищо не е променено; "
        "опитайте отново по-късно.",
        "The national portal at {url} cannot be reached ({detail}). Nothing was changed; "
        "try again later.",
    ),
    "egov.redirect": (
        "{url} отговори на {action} с пренасочване ({status}) към {location}; пренасочванията не "
        "се следват, за да не отиде API ключът другаде. Проверете OTKRITO_EGOV_URL.",
        "{url} answered {action} with a redirect ({status}) to {location}; redirects are not "
        "followed, so that the API key goes nowhere else. Check OTKRITO_EGOV_URL.",
    ),
    "egov.denied": (
        "data.egov.bg отказа достъп при {action} (HTTP {status}): „{message}“. Проверете API ключа "
        "и номера на организацията.",
        "data.egov.bg denied access to {action} (HTTP {status}): '{message}'. Check the API key "
        "and the organisation id.",
    ),
    "egov.refused": (
        "data.egov.bg отказа {action} (HTTP {status}): „{message}“",
        "data.egov.bg refused {action} (HTTP {status}): '{message}'",
    ),
    "egov.bad-answer": (
        "data.egov.bg отговори на {action} с HTTP {status}, но не с очаквания JSON отговор.",
        "data.egov.bg answered {action} with HTTP {status}, but not with the JSON answer expected.",
    ),
    "egov.no-release": (
        "Наборът {slug} няма публикувана версия с CSV файл; той ще бъде регистриран след първата публикация.",
        "The dataset {slug} has no published release with a CSV file; it is registered after its first publish.",
    ),
    "egov.sample": (
        "Наборът {slug} е демонстрационен и не се регистрира в data.egov.bg.",
        "The dataset {slug} is demo content and is not registered on data.egov.bg.",
    ),
    "egov.too-long": (
        "Наборът {slug}: {field} е по-дълго от {limit} знака, колкото приема data.egov.bg.",
        "The dataset {slug}: {field} is longer than the {limit} characters data.egov.bg accepts.",
    ),
    "egov.busy": (
        "Друга синхронизация на {publisher} с data.egov.bg тече в момента; опитайте след нея.",
        "Another data.egov.bg sync of {publisher} is running; try again after it.",
    ),
    "egov.key-saved": (
        "API ключът на {publisher} е съхранен (шифрован). Той няма да бъде показван повече.",
        "The API key of {publisher} is stored (encrypted). It is never shown again.",
    ),
    "egov.summary": (
        "{publisher}: {calls} заявки към data.egov.bg, {registered} регистрирани набора, {failed} с грешка, {skipped} пропуснати.",
        "{publisher}: {calls} calls to data.egov.bg, {registered} datasets registered, {failed} failed, {skipped} skipped.",
    ),
    "egov.stopped": (
        "Синхронизацията спря; получените адреси (URI) са запазени и следващата продължава оттук.",
        "The sync stopped; the URIs obtained are kept and the next sync goes on from here.",
    ),
}
