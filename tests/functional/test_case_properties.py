"""Random sequences of case acts through the real admission service, against a model.

Hypothesis draws lists of steps: every step of a case (lodge by either party, respond
with each position including a counter-claim, evidence, investigate, request and provide
information, agreeing and disagreeing findings, rule, appeal or its waiver, penalty
(only once the ruling is final) with the right and
the wrong ``prior_violations``, withdraw, close), signed by the right and the wrong
members and roles, with the clock moved past the response deadline and the appeal
window, plus stale, future-dated and replayed acts. Each step is signed with the demo
keys and submitted to ``Admission.submit`` of a fresh istanbul-2025 mechanism.

The test keeps its own model of the workflow, written from the rules of ``docs/acts.md``
and the case workflow (who may take which step, and when), not from
``truce.cases.rules``. After every step:

- the act was accepted exactly when the model says it is allowed (and a refusal has the
  problem type the model expects: ``role-not-permitted`` before any workflow rule);
- an accepted act leaves every case valid (a known status; ruled ⇒ outcome; penalised ⇒
  a confirmed violation and a penalty; at most one finding per mediator), and a closed
  or withdrawn case never changes again;
- a refused act changed nothing: log size, root, and every projection row (``snapshot``);
- every case's status, outcome, violator and penalty in the ``cases`` projection equal
  the model's.

At the end, ``projections.rebuild`` reproduces the live projections exactly.

SQLite runs ``SQLITE_EXAMPLES`` examples; PostgreSQL (when ``TRUCE_TEST_POSTGRES_URL``
is set) runs fewer, ``POSTGRES_EXAMPLES``, since each example creates a database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import Clock
from tests.databases import postgres_admin_url, postgres_database
from tests.mechanism import Mechanism
from tests.templates import Templates
from truce.errors import TruceError
from truce.ledger.envelope import SignedAct, format_time
from truce.log import projections
from truce.log.store import LogStore
from truce.storage.models import CaseRecord

SQLITE_EXAMPLES = 25
POSTGRES_EXAMPLES = 5
MIN_STEPS = 15
# No explain phase: re-running long examples to explain them takes minutes.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
MAX_STEPS = 50

# -- the rules, as this test reads them ---------------------------------------------------

PARTIES = ("PK", "AF")
MEDIATORS = ("TR", "QA")
MEMBER_KIND = {"PK": "party", "AF": "party", "TR": "mediator", "QA": "mediator"}
MEMBER_KIND["SEC"] = "secretariat"
STATUSES = {
    "awaiting_response",
    "under_investigation",
    "ruled",
    "penalised",
    "closed",
    "withdrawn",
}
TERMINAL = {"closed", "withdrawn"}
RESPONSE_HOURS = 72
APPEAL_DAYS = 14
INFO_DAYS = 7
MAX_AGE_HOURS = 24
PENALTY_WINDOW_DAYS = 90
SCHEDULE = {1: "formal-notice", 2: "public-censure", 3: "suspend-trade-facilitation"}
LAST_STEP = "referral-to-principals"
# The permission table of docs/acts.md, for the case kinds.
ALLOWED_ROLES = {
    "case.lodge": {"officer", "head"},
    "case.respond": {"head"},
    "case.evidence": {"officer", "head"},
    "case.investigate": {"officer", "head"},
    "case.request_info": {"officer", "head"},
    "case.provide_info": {"officer", "head"},
    "case.finding": {"head"},
    "case.rule": {"head"},
    "case.appeal": {"head"},
    "case.waive_appeal": {"head"},
    "case.penalty": {"head"},
    "case.withdraw": {"head"},
    "case.close": {"head", "secretariat"},
    "case.lapse": {"clock"},
}


def role_of(name: str) -> str:
    """The role of a demo delegate, from its name."""
    if name == "sec-clerk":
        return "secretariat"
    if name == "sec-clock":
        return "clock"
    return {"root": "head", "officer": "officer", "observer": "observer"}[name.split("-")[1]]


def member_of(name: str) -> str:
    return name.split("-")[0].upper()


def schedule_step(count: int) -> str:
    """The penalty for a member's ``count``-th violation within the window."""
    return SCHEDULE.get(count, LAST_STEP)


