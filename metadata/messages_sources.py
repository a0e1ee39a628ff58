"""Bilingual messages of scheduled sources and of safe fetching (merged into MESSAGES)."""
from __future__ import annotations

FETCH_MESSAGES: dict[str, tuple[str, str]] = {
    "fetch.bad-url": (
        "„{url}“ не е допустим адрес (URL).",
        "'{url}' is not a valid address (URL).",
    ),
    "fetch.scheme": (
        "Адресът „{url}“ използва „{scheme}“; допустими са само http:// и https://.",
        "The address '{url}' uses '{scheme}'; only http:// and https:// are allowed.",
    ),
    "fetch.credentials": (
        "Адресът съдържа потребител или парола; такива адреси не се приемат, защото ще се виждат.",
        "The address contains a user name or password; such addresses are refused, since they "
        "would be shown.",
    ),
    "fetch.unresolved": (
        "Името „{host}“ не може да бъде намерено (DNS).",
        "The name '{host}' cannot be found (DNS).",
    ),
    "fetch.refused-address": (
        "Адресът на „{host}“ е {address}: той не е публичен (вътрешна, локална или групова мрежа) и "
        "порталът не изтегля от него. Администраторът може да го разреши с OTKRITO_FETCH_ALLOW.",
        "'{host}' has the address {address}: it is not public (an internal, local or multicast "
        "network), and the portal does not fetch from it. An operator may allow it with "
        "OTKRITO_FETCH_ALLOW.",
    ),
    "fetch.unreachable": (
        "Сървърът „{host}“ не приема връзка.",
        "The server '{host}' does not accept a connection.",
    ),
    "fetch.broken": (
        "Връзката със сървъра „{host}“ прекъсна, преди файлът да бъде изтеглен целият.",
        "The connection to the server '{host}' broke off before the whole file arrived.",
    ),
    "fetch.timeout": (
        "Сървърът „{host}“ не отговори навреме.",
        "The server '{host}' did not answer in time.",
    ),
    "fetch.tls": (
        "Защитената връзка (TLS) със „{host}“ не може да бъде проверена: {detail}",
        "The secure connection (TLS) to '{host}' cannot be verified: {detail}",
    ),
    "fetch.too-large": (
        "Файлът е по-голям от {limit} байта (OTKRITO_MAX_UPLOAD_MB) и не е изтеглен.",
        "The file is larger than {limit} bytes (OTKRITO_MAX_UPLOAD_MB) and was not fetched.",
    ),
    "fetch.http-status": (
        "Сървърът отговори на „{url}“ с код {code}, а не с файл.",
        "The server answered '{url}' with status {code}, not with a file.",
    ),
    "fetch.too-many-redirects": (
        "„{url}“ пренасочва повече от {limit} пъти.",
        "'{url}' redirects more than {limit} times.",
    ),
    "fetch.bad-allow": (
        "OTKRITO_FETCH_ALLOW съдържа „{value}“, което не е мрежа във вида 10.0.0.0/8 или fd00::/8.",
        "OTKRITO_FETCH_ALLOW contains '{value}', which is not a network such as 10.0.0.0/8 or "
        "fd00::/8.",
    ),
}

SOURCES_MESSAGES: dict[str, tuple[str, str]] = {
    "source.bad-every": (
        "Непознат график „{every}“. Възможни: {choices} (или нищо: честотата на обновяване на "
        "набора).",
        "Unknown schedule '{every}'. Choices: {choices} (or none: the dataset's update frequency).",
    ),
    "source.not-found": (
        "Наборът „{slug}“ няма източник (адрес, от който да се изтегля).",
        "The dataset '{slug}' has no source (an address to fetch it from).",
    ),
    "source.busy": (
        "Този източник се проверява в момента; опитайте отново след малко.",
        "This source is being checked right now; try again in a moment.",
    ),
    # Reading a JSON array of records (datasets/json_records.py)
    "read.bad-json": (
        "Запис {row}: файлът не е валиден JSON ({detail}).",
        "Record {row}: the file is not valid JSON ({detail}).",
    ),
    "read.json-not-records": (
        "Запис {row}: очаква се масив от обекти (записи с имена на полета), например "
        "[{{\"код\": 1, \"име\": \"Левски\"}}].",
        "Record {row}: expected an array of objects (records with field names), such as "
        "[{{\"code\": 1, \"name\": \"Levski\"}}].",
    ),
    "read.json-new-key": (
        "Запис {row}: полето „{field}“ го няма в първите записи; всички записи трябва да имат "
        "едни и същи полета.",
        "Record {row}: the field '{field}' is not in the first records; all records must have the "
        "same fields.",
    ),
}
