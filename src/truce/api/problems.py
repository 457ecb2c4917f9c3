"""RFC 9457 problem details for every error the API returns.

Each :class:`truce.errors.TruceError` maps to a problem whose ``type`` is the relative
URI ``/problems/<slug>``; ``GET /problems/<slug>`` describes it. Validation errors of
FastAPI and Starlette's HTTP errors are rewritten into the same form, and anything
unexpected becomes a 500 problem without a traceback.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from truce import errors
from truce.errors import TruceError

MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)


def _all_errors() -> dict[str, type[TruceError]]:
    found: dict[str, type[TruceError]] = {}
    for _name, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, TruceError):
            found[cls.slug] = cls
    return found


PROBLEM_TYPES = _all_errors()


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str,
    instance: str | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response (RFC 9457 §3)."""
    content: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        content["instance"] = instance
    content.update({key: value for key, value in extensions.items() if value is not None})
    return JSONResponse(content, status_code=status, media_type=MEDIA_TYPE)


def from_error(error: TruceError, instance: str | None = None) -> JSONResponse:
    """The problem response for one of truce's own errors."""
    problems = getattr(error, "problems", None) or None
    return problem(
        error.status,
        error.title,
        error.message,
        slug=error.slug,
        instance=instance,
        field=error.field,
        problems=problems,
    )


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(TruceError)
    async def _truce(request: Request, exc: TruceError) -> JSONResponse:
        return from_error(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(part) for part in first.get("loc", ())]
        field = ".".join(loc[1:]) if len(loc) > 1 else (loc[0] if loc else None)
        return problem(
            400,
            "Invalid input",
            f"{field or 'request'}: {first.get('msg', 'invalid')}",
            slug="invalid-input",
            instance=request.url.path,
            field=field,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        response = problem(
            exc.status_code,
            str(exc.detail) if exc.status_code != 404 else "Not found",
            f"{request.method} {request.url.path}: {exc.detail}",
            slug=slug,
            instance=request.url.path,
        )
        response.headers.update(exc.headers or {})  # e.g. the Allow of a 405 (RFC 9110)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "Internal error",
            "the server failed to handle this request; nothing was recorded",
            slug="internal-error",
            instance=request.url.path,
        )

    @app.get("/problems/{slug}", tags=["problems"], summary="Describe a problem type")
    async def _describe(slug: str) -> dict[str, Any]:
        cls = PROBLEM_TYPES.get(slug)
        if cls is None:
            raise errors.NotFoundError(f"no problem type {slug!r}")
        return {
            "type": f"/problems/{slug}",
            "title": cls.title,
            "status": cls.status,
            "description": inspect.cleandoc(cls.__doc__ or ""),
        }