class RefusedError(Exception):
    """The model's refusal, with the problem slug it expects."""

    def __init__(self, slug: str = "act-refused") -> None:
        super().__init__(slug)
        self.slug = slug


def require(condition: bool) -> None:
    if not condition:
        raise RefusedError()


@dataclass(frozen=True)
class ModelCase:
    """What the test believes about one case."""

    lodged_by: str
    accused: str
    deadline: datetime
    status: str = "awaiting_response"
    answered: bool = False
    findings: dict[str, tuple[str, str | None, frozenset[str]]] = field(default_factory=dict)
    #: (to, answered or lapsed, deadline, asked_at when the accused asked the lodger)
    requests: tuple[tuple[str, bool, datetime, datetime | None], ...] = ()
    asked: bool = False
    outcome: str | None = None
    violator: str | None = None
    ruled_at: datetime | None = None
    appealed: bool = False
    waived: frozenset[str] = frozenset()
    penalty: str | None = None

    def final(self, at: datetime) -> bool:
        """No party may appeal the ruling any more: appealed once, both waived, or the
        window closed."""
        assert self.ruled_at is not None
        late = at > self.ruled_at + timedelta(days=APPEAL_DAYS)
        return self.appealed or late or self.waived == {self.lodged_by, self.accused}

    def paused(self) -> bool:
        """The accused's response clock stands still while its request is open."""
        return not self.answered and any(a is not None and not d for _, d, _, a in self.requests)

    def columns(self) -> tuple[str, str | None, str | None, str | None]:
        return (self.status, self.outcome, self.violator, self.penalty)


def new_case(lodger: str, at: datetime, body: dict[str, Any]) -> ModelCase:
    accused = body["accused"]["member"]
    require(MEMBER_KIND.get(lodger) == "party")
    require(MEMBER_KIND.get(accused) == "party" and accused != lodger)
    return ModelCase(lodged_by=lodger, accused=accused, deadline=at + timedelta(hours=72))


def assessment(case: ModelCase, body: dict[str, Any]) -> tuple[str, str | None, frozenset[str]]:
    outcome, violator = body["outcome"], body.get("violator")
    clauses = frozenset(body.get("clauses") or ())
    if outcome == "violation_confirmed":
        require(violator in (case.lodged_by, case.accused) and bool(clauses))
    else:
        require(violator is None)
    return (outcome, violator, clauses)


