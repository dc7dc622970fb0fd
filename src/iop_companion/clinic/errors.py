"""Error responses: always `{"detail": "<a sentence for people>"}`, and bad input is never a 5xx."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from iop_companion.sync.protocol import describe_validation_errors

logger = logging.getLogger(__name__)

TOO_LARGE_DETAIL = "The request is too large for the clinic server."
SLOW_BODY_DETAIL = "The request took too long to arrive. Please try again."
BUSY_DETAIL = "The clinic server is busy. Please try again in a moment."

# On every response (clinic/limits.py adds them; the 500 below carries its own, since
# Starlette answers it outside the app's middleware). Responses hold health data, so
# nothing may cache them. HSTS tells browsers to use HTTPS for this host from now on:
# it is harmless on plain http://localhost, because browsers ignore the header on a
# response that did not come over HTTPS, and the phone app's HTTP client ignores it.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000",
    "Referrer-Policy": "no-referrer",
}

_FRIENDLIER_DETAIL = {
    status.HTTP_404_NOT_FOUND: "There is nothing at this address on the clinic server.",
    status.HTTP_405_METHOD_NOT_ALLOWED: "This address does not accept that kind of request.",
    status.HTTP_413_CONTENT_TOO_LARGE: TOO_LARGE_DETAIL,
}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _invalid_request(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        {"detail": describe_validation_errors(exc.errors())},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    # Only Starlette's own wording ("Not Found" for an unknown address) is replaced: a
    # route's message ("There is no such goal.") already says what is wrong.
    if exc.status_code in _FRIENDLIER_DETAIL and exc.detail == HTTPStatus(exc.status_code).phrase:
        exc = StarletteHTTPException(
            exc.status_code, _FRIENDLIER_DETAIL[exc.status_code], headers=exc.headers
        )
    return await http_exception_handler(request, exc)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    # Only the exception type and route: messages can quote data from the request.
    logger.error("Unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path)
    return JSONResponse(
        {"detail": "Something went wrong on the clinic server. Please try again later."},
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        headers=SECURITY_HEADERS,
    )
