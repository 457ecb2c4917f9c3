"""The delegates' reading commands: the case list, one case's thread, the inbox.

``truce case`` reads one case's whole thread in the terminal, as the case page shows it.
The case is given by its number (``9``) or its log entry (``log:72``). Every act is one
block in log order: its entry, time, author and audience, then what it says. An act
addressed to others is shown as a restricted annex (author, time, audience and digest,
never its content), as the API gives it. ``truce inbox`` lists what awaits the member,
case steps and joint-action reports, and says which steps another delegate takes; then
keys awaiting the reader's approval and checkpoints its member's witness has not cosigned.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from truce.cli.client import (
    CaseArgument,
    JsonOption,
    KeyOption,
    ServerOption,
    Session,
    TokenOption,
    out,
    print_json,
)

#: The body field that says in words what an act of each kind says.
TEXT_FIELDS = ("narrative", "statement", "reasons", "questions", "description", "note", "reason")


def _audience(audience: str | list[str]) -> str:
    return audience if isinstance(audience, str) else ", ".join(audience)


def _facts(kind: str, body: dict[str, Any]) -> str:
    """The act's decision or figures in one line (empty when it has none)."""
    parts: list[str] = []
    if "position" in body:
        parts.append(f"position {body['position']}")
    if "outcome" in body:
        parts.append(f"outcome {body['outcome']}")
    if body.get("violator"):
        parts.append(f"violator {body['violator']}")
    if body.get("clauses") and kind != "case.lodge":
        parts.append(f"clauses {', '.join(body['clauses'])}")
    if "deadline" in body:
        parts.append(f"{body['deadline']} deadline")
    for name in ("to", "due_at", "deadline_at", "step"):
        if body.get(name):
            parts.append(f"{name.replace('_', ' ')} {body[name]}")
    return "; ".join(parts)


def _text(body: dict[str, Any]) -> str:
    for name in TEXT_FIELDS:
        if isinstance(body.get(name), str) and body[name].strip():
            return str(body[name]).strip()
    return ""


def render_thread(thread: dict[str, Any]) -> list[str]:
    """The lines ``truce case`` prints for a thread as ``GET /api/v1/cases/...`` answers."""
    case = thread["case"]
    group = case.get("accused_group")
    against = f"{case['accused']} · harbouring alleged: {group}" if group else case["accused"]
    lines = [
        f"Case {case['number']} (log entry {case['id']}): {case['type']}, "
        f"{case['occurred_at']}, {case.get('place_id') or 'no gazetteer place'}",
        f"lodged by {case['lodged_by']} against {against}; clauses {', '.join(case['clauses'])}",
        f"status {case['status']}; {case['situation']['code']}"
        + (f", due {case['situation']['due']}" if case["situation"].get("due") else ""),
        "",
    ]
    for act in thread["thread"]:
        lines.append(
            f"entry {act['index']}  {act['at']}  {act['kind']}  by {act['member']} "
            f"({act['delegate']})  to {_audience(act['audience'])}"
        )
        if act["withheld"]:
            lines.append(
                f"    restricted annex addressed to {_audience(act['audience'])}: its content "
                f"is not shown to you; digest {act['body_digest']}"
            )
            continue
        body = act["body"] or {}
        facts = _facts(act["kind"], body)
        if facts:
            lines.append(f"    {facts}")
        if act.get("rests_on"):
            lines.append(f"    rests on entries {', '.join(map(str, act['rests_on']))}")
        text = _text(body)
        if text:
            lines.append(f"    {text}")
    steps = [step for step in thread.get("next_steps") or [] if step["allowed"]]
    if steps:
        lines.append("")
        for step in steps:
            due = f" (due {step['due']})" if step.get("due") else ""
            waits = "; the case waits on your member" if step["awaited"] else ""
            lines.append(f"you may: {step['kind']}{due}{waits}")
    return lines


def accused_text(row: dict[str, Any]) -> str:
    """The accused member, and the group it is alleged to harbour, in words: never the
    group in parentheses after the member, which would read as naming the state as it."""
    group = row.get("accused_group")
    return f"{row['accused']} · harbouring alleged: {group}" if group else str(row["accused"])


