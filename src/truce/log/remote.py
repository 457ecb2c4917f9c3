"""A client of another truce server's read API (``/log/v1/``), for mirrors.

Every failure, from a refused connection to an answer that is not what the API
documents, becomes a :class:`~truce.errors.RemoteError` saying what went wrong.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import httpx

from truce.errors import RemoteError


class Remote:
    """The server's read API, through an ``httpx.Client`` whose base URL is the server."""

    def __init__(self, client: httpx.Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def _get(
        self, path: str, params: dict[str, Any] | None = None, *, auth: bool = False
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else None
        url = f"{str(self.client.base_url).rstrip('/')}{path}"
        try:
            response = self.client.get(path, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise RemoteError(f"cannot reach {url}: {exc or type(exc).__name__}") from exc
        return response

    @staticmethod
    def _fail(response: httpx.Response) -> RemoteError:
        detail = response.text[:200].strip()
        try:
            problem = response.json()
            if isinstance(problem, dict) and isinstance(problem.get("detail"), str):
                detail = problem["detail"]
        except ValueError:
            pass
        return RemoteError(
            f"{response.request.method} {response.request.url} answered "
            f"{response.status_code}: {detail or response.reason_phrase}"
        )

    def _json(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self._get(path, params)
        if response.status_code != 200:
            raise self._fail(response)
        try:
            data = response.json()
        except ValueError as exc:
            raise RemoteError(f"{response.request.url} did not answer JSON") from exc
        if not isinstance(data, dict):
            raise RemoteError(f"{response.request.url} did not answer a JSON object")
        return data

    def checkpoint(self) -> bytes:
        """The newest checkpoint note, as served (log signature and cosignatures)."""
        response = self._get("/log/v1/checkpoint")
        if response.status_code != 200:
            raise self._fail(response)
        return response.content

    def entries(self, start: int, end: int) -> list[bytes]:
        """Leaves ``start..end`` inclusive; possibly fewer, never others."""
        data = self._json("/log/v1/entries", {"start": start, "end": end})
        rows = data.get("entries")
        if not isinstance(rows, list) or not rows:
            raise RemoteError(f"the server returned no entries from {start}")
        leaves: list[bytes] = []
        for offset, row in enumerate(rows):
            if not isinstance(row, dict) or row.get("index") != start + offset:
                raise RemoteError(f"the server returned entries out of order from {start}")
            leaves.append(b64decode(row.get("leaf"), f"entry {start + offset}"))
        if len(leaves) > end - start + 1:
            raise RemoteError(f"the server returned more entries than asked from {start}")
        return leaves

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The server's consistency proof from ``first`` to ``second`` entries."""
        data = self._json("/log/v1/proof/consistency", {"first": first, "second": second})
        nodes = data.get("consistency")
        if not isinstance(nodes, list):
            raise RemoteError("the consistency proof has no list of hashes")
        return [b64decode(node, "a consistency proof hash") for node in nodes]

    def body(self, digest: str) -> bytes | None:
        """A body's bytes, or None when the token's member is outside its audience (403)."""
        response = self._get(f"/log/v1/bodies/{digest}", auth=True)
        if response.status_code == 403:
            return None
        if response.status_code != 200:
            raise self._fail(response)
        return response.content


def b64decode(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise RemoteError(f"{what} is not a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RemoteError(f"{what} is not valid base64") from exc
