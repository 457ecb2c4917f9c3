"""A working day for each role, in the browser, from both parties' side (issue 16):
a Pakistani and an Afghan officer, each party's head (a brand-new browser, enrolled with
the member's root key file), a Turkish and a Qatari mediator, and the secretariat.

Each delegate signs in through the sign-in page and uses only what its pages show:
links and buttons by their visible text, the inbox as written, the record as printed.
The other delegations' acts that give the day its work are posted with their key files
(:class:`~tests.functional.web.workday.Elsewhere`). Every page visited is saved as
test-output/screenshots/day-<role>-<member>-NN-<page>.png.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.functional.web.browser import Browsing
from tests.functional.web.conftest import Demo
from tests.functional.web.delegations import photo_with_exif, register_head, register_officer
from tests.functional.web.workday import Day, Elsewhere, act_meta, case_id, enrolled_head


@pytest.fixture(scope="module")
def elsewhere(demo: Demo) -> Elsewhere:
    return Elsewhere(demo)


@pytest.fixture(autouse=True)
def offline(browsing: Browsing) -> Iterator[None]:
    """No page reaches beyond the server, and none meets a script error or a refusal
    other than a form's, which each test checks is shown next to its field."""
    yield
    assert browsing.escaped == []
    refused = [p for p in browsing.problems if p.endswith("/web/acts/prepare answered 422")]
    assert [p for p in browsing.problems if p not in refused] == []
    browsing.problems.clear()


def _officer_day(browsing: Browsing, demo: Demo, member: str) -> Day:
    head = register_head(browsing, demo, member)
    officer = register_officer(browsing, demo, head, f"{member.lower()}-officer")
    head.page.context.close()
    day = Day(officer, "officer")
    day.shot("dashboard")
    return day


def test_a_pakistani_officers_day(browsing: Browsing, demo: Demo, elsewhere: Elsewhere) -> None:
    elsewhere.post("af-officer", "joint.request", {
        "to": "PK", "place": {"place_id": "chaman", "precision": "approximate"}, "language": "en",
        "description": "Armed men gather near Chaman.", "requested_action": "Disperse them.",
    })  # fmt: skip
    day = _officer_day(browsing, demo, "PK")
    page = day.page
    assert any("Armed men gather near Chaman." in task for task in day.tasks()), day.tasks()

    # An allegation, lodged from the case list; the page refuses it until it is whole.
    day.nav("Cases", "cases")
    day.link("Lodge an allegation", "lodge-form")
    day.choose("select[name='incident.type']", "Shelling")
    occurred = datetime.now(UTC) - timedelta(hours=5)
    page.fill("input[name='incident.occurred_at']", occurred.strftime("%Y-%m-%dT%H:%M"))
    day.choose("select[name='incident.place.place_id']", "Chaman")
    page.fill("input[name='incident.killed.civilians']", "-2")
    page.select_option("select[name='accused.member']", "AF")
    page.select_option("select[name='clauses']", ["C4"])
    page.fill("textarea[name='narrative']", "Mortar rounds fell on the bazaar at dawn.")
    page.locator("form[data-act-form] button[type=submit]").click()
    refusal = page.locator("[data-error-for='incident.killed.civilians']")
    refusal.wait_for(state="visible")
    assert str(refusal.text_content()).strip()
    refusal.scroll_into_view_if_needed()
    day.shot("lodge-refused", full_page=False)
    page.fill("input[name='incident.killed.civilians']", "2")
    day.sign("form[data-act-form]", "case-lodged")
    case = case_id(page.url)
    assert page.locator("[data-lodged]").is_visible()
    assert act_meta(page, "case.lodge")[0].startswith("Pakistan · pk-officer")

    # Evidence: a photo, described, on the record under the allegation.
    taken = datetime.now(UTC) - timedelta(hours=4)
    form = page.locator("form#act-form")
    form.locator("input[name='file']").set_input_files(
        {"name": "bazaar.jpg", "mimeType": "image/jpeg",
         "buffer": photo_with_exif(taken, 30.92, 66.45)}
    )  # fmt: skip
    form.locator("textarea[name='description']").fill("The bazaar an hour after the shelling.")
    day.sign("form#act-form", "evidence-added")
    assert case_id(page.url) == case
    assert act_meta(page, "case.evidence")[0].startswith("Pakistan · pk-officer")
    assert "The bazaar an hour after the shelling." in day.text("li.act-case-evidence")

    # Its side of a crossing.
    day.nav("Crossings", "crossings")
    day.link("Chaman", "crossing-chaman")
    assert "You report your side: Chaman" in day.text("#report")
    day.choose("#field-trade", "estricted")
    day.choose("#field-people", "losed")
    page.fill("#field-stranded_trucks", "35")
    page.fill("#field-reason", "Queues after the shelling.")
    day.sign("#crossing-form", "crossing-reported")
    row = page.locator("tr", has_text="Spin Boldak")
    assert "restricted" in str(row.text_content())
    assert "35" in str(row.text_content())
    assert " ;" not in str(row.text_content())

    # The report its member owes on Afghanistan's request, from the inbox.
    day.nav("Dashboard", "dashboard-again")
    task = page.locator("section[aria-labelledby='tasks-title'] li",
                        has_text="Armed men gather near Chaman.")  # fmt: skip
    day.follow(task.get_by_role("link").first, "joint-report-form")
    page.fill("#field-report-action_taken", "A patrol went out at noon.")
    page.select_option("#field-report-outcome", "nothing_found")
    page.check("#field-report-understood")
    day.sign("#report-form", "joint-reported")
    assert "Nothing found" in day.text("table.joint-actions")
    day.nav("Dashboard", "dashboard-evening")
    assert not any("Armed men gather near Chaman." in task for task in day.tasks()), day.tasks()


