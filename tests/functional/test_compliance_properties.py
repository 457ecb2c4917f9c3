"""Every member's audience gives the same compliance matrix, for any sequence of acts.

Hypothesis draws lists of steps: allegations by either party with every kind of
audience (everyone, the accused alone, the accused and the mediators, lists that name
every member, and ``mediators``, which must be refused since it leaves out the
accused), each case's decision (a confirmed violation or not substantiated, through the
whole procedure, each step addressed as its case, the ruling to all; on cases both
mediators may read), withdrawals, attestations with the
same range of audiences and the mediators' reviews of them. Every act is posted to
``POST /log/v1/acts`` of the real app, signed by the demo delegates.

At the end, ``GET /api/v1/compliance`` is read as a delegate of each of the five
members. The test checks that:

- every member is given the same clauses, members and cells;
- the cells are those of the common record by this test's own model: only cases and
  attestations every member may read count (open allegations per clause and accused,
  confirmed violations per clause and violator, attestations acknowledged or disputed);
- what each member may read but the matrix leaves out (``not_counted``) is exactly the
  restricted cases and attestations addressed to it or written by it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Clock
from tests.databases import postgres_admin_url
from tests.functional.support import Delegations
from tests.functional.test_case_properties import postgres_mechanism, sqlite_mechanism
from tests.mechanism import Mechanism
from tests.templates import Templates
from truce.app import create_app
from truce.config import Settings

SQLITE_EXAMPLES = 12
POSTGRES_EXAMPLES = 3
MEMBERS = ("PK", "AF", "TR", "QA", "SEC")
READERS = {"PK": "pk-officer", "AF": "af-officer", "TR": "tr-officer", "QA": "qa-officer"}
READERS["SEC"] = "sec-clerk"
CLAUSES = ("C1", "C4", "C5")
#: Audiences drawn for an allegation, from its accused: the last names nobody by
#: name and must be refused, since it leaves out the accused.
CASE_AUDIENCES = ("all", "accused", "accused+mediators", "everyone-listed", "mediators")
ATTEST_AUDIENCES = ("all", "mediators", "mediators+other", "everyone-listed")
#: The acknowledgements that make an attestation acknowledged (the ruling quorum).
QUORUM = 2

Step = tuple[Any, ...]


def other(party: str) -> str:
    return "AF" if party == "PK" else "PK"


def audience_for(choice: str, author: str, concerned: str) -> Any:
    """The audience an act of ``author`` gets for ``choice``."""
    if choice == "all":
        return "all"
    if choice == "mediators":
        return "mediators"
    if choice == "accused":
        return [concerned]
    if choice == "accused+mediators":
        return [concerned, "TR", "QA"]
    if choice == "mediators+other":
        return ["TR", "QA", other(author)]
    return [code for code in MEMBERS if code != author]  # everyone-listed


def reads(audience: Any, author: str, member: str) -> bool:
    """This test's own reading of the audience rule."""
    if audience == "all" or member == author:
        return True
    if audience == "mediators":
        return member in ("TR", "QA")
    return member in audience


def common(audience: Any, author: str) -> bool:
    return all(reads(audience, author, member) for member in MEMBERS)


@dataclass
class ModelCase:
    index: int
    lodger: str
    accused: str
    clause: str
    audience: Any
    leaf: str
    status: str = "open"  # open, confirmed, not_substantiated, withdrawn


@dataclass
class ModelAttestation:
    index: int
    member: str
    clause: str
    audience: Any
    leaf: str
    reviews: dict[str, str] = field(default_factory=dict)

    def status(self) -> str:
        verdicts = list(self.reviews.values())
        if "disputed" in verdicts:
            return "disputed"
        if verdicts.count("acknowledged") >= QUORUM:
            return "acknowledged"
        return "pending"


def lodge_body(accused: str, clause: str, serial: int) -> dict[str, Any]:
    return {
        "incident": {
            "type": "shelling",
            "occurred_at": "2025-11-06T10:30:00Z",
            "time_precision": "hour",
            "place": {"place_id": "spin-boldak", "precision": "approximate"},
            "killed": {"civilians": 1},
        },
        "accused": {"member": accused},
        "clauses": [clause],
        "narrative": f"Shells struck homes (report {serial}).",
        "language": "en",
    }


