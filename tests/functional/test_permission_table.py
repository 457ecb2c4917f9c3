"""The permission table (role by act kind): documented, generated, and enforced.

``docs/acts.md`` holds the table generated from :data:`truce.verify.registry.PERMISSIONS`
(``python -m tests.functional.test_permission_table`` rewrites it), and admission is
checked to refuse every kind to exactly the roles the table leaves out.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from tests.functional.test_access_matrix import finding, lodge, statement
from tests.mechanism import Mechanism
from truce.acts.text import content_hash
from truce.cases.rules import penalty_for
from truce.errors import RoleError, TruceError
from truce.verify.registry import PERMISSIONS, ROLES

DOCS = Path(__file__).parents[2] / "docs" / "acts.md"


def permission_table() -> str:
    """The role by kind table of ``docs/acts.md``, from :data:`PERMISSIONS`."""
    lines = ["| act kind | " + " | ".join(ROLES) + " |", "|---|" + "---|" * len(ROLES)]
    for kind, allowed in PERMISSIONS.items():
        cells = " | ".join("yes" if role in allowed else "" for role in ROLES)
        lines.append(f"| `{kind}` | {cells} |")
    return "\n".join(lines) + "\n"


def _documented() -> str:
    text = DOCS.read_text(encoding="utf-8")
    return text.split("<!-- permissions:start -->\n")[1].split("<!-- permissions:end -->")[0]


def test_the_documented_permission_table_is_generated_from_permissions() -> None:
    assert _documented() == permission_table(), (
        "docs/acts.md is out of date: python -m tests.functional.test_permission_table"
    )


ARTICLE = "Shells fell on Torkham on Sunday, officials said."

#: A well-formed body of each kind (the workflow may still refuse it: not for its role).
BODIES: dict[str, dict[str, Any]] = {
    "member.key": {"action": "register", "delegate": "x-new", "role": "observer",
                   "public_key": "A" * 43},
    "statement.publish": statement("roles"),
    "case.lodge": lodge("AF", "roles"),
    "case.respond": {"position": "deny", "statement": "No.", "language": "en"},
    "case.evidence": {"files": [{"sha256": "1" * 64, "media_type": "text/plain", "size": 1}],
                      "description": "x", "language": "en"},
    "case.investigate": {},
    "case.request_info": {"to": "AF", "questions": "?", "language": "en"},
    "case.provide_info": {"statement": "x", "language": "en"},
    "case.finding": finding("roles"),
    "case.rule": finding("roles"),
    "case.new_round": {},
    "case.refer": {},
    "case.lapse": {"deadline": "response", "due_at": "2025-11-04T08:00:00Z"},
    "case.extend": {"deadline": "response", "deadline_at": "2025-11-20T08:00:00Z", "reason": "x",
                    "language": "en"},
    "case.appeal": {"statement": "x", "language": "en"},
    "case.waive_appeal": {},
    "case.penalty": {"member": "AF", "step": "warning", "prior_violations": 0},
    "case.withdraw": {},
    "case.close": {},
    "compliance.attest": {"clause": "C5", "statement": "x", "taken_at": "2025-11-09T12:00:00Z",
                          "language": "en"},
    "compliance.review": {"verdict": "disputed", "reason": "x"},
    "crossing.status": {"crossing": "torkham", "trade": "open", "people": "open", "reason": "x",
                        "effective_at": "2025-11-09T12:00:00Z"},
    "joint.request": {"to": "AF", "place": {"place_id": "khost", "precision": "district"},
                      "description": "x", "requested_action": "x", "language": "en"},
    "joint.report": {"action_taken": "x", "outcome": "completed", "language": "en"},
    "joint.extend": {"deadline_at": "2025-11-20T08:00:00Z", "reason": "x", "language": "en"},
    "media.item": {"content_hash": content_hash(ARTICLE), "text": ARTICLE},
    "media.corroborate": {"cluster": 1, "items": [{"item": "cd" * 32}]},
    "report.publish": {"period": {"kind": "weekly", "from": "2025-11-03", "to": "2025-11-09"},
                       "title": "x", "data_sha256": "ab" * 32,
                       "pdfs": [{"language": "en", "sha256": "cd" * 32, "size": 1}]},
    "report.approve": {},
    "report.withdraw": {},
}  # fmt: skip

#: A delegate of each role (a party's, or the secretariat's for its own role).
BY_ROLE = {"officer": "pk-officer", "head": "pk-root", "observer": "pk-observer",
           "witness": "pk-witness", "secretariat": "sec-clerk", "clock": "sec-clock"}  # fmt: skip


def test_admission_enforces_the_permission_table_for_every_kind_and_role(
    mechanism: Mechanism,
) -> None:
    assert set(BODIES) == set(PERMISSIONS) - {"mechanism.genesis"}
    assert set(BY_ROLE) == set(ROLES)
    step = penalty_for(mechanism.scenario, 0)
    for kind, body in BODIES.items():
        if kind == "case.penalty":
            body = body | {"step": step}
        for role, name in BY_ROLE.items():
            act = mechanism.act(name, kind, body, refs=("ab" * 32,) if kind in _NEEDS_REF else ())
            error: TruceError | None = None
            try:
                mechanism.admission.submit(act)
            except TruceError as caught:  # a refusal past the role check is the workflow's
                error = caught
            assert isinstance(error, RoleError) == (role not in PERMISSIONS[kind]), (
                kind,
                role,
                error,
            )


_NEEDS_REF = {k for k in BODIES if k.startswith("case.") and k != "case.lodge"} | {
    "compliance.review",
    "joint.report",
    "joint.extend",
    "media.corroborate",
    "report.approve",
    "report.withdraw",
}


def _rewrite_docs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    head, rest = text.split("<!-- permissions:start -->\n")
    _, tail = rest.split("<!-- permissions:end -->")
    DOCS.write_text(
        head
        + "<!-- permissions:start -->\n"
        + permission_table()
        + "<!-- permissions:end -->"
        + tail,
        encoding="utf-8",
    )


if __name__ == "__main__":
    _rewrite_docs()
    sys.stdout.write(f"wrote the permission table of {DOCS.name}\n")