def test_an_afghan_officers_day(browsing: Browsing, demo: Demo, elsewhere: Elsewhere) -> None:
    case = elsewhere.lodge("pk-officer", "AF", "Rockets hit a checkpost near Spin Boldak.")
    elsewhere.step("af-root", case, "case.respond",
                   {"position": "deny", "statement": "No rockets were fired."})  # fmt: skip
    elsewhere.step("tr-root", case, "case.investigate", {"note": "Opening an investigation."})
    elsewhere.step("tr-root", case, "case.request_info",
                   {"to": "AF", "questions": "Which units held the ridge that night?"})  # fmt: skip
    day = _officer_day(browsing, demo, "AF")
    page = day.page
    subject = elsewhere.named(case)

    # The information a mediator asked of Afghanistan, from the inbox.
    day.task("Provide the information requested", subject, "case-asked")
    assert "Which units held the ridge that night?" in day.text("li.act-case-request_info")
    day.take("Provide the information requested", "provide-form")
    page.fill("#field-statement", "The border police's 4th company held the ridge.")
    day.sign("#act-form", "information-provided")
    assert act_meta(page, "case.provide_info")[0].startswith("Afghanistan · af-officer")

    # Evidence of its own on the same case.
    day.take("Add evidence", "evidence-form")
    form = page.locator("form#act-form")
    form.locator("input[name='file']").set_input_files(
        {"name": "roster.txt", "mimeType": "text/plain",
         "buffer": b"Duty roster of the 4th company, night of the incident.\n"}
    )  # fmt: skip
    form.locator("textarea[name='description']").fill("The company's duty roster.")
    day.sign("form#act-form", "evidence-added")
    assert act_meta(page, "case.evidence")[-1].startswith("Afghanistan · af-officer")
    day.nav("Dashboard", "dashboard-after-answer")
    assert not day.has_task("Provide the information requested", subject), day.tasks()

    # Its side of a crossing.
    day.nav("Crossings", "crossings")
    day.link("Spin Boldak", "crossing-spin-boldak")
    assert "You report your side: Spin Boldak" in day.text("#report")
    day.choose("#field-trade", "pen")
    day.choose("#field-people", "estricted")
    page.fill("#field-reason", "Open to trade; people with papers only.")
    day.sign("#crossing-form", "crossing-reported")
    assert "open" in str(page.locator("tr", has_text="Spin Boldak").text_content())

    # A statement for the public record, and a step to comply.
    day.nav("Statements", "statements")
    page.fill("#field-title", "On the night at Spin Boldak")
    page.fill("#field-text", "Our border police held their positions and did not fire.")
    day.sign("#statement-form", "statement-published")
    assert "recorded as log entry" in day.text("[data-published]")
    day.nav("Compliance", "compliance")
    day.choose("#field-attest-clause", "C4")
    page.fill("#field-attest-statement", "Mortars were moved 20 km back from the line.")
    day.sign("#attest-form", "attested")
    assert "Mortars were moved 20 km back" in day.text("#attestations")


