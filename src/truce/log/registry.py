"""What each concept adds to the log, registered by act kind.

A concept's ``checks.py`` registers, with :func:`checks`, the book that admission asks
about its act kinds (the workflow states a batch reads and advances); its
``projection.py`` registers a handler per kind with
:func:`truce.log.projections.projects`. The log itself imports no concept: the
concepts' modules are named once, as the ``truce.concepts`` entry points of the
package (``pyproject.toml``), and :func:`load_concepts` imports them before the first
act is checked or projected, so admission, ``truce rebuild`` and a mirror all know the
same kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Connection

from truce.acts.actor import Actor
from truce.errors import ConfigurationError
from truce.ledger.envelope import SignedAct
from truce.scenario.rules import Scenario

#: The entry-point group that names every concept's checks and projection modules.
GROUP = "truce.concepts"


class Book(Protocol):
    """The workflow states of one concept in one admission transaction."""

    def check(self, act: SignedAct, actor: Actor, now: datetime) -> Decided:
        """Refuse the act (RefusedActError) unless the concept's rules allow it now;
        otherwise advance the states it touches, for the acts after it, and return them
        (:data:`Decided`) for the projection to store."""

    def save(self) -> object:
        """The states as they are now, for :meth:`restore`."""

    def restore(self, saved: object) -> None:
        """Put back the states :meth:`save` returned (a refused act is undone)."""


Decided = Mapping[str, object]
"""The states an admitted act leaves, by the leaf hash (hex) of the act that opened each
(a case, an attestation, a request). The book's rules decide them once; the act's
projection handler stores them (:func:`truce.log.projections.decided`) instead of
running the same step again."""

NOTHING_DECIDED: Decided = MappingProxyType({})

BookFactory = Callable[[Connection, Scenario], Book]
Factory = TypeVar("Factory", bound=BookFactory)

_BOOKS: dict[str, BookFactory] = {}
_BOOKS_VIEW: Mapping[str, BookFactory] = MappingProxyType(_BOOKS)
_loaded = False


def checks(prefix: str) -> Callable[[Factory], Factory]:
    """Register the book that checks the act kinds starting with ``prefix`` (``"case."``)."""

    def register(factory: Factory) -> Factory:
        if _BOOKS.get(prefix, factory) is not factory:
            raise ValueError(f"the kinds {prefix}* are already checked by another book")
        _BOOKS[prefix] = factory
        return factory

    return register


_READS: dict[str, frozenset[str]] = {}


def reads_projection(kind: str, *of: str) -> None:
    """Declare that checking an act of ``kind`` reads what acts of the kinds ``of``
    project (``media.corroborate`` reads the clusters that ``media.item`` acts form).

    Admission checks a run of acts before it projects them; an act of ``kind`` after
    one of ``of`` in the same run starts a new run, so it is checked against the
    projections as the earlier acts leave them.
    """
    _READS[kind] = _READS.get(kind, frozenset()) | frozenset(of)


def projected_before(kind: str) -> frozenset[str]:
    """The kinds whose projection checking an act of ``kind`` reads (see
    :func:`reads_projection`)."""
    load_concepts()
    return _READS.get(kind, frozenset())


def books() -> Mapping[str, BookFactory]:
    """Every registered book by its kinds' prefix (the concepts loaded first); a
    read-only view, since admission asks it of every act."""
    load_concepts()
    return _BOOKS_VIEW


def load_concepts() -> None:
    """Import every concept's checks and projection modules, once per process."""
    global _loaded
    if _loaded:
        return
    found = entry_points(group=GROUP)
    if not found:
        raise ConfigurationError(
            f"no {GROUP} entry points: install the truce package (pip install -e .)"
        )
    for entry in sorted(found, key=lambda e: e.name):
        entry.load()
    _loaded = True


class StatesBook:
    """A book whose states are one dict, keyed by the leaf hash of the act that opened
    each (a case, an attestation, a request): saving is copying it."""

    states: dict[str, Any]

    def save(self) -> object:
        """A copy of the states."""
        return dict(self.states)

    def restore(self, saved: object) -> None:
        """The states of the copy :meth:`save` made."""
        self.states = dict(cast("dict[str, Any]", saved))
