"""An annex in the browser: Pakistan lodges against Afghanistan and adds material for the
mediators only; Afghanistan's officer opens the case and sees that the annex exists,
who added it, when, to whom and its digest, never its content; the finding against
Afghanistan shows the acts it rests on. One page load, with a screenshot."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.functional.web.browser import Browsing, goto, screenshot, sign_in
from tests.functional.web.conftest import Demo

SECRET = "Names of the informants at the post."


def test_afghanistan_sees_the_annex_it_was_not_shown(
    demo: Demo, browsing: Browsing, tmp_path: Path
) -> None:
    def cli(stem: str, *args: str) -> str:
        return demo.truce(
            *args, "--server", demo.base_url, "--key", str(demo.keys_dir / f"{stem}.key")
        )

    lodged = cli(
        "pk-officer", "lodge", "--accused", "AF", "--type", "shelling",
        "--at", "2025-11-06T10:30:00Z", "--place", "torkham", "--clause", "C4",
        "--killed", "civilians=2", "--narrative", "Shells struck the market at Torkham.",
        "--audience", "AF,TR,QA",
    )  # fmt: skip
    number, entry = re.findall(r"case (\d+) lodged \(log entry (\d+)\)", lodged)[0]
    case = f"log:{entry}"  # the CLI takes a case by number or by log entry
    assert cli("pk-officer", "case", number).startswith(f"Case {number} (log entry {entry})")
    notes = tmp_path / "informants.txt"
    notes.write_text(SECRET + "\n", encoding="utf-8")
    cli("pk-officer", "evidence", "add", case, str(notes), "--description", SECRET,
        "--audience", "mediators")  # fmt: skip
    cli("af-root", "respond", case, "--position", "deny", "--statement", "Our forces did not fire.")
    cli("tr-root", "investigate", case)
    cli("tr-root", "finding", case, "--outcome", "violation_confirmed", "--violator", "AF",
        "--clause", "C4", "--reasons", "The craters point across the line.",
        "--rests-on", entry)  # fmt: skip
    token = demo.token("TR", "root")
    thread = httpx.get(
        f"{demo.base_url}/api/v1/cases/{entry}", headers={"Authorization": f"Bearer {token}"}
    ).json()["thread"]
    annex = next(act for act in thread if act["kind"] == "case.evidence")

    page = browsing.page()
    sign_in(page, demo, "AF", "af-officer")
    goto(page, f"/cases/{entry}")
    stub = page.locator(f"#act-{annex['index']} [data-annex]")
    text = " ".join(str(stub.text_content()).split())
    assert text.startswith(
        f"Restricted annex from Pakistan (pk-officer), log entry {annex['index']}, "
    )
    assert "addressed to the mediators only. Its content is not shown to you" in text
    assert text.endswith(f"digest {annex['body_digest']}.")
    assert SECRET not in str(page.content())
    assert "informants.txt" not in str(page.content())
    rests = page.locator(".act-case-finding .rests-on")
    assert " ".join(str(rests.text_content()).split()) == (
        f"Rests on: entry {entry} (Allegation lodged)"
    )
    stub.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    screenshot(page, "annex-af", full_page=False)
    assert browsing.escaped == []