def _head_day(
    browsing: Browsing, demo: Demo, elsewhere: Elsewhere, member: str, other: str
) -> tuple[Day, int, int, str]:
    """A head's morning: its officer's new browser asks for a key, an allegation against
    the member and a ruling against it await; the head signs in on a brand-new browser,
    enrols it and approves the officer's key from the dashboard."""
    officer = f"{member.lower()}-officer"
    elsewhere.key_request(browsing, member, officer)
    alleged = elsewhere.lodge(f"{other.lower()}-officer", member,
                              f"Snipers of {member} shot at a market.")  # fmt: skip
    ruled = elsewhere.ruled(other, member, f"Drones of {member} struck a house.")
    day = enrolled_head(browsing, demo, member, "head")
    page = day.page
    assert day.has_task("Respond to the allegation", elsewhere.named(alleged)), day.tasks()
    assert day.has_task("Appeal the ruling", elsewhere.named(ruled)), day.tasks()
    request = page.locator("li.key-request", has_text=officer)
    assert request.count() == 1
    day.follow(request.get_by_role("button", name="Approve and sign"), "keys")
    assert page.locator("table.keys tr", has_text=officer).count() >= 2  # the demo's, and this
    day.nav("Dashboard", "dashboard-again")
    assert page.locator("li.key-request", has_text=officer).count() == 0
    return day, alleged, ruled, officer


def test_a_pakistani_heads_day(browsing: Browsing, demo: Demo, elsewhere: Elsewhere) -> None:
    day, alleged, ruled, _officer = _head_day(browsing, demo, elsewhere, "PK", "AF")
    page = day.page

    # The allegation answered with a counter-claim; the accused left out is refused.
    day.task("Respond to the allegation", elsewhere.named(alleged), "case-alleged")
    day.choose("#field-position", "ounter")
    page.fill("#field-statement", "Their snipers fired first, from the ridge.")
    page.locator("details.counter-claim summary").click()
    day.choose("#field-counter_case-incident-type", "Armed clash")
    occurred = datetime.now(UTC) - timedelta(hours=30)
    page.fill("#field-counter_case-incident-occurred_at", occurred.strftime("%Y-%m-%dT%H:%M"))
    day.choose("#field-counter_case-incident-time_precision", "to the hour")
    day.choose("#field-counter_case-incident-place-place_id", "Chaman")
    day.choose("#field-counter_case-incident-place-precision", "approximate")
    page.select_option("#field-counter_case-clauses", "C4")
    page.fill("#field-counter_case-narrative", "Fire from across the line at the market.")
    day.choose("#field-counter_case-language", "English")
    day.confirm()
    page.click("#act-form button[type=submit]")
    slot = page.locator("[data-error-for='counter_case.accused.member']")
    slot.wait_for(state="visible")
    assert slot.text_content() == "Choose a member."
    slot.scroll_into_view_if_needed()
    day.shot("counter-claim-refused", full_page=False)
    day.choose("#field-counter_case-accused-member", "Afghanistan")
    day.sign("#act-form", "responded")
    assert act_meta(page, "case.respond")[0].startswith("Pakistan · root")
    assert "Counter-claim" in day.text("dl.facts")
    day.link("Case", "counter-claim", within=page.locator("dl.facts"))
    assert "Counter-claim to" in day.text("dl.facts")
    assert act_meta(page, "case.respond")[0].startswith("Pakistan · root")

    # The ruling against Pakistan, appealed within the window.
    day.nav("Dashboard", "dashboard-after-response")
    assert not day.has_task("Respond to the allegation", elsewhere.named(alleged)), day.tasks()
    day.task("Appeal the ruling", elsewhere.named(ruled), "case-ruled")
    day.take("Appeal the ruling", "appeal-form")
    page.fill("#field-statement", "The drone was not ours: the debris says so.")
    day.confirm()
    day.sign("#act-form", "appealed")
    assert act_meta(page, "case.appeal")[0].startswith("Pakistan · root")