def decision(outcome: str, violator: str, clause: str) -> dict[str, Any]:
    if outcome == "violation_confirmed":
        return {
            "outcome": outcome,
            "violator": violator,
            "clauses": [clause],
            "reasons": "Craters and hospital records agree.",
            "language": "en",
        }
    return {"outcome": outcome, "clauses": [], "reasons": "No trace found.", "language": "en"}


steps_strategy = st.lists(
    st.one_of(
        st.tuples(
            st.just("lodge"),
            st.sampled_from(("PK", "AF")),
            st.sampled_from(CASE_AUDIENCES),
            st.sampled_from(CLAUSES),
        ),
        st.tuples(
            st.just("decide"),
            st.integers(0, 20),
            st.sampled_from(("violation_confirmed", "not_substantiated")),
        ),
        st.tuples(st.just("withdraw"), st.integers(0, 20)),
        st.tuples(
            st.just("attest"),
            st.sampled_from(("PK", "AF")),
            st.sampled_from(ATTEST_AUDIENCES),
            st.sampled_from(CLAUSES),
        ),
        st.tuples(
            st.just("review"),
            st.integers(0, 20),
            st.sampled_from(("TR", "QA")),
            st.sampled_from(("acknowledged", "disputed")),
        ),
    ),
    min_size=4,
    max_size=16,
)


