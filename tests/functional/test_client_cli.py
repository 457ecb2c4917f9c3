"""A whole case through the delegates' CLI client, against a real ``truce serve``."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from tests.functional.support import Server, truce_script
from tests.mechanism import SCENARIO_DIR, Mechanism
from truce.accounts.devices import request_key
from truce.accounts.enrolment import fingerprint
from truce.accounts.service import Identity
from truce.ledger.keys import SigningKey

TRUCE = truce_script()


def as_delegate(
    server: Server,
    mechanism: Mechanism,
    name: str,
    *args: str | Path,
) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    env["TRUCE_SERVER"] = server.base_url
    env["TRUCE_KEY_FILE"] = str(mechanism.keys_dir / f"{name}.key")
    env["COLUMNS"] = "250"  # tables are read whole, not wrapped at 80 columns
    return subprocess.run(
        [TRUCE, *(str(arg) for arg in args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_a_case_through_the_client(
    server: Server,
    mechanism: Mechanism,
    tmp_path: Path,
) -> None:
    def do(name: str, *args: str | Path) -> str:
        return ok(as_delegate(server, mechanism, name, *args))

    receipt = tmp_path / "lodge.json"
    lodged = do(
        "af-officer", "lodge",
        "--accused", "PK", "--type", "shelling", "--at", "2025-11-06T10:30:00Z",
        "--place", "spin-boldak", "--clause", "C4", "--killed", "civilians=5",
        "--injured", "civilians=6", "--actor", "Pakistan Army",
        "--narrative", "Shells struck homes in Spin Boldak.",
        "--receipt-out", receipt,
    )  # fmt: skip
    assert "case.lodge recorded as entry" in lodged
    case = lodged.strip().splitlines()[-1].split()[1]  # "case N lodged (log entry I)"
    shown = do("pk-officer", "case", case)
    assert shown.startswith(f"Case {case} (log entry ")
    assert "case.lodge  by AF (af-officer)  to all" in shown
    assert "Shells struck homes in Spin Boldak." in shown
    checked = ok(as_delegate(server, mechanism, "af-officer", "receipt", "check", receipt,
                             "--scenario", SCENARIO_DIR))  # fmt: skip
    assert "verified: entry" in checked
    assert "respond" in do("pk-officer", "inbox")
    do("pk-root", "respond", case, "--position", "deny",
       "--statement", "Firing was initiated from the other side.")  # fmt: skip
    do("tr-officer", "investigate", case)
    for mediator in ("tr-root", "qa-root"):
        do(mediator, "finding", case, "--outcome", "violation_confirmed", "--violator", "PK",
           "--clause", "C4", "--reasons", "Hospital records and craters agree.")  # fmt: skip
    do("qa-root", "rule", case, "--outcome", "violation_confirmed", "--violator", "PK",
       "--clause", "C4", "--reasons", "Both findings concur.")  # fmt: skip
    for party in ("pk-root", "af-root"):
        do(party, "waive-appeal", case, "--note", "We do not appeal.")
    assert "penalty " in do("tr-root", "penalty", case)
    do("sec-clerk", "close", case)
    thread = do("af-officer", "case", case)
    for line in ("position deny", "outcome violation_confirmed; violator PK; clauses C4",
                 "step ", "case.close  by SEC (sec-clerk)"):  # fmt: skip
        assert line in thread, thread
    unknown = as_delegate(server, mechanism, "af-officer", "case", "x9")
    assert unknown.stderr.startswith("error: 'x9' names no case: give its number (9)")
    listed = do("tr-officer", "cases", "--status", "closed")
    assert "1 cases" in listed
    # Every read command also answers in JSON, as the API gives it.
    page = json.loads(do("tr-officer", "cases", "--status", "closed", "--json"))
    assert [row["number"] for row in page["cases"]] == [int(case)]
    read = json.loads(do("af-officer", "case", case, "--json"))
    assert read["case"]["number"] == int(case)
    assert "case.close" in [act["kind"] for act in read["thread"]]
    waiting = json.loads(do("af-officer", "inbox", "--json"))
    assert {"case_steps", "joint_reports_owed", "key_requests", "witness"} <= set(waiting)

    refused = as_delegate(server, mechanism, "pk-root", "respond", case, "--position", "deny",
                          "--statement", "Again.")  # fmt: skip
    assert refused.returncode == 4
    assert refused.stderr.startswith("error: refused (422): case")
    assert len(refused.stderr.strip().splitlines()) == 1


def test_figures_through_the_client_keep_attackers_apart(
    server: Server, mechanism: Mechanism
) -> None:
    """Each party lodges with police and levies, the missing and attackers; the list
    gives each lodger's victims and attackers apart."""
    cases = {}
    for lodger, accused, place in (("pk-officer", "AF", "torkham"), ("af-officer", "PK", "kabul")):
        lodged = ok(as_delegate(
            server, mechanism, lodger, "lodge",
            "--accused", accused, "--type", "attack_on_post", "--at", "2025-11-06T10:30:00Z",
            "--place", place, "--clause", "C4", "--killed", "police_levies=4",
            "--killed", "militants=19", "--missing", "police_levies=2",
            "--narrative", "A post was overrun.",
        ))  # fmt: skip
        cases[lodged.strip().splitlines()[-1].split()[1]] = lodger
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRUCE_")}
    env |= {"TRUCE_SERVER": server.base_url, "COLUMNS": "250",
            "TRUCE_KEY_FILE": str(mechanism.keys_dir / "tr-officer.key")}  # fmt: skip
    listed = subprocess.run([TRUCE, "cases"], capture_output=True, text=True, env=env,
                            timeout=120, check=True).stdout  # fmt: skip
    assert "killed (as the lodger claims)" in listed, listed
    for case in cases:
        # the case's number first, then its log index
        [row] = [
            line
            for line in listed.splitlines()
            if line.split("│")[1:2] and line.split("│")[1].strip() == case
        ]
        assert "victims 4, attackers 19" in row
    unknown = as_delegate(server, mechanism, "pk-officer", "lodge", "--accused", "AF",
                          "--type", "shelling", "--at", "2025-11-06T10:30:00Z",
                          "--place", "torkham", "--clause", "C4", "--killed", "children=2",
                          "--narrative", "x")  # fmt: skip
    assert unknown.returncode != 0
    assert "police_levies" in unknown.stderr