def test_an_afghan_heads_day(browsing: Browsing, demo: Demo, elsewhere: Elsewhere) -> None:
    day, alleged, ruled, _officer = _head_day(browsing, demo, elsewhere, "AF", "PK")
    page = day.page
    day.task("Respond to the allegation", elsewhere.named(alleged), "case-alleged")
    day.choose("#field-position", "Denies")
    page.fill("#field-statement", "No sniper of ours was near the market.")
    day.confirm()
    day.sign("#act-form", "responded")
    assert act_meta(page, "case.respond")[0].startswith("Afghanistan · root")
    assert "Under investigation" not in day.text(".case-status")
    day.nav("Dashboard", "dashboard-after-response")
    day.task("Appeal the ruling", elsewhere.named(ruled), "case-ruled")
    day.take("Waive the appeal", "waive-form")
    page.fill("#field-note", "We accept the ruling.")
    day.confirm()
    day.sign("#act-form", "appeal-waived")
    assert act_meta(page, "case.waive_appeal")[0].startswith("Afghanistan · root")
    day.nav("Dashboard", "dashboard-evening")
    assert not day.has_task("Appeal the ruling", elsewhere.named(ruled)), day.tasks()


def test_a_turkish_mediators_day(browsing: Browsing, demo: Demo, elsewhere: Elsewhere) -> None:
    case = elsewhere.lodge("pk-officer", "AF", "Artillery shells fell on Chaman's outskirts.")
    elsewhere.step("af-root", case, "case.respond",
                   {"position": "deny", "statement": "Our guns were silent."})  # fmt: skip
    elsewhere.post("pk-officer", "joint.request", {
        "to": "AF", "place": {"place_id": "khost", "precision": "approximate"},
        "language": "en", "description": "A training camp near Khost.",
        "requested_action": "Search and close it.",
    })  # fmt: skip
    day = enrolled_head(browsing, demo, "TR", "mediator")
    page = day.page
    subject = elsewhere.named(case)
    day.task("Open the investigation", subject, "case-denied")
    day.take("Open the investigation", "investigate-form")
    page.fill("#field-note", "We will visit the site on Thursday.")
    day.sign("#act-form", "investigation-opened")
    assert "Under investigation" in day.text(".case-status")
    assert act_meta(page, "case.investigate")[0].startswith("Türkiye · root")

    day.take("Request information", "request-form")
    day.choose("#field-to", "Afghanistan")
    page.fill("#field-questions", "Where were your batteries on the 6th?")
    page.fill("#field-deadline_days", "3")
    day.sign("#act-form", "information-requested")
    assert "Information due from Afghanistan" in day.text("dl.facts")

    day.take("Extend a deadline", "extend-form")
    day.choose("#field-deadline", "nformation")
    day.choose("#field-to", "Afghanistan")
    later = datetime.now(UTC) + timedelta(days=10)
    page.fill("#field-deadline_at", later.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#field-reason", "The road to the batteries is snowed in.")
    day.sign("#act-form", "deadline-extended")
    assert act_meta(page, "case.extend")[0].startswith("Türkiye · root")

    day.take("Record your finding", "finding-form")
    day.choose("#field-outcome", "Not substantiated")
    page.fill("#field-reasons", "No crater matched the shells described.")
    day.sign("#act-form", "finding-recorded")
    assert act_meta(page, "case.finding")[0].startswith("Türkiye · root")

    day.nav("Joint actions", "joint-actions")
    day.choose("#field-extend-refs", "A training camp near Khost.")
    page.fill("#field-extend-reason", "The valley is cut off by floods.")
    day.sign("#extend-form", "joint-extended")
    assert "Leave to report late" in str(page.locator("main").text_content()) or "late" in str(
        page.locator("table.joint-actions").text_content()
    )


def test_a_qatari_mediators_day(browsing: Browsing, demo: Demo, elsewhere: Elsewhere) -> None:
    case = elsewhere.lodge("af-officer", "PK", "Jets crossed into Paktika and struck a village.")
    elsewhere.step("pk-root", case, "case.respond",
                   {"position": "deny", "statement": "No jet of ours flew."})  # fmt: skip
    elsewhere.step("tr-root", case, "case.investigate", {"note": "Opening an investigation."})
    finding = {"outcome": "violation_confirmed", "violator": "PK", "clauses": ["C4"],
               "reasons": "Radar tracks and debris agree."}  # fmt: skip
    elsewhere.step("tr-root", case, "case.finding", finding)
    attested = f"PK withdrew its jets {datetime.now(UTC):%H%M%S} from the border bases."
    elsewhere.post("pk-officer", "compliance.attest", {
        "clause": "C4", "statement": attested, "language": "en",
        "taken_at": (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })  # fmt: skip
    day = enrolled_head(browsing, demo, "QA", "mediator")
    page = day.page
    day.task("Record a finding", elsewhere.named(case), "case-under-investigation")
    findings = act_meta(page, "case.finding")
    assert findings[0].startswith("Türkiye · root"), findings
    day.take("Record your finding", "finding-form")
    day.choose("#field-outcome", "confirmed")
    day.choose("#field-violator", "Pakistan")
    page.select_option("#field-clauses", ["C4"])
    page.fill("#field-reasons", "Radar tracks and the debris agree.")
    day.sign("#act-form", "finding-recorded")
    assert act_meta(page, "case.finding")[-1].startswith("Qatar · root")
    day.take("Record the ruling", "rule-form")
    assert "Violation confirmed" in str(
        page.locator("#field-outcome option:checked").text_content()
    )
    page.fill("#field-reasons", "Two concurring findings: radar tracks and debris.")
    day.confirm()
    day.sign("#act-form", "ruled")
    assert act_meta(page, "case.rule")[0].startswith("Qatar · root")
    assert "Ruled" in day.text(".case-status")

    day.nav("Compliance", "compliance")
    day.choose("#field-review-refs", attested[:30])
    day.choose("#field-review-verdict", "cknowledged")
    page.fill("#field-review-reason", "Satellite images show the bases empty.")
    page.check("#field-review-understood")
    day.sign("#review-form", "attestation-reviewed")
    assert "Acknowledged" in str(page.locator("#attestations li, #attestations tr",
                                              has_text=attested).first.text_content())  # fmt: skip


def test_the_secretariats_day(browsing: Browsing, demo: Demo) -> None:
    head = register_head(browsing, demo, "SEC")
    clerk = register_officer(browsing, demo, head, "sec-clerk")
    head.page.context.close()
    day = Day(clerk, "secretariat")
    day.shot("dashboard")
    page = day.page

    day.nav("Crossings", "crossings")
    day.link("Torkham", "crossing-torkham")
    day.choose("#field-trade", "pen")
    day.choose("#field-people", "pen")
    page.fill("#field-reason", "Reopened after the joint commission met.")
    day.sign("#crossing-form", "crossing-reported")

    day.nav("Statements", "statements")
    page.fill("#field-title", "The commission's weekly summary")
    page.fill("#field-text", "Torkham reopened; two allegations lodged this week.")
    day.sign("#statement-form", "statement-published")
    assert "recorded as log entry" in day.text("[data-published]")

    day.nav("Notifications", "notifications")
    day.link("Who was told what", "notification-record")
    assert page.locator("table").count() >= 1
    day.nav("Log", "log")
    assert page.locator("main").get_by_text("checkpoint", exact=False).count() >= 1

    day.nav("Cases", "cases")
    with page.expect_download() as download:
        page.locator("main").get_by_role("link", name="CSV").first.click()
    saved = download.value.path()
    assert saved is not None
    rows = saved.read_text(encoding="utf-8").splitlines()
    assert len(rows) > 1, rows
