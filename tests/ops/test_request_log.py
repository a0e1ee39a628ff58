"""The request log's settings and text lines (the real server's JSON lines: test_served.py)."""
from __future__ import annotations

import logging

import pytest

from app import config
from app.ops.request_log import _TextFormatter, shown_path, write
from metadata.errors import NotReady


def test_an_unknown_log_format_stops_start_up_in_both_languages() -> None:
    with pytest.raises(NotReady) as refused:
        config.load({"OTKRITO_LOG_FORMAT": "xml"})
    assert "xml" in refused.value.text.en and "text, json" in refused.value.text.en
    assert "възможни са" in refused.value.text.bg
    assert config.load({"OTKRITO_LOG_FORMAT": "JSON"})["LOG_FORMAT"] == "json"
    assert config.load({})["LOG_FORMAT"] == "text"


def test_a_text_line_is_key_value_pairs_with_secrets_redacted() -> None:
    records: list[logging.LogRecord] = []
    log = logging.getLogger("otkrito.request.test-text")
    log.propagate = False
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    write(log, request_id="r-1", method="GET", route="/follow/confirm/<token>",
          path="/follow/confirm/s3cr3t-t0ken", status=200, duration_ms=1.26, sent=10, client="127.0.0.1",
          secrets=("s3cr3t-t0ken",))
    line = _TextFormatter().format(records[0])
    assert line.split(" ", 1)[1] == ("request_id=r-1 method=GET route=/follow/confirm/<token> "
                                     "path=/follow/confirm/[redacted] status=200 duration_ms=1.3 "
                                     "bytes=10 client=127.0.0.1")
    assert shown_path("/datasets/someone@example.bg/x") == "/datasets/[redacted]/x"