@dataclass
class Model:
    """Every case by the leaf hash of its lodging act."""

    cases: dict[str, ModelCase] = field(default_factory=dict)

    def prior_violations(self, member: str, at: datetime, excluding: str) -> int:
        since = at - timedelta(days=PENALTY_WINDOW_DAYS)
        return sum(
            1
            for key, case in self.cases.items()
            if key != excluding
            and case.outcome == "violation_confirmed"
            and case.violator == member
            and case.ruled_at is not None
            and since <= case.ruled_at <= at
        )

    def admit(
        self, name: str, kind: str, body: dict[str, Any], refs: tuple[str, ...], at: datetime
    ) -> dict[str, ModelCase]:
        """The cases the act creates or changes; raise RefusedError if it is not allowed."""
        if role_of(name) not in ALLOWED_ROLES[kind]:
            raise RefusedError("role-not-permitted")
        member = member_of(name)
        mkind = MEMBER_KIND[member]
        if kind == "case.lodge":
            return {"": new_case(member, at, body)}
        case = self.cases.get(refs[0])
        require(case is not None)
        assert case is not None
        if kind == "case.penalty":
            count = self.prior_violations(body["member"], at, refs[0])
            require(body["prior_violations"] == count)
        require(case.status not in TERMINAL)
        parties = (case.lodged_by, case.accused)
        changed: dict[str, ModelCase] = {}
        if kind == "case.respond":
            require(member == case.accused and case.status == "awaiting_response")
            require(not case.answered and (at <= case.deadline or case.paused()))
            if body["position"] == "request_information":
                require(not case.asked)
                asked = (case.lodged_by, False, at + timedelta(days=INFO_DAYS), at)
                after = replace(case, asked=True, requests=(*case.requests, asked))
            else:
                after = replace(case, answered=True)
            if body["position"] == "counter_claim":
                changed[""] = new_case(member, at, body["counter_case"])
        elif kind == "case.evidence":
            # Evidence cites files the server holds; these steps cite one never uploaded.
            require(False)
            after = case
        elif kind == "case.investigate":
            require(mkind == "mediator" and case.status == "awaiting_response")
            require(case.answered or (at > case.deadline and not case.paused()))
            after = replace(case, status="under_investigation")
        elif kind == "case.request_info":
            require(mkind == "mediator" and case.status == "under_investigation")
            require(body["to"] in parties)
            request = (body["to"], False, at + timedelta(days=INFO_DAYS), None)
            after = replace(case, requests=(*case.requests, request))
        elif kind in ("case.provide_info", "case.lapse"):
            to = member if kind == "case.provide_info" else body["to"]
            open_ = [i for i, (t, done, _, _) in enumerate(case.requests) if t == to and not done]
            require(bool(open_) and case.status in ("awaiting_response", "under_investigation"))
            _, _, due, asked_at = case.requests[open_[0]]
            if kind == "case.lapse":
                require(mkind == "secretariat" and body["due_at"] == format_time(due) and at > due)
            else:
                require(at <= due)
            requests = list(case.requests)
            requests[open_[0]] = (to, True, due, asked_at)
            after = replace(case, requests=tuple(requests))
            if asked_at is not None and not case.answered:
                after = replace(after, deadline=case.deadline + (at - asked_at))
        elif kind == "case.finding":
            require(mkind == "mediator" and case.status == "under_investigation")
            require(member not in case.findings)
            after = replace(case, findings={**case.findings, member: assessment(case, body)})
        elif kind == "case.rule":
            require(mkind == "mediator" and case.status == "under_investigation")
            ruling = assessment(case, body)
            agreeing = sum(1 for found in case.findings.values() if found == ruling)
            require(agreeing >= len(MEDIATORS))
            after = replace(
                case, status="ruled", outcome=ruling[0], violator=ruling[1], ruled_at=at
            )
        elif kind in ("case.appeal", "case.waive_appeal"):
            require(member in parties and case.status == "ruled" and not case.appealed)
            require(member not in case.waived)
            assert case.ruled_at is not None
            require(at <= case.ruled_at + timedelta(days=APPEAL_DAYS))
            if kind == "case.waive_appeal":
                after = replace(case, waived=case.waived | {member})
            else:
                after = replace(
                    case,
                    status="under_investigation",
                    appealed=True,
                    findings={},
                    outcome=None,
                    violator=None,
                    ruled_at=None,
                    waived=frozenset(),
                )
        elif kind == "case.penalty":
            require(mkind == "mediator" and case.status == "ruled")
            require(case.final(at))
            require(case.outcome == "violation_confirmed" and body["member"] == case.violator)
            require(body["step"] == schedule_step(body["prior_violations"] + 1))
            after = replace(case, status="penalised", penalty=body["step"])
        elif kind == "case.withdraw":
            require(member == case.lodged_by)
            require(case.status in ("awaiting_response", "under_investigation"))
            after = replace(case, status="withdrawn")
        elif kind == "case.close":
            require(mkind in ("mediator", "secretariat"))
            if case.status == "ruled":
                assert case.ruled_at is not None
                require(case.outcome != "violation_confirmed")
                require(case.final(at))
            else:
                require(case.status == "penalised")
            after = replace(case, status="closed")
        else:  # pragma: no cover - the strategies draw only the kinds above
            raise AssertionError(kind)
        changed[refs[0]] = after
        return changed