def cases_list(
    server: ServerOption,
    key: KeyOption,
    status: Annotated[list[str] | None, typer.Option(help="Filter by status.")] = None,
    member: Annotated[str | None, typer.Option(help="Lodged by or accused.")] = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the cases your member may see."""
    params: dict[str, Any] = {"limit": 500}
    if status:
        params["status"] = status
    if member:
        params["member"] = member
    page = Session(server, key, token).request("GET", "/api/v1/cases", params=params)
    if as_json:
        print_json(page)
        return
    table = Table(
        "case", "log", "status", "situation", "type", "when", "where", "by", "against", "clauses",
        "killed (as the lodger claims)",
    )  # fmt: skip
    for row in page["cases"]:
        killed = row["figures"]["totals"]["killed"]
        table.add_row(
            str(row["number"]), str(row["id"]), row["status"], row["situation"]["code"],
            row["type"], row["occurred_at"],
            row["place_id"] or f"{row['lat']},{row['lon']}", row["lodged_by"], accused_text(row),
            ",".join(row["clauses"]),
            f"victims {killed['victims']}, attackers {killed['attackers']}",
        )  # fmt: skip
    out.print(table)
    out.print(f"{page['total']} cases")


def inbox(
    server: ServerOption, key: KeyOption, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """What awaits your member, with deadlines: case steps, and reports owed on requests
    for joint action; keys awaiting your approval, and checkpoints your member's witness
    has not cosigned (for a role that acts on them)."""
    session = Session(server, key, token)
    items = session.request("GET", "/api/v1/inbox")
    member = session.key_file.member
    asked = session.request("GET", "/api/v1/joint-actions", params={"member": member})[
        "joint_actions"
    ]
    owed = [item for item in asked if item["to"] == member and item["report"] is None]
    upkeep = session.request("GET", "/api/v1/inbox/upkeep")
    if as_json:
        print_json({"case_steps": items, "joint_reports_owed": owed, **upkeep})
        return
    table = Table("case", "log", "action", "who", "due", "overdue")
    for item in items:
        who = "you may" if item["allowed"] else "another delegate of your member"
        table.add_row(
            str(item["number"]), str(item["case"]), item["action"], who, item["due"] or "-",
            "yes" if item["overdue"] else "",
        )  # fmt: skip
    out.print(table)
    if owed:
        joint = Table("joint action", "asked by", "action asked", "due", "overdue")
        for item in owed:
            joint.add_row(
                str(item["id"]), item["requested_by"], item["requested_action"],
                item["deadline"], "yes" if item["status"] == "overdue" else "",
            )  # fmt: skip
        out.print(joint)
    out.print(f"{len(items)} case steps and {len(owed)} joint-action reports await {member}")
    if upkeep["key_requests"]:
        keys = Table("key request", "delegate", "role", "fingerprint", "waiting since")
        for pending in upkeep["key_requests"]:
            keys.add_row(
                str(pending["id"]), pending["delegate"], pending["role"], pending["fingerprint"],
                pending["requested_at"],
            )  # fmt: skip
        out.print(keys)
        out.print("approve one with: truce key approve REQUEST --key ROOT.key")
    lag = upkeep["witness"]
    if lag is not None:
        cosigned = "none yet" if lag["cosigned"] is None else f"up to {lag['cosigned']}"
        out.print(
            f"{member}'s witness has not cosigned checkpoint {lag['size']} (it cosigned "
            f"{cosigned}); checkpoints have awaited it since {lag['since']}"
        )


def register(app: Any) -> None:
    """Add ``truce cases``, ``truce case`` and ``truce inbox`` to ``truce``."""
    app.command("cases")(cases_list)
    app.command("case")(show_case)
    app.command("inbox")(inbox)


def show_case(
    case: CaseArgument,
    server: ServerOption,
    key: KeyOption,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a case's whole thread: every act in log order, as far as your member may read."""
    thread = Session(server, key, token).case(case)
    if as_json:
        print_json(thread)
        return
    for line in render_thread(thread):
        out.print(escape(line))