class Run:
    """One sequence of steps against one fresh mechanism, and this test's model of it."""

    def __init__(self, d: Delegations, clock: Clock) -> None:
        self.d = d
        self.clock = clock
        self.cases: list[ModelCase] = []
        self.attestations: list[ModelAttestation] = []
        self.serial = 0

    def post(self, name: str, kind: str, body: dict[str, Any], refs: tuple[str, ...] = (),
             audience: Any = "all", expect: int = 201) -> dict[str, Any]:  # fmt: skip
        self.clock.advance(minutes=1)
        return self.d.post(name, kind, body, refs, audience=audience, expect=expect)

    def lodge(self, lodger: str, choice: str, clause: str) -> None:
        accused = other(lodger)
        audience = audience_for(choice, lodger, accused)
        self.serial += 1
        body = lodge_body(accused, clause, self.serial)
        if choice == "mediators":
            refused = self.post(f"{lodger.lower()}-officer", "case.lodge", body, audience=audience,
                                expect=422)  # fmt: skip
            assert refused["field"] == "audience"
            return
        made = self.post(f"{lodger.lower()}-officer", "case.lodge", body, audience=audience)
        self.cases.append(
            ModelCase(made["index"], lodger, accused, clause, audience, made["leaf_hash"])
        )

    def decide(self, pick: int, outcome: str) -> None:
        open_cases = [
            case
            for case in self.cases
            if case.status == "open"
            and all(reads(case.audience, case.lodger, m) for m in ("TR", "QA"))
        ]
        if not open_cases:
            return
        case = open_cases[pick % len(open_cases)]
        refs, audience = (case.leaf,), case.audience
        deny = {"position": "deny", "statement": "Our forces did not fire.", "language": "en"}
        self.post(f"{case.accused.lower()}-root", "case.respond", deny, refs, audience)
        self.post("tr-officer", "case.investigate", {"note": "Opened."}, refs, audience)
        ruling = decision(outcome, case.accused, case.clause)
        self.post("tr-root", "case.finding", ruling, refs, audience)
        self.post("qa-root", "case.finding", ruling, refs, audience)
        self.post("qa-root", "case.rule", ruling, refs)  # a ruling is addressed to all
        case.status = "confirmed" if outcome == "violation_confirmed" else outcome

    def withdraw(self, pick: int) -> None:
        open_cases = [case for case in self.cases if case.status == "open"]
        if open_cases:
            case = open_cases[pick % len(open_cases)]
            self.post(f"{case.lodger.lower()}-root", "case.withdraw", {}, (case.leaf,),
                      case.audience)  # fmt: skip
            case.status = "withdrawn"

    def attest(self, member: str, choice: str, clause: str) -> None:
        audience = audience_for(choice, member, member)
        self.serial += 1
        body = {
            "clause": clause,
            "statement": f"Shared the threat reports of week {self.serial}.",
            "taken_at": "2025-11-09T12:00:00Z",
            "language": "en",
        }
        made = self.post(f"{member.lower()}-officer", "compliance.attest", body, audience=audience)
        self.attestations.append(
            ModelAttestation(made["index"], member, clause, audience, made["leaf_hash"])
        )

    def review(self, pick: int, mediator: str, verdict: str) -> None:
        pending = [a for a in self.attestations if mediator not in a.reviews]
        if not pending:
            return
        attestation = pending[pick % len(pending)]
        body = {"verdict": verdict, "reason": "Matches what our liaison officers saw."}
        self.post(f"{mediator.lower()}-root", "compliance.review", body, (attestation.leaf,),
                  [attestation.member, "TR", "QA"])  # fmt: skip
        attestation.reviews[mediator] = verdict

    def run(self, steps: list[Step]) -> None:
        for op, *args in steps:
            getattr(self, op)(*args)
        matrices = {
            member: self.d.get(name, "/api/v1/compliance") for member, name in READERS.items()
        }
        shared = [{k: v for k, v in m.items() if k != "not_counted"} for m in matrices.values()]
        assert all(other_ == shared[0] for other_ in shared), "members are shown different tables"
        self.check_cells(shared[0]["cells"])
        for member, matrix in matrices.items():
            assert matrix["not_counted"] == self.not_counted(member), member

    def check_cells(self, cells: list[dict[str, Any]]) -> None:
        for cell in cells:
            key = (cell["clause"], cell["member"])
            counted = [c for c in self.cases if common(c.audience, c.lodger)]
            assert cell["open_cases"] == [
                c.index for c in counted if (c.clause, c.accused) == key and c.status == "open"
            ], key
            assert cell["confirmed_cases"] == [
                c.index for c in counted if (c.clause, c.accused) == key and c.status == "confirmed"
            ], key
            attested = [
                a
                for a in self.attestations
                if common(a.audience, a.member) and (a.clause, a.member) == key
            ]
            assert cell["attestations"] == [a.index for a in attested], key
            for status in ("acknowledged", "disputed"):
                assert cell[status] == [a.index for a in attested if a.status() == status], key

    def not_counted(self, member: str) -> dict[str, list[int]]:
        return {
            "cases": [
                c.index
                for c in self.cases
                if reads(c.audience, c.lodger, member) and not common(c.audience, c.lodger)
            ],
            "attestations": sorted(
                a.index
                for a in self.attestations
                if reads(a.audience, a.member, member) and not common(a.audience, a.member)
            ),
        }


@contextmanager
def running(mechanism: Mechanism, clock: Clock) -> Iterator[Delegations]:
    """The real app over ``mechanism``, in process, and its demo delegations."""
    settings_ = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    with TestClient(create_app(settings_, clock=clock)) as client:
        yield Delegations(client, mechanism)


PROPERTY = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@settings(PROPERTY, max_examples=SQLITE_EXAMPLES)
@given(steps=steps_strategy)
def test_every_member_is_shown_the_same_matrix_on_sqlite(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates, steps: list[Step]
) -> None:
    clock = Clock()
    with (
        sqlite_mechanism(tmp_path_factory.mktemp("matrix"), clock, templates) as built,
        running(built, clock) as d,
    ):
        Run(d, clock).run(steps)


@pytest.mark.postgres
@settings(PROPERTY, max_examples=POSTGRES_EXAMPLES)
@given(steps=steps_strategy)
def test_every_member_is_shown_the_same_matrix_on_postgresql(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates, steps: list[Step]
) -> None:
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL server (run the suite with make test)")
    clock = Clock()
    folder = tmp_path_factory.mktemp("matrix")
    with (
        postgres_mechanism(folder, clock, admin_url, templates) as built,
        running(built, clock) as d,
    ):
        Run(d, clock).run(steps)
