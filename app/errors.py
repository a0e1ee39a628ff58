"""Map domain errors and HTTP errors to bilingual pages (and JSON for API paths)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from metadata.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    NotReady,
    OtkritoError,
    StorageFull,
    StorageUnavailable,
    ValidationFailed,
)
from metadata.messages import Text, text

STATUS: dict[type[OtkritoError], int] = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    InvalidInput: 400,
    ValidationFailed: 422,
    StorageFull: 507,
    NotReady: 503,
    StorageUnavailable: 503,  # the object store: the portal's side, and worth a retry
}

HTTP_TEXT = {
    400: Text("Заявката е невалидна.", "The request is not valid."),
    403: Text("Нямате право на достъп до тази страница.", "You are not allowed to see this page."),
    404: Text("Страницата не е намерена.", "The page was not found."),
    405: Text("Този метод не е позволен тук.", "This method is not allowed here."),
    413: Text("Файлът е твърде голям.", "The file is too large."),
    500: Text("Възникна грешка в портала. Опитайте отново по-късно.",
              "The portal hit an error. Please try again later."),
}


def catalog_unavailable(error: BaseException) -> bool:
    """Tell whether an error means the catalog's server is away (restarting, failing over).

    The engine's pool drops the dead connections, so the next request reconnects by itself:
    the visitor is told to try again shortly, and no node needs a restart.
    """
    return isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _render(status: int, message: Text):  # type: ignore[no-untyped-def]
    if _wants_json():
        body = {"status": status, "title": message.en, "title_bg": message.bg}
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(OtkritoError)
    def domain_error(error: OtkritoError):  # type: ignore[no-untyped-def]
        return _render(STATUS.get(type(error), 400), error.text)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        status = error.code or 500
        return _render(status, HTTP_TEXT.get(status, HTTP_TEXT[400 if status < 500 else 500]))

    @app.errorhandler(DBAPIError)
    def catalog_error(error: DBAPIError):  # type: ignore[no-untyped-def]
        if not catalog_unavailable(error):
            return unexpected(error)
        app.logger.warning("The catalog is unavailable: %s", str(error.orig or error).strip()[:300])
        response = app.make_response(_render(503, text("catalog.unavailable")))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("Unhandled error", exc_info=error)
        return _render(500, HTTP_TEXT[500])
