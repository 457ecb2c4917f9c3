"""The public record in the browser, without signing in: a statement addressed to the
public, two cases against Pakistan ruled and penalised (a formal notice, then a public
censure), every member's witness cosigning. The page in English and in Pashto (right to
left), with screenshots; the formal notice and the rulings' reasons never appear."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.functional.web.browser import Browsing, goto, screenshot
from tests.functional.web.conftest import SCENARIO_DIR, Demo

REASONS = "Craters and fragments point across the line."
STATEMENT = "Pakistan reaffirms its commitment to the ceasefire agreed in Istanbul."


def _penalised_case(demo: Demo, cli: object, place: str) -> str:
    assert callable(cli)
    lodged = cli(
        "af-officer", "lodge", "--accused", "PK", "--type", "shelling",
        "--at", "2025-11-06T10:30:00Z", "--place", place, "--clause", "C4",
        "--killed", "civilians=1", "--narrative", "Shells struck homes near the post.",
    )  # fmt: skip
    number, entry = re.findall(r"case (\d+) lodged \(log entry (\d+)\)", lodged)[0]
    case = f"log:{entry}"
    cli("pk-root", "respond", case, "--position", "deny", "--statement", "We did not fire.")
    cli("tr-root", "investigate", case)
    for head in ("tr-root", "qa-root"):
        cli(head, "finding", case, "--outcome", "violation_confirmed", "--violator", "PK",
            "--clause", "C4", "--reasons", REASONS)  # fmt: skip
    cli("qa-root", "rule", case, "--outcome", "violation_confirmed", "--violator", "PK",
        "--clause", "C4", "--reasons", REASONS)  # fmt: skip
    for head in ("pk-root", "af-root"):
        cli(head, "waive-appeal", case)
    cli("tr-root", "penalty", case)
    return str(number)


def test_the_public_record_in_english_and_pashto(
    demo: Demo, browsing: Browsing, tmp_path: Path
) -> None:
    def cli(stem: str, *args: str) -> str:
        return demo.truce(
            *args, "--server", demo.base_url, "--key", str(demo.keys_dir / f"{stem}.key")
        )

    body = tmp_path / "statement.json"
    body.write_text(
        json.dumps({"title": "On the ceasefire", "text": STATEMENT, "language": "en"}),
        encoding="utf-8",
    )
    cli("pk-officer", "act", "statement.publish", "--body", str(body), "--audience", "public")
    _penalised_case(demo, cli, "torkham")
    censured = _penalised_case(demo, cli, "chaman")
    for member in ("pk", "af", "tr", "qa"):
        demo.truce(
            "witness", "--server", demo.base_url,
            "--key", str(demo.keys_dir / f"{member}-witness.key"),
            "--state", str(demo.workdir / f"witness-{member}"), "--scenario", str(SCENARIO_DIR),
        )  # fmt: skip

    page = browsing.page()
    goto(page, "/public?lang=en")
    assert page.locator("h1").text_content() == "Public record"
    assert STATEMENT in str(page.content())
    penalties = page.locator("li[data-kind='case.penalty']")
    assert penalties.count() == 1  # the censure; the formal notice is not published
    penalty = " ".join(str(penalties.text_content()).split())
    assert f"Case {censured}: a penalty" in penalty
    assert "Public censure" in penalty
    assert "Formal notice" not in penalty
    assert REASONS not in str(page.content())
    witnessed = " ".join(str(page.locator("#witnessed-title + dl").text_content()).split())
    assert "Cosigned by" in witnessed
    for name in ("Pakistan", "Afghanistan", "Türkiye", "Qatar"):
        assert name in witnessed
    screenshot(page, "public-en")

    goto(page, "/public?lang=ps")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ps"
    assert page.locator("li[data-kind='case.penalty']").count() == 1
    assert STATEMENT in str(page.content())  # a statement stays in its own language
    screenshot(page, "public-ps")
    assert browsing.escaped == []
    assert browsing.problems == []
