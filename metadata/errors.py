"""Typed domain errors, each carrying a message id for its bilingual text."""
from __future__ import annotations

from typing import Any

from metadata.messages import Text, text


class OtkritoError(Exception):
    """Something the user can fix or should know about; never a bug."""

    def __init__(self, message_id: str, **params: Any) -> None:
        self.message_id = message_id
        self.params = params
        self.text: Text = text(message_id, **params)
        super().__init__(self.text.en)


class InvalidInput(OtkritoError):
    """The input cannot be read or does not fit what was asked."""


class ValidationFailed(OtkritoError):
    """The data was read but breaks its Table Schema; carries the report."""

    def __init__(self, message_id: str, *, report: Any = None, **params: Any) -> None:
        self.report = report
        super().__init__(message_id, **params)


class NotFound(OtkritoError):
    """The named object does not exist."""


class Conflict(OtkritoError):
    """The action clashes with the current state or a concurrent action."""


class Forbidden(OtkritoError):
    """The actor may not do this."""


class StorageFull(OtkritoError):
    """The disk ran out of space; nothing was changed."""


class NotReady(OtkritoError):
    """The portal cannot start yet: its catalog or settings need an operator's action first."""


class NewerSchema(NotReady):
    """The catalog's schema was made by a newer version of the code: nothing here may touch it.

    The command line says so in both languages and exits with status 1, as the server's factory
    does for every NotReady: an operator who installed the wrong version reads it in a log.
    """


class StorageUnavailable(OtkritoError):
    """The file store (object storage) could not be reached or refused; nothing was changed."""
