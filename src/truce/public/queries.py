"""The read side of the public record: the published entries, reports and checkpoint.

Every act row read here is passed through :func:`truce.public.rules.published` before
anything of it is returned: the SQL only narrows the rows to the kinds and audiences
the policy could publish.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, String, and_, cast, false, or_, select

from truce.ledger.envelope import stored_audience
from truce.log import checkpoints
from truce.log.queries import CheckpointRow, checkpoint_at
from truce.public.rules import PublicEntry, published
from truce.reports import queries_published as reports_published
from truce.scenario.publication import ADDRESSABLE, PUBLIC
from truce.scenario.rules import Scenario
from truce.storage.models import Act, Body, CaseAct, CaseRecord

#: The most entries the public page and feed show.
SHOWN = 200


@dataclass(frozen=True, slots=True)
class PublishedReport:
    """A report the mechanism published, as the public record lists it."""

    title: str
    period_start: date
    period_end: date
    published_at: datetime
    #: The log entry of the act that published it, and its leaf hash.
    index: int
    leaf_hash: str
    #: Each language's PDF: its language code and SHA-256 (hex), to download it from
    #: ``/public/reports/{sha256}.pdf`` and to check a copy against.
    pdfs: tuple[tuple[str, str], ...]


#: Where published reports come from: a function of a read connection that yields the
#: reports published so far (every approval given), in any order.
ReportSource = Callable[[Connection], Iterable[PublishedReport]]


#: The one place published reports are listed from: the reports concept's query of its
#: published reports goes here. The public record shows them only where the scenario's
#: policy says ``reports = true``.
def _reports_concept(connection: Connection) -> Iterable[PublishedReport]:
    """The reports concept's published reports (every approval given)."""
    for report in reports_published.published_to_all(connection):
        if report.published_at is None or report.published_idx is None:
            continue
        yield PublishedReport(
            title=report.title,
            period_start=date.fromisoformat(report.period_from[:10]),
            period_end=date.fromisoformat(report.period_to[:10]),
            published_at=report.published_at,
            index=report.id,
            leaf_hash=report.leaf_hash,
            pdfs=tuple((pdf.language, pdf.sha256) for pdf in report.pdfs),
        )


REPORT_SOURCES: tuple[ReportSource, ...] = (_reports_concept,)


def report_pdf(connection: Connection, scenario: Scenario, sha256: str) -> bytes | None:
    """A published report's PDF, where the policy publishes reports; None otherwise."""
    policy = scenario.publication
    if policy is None or not policy.reports:
        return None
    return reports_published.published_pdf(connection, sha256)


def published_reports(
    connection: Connection, sources: Iterable[ReportSource] = REPORT_SOURCES
) -> list[PublishedReport]:
    """Every published report, newest first."""
    found = [report for source in sources for report in source(connection)]
    return sorted(found, key=lambda report: (report.published_at, report.index), reverse=True)


def entries(connection: Connection, scenario: Scenario, limit: int = SHOWN) -> list[PublicEntry]:
    """The acts the publication policy lets out, newest first, each with only the
    fields the policy names."""
    policy = scenario.publication
    if policy is None:
        return []
    audience = cast(Act.audience, String)
    public_kinds = [kind for kind in policy.addressable if kind in ADDRESSABLE]
    fact_kinds = [facts.kind for facts in policy.facts]
    condition = or_(
        and_(Act.kind.in_(public_kinds), audience == json.dumps(PUBLIC))
        if public_kinds
        else false(),
        and_(Act.kind.in_(fact_kinds), audience.in_([json.dumps("all"), json.dumps(PUBLIC)]))
        if fact_kinds
        else false(),
    )
    rows = connection.execute(
        select(
            Act.idx,
            Act.kind,
            Act.member,
            Act.at,
            Act.audience,
            Act.leaf_hash,
            Body.content,
            CaseRecord.number,
        )
        .join(Body, Body.digest == Act.body_digest)
        .outerjoin(CaseAct, CaseAct.idx == Act.idx)
        .outerjoin(CaseRecord, CaseRecord.id == CaseAct.case_id)
        .where(condition)
        .order_by(Act.idx.desc())
    )
    shown: list[PublicEntry] = []
    for row in rows:
        fields = published(
            policy,
            row.kind,
            stored_audience(row.audience),
            json.loads(row.content),
            row.at,
            row.number,
        )
        if fields is not None:
            shown.append(PublicEntry(row.kind, row.idx, row.leaf_hash, row.at, row.member, fields))
            if len(shown) >= limit:
                break
    return shown


def reports(connection: Connection, scenario: Scenario) -> list[PublishedReport]:
    """The published reports, where the policy publishes them."""
    policy = scenario.publication
    if policy is None or not policy.reports:
        return []
    return published_reports(connection)


def witnessed_checkpoint(connection: Connection, quorum: int) -> CheckpointRow | None:
    """The newest checkpoint at least ``quorum`` member witnesses cosigned, if any."""
    size = checkpoints.witnessed_size(connection, quorum)
    return None if size is None else checkpoint_at(connection, size)
