"""The one way a workflow rule refuses an act: a :class:`RefusedActError` with the reason."""

from __future__ import annotations

from truce.errors import RefusedActError


def require(condition: bool, message: str, field_name: str = "kind") -> None:
    """Refuse the act, naming the input at fault, unless ``condition`` holds."""
    if not condition:
        raise RefusedActError(message, field=field_name)
