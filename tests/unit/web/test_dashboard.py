"""The dashboard: what awaits the member, with deadlines, and how things stand."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from tests.mechanism import SCENARIO_DIR, Mechanism
from tests.unit.demo_pages import Demo
from tests.unit.web.test_acts import LODGE
from tests.unit.web_app import Browser, parse_page
from truce.scenario.rules import load_scenario


def test_the_accused_head_sees_the_response_awaited_with_its_deadline(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    lodged = officer.act(LODGE)
    assert lodged.status_code == 200, lodged.text
    case_id = lodged.json()["index"]
    hours = mechanism.scenario.procedure.response_deadline_hours

    af_head: Browser = browsers("af-root")
    html = af_head.page("/").text
    assert f'href="/cases/{case_id}"' in html
    assert "Respond to the allegation" in html
    deadline = re.search(r'<time class="deadline" datetime="([^"]+)" data-countdown>', html)
    assert deadline is not None
    due = mechanism.clock.now.replace(microsecond=0)
    assert deadline.group(1).startswith(f"{(due.date())}"[:4])
    assert f"in {hours // 24} days" in html  # the server's own remaining time
    assert re.search(r"Awaiting response</a>: <strong>1</strong>", html)

    assert "Another delegate of your member takes this step" not in html
    # AF's officer is told the response awaits its member, and that its head gives it.
    af_officer = browsers("af-officer").page("/").text
    assert "Respond to the allegation" in af_officer
    assert "Another delegate of your member takes this step" in af_officer

    pk_html = browsers("pk-root").page("/").text
    assert "Respond to the allegation" not in pk_html
    assert re.search(r"Awaiting response</a>: <strong>1</strong>", pk_html)


def test_the_dashboard_shows_compliance_crossings_and_the_log(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    html = officer.page("/").text
    page = parse_page(html)
    assert page.html_attrs["lang"] == "en"
    for clause in mechanism.scenario.clauses:
        assert f'href="/compliance#{clause.id}-' in html
    assert 'href="/crossings/torkham"' in html
    assert "Signing keys awaiting approval" not in html  # an officer decides none
    witnesses = len(mechanism.scenario.witnesses)
    assert f"is cosigned by 0 of {witnesses} member witnesses" in html
    assert officer.config["member"] == "PK"
    assert officer.config["keys"] == [mechanism.key("pk-officer").key.key_id]
    assert officer.config["log"]["witness_quorum"] == mechanism.scenario.witness_threshold
    assert {w["member"] for w in officer.config["log"]["witnesses"]} == {
        m.code for m in mechanism.scenario.witnesses
    }
    assert set(officer.config["labels"]) >= {"signing", "no_key", "receipt_bad"}


def test_the_mediators_see_a_case_to_investigate_once_answered(
    browsers: Any, mechanism: Mechanism
) -> None:
    lodged = browsers("pk-officer").act(LODGE)
    case_id = lodged.json()["index"]
    mediator: Browser = browsers("tr-root")
    assert f'href="/cases/{case_id}"' not in mediator.page("/").text
    answer = browsers("af-root").act(
        {"kind": "case.respond", "case": str(case_id), "position": "deny",
         "statement": "No unit of ours fired.", "language": "ps", "understood": "yes"}
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    html = mediator.page("/").text
    assert f'href="/cases/{case_id}"' in html
    assert "Open the investigation" in html


def test_the_dashboard_names_penalties_by_the_schedule(demo: Demo) -> None:
    page = demo.browser("tr-head").get("/").text
    steps = load_scenario(SCENARIO_DIR).penalties.steps
    assert any(f"<td>{escape(step.name)}</td>" in page for step in steps)
    assert not any(f"<td>{step.id}</td>" in page for step in steps)


def test_a_joint_request_awaiting_a_report_links_to_its_report_form(browsers: Any) -> None:
    """The inbox names the request by its description and opens the report form with
    the request chosen; a delegate who may not report is led to the request's row."""
    asked = browsers("pk-officer").act(
        {"kind": "joint.request", "to": "AF", "place.place_id": "khost",
         "place.precision": "district", "description": "A camp.",
         "requested_action": "Search it.", "audience": "AF,TR,QA"}
    )  # fmt: skip
    assert asked.status_code == 200, asked.text
    index = asked.json()["index"]
    af: Browser = browsers("af-officer")
    html = af.page("/").text
    link = f"/joint-actions?report={index}#report-form"
    assert f'href="{escape(link)}"' in html
    assert f"#{index} A camp." in html
    target = af.page(link.split("#")[0])
    assert target.status_code == 200
    assert f'id="joint-{index}"' in target.text
    assert re.search(rf'" selected>#{index} · Pakistan: A camp.</option>', target.text)
    observer = browsers("af-observer").page("/").text
    assert f'href="/joint-actions#joint-{index}"' in observer


def test_the_party_ruled_against_is_told_of_its_appeal_window(
    browsers: Any,
) -> None:
    case_id = str(browsers("pk-officer").act(LODGE).json()["index"])
    finding = {"outcome": "violation_confirmed", "violator": "AF", "clauses": ["C4"],
               "reasons": "Craters agree.", "language": "en", "case": case_id}  # fmt: skip
    steps = (
        ("af-root", {"kind": "case.respond", "case": case_id, "position": "deny",
                     "statement": "No unit of ours fired.", "language": "en",
                     "understood": "yes"}),
        ("tr-root", {"kind": "case.investigate", "case": case_id, "note": "Opened."}),
        ("tr-root", {"kind": "case.finding", **finding}),
        ("qa-root", {"kind": "case.finding", **finding}),
        ("tr-root", {"kind": "case.rule", **finding, "understood": "yes"}),
    )  # fmt: skip
    for name, form in steps:
        done = browsers(name).act(form)
        assert done.status_code == 200, (form["kind"], done.text)
    # The party the ruling went against is told of its window; the other is not.
    assert f'href="/cases/{case_id}">Appeal the ruling' in browsers("af-root").page("/").text
    assert f'href="/cases/{case_id}">Appeal the ruling' not in browsers("pk-root").page("/").text
