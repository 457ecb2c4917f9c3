"""RFC 9457 problem details for every error the API returns.

Each :class:`truce.errors.TruceError` maps to a problem whose ``type`` is the relative
URI ``/problems/<slug>``; ``GET /problems/<slug>`` describes it, for every type this
server emits (each is a class of :mod:`truce.errors`). Validation errors of FastAPI and
Starlette's HTTP errors are rewritten into the same form (a body that is not JSON says
where it breaks; a 405 lists in ``Allow`` every method the path takes), a database that
cannot be reached is a 503 with ``Retry-After``, and anything unexpected becomes a 500
problem without a traceback.
"""

from __future__ import annotations

import inspect
import logging
import sys
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Scope

from truce import errors
from truce.errors import TruceError
from truce.storage.db import UNAVAILABLE
from truce.verify.replay import AuditError

MEDIA_TYPE = "application/problem+json"
#: Seconds a client should wait before retrying while the database is unavailable.
RETRY_AFTER_SECONDS = 10
log = logging.getLogger(__name__)


def _all_errors() -> dict[str, type[TruceError]]:
    """Every error class by slug: those of :mod:`truce.errors` and every subclass defined
    elsewhere (an audit's failure in :mod:`truce.verify`)."""
    found: dict[str, type[TruceError]] = {}
    for _name, cls in inspect.getmembers(errors, inspect.isclass):
        if issubclass(cls, TruceError):
            found[cls.slug] = cls
    waiting: list[type[TruceError]] = [TruceError]
    while waiting:
        cls = waiting.pop()
        found.setdefault(cls.slug, cls)
        waiting.extend(cls.__subclasses__())
    found.pop(TruceError.slug, None)  # the base's placeholder: never sent
    return found


PROBLEM_TYPES = _all_errors()
#: Described too, although only ``truce verify`` reports them (imported for that).
VERIFY_ERRORS = (AuditError,)


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
    from the ``except`` block): the client learns nothing of the server's internals.

    An exception that means the database cannot be reached now is a 503 instead
    (:func:`unavailable`).
    """
    raised = sys.exc_info()[1]
    if isinstance(raised, UNAVAILABLE):
        return unavailable(method, path, raised)
    log.exception("unexpected error on %s %s", method, path)
    return from_error(
        errors.InternalError("the server failed to handle this request; nothing was recorded"),
        path,
    )


def unavailable_error() -> errors.UnavailableError:
    """What a client is told when the database cannot be used: never the driver's words."""
    return errors.UnavailableError(
        "the server cannot reach its database just now; nothing was recorded: "
        f"retry in {RETRY_AFTER_SECONDS} seconds"
    )


def unavailable(method: str, path: str, exc: BaseException) -> JSONResponse:
    """The 503 problem, with ``Retry-After``, of a database that cannot be reached."""
    log.warning("database unavailable on %s %s: %s", method, path, exc)
    response = from_error(unavailable_error(), path)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


#: Pydantic's error types for a body that is not a JSON object at all.
BODY_NOT_OBJECT = frozenset({"model_attributes_type", "dict_type", "model_type"})
#: The methods a 405 may list.
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(app: Any, scope: Scope) -> list[str]:
    """Every method some route of ``app`` takes on the path of ``scope`` (RFC 9110
    §10.2.1): Starlette names only those of the first route matching the path."""
    return [
        method
        for method in METHODS
        if any(
            route.matches(dict(scope, method=method))[0] == Match.FULL
            for route in app.router.routes
        )
    ]


def body_not_json(error: dict[str, Any], body: Any) -> str:
    """A delegate-readable account of a body that is not JSON: where and why it breaks."""
    reason = str((error.get("ctx") or {}).get("error") or "not JSON")
    position = next((part for part in error.get("loc", ())[1:] if isinstance(part, int)), None)
    if isinstance(body, str | bytes) and position is not None:
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        return (
            f"the request body is not valid JSON: {reason.lower()} "
            f"(line {line}, column {column}); send one JSON object"
        )
    return f"the request body is not valid JSON: {reason.lower()}; send one JSON object"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json."""

    @app.exception_handler(TruceError)
    async def _truce(request: Request, exc: TruceError) -> JSONResponse:
        return from_error(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        if first.get("type") == "json_invalid":
            return from_error(
                errors.InputError(body_not_json(first, exc.body), field="body"),
                request.url.path,
            )
        if tuple(first.get("loc", ())) == ("body",) and first.get("type") in BODY_NOT_OBJECT:
            return from_error(
                errors.InputError(
                    "the request body must be one JSON object, sent with "
                    "Content-Type: application/json",
                    field="body",
                ),
                request.url.path,
            )
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
        path = request.url.path
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            response = from_error(errors.NotFoundError(f"{request.method} {path}: Not Found"), path)
        elif exc.status_code == 405:
            allowed = allowed_methods(request.app, request.scope)
            headers["Allow"] = ", ".join(allowed)
            response = from_error(
                errors.MethodNotAllowedError(
                    f"{request.method} {path}: this path takes {', '.join(allowed)}"
                ),
                path,
            )
        else:
            detail = str(exc.detail)
            if isinstance(exc.__cause__, UnicodeDecodeError | ValueError):  # FastAPI's body
                detail = "the request body is not UTF-8 JSON text; send one JSON object"
            response = problem(
                exc.status_code,
                errors.HTTPRequestError.title if exc.status_code == 400 else str(exc.detail),
                f"{request.method} {path}: {detail}",
                slug=errors.HTTPRequestError.slug,
                instance=path,
            )
        response.headers.update(headers)
        return response

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        return unavailable(request.method, request.url.path, exc)

    for cls in UNAVAILABLE:
        app.add_exception_handler(cls, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, UNAVAILABLE):
            return unavailable(request.method, request.url.path, exc)
        return internal_error(request.method, request.url.path)

    @app.get("/problems/{slug}", tags=["problems"], summary="Describe a problem type")
    async def _describe(slug: str) -> dict[str, Any]:
        cls = PROBLEM_TYPES.get(slug) or _all_errors().get(slug)
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
