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
    response = problem(
        error.status,
        error.title,
        error.message,
        slug=error.slug,
        instance=instance,
        field=error.field,
        problems=problems,
    )
    if isinstance(error, errors.AuthenticationError):  # RFC 6750 §3: name the scheme
        response.headers["WWW-Authenticate"] = 'Bearer realm="truce"'
    return response


def internal_error(method: str, path: str) -> JSONResponse:
    """The 500 problem of an unexpected exception, logged with its traceback (call it
    from the ``except`` block): the client learns nothing of the server's internals."""
    log.exception("unexpected error on %s %s", method, path)
    return problem(
        500,
        "Internal error",
        "the server failed to handle this request; nothing was recorded",
        slug="internal-error",
        instance=path,
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
        return internal_error(request.method, request.url.path)

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


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "/problems/<slug>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string", "description": "the input at fault"},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}


def document(app: FastAPI) -> None:
    """Describe errors as they are sent: RFC 9457 problems, and the bearer scheme.

    FastAPI documents a 422 ``HTTPValidationError`` on every route with parameters;
    truce answers invalid input with a 400 problem instead, so the generated document
    is corrected once, when first asked for.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        problem_response = {
            "description": "An RFC 9457 problem",
            "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                if "HTTPValidationError" in str(responses.get("422", "")):
                    del responses["422"]
                responses.setdefault("4XX", problem_response)
                responses.setdefault("5XX", problem_response)
                operation.setdefault("security", [{"bearer": []}, {}])
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["Problem"] = PROBLEM_SCHEMA
        components.setdefault("securitySchemes", {})["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "A delegate's API token (reads of the log itself need none).",
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