# -- bodies -----------------------------------------------------------------------------


def lodge_body(accused: str, clauses: tuple[str, ...] = ("C4",)) -> dict[str, Any]:
    return {
        "incident": {
            "type": "shelling",
            "occurred_at": "2025-11-06T10:30:00Z",
            "time_precision": "hour",
            "place": {"place_id": "spin-boldak", "precision": "approximate"},
            "actors": ["unidentified"],
            "killed": {"civilians": 1},
            "injured": {},
        },
        "accused": {"member": accused},
        "clauses": list(clauses),
        "narrative": "Shells struck homes.",
        "language": "en",
    }


def other_party(code: str) -> str:
    return "AF" if code == "PK" else "PK"


def respond_body(position: str, responder: str, lodger: str) -> dict[str, Any]:
    body: dict[str, Any] = {"position": position, "statement": "Our answer.", "language": "en"}
    if position == "counter_claim":
        body["counter_case"] = lodge_body(lodger)
    elif position == "counter_self":  # a counter-claim against oneself: refused
        body = {**body, "position": "counter_claim", "counter_case": lodge_body(responder)}
    return body


def assessment_body(case: ModelCase | None, variant: int) -> dict[str, Any]:
    lodger, accused = (case.lodged_by, case.accused) if case else ("PK", "AF")
    outcome, violator, clauses = [
        ("violation_confirmed", accused, ["C4"]),
        ("violation_confirmed", lodger, ["C4"]),
        ("not_substantiated", None, []),
        ("inconclusive", None, []),
        ("violation_confirmed", None, ["C4"]),  # names no violator: refused
        ("violation_confirmed", accused, ["C1", "C4"]),  # disagrees on the clauses
    ][variant % 6]
    body: dict[str, Any] = {"outcome": outcome, "clauses": clauses, "reasons": "Seen."}
    body["language"] = "en"
    if violator is not None:
        body["violator"] = violator
    return body


NOTE = {"note": "Noted.", "language": "en"}
STATEMENT = {"statement": "For the record.", "language": "en"}
EVIDENCE = {
    "files": [{"sha256": "0" * 64, "media_type": "image/jpeg", "size": 10}],
    "description": "A photograph.",
    "language": "en",
}
POSITIONS = ("accept", "deny", "counter_claim", "request_information", "counter_self")
CASE_OPS = (
    "lodge",
    "respond",
    "evidence",
    "investigate",
    "request_info",
    "provide_info",
    "finding",
    "rule",
    "appeal",
    "waive_appeal",
    "penalty",
    "withdraw",
    "close",
)
WHO = ("lodger", "accused", "TR", "QA", "SEC", "observer")
LEVELS = ("root", "officer")
UNKNOWN_CASE = "ab" * 32

# -- steps ------------------------------------------------------------------------------

Step = tuple[Any, ...]

case_step = st.tuples(
    st.sampled_from(CASE_OPS),
    st.integers(0, 3),
    st.sampled_from(WHO),
    st.sampled_from(LEVELS),
    st.integers(0, 29),
)
happy_step = st.tuples(st.just("happy"), st.integers(0, 3), st.integers(0, 29))
steps_strategy = st.lists(
    st.one_of(
        *[happy_step] * 6,
        *[case_step] * 3,
        st.tuples(st.just("advance"), st.sampled_from([1, 1, 1, 71, 73, 24 * 15])),
        st.one_of(
            st.tuples(st.just("stale"), st.sampled_from([-(MAX_AGE_HOURS + 1) * 3600, 3600])),
            st.tuples(st.just("replay"), st.integers(0, 10_000)),
        ),
    ),
    min_size=MIN_STEPS,
    max_size=MAX_STEPS,
)


