"""Reading the workflow state an earlier act left, by that act's leaf hash."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, select

from truce.errors import RefusedActError
from truce.ledger.envelope import SignedAct

T = TypeVar("T")


def state_of(
    connection: Connection,
    table: Any,
    leaf_hash: str,
    parse: Callable[[Any], T],
    *,
    opened_by: str,
    noun: str,
) -> T:
    """The parsed ``state`` of the row of ``table`` whose act has ``leaf_hash``.

    ``refs[0]`` of a follow-up act names the act that opened what it continues (a case,
    an attestation, a request); anything else is refused with the reason.
    """
    row = connection.execute(select(table.state).where(table.leaf_hash == leaf_hash)).first()
    if row is None:
        raise RefusedActError(
            f"refs[0] must be the leaf hash of a {opened_by} act; {leaf_hash} is not {noun}",
            field="refs",
        )
    return parse(row.state)


def first_ref(act: SignedAct, what: str) -> str:
    """``refs[0]`` of a follow-up act: the leaf hash of ``what`` it continues, which it
    must name (RefusedActError otherwise)."""
    if not act.envelope.refs:
        raise RefusedActError(
            f"{act.envelope.kind} names {what} in refs[0]: its leaf hash", field="refs"
        )
    return act.envelope.refs[0]
