"""Whether a PDF is a published report, checked offline against an audit bundle.

:func:`check_pdf` first verifies the bundle completely (:func:`truce.verify.audit.
verify_bundle`: every signature, key, role, body and the checkpoint), then reads its
report acts in log order and replays the rules that admission applied
(:func:`truce.reports.approval.replay`, with the report policy of the bundle's genesis
scenario). A PDF is a published report when the SHA-256 of its bytes is one a
``report.publish`` act names and every approver the scenario required has approved that
act within the bundle's checkpoint.

It loads nothing but :mod:`truce.ledger`, :mod:`truce.verify`, the report's pure rules
and :mod:`truce.reports.embedded` (and pypdf, to read the data a PDF embeds): no
database, no network, like ``truce verify``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from truce.errors import NotPublishedError, ReportFileError
from truce.ledger.envelope import parse_time
from truce.ledger.merkle import hash_leaf
from truce.reports import approval as reports
from truce.reports import embedded
from truce.verify.audit import Report as Audit
from truce.verify.audit import verify_bundle
from truce.verify.bundle import BODY_NAME, ENTRY_NAME, iter_bodies, iter_leaves, read_members


@dataclass(frozen=True, slots=True)
class Published:
    """What the check established of a published report."""

    title: str
    period: dict[str, str]
    language: str
    data_sha256: str
    publish_index: int
    published_by: str
    approvals: tuple[tuple[str, int], ...]
    audit: Audit

    def summary(self) -> str:
        """One line for people."""
        period = f"{self.period['kind']} {self.period['from']} to {self.period['to']}"
        approved = ", ".join(f"{member} (entry {index})" for member, index in self.approvals)
        witnesses = f"{len(self.audit.cosigned_by)} of {self.audit.witness_members} witnesses"
        root = base64.b64encode(self.audit.root).decode()
        return (
            f"published report: {self.title!r} ({period}, {self.language}), put forward by "
            f"{self.published_by} at entry {self.publish_index}, approved by {approved}; "
            f"under checkpoint {self.audit.size} (root {root}), cosigned by {witnesses}"
        )


@dataclass(frozen=True, slots=True)
class _Act:
    index: int
    leaf_hash: str
    kind: str
    member: str
    at: datetime
    ref: str | None
    body: dict[str, Any] | None


def _acts(bundle: Path) -> tuple[dict[str, Any], list[_Act]]:
    """The genesis scenario and every report act of a (verified) bundle, in log order."""
    scenario: dict[str, Any] = {}
    found: list[_Act] = []
    leaves: list[bytes] = []
    index = 0
    with bundle.open("rb") as stream:
        for member in read_members(stream):
            if ENTRY_NAME.match(member.name):
                leaves = list(iter_leaves(member.data or b"", member.name))
            elif BODY_NAME.match(member.name):
                for leaf, body in zip(leaves, iter_bodies(member.data or b""), strict=True):
                    if index == 0 and body is not None:
                        scenario = json.loads(body)
                    act = _report_act(index, leaf, body)
                    if act is not None:
                        found.append(act)
                    index += 1
    return scenario, found


def _report_act(index: int, leaf: bytes, body: bytes | None) -> _Act | None:
    if b'"kind":"report.' not in leaf:
        return None
    envelope = json.loads(leaf)
    kind = envelope["kind"]
    if kind not in reports.REPORT_KINDS:
        return None
    refs = envelope.get("refs") or []
    return _Act(
        index=index,
        leaf_hash=hash_leaf(leaf).hex(),
        kind=kind,
        member=envelope["author"]["member"],
        at=parse_time(envelope["at"]),
        ref=refs[0] if refs else None,
        body=None if body is None else json.loads(body),
    )


def _publishes(acts: list[_Act]) -> Iterator[_Act]:
    return (act for act in acts if act.kind == "report.publish" and act.body is not None)


def check_pdf(pdf: bytes, bundle: Path, *, allow_unwitnessed: bool = False) -> Published:
    """The published report ``pdf`` is, under the bundle's checkpoint; raise
    :class:`NotPublishedError` (or the bundle's own error) otherwise."""
    digest = embedded.sha256_hex(pdf)
    audit = verify_bundle(bundle)
    if not audit.witnessed and not allow_unwitnessed:
        raise NotPublishedError(
            f"checkpoint {audit.size} is not witnessed: {len(audit.cosigned_by)} of the "
            f"{audit.witness_threshold} witness cosignatures needed (--allow-unwitnessed to "
            "accept it)"
        )
    scenario, acts = _acts(bundle)
    state = reports.replay(
        reports.policy(scenario),
        ((act.leaf_hash, act.kind, act.member, act.at, act.ref) for act in acts),
    )
    index_of = {act.leaf_hash: act.index for act in acts}
    for act in _publishes(acts):
        assert act.body is not None
        languages = [p["language"] for p in act.body["pdfs"] if p["sha256"] == digest]
        if not languages:
            continue
        found = state[act.leaf_hash]
        if found.status == "withdrawn":
            raise NotPublishedError(
                f"this PDF was put forward at entry {act.index} and withdrawn at entry "
                f"{index_of[found.withdrawn_by or '']}: it is not a published report"
            )
        if found.status == "awaiting":
            raise NotPublishedError(
                f"this PDF was put forward at entry {act.index} but is not published yet: "
                f"it awaits the approval of {', '.join(found.missing)}"
            )
        return Published(
            title=act.body["title"],
            period=act.body["period"],
            language=languages[0],
            data_sha256=act.body["data_sha256"],
            publish_index=act.index,
            published_by=act.member,
            approvals=tuple((member, index_of[leaf]) for member, leaf in found.approvals),
            audit=audit,
        )
    raise NotPublishedError(_unknown(pdf, digest, acts, audit.size))


def _unknown(pdf: bytes, digest: str, acts: list[_Act], size: int) -> str:
    """Why a PDF no publish act names is refused: changed, or never published."""
    try:
        data_digest = embedded.sha256_hex(embedded.read_data(pdf))
    except ReportFileError:
        return (
            f"this PDF matches no published report (SHA-256 {digest}) and the data it "
            "should embed cannot be read: it was changed, or never published"
        )
    for act in _publishes(acts):
        assert act.body is not None
        if act.body["data_sha256"] == data_digest:
            return (
                f"this PDF differs from every PDF of the report put forward at entry "
                f"{act.index} whose data it embeds: it was changed after publication "
                f"(SHA-256 {digest})"
            )
    return (
        f"this PDF was never published in this log up to checkpoint {size}: no "
        f"report.publish act names its SHA-256 {digest}"
    )