@dataclass
class Run:
    """One example: the mechanism, the model, and what has been accepted so far."""

    mechanism: Mechanism
    clock: Clock
    model: Model = field(default_factory=Model)
    order: list[str] = field(default_factory=list)  # case keys in the order they appeared
    accepted: list[SignedAct] = field(default_factory=list)
    frozen: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    last_refusal: str = ""

    def case_at(self, slot: int) -> tuple[str, ModelCase | None]:
        if not self.order:
            return UNKNOWN_CASE, None
        key = self.order[slot % len(self.order)]
        return key, self.model.cases[key]

    def name(self, who: str, level: str, case: ModelCase | None) -> str:
        lodger, accused = (case.lodged_by, case.accused) if case else ("PK", "AF")
        if who == "SEC":
            return "sec-clerk"
        if who == "observer":
            return f"{lodger.lower()}-observer"
        code = {"lodger": lodger, "accused": accused}.get(who, who)
        return f"{code.lower()}-{level}"

    # -- making acts ------------------------------------------------------------------

    def random_act(self, step: Step) -> tuple[str, str, dict[str, Any], tuple[str, ...]]:
        op, slot, who, level, variant = step
        key, case = self.case_at(slot)
        name = self.name(who, level, case)
        kind = f"case.{op}"
        refs: tuple[str, ...] = (key,)
        lodger, accused = (case.lodged_by, case.accused) if case else ("PK", "AF")
        if op == "lodge":
            target = [other_party(member_of(name)), member_of(name), "TR"][variant % 3]
            if target == "SEC":
                target = "PK"
            return name, kind, lodge_body(target), ()
        if op == "respond":
            position = POSITIONS[variant % len(POSITIONS)]
            return name, kind, respond_body(position, member_of(name), lodger), refs
        if op in ("finding", "rule"):
            return name, kind, assessment_body(case, variant), refs
        if op == "request_info":
            to = [accused, lodger, "TR"][variant % 3]
            body = {"to": to, "questions": "Where were your units?", "language": "en"}
            return name, kind, body, refs
        if op == "penalty":
            violator = case.violator if case and case.violator else accused
            member = violator if (variant // 6) % 2 == 0 else other_party(violator)
            count = self.model.prior_violations(member, self.clock(), key)
            prior = max(0, count + [0, 1, -1][variant % 3])
            step_id = schedule_step(prior + 1) if (variant // 3) % 2 == 0 else "public-censure"
            return name, kind, {"member": member, "step": step_id, "prior_violations": prior}, refs
        body = {
            "evidence": EVIDENCE,
            "provide_info": STATEMENT,
            "appeal": STATEMENT,
        }.get(op, NOTE)
        return name, kind, body, refs

    def happy_act(self, step: Step) -> tuple[str, str, dict[str, Any], tuple[str, ...]] | None:
        """The next step the model allows for a case (None: move the clock instead)."""
        _, slot, variant = step
        key, case = self.case_at(slot)
        now = self.clock()
        if case is None or case.status in TERMINAL:
            lodger = PARTIES[variant % 2]
            return f"{lodger.lower()}-officer", "case.lodge", lodge_body(other_party(lodger)), ()
        refs = (key,)
        lodger, accused = case.lodged_by, case.accused
        if case.status == "awaiting_response":
            asked = [r for r in case.requests if r[3] is not None and not r[1]]
            if asked and now <= asked[0][2]:
                return f"{lodger.lower()}-officer", "case.provide_info", STATEMENT, refs
            if asked:  # the lodger let it lapse: the secretariat's clock records it
                body = {"deadline": "information", "to": lodger, "due_at": format_time(asked[0][2])}
                return "sec-clock", "case.lapse", body, refs
            if case.answered or now > case.deadline:
                return "tr-officer", "case.investigate", NOTE, refs
            position = POSITIONS[variant % 4]
            body = respond_body(position, accused, lodger)
            return f"{accused.lower()}-root", "case.respond", body, refs
        if case.status == "under_investigation":
            waiting = [(to, due) for to, done, due, _ in case.requests if not done]
            if waiting and now <= waiting[0][1]:
                return f"{waiting[0][0].lower()}-officer", "case.provide_info", STATEMENT, refs
            if waiting:
                to, due = waiting[0]
                body = {"deadline": "information", "to": to, "due_at": format_time(due)}
                return "sec-clock", "case.lapse", body, refs
            if variant % 5 == 0 and not case.findings:
                body = {"to": accused, "questions": "Which units?", "language": "en"}
                return "qa-officer", "case.request_info", body, refs
            missing = [m for m in MEDIATORS if m not in case.findings]
            if missing:
                agreed = next(iter(case.findings.values()), None)
                if agreed is not None and variant % 7 != 0:
                    outcome, violator, clauses = agreed
                    body = {"outcome": outcome, "clauses": sorted(clauses), "reasons": "Seen."}
                    body["language"] = "en"
                    if violator is not None:
                        body["violator"] = violator
                else:
                    body = assessment_body(case, [0, 2, 3, 1][variant % 4])
                return f"{missing[0].lower()}-root", "case.finding", body, refs
            first, second = case.findings["TR"], case.findings["QA"]
            if first != second:
                return f"{lodger.lower()}-root", "case.withdraw", NOTE, refs
            outcome, violator, clauses = first
            body = {"outcome": outcome, "clauses": sorted(clauses), "reasons": "Agreed."}
            body["language"] = "en"
            if violator is not None:
                body["violator"] = violator
            return "tr-root", "case.rule", body, refs
        if case.status == "ruled":
            assert case.ruled_at is not None
            in_window = now <= case.ruled_at + timedelta(days=APPEAL_DAYS)
            if not case.appealed and in_window and variant % 3 == 0:
                return (
                    f"{[lodger, accused][variant % 2].lower()}-root",
                    "case.appeal",
                    STATEMENT,
                    refs,
                )
            if not case.final(now):
                waiting = [m for m in (lodger, accused) if m not in case.waived]
                if variant % 2 == 0:
                    return f"{waiting[0].lower()}-root", "case.waive_appeal", NOTE, refs
                return None
            if case.outcome == "violation_confirmed":
                assert case.violator is not None
                count = self.model.prior_violations(case.violator, now, key)
                body = {
                    "member": case.violator,
                    "step": schedule_step(count + 1),
                    "prior_violations": count,
                }
                return "qa-root", "case.penalty", body, refs
            return "sec-clerk", "case.close", NOTE, refs
        return "tr-root", "case.close", NOTE, refs  # penalised

    # -- submitting and checking --------------------------------------------------------

    def state(self) -> tuple[int, bytes, dict[str, list[tuple[Any, ...]]]]:
        with self.mechanism.db.read() as connection:
            head = LogStore(connection).head()
            return head.size, head.root, projections.snapshot(connection)

    def case_rows(self) -> dict[str, Any]:
        with self.mechanism.db.read() as connection:
            rows = connection.execute(select(CaseRecord)).all()
        return {row.leaf_hash: row for row in rows}

    def submit(self, act: SignedAct) -> str | None:
        """Submit ``act``; return the refusal's slug, or None if accepted."""
        before = self.state()
        refusal: TruceError | None = None
        try:
            self.mechanism.admission.submit(act)
        except TruceError as error:
            refusal = error
        if refusal is not None:
            assert self.state() == before, f"a refused act ({refusal.slug}) changed something"
            event(f"refused: {refusal.slug}")
            self.last_refusal = refusal.message
            return refusal.slug
        event(f"accepted: {act.envelope.kind}")
        self.accepted.append(act)
        return None

    def case_step(self, name: str, kind: str, body: dict[str, Any], refs: tuple[str, ...]) -> None:
        at = self.clock()
        try:
            changed = self.model.admit(name, kind, body, refs, at)
        except RefusedError as refusal:
            expected: str | None = refusal.slug
        else:
            expected = None
        act = self.mechanism.act(name, kind, body, refs=refs)
        if act in self.accepted:
            # The same act by the same signer in the same second: one act, logged once,
            # and told as such before anything else is checked.
            expected = "replayed-act"
        got = self.submit(act)
        assert got == expected, (
            f"{name} {kind} {body} on {refs}: expected {expected or 'acceptance'}, "
            f"got {got or 'acceptance'} ({self.last_refusal}); the model's case: "
            f"{self.model.cases.get(refs[0]) if refs else None}"
        )
        if got is None and expected is None:
            own = act.envelope.leaf_hash().hex()
            for key, case in changed.items():
                key = key or own
                if key not in self.model.cases:
                    self.order.append(key)
                self.model.cases[key] = case
            self.check_cases()

    def check_cases(self) -> None:
        rows = self.case_rows()
        assert set(rows) == set(self.model.cases)
        for key, row in rows.items():
            assert row.status in STATUSES
            if row.status == "ruled":
                assert row.outcome is not None
            if row.status == "penalised" or row.penalty is not None:
                assert row.outcome == "violation_confirmed"
                assert row.penalty is not None
            assert len(row.state["findings"]) <= len(MEDIATORS)
            assert (row.status, row.outcome, row.violator, row.penalty) == (
                self.model.cases[key].columns()
            ), f"case {key[:8]}: projection {row.status} differs from the model"
            frozen = (row.state, row.updated_idx)
            if key in self.frozen:
                assert self.frozen[key] == frozen, f"{row.status} case {key[:8]} changed"
            elif row.status in TERMINAL:
                self.frozen[key] = frozen

    def run(self, steps: list[Step]) -> None:
        for step in steps:
            op = step[0]
            if op == "advance":
                self.clock.advance(hours=step[1])
            elif op == "stale":
                name = "pk-officer"
                act = self.mechanism.act(
                    name,
                    "case.lodge",
                    lodge_body("AF"),
                    at=self.clock() + timedelta(seconds=step[1]),
                )
                assert self.submit(act) == "implausible-time"
            elif op == "replay":
                if self.accepted:
                    act = self.accepted[step[1] % len(self.accepted)]
                    assert self.submit(act) is not None, "a replayed act was accepted"
            elif op == "happy":
                made = self.happy_act(step)
                if made is None:
                    self.clock.advance(days=APPEAL_DAYS + 1)
                else:
                    self.case_step(*made)
            else:
                self.case_step(*self.random_act(step))
        self.check_cases()
        live = self.state()
        with self.mechanism.db.write() as connection:
            projections.rebuild(connection)
        assert self.state() == live, "the rebuilt projections differ from the live ones"


# -- the backends -----------------------------------------------------------------------


@contextmanager
def sqlite_mechanism(folder: Path, clock: Clock, templates: Templates) -> Iterator[Mechanism]:
    name = uuid.uuid4().hex[:12]
    url = f"sqlite:///{folder / f'{name}.db'}"
    built = templates.mechanism(url, folder / f"{name}-keys", clock)
    try:
        yield built
    finally:
        built.db.dispose()


@contextmanager
def postgres_mechanism(
    folder: Path, clock: Clock, admin_url: str, templates: Templates
) -> Iterator[Mechanism]:
    with postgres_database(admin_url) as url:
        built = templates.mechanism(url, folder / f"{uuid.uuid4().hex[:12]}-keys", clock)
        try:
            yield built
        finally:
            built.db.dispose()


@settings(
    max_examples=SQLITE_EXAMPLES,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=steps_strategy)
def test_random_case_acts_on_sqlite(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates, steps: list[Step]
) -> None:
    clock = Clock()
    with sqlite_mechanism(tmp_path_factory.mktemp("cases"), clock, templates) as built:
        Run(built, clock).run(steps)


@pytest.mark.postgres
@settings(
    max_examples=POSTGRES_EXAMPLES,
    deadline=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps=steps_strategy)
def test_random_case_acts_on_postgresql(
    tmp_path_factory: pytest.TempPathFactory, templates: Templates, steps: list[Step]
) -> None:
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("no PostgreSQL server (run the suite with make test)")
    clock = Clock()
    with postgres_mechanism(tmp_path_factory.mktemp("cases"), clock, admin_url, templates) as built:
        Run(built, clock).run(steps)
