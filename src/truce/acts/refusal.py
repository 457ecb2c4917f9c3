"""The one way a workflow rule refuses an act: a :class:`RefusedActError` with the reason."""

from __future__ import annotations

from truce.errors import RefusedActError
from truce.ledger.envelope import Audience, audience_includes


def require(condition: bool, message: str, field_name: str = "kind") -> None:
    """Refuse the act, naming the input at fault, unless ``condition`` holds."""
    if not condition:
        raise RefusedActError(message, field=field_name)


def require_addressed(audience: Audience, author: str, concerned: str, what: str) -> None:
    """Refuse ``what`` (an allegation, a request) unless the member it concerns may read
    it: nobody is judged, or asked to act, on what it was not shown. Restricted
    material goes beside it, in an act of its own whose existence, author, time and
    digest the concerned member still sees in the thread."""
    require(
        audience_includes(audience, author, concerned, reader_is_mediator=False),
        f"{what} concerns {concerned} and must be addressed to it: address it to all or "
        f"name {concerned} in the audience, and put restricted material in a separate act",
        "audience",
    )
