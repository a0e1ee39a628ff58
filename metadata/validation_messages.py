"""Bilingual messages for validation errors (merged into metadata.messages.MESSAGES)."""
from __future__ import annotations

VALIDATION_MESSAGES: dict[str, tuple[str, str]] = {}
