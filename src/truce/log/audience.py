"""Who may see a case or an act: the audience rule, once, as SQL and as a check.

An act's body, and a case (the body of its ``case.lodge``), is visible to a member if
the member wrote it, or its audience is ``all`` or ``public``, or ``mediators`` and the member is a
mediator, or a list naming the member (:func:`truce.ledger.envelope.audience_includes`).
:func:`visible` writes that rule as a SQL condition on a stored audience, for every
query of the read side; :meth:`Reader.sees` checks one stored row, and every row a
query reads is checked with it again before it is shown. The two agree because the
stored audience is JSON: ``"all"``, ``"mediators"`` or a list of member codes such as
``["AF", "TR", "QA"]``; member codes are capital letters only, so the quoted code
``"AF"`` occurs in the JSON text exactly when the list names that member.

:class:`Everyone` reads as every member at once: what it sees is the mechanism's common
record, the acts every member may read. The compliance matrix is worked out from it, so
that every member is shown the same matrix and no member is measured on a case another
member was not shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, String, and_, cast, false, or_, select

from truce.accounts.service import Identity
from truce.ledger.envelope import audience_includes, stored_audience
from truce.storage.models import CaseRecord, Member


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads: the member, whether it is a mediator (audience ``mediators``), and the
    role of its delegate (which acts it may sign)."""

    member: str
    mediator: bool
    role: str = "observer"

    def sees(self, audience: Any, author: str) -> bool:
        """:func:`audience_includes` for a stored audience."""
        return audience_includes(stored_audience(audience), author, self.member, self.mediator)


@dataclass(frozen=True, slots=True)
class Everyone:
    """Every member of the mechanism reading at once: it sees an act only if each of them
    may (the common record)."""

    readers: tuple[Reader, ...]

    def sees(self, audience: Any, author: str) -> bool:
        """Whether every member may see a row of this audience and author."""
        return all(reader.sees(audience, author) for reader in self.readers)


def everyone(connection: Connection) -> Everyone:
    """Every member in the members' projection, as one reader of the common record."""
    rows = connection.execute(select(Member.code, Member.kind).order_by(Member.code)).all()
    return Everyone(tuple(Reader(code, kind == "mediator") for code, kind in rows))


def is_mediator(connection: Connection, member: str) -> bool:
    """Whether ``member`` is a mediator, by the members' projection."""
    kind = connection.execute(select(Member.kind).where(Member.code == member)).scalar()
    return kind == "mediator"


def reader_of(connection: Connection, identity: Identity) -> Reader:
    """The reader for ``identity``, with its member's kind from the projection."""
    return Reader(identity.member, is_mediator(connection, identity.member), identity.role)


def visible(
    reader: Reader | Everyone, audience: Any = CaseRecord.audience, author: Any = None
) -> Any:
    """SQL: the row's audience includes ``reader`` (see the module's docstring), or, for
    :class:`Everyone`, every member.

    ``audience`` and ``author`` default to a case's; pass an act's (or a count's)
    columns for other rows.
    """
    author = CaseRecord.lodged_by if author is None else author
    if isinstance(reader, Everyone):
        return and_(*(visible(member, audience, author) for member in reader.readers))
    text = cast(audience, String)
    return or_(
        author == reader.member,
        text == json.dumps("all"),
        text == json.dumps("public"),
        text == json.dumps("mediators") if reader.mediator else false(),
        text.contains(json.dumps(reader.member), autoescape=True),
    )
