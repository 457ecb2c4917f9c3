"""The workflow checks of admission, against the states of a batch, by act kind.

Cases, attestations and requests for joint action are opened by one act and continued
by later ones; :class:`Books` opens, for one admission transaction, the book each
concept registered (:mod:`truce.log.registry`), so that acts about one case (or one
request) in one batch are each judged against the state the previous ones left. Which
book checks an act is told by its kind's prefix; kinds no concept registered (keys,
statements, media) are judged by admission alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from truce.acts.actor import Actor
from truce.errors import RefusedActError
from truce.ledger.envelope import SignedAct
from truce.log.registry import Book, Decided, books
from truce.scenario.rules import Scenario


def _prefix(kind: str) -> str:
    return kind.split(".", 1)[0] + "."


def is_checked(kind: str) -> bool:
    """Whether a concept registered a book for acts of ``kind``."""
    return _prefix(kind) in books()


@dataclass(frozen=True, slots=True)
class Books:
    """The books of one transaction, by their kinds' prefix."""

    by_prefix: dict[str, Book]

    @classmethod
    def open(cls, connection: Connection, scenario: Scenario) -> Books:
        """Every registered book, empty: states are read from the projections when needed."""
        return cls(
            {prefix: open_book(connection, scenario) for prefix, open_book in books().items()}
        )

    def save(self) -> dict[str, object]:
        """The states of every book as they are now."""
        return {prefix: book.save() for prefix, book in self.by_prefix.items()}

    def restore(self, saved: dict[str, object]) -> None:
        """Put back the states :meth:`save` kept."""
        for prefix, book in self.by_prefix.items():
            book.restore(saved[prefix])

    def check(self, scenario: Scenario, act: SignedAct, now: datetime) -> Decided:
        """Refuse the act (RefusedActError) unless its concept's rules allow it now;
        the states it leaves otherwise."""
        envelope = act.envelope
        book = self.by_prefix.get(_prefix(envelope.kind))
        if book is None:
            raise RefusedActError(f"no concept checks {envelope.kind} acts", field="kind")
        member = scenario.member(envelope.member)
        actor = Actor(
            member=envelope.member,
            kind=member.kind if member is not None else "unknown",
            at=envelope.time,
        )
        return book.check(act, actor, now)