def test_the_case_list_shows_a_harboured_group_in_words(
    server: Server, mechanism: Mechanism
) -> None:
    lodged = ok(as_delegate(
        server, mechanism, "pk-officer", "lodge",
        "--accused", "AF", "--type", "infiltration", "--at", "2025-10-25T02:00:00Z",
        "--place", "ghaki", "--clause", "C2", "--group", "TTP",
        "--narrative", "Militants crossed at Ghaki.",
    ))  # fmt: skip
    assert "case.lodge recorded as entry" in lodged
    for side in ("pk-officer", "af-officer"):
        run = as_delegate(server, mechanism, side, "cases")
        listed = " ".join(ok(run).split())
        assert "AF · harbouring alleged: TTP" in listed, listed
        assert "(TTP)" not in listed


def test_the_inbox_lists_joint_action_reports_owed_and_who_takes_each_step(
    server: Server, mechanism: Mechanism, tmp_path: Path
) -> None:
    body = tmp_path / "request.json"
    body.write_text(
        json.dumps({"to": "AF", "place": {"place_id": "khost", "precision": "district"},
                    "description": "A camp stages attacks.", "requested_action": "Search it.",
                    "language": "en"}),
        encoding="utf-8",
    )  # fmt: skip
    ok(as_delegate(server, mechanism, "pk-officer", "act", "joint.request", "--body", body,
                   "--audience", "AF,TR,QA"))  # fmt: skip
    ok(as_delegate(server, mechanism, "pk-officer", "lodge", "--accused", "AF",
                   "--type", "shelling", "--at", "2025-11-06T10:30:00Z", "--place", "torkham",
                   "--clause", "C4", "--narrative", "Shells fell."))  # fmt: skip
    officer = " ".join(ok(as_delegate(server, mechanism, "af-officer", "inbox")).split())
    assert "│ respond │ another delegate of your member │" in officer, officer
    assert "Search it." in officer
    assert "1 case steps and 1 joint-action reports await AF" in officer
    head = " ".join(ok(as_delegate(server, mechanism, "af-root", "inbox")).split())
    assert "│ respond │ you may │" in head, head
    nothing = " ".join(ok(as_delegate(server, mechanism, "pk-officer", "inbox")).split())
    assert "0 case steps and 0 joint-action reports await PK" in nothing


def test_the_inbox_lists_keys_awaiting_the_head_and_key_approve_registers_one(
    server: Server, mechanism: Mechanism
) -> None:
    device = SigningKey.generate()
    officer = Identity("PK", "pk-officer", "officer")
    pending = request_key(mechanism.db, officer, device.public_key.text, datetime.now(UTC))
    shown = fingerprint(device.public_key.text)
    head = " ".join(ok(as_delegate(server, mechanism, "pk-root", "inbox")).split())
    assert f"│ {pending['id']} │ pk-officer │ officer │ {shown} │" in head, head
    assert "PK's witness has not cosigned checkpoint" in head
    mine = " ".join(ok(as_delegate(server, mechanism, "pk-officer", "inbox")).split())
    assert shown not in mine
    assert "witness" not in mine
    other = as_delegate(server, mechanism, "af-root", "key", "approve", str(pending["id"]), "--yes")
    assert other.returncode != 0
    assert "no pending key request" in other.stderr
    approved = ok(as_delegate(server, mechanism, "pk-root", "key", "approve", str(pending["id"]),
                              "--yes"))  # fmt: skip
    assert f"fingerprint  {shown}" in approved
    assert "member.key recorded as entry" in approved
    after = " ".join(ok(as_delegate(server, mechanism, "pk-root", "inbox")).split())
    assert shown not in after
