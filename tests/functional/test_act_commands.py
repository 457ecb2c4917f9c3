"""The commands of the acts outside a case's usual path, against a real ``truce serve``:
crossings, joint actions, compliance, statements, keys, a counter-claim by flags, and
a case's extension, new round and referral; from both parties' side and a mediator's or
the secretariat's where they sign."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from tests.functional.support import Server
from tests.functional.test_client_cli import as_delegate, ok
from tests.mechanism import Mechanism
from truce.ledger.envelope import format_time
from truce.ledger.keys import SigningKey


def _entry(output: str, pattern: str) -> int:
    found = re.search(pattern, output)
    assert found is not None, output
    return int(found.group(1))


def test_every_new_command_signs_and_posts_its_act(server: Server, mechanism: Mechanism) -> None:
    def do(name: str, *args: str) -> str:
        return ok(as_delegate(server, mechanism, name, *args))

    def api(name: str, path: str) -> dict[str, object]:
        token = mechanism.token(name)
        answer = httpx.get(server.base_url + path, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        result: dict[str, object] = answer.json()
        return result

    later = format_time((datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0))

    # crossings: each party its own side, the secretariat the whole
    for name in ("pk-officer", "af-officer", "sec-clerk"):
        assert "crossing.status recorded" in do(
            name, "crossing", "report", "chaman-spin-boldak", "--trade", "restricted",
            "--people", "closed", "--stranded-trucks", "40", "--reason", "Queues.",
        )  # fmt: skip
    history = api("tr-officer", "/api/v1/crossings/chaman-spin-boldak")
    assert len(history["history"]) == 3  # type: ignore[arg-type]

    # joint action: a request by each party's delegate, a report, an extension
    first = _entry(do("pk-officer", "joint", "request", "--to", "AF", "--place", "chaman",
                      "--description", "A camp near Chaman.", "--action", "Search it."),
                   r"#(\d+)")  # fmt: skip
    second = _entry(do("af-root", "joint", "request", "--to", "PK", "--lat", "33.3",
                       "--lon", "69.9", "--description", "Fighters at Khost.",
                       "--action", "Stop them.", "--days", "3"), r"#(\d+)")  # fmt: skip
    do("af-officer", "joint", "report", str(first), "--action-taken", "Searched.",
       "--outcome", "nothing_found")  # fmt: skip
    do("tr-root", "joint", "extend", str(second), "--deadline-at", later, "--reason", "Snow.")
    assert api("pk-officer", f"/api/v1/joint-actions/{first}")["status"] == "answered"
    assert api("pk-officer", f"/api/v1/joint-actions/{second}")["deadline"] == later
    refused = as_delegate(server, mechanism, "tr-officer", "joint", "extend", str(second),
                          "--deadline-at", later, "--reason", "Again.")  # fmt: skip
    assert refused.returncode != 0
    assert "may not sign joint.extend" in refused.stderr

    # compliance: each party attests, each mediator reviews
    attested = [
        _entry(
            do(name, "compliance", "attest", "--clause", "C4", "--statement", "Withdrew."),
            r"attestation #(\d+)",
        )
        for name in ("pk-officer", "af-root")
    ]
    for name, verdict in (("tr-officer", "acknowledged"), ("qa-root", "disputed")):
        for attestation in attested:
            do(name, "compliance", "review", str(attestation), "--verdict", verdict,
               "--reason", "Seen on the ground.")  # fmt: skip
    listed = api("pk-officer", "/api/v1/compliance/attestations")["attestations"]
    assert all(len(item["reviews"]) == 2 for item in listed)  # type: ignore[union-attr, index]

    # statements and keys
    for name in ("pk-officer", "af-root", "sec-clerk"):
        do(name, "statement", "publish", "--title", "On the truce", "--text", "It holds.")
    deputy = SigningKey.generate().public_key.text
    do("af-root", "key", "register", "--delegate", "af-deputy", "--role", "officer",
       "--public-key", deputy)  # fmt: skip
    do("af-root", "key", "revoke", "--delegate", "af-deputy", "--role", "officer",
       "--public-key", deputy, "--reason", "Lost.")  # fmt: skip
    do("sec-clerk", "key", "register", "--delegate", "sec-second", "--role", "secretariat",
       "--public-key", SigningKey.generate().public_key.text)  # fmt: skip

    # a counter-claim by flags, and a case extended
    def lodge(name: str, accused: str) -> str:
        output = do(name, "lodge", "--accused", accused, "--type", "shelling",
                    "--at", "2025-11-06T10:30:00Z", "--place", "spin-boldak", "--clause", "C4",
                    "--narrative", "Shells struck homes.")  # fmt: skip
        return output.strip().splitlines()[-1].split()[1]

    countered = lodge("af-officer", "PK")
    missing = as_delegate(server, mechanism, "pk-root", "respond", countered, "--position",
                          "counter_claim", "--statement", "They fired first.")  # fmt: skip
    assert missing.returncode != 0
    assert "--counter-accused, --counter-type, --counter-at, --counter-clause" in missing.stderr
    do("pk-root", "respond", countered, "--position", "counter_claim",
       "--statement", "They fired first.", "--counter-accused", "AF",
       "--counter-type", "shelling", "--counter-at", "2025-11-06T09:00:00Z",
       "--counter-place", "chaman", "--counter-clause", "C4",
       "--counter-killed", "civilians=1")  # fmt: skip
    cases = api("tr-officer", "/api/v1/cases")["cases"]
    assert any(case["accused"] == "AF" for case in cases)  # type: ignore[union-attr, index]
    extended = lodge("pk-officer", "AF")
    do("tr-root", "extend", extended, "--deadline", "response", "--deadline-at", later,
       "--reason", "The roads are closed.")  # fmt: skip

    # a split of findings: a new round, then a referral
    split = lodge("af-officer", "PK")
    do("pk-root", "respond", split, "--position", "deny", "--statement", "No.")
    do("tr-officer", "investigate", split)
    for _round in range(2):
        do("tr-root", "finding", split, "--outcome", "violation_confirmed", "--violator", "PK",
           "--clause", "C4", "--reasons", "Craters.")  # fmt: skip
        do("qa-root", "finding", split, "--outcome", "not_substantiated", "--reasons", "None.")
        if _round == 0:
            do("tr-root", "new-round", split, "--note", "The findings split.")
    do("qa-root", "refer", split, "--note", "Two split rounds.")
    assert "case.refer" in do("af-officer", "case", split)
