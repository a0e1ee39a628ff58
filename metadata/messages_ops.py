"""Bilingual messages of the operations endpoints: /metrics access (merged into MESSAGES)."""
from __future__ import annotations

OPS_MESSAGES: dict[str, tuple[str, str]] = {
    "metrics.loopback-only": (
        "/metrics отговаря само на заявки от същата машина (loopback). За достъп отдалеч задайте "
        "OTKRITO_METRICS_TOKEN и изпращайте заглавие „Authorization: Bearer <ключ>“.",
        "/metrics answers only requests from this machine (loopback). To scrape it from elsewhere, "
        "set OTKRITO_METRICS_TOKEN and send the header 'Authorization: Bearer <token>'.",
    ),
    "metrics.wrong-token": (
        "Ключът за /metrics липсва или е грешен: изпратете „Authorization: Bearer <ключ>“ със "
        "стойността на OTKRITO_METRICS_TOKEN.",
        "The /metrics token is missing or wrong: send 'Authorization: Bearer <token>' with the "
        "value of OTKRITO_METRICS_TOKEN.",
    ),
    "ops.log-format": (
        "OTKRITO_LOG_FORMAT е „{value}“; възможни са: text, json.",
        "OTKRITO_LOG_FORMAT is '{value}'; it may be: text, json.",
    ),
}
