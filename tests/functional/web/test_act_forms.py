"""The forms of the acts outside a case, signed in the browser from what the pages show:
a crossing reported from each side, a request for joint action made, reported on and
extended, attestations and their reviews, a delegate's key revoked by its head, and a
counter-claim's missing accused marked on its own field. Screenshots:
test-output/screenshots/forms-*.png.
"""

from __future__ import annotations

import re

from tests.functional.web.browser import Browsing, axe_violations, screenshot
from tests.functional.web.conftest import Demo
from tests.functional.web.delegations import Delegate, register_head, register_officer


def test_the_forms_outside_a_case_in_the_browser(browsing: Browsing, demo: Demo) -> None:
    pk_head = register_head(browsing, demo, "PK")
    af_head = register_head(browsing, demo, "AF")
    tr_head = register_head(browsing, demo, "TR")
    pk_officer = register_officer(browsing, demo, pk_head, "pk-officer")
    af_officer = register_officer(browsing, demo, af_head, "af-officer")

    # a crossing, from each side
    for officer, side in ((pk_officer, "Chaman"), (af_officer, "Spin Boldak")):
        officer.open("/crossings/chaman-spin-boldak#report")
        page = officer.page
        assert f"You report your side: {side}" in str(page.text_content("#report"))
        assert page.input_value("#field-effective_at")  # today, in the crossing's zone
        page.select_option("#field-trade", "restricted")
        page.select_option("#field-people", "closed")
        page.fill("#field-stranded_trucks", "40")
        page.fill("#field-reason", f"Queues on the {side} side.")
        screenshot(page, f"forms-crossing-{officer.member.lower()}")
        officer.sign("#crossing-form")
    pk_officer.open("/crossings/chaman-spin-boldak")
    assert str(pk_officer.page.text_content(".crossing-sides")).count("trade restricted") == 2
    screenshot(pk_officer.page, "forms-crossing-both-sides")

    # a request for joint action, its report, an extension
    pk_officer.open("/joint-actions#request-form")
    page = pk_officer.page
    assert page.input_value("#field-request-to") == "AF"
    page.select_option("#field-request-place-place_id", "chaman")
    page.fill("#field-request-description", "A camp near Chaman.")
    page.fill("#field-request-requested_action", "Search it.")
    screenshot(page, "forms-joint-request-pk")
    pk_officer.sign("#request-form")
    af_officer.open("/joint-actions")
    af_officer.page.get_by_role("link", name="Report on this request").first.click()
    page = af_officer.page
    page.wait_for_selector("#report-form")
    page.fill("#field-report-action_taken", "Searched the valley.")
    page.select_option("#field-report-outcome", "nothing_found")
    page.click("#report-form button[type=submit]")  # the box is not ticked: not sent
    assert page.evaluate("document.querySelector('#field-report-understood').validity.valueMissing")
    page.check("#field-report-understood")
    screenshot(page, "forms-joint-report-af")
    af_officer.sign("#report-form")
    assert "Nothing found" in str(af_officer.page.text_content("table.joint-actions"))
    af_officer.open("/joint-actions?status=open#request-form")
    af_officer.page.select_option("#field-request-place-place_id", "khost")
    af_officer.page.fill("#field-request-description", "Fighters at Khost.")
    af_officer.page.fill("#field-request-requested_action", "Stop them.")
    af_officer.sign("#request-form")
    tr_head.open("/joint-actions#extend-form")
    page = tr_head.page
    options = page.locator("#field-extend-refs option:not([disabled])").all_text_contents()
    assert any("Fighters at Khost." in text for text in options), options
    page.select_option("#field-extend-refs", index=1)
    page.fill("#field-extend-reason", "Snow closed the passes.")
    screenshot(page, "forms-joint-extend-tr")
    tr_head.sign("#extend-form")
    screenshot(tr_head.page, "forms-joint-actions-after")

    # attestations, reviewed by a mediator
    for party in (pk_officer, af_head):
        party.open("/compliance#attest-form")
        party.page.select_option("#field-attest-clause", "C4")
        party.page.fill("#field-attest-statement", f"{party.member} withdrew heavy weapons.")
        party.sign("#attest-form")
    tr_head.open("/compliance#review-form")
    page = tr_head.page
    page.select_option("#field-review-refs", index=1)
    page.select_option("#field-review-verdict", "acknowledged")
    page.fill("#field-review-reason", "Seen on the ground.")
    page.check("#field-review-understood")
    page.locator("#attestations").scroll_into_view_if_needed()
    screenshot(page, "forms-compliance-review-tr")
    tr_head.sign("#review-form")
    assert "Acknowledged" in str(tr_head.page.text_content("#attestations"))

    # a statement, and a delegate's key revoked by its head
    af_officer.open("/statements#statement-form")
    af_officer.page.fill("#field-title", "On the crossings")
    af_officer.page.fill("#field-text", "Spin Boldak stays open to people in need.")
    screenshot(af_officer.page, "forms-statement-af")
    af_officer.sign("#statement-form")
    af_head.open("/keys")
    screenshot(af_head.page, "forms-keys-af")
    af_head.page.locator("tr", has_text="af-officer").get_by_role("link").first.click()
    page = af_head.page
    page.wait_for_selector("#revoke-form")
    page.fill("#field-revoke-reason", "The laptop was lost.")
    page.check("#field-revoke-understood")
    screenshot(page, "forms-keys-revoke-af")
    af_head.sign("#revoke-form")
    assert "revoked at entry" in str(af_head.page.text_content("table.keys"))
    assert not axe_violations(af_head.page)
    _counter_claim_error(demo, pk_head)


def _counter_claim_error(demo: Demo, pk_head: Delegate) -> None:
    lodged = demo.truce(
        "lodge", "--server", demo.base_url, "--key", str(demo.keys_dir / "af-root.key"),
        "--accused", "PK", "--type", "shelling", "--at", "2025-11-06T10:30:00Z",
        "--clause", "C4", "--place", "spin-boldak", "--narrative", "Shells struck homes.",
    )  # fmt: skip
    entry = re.search(r"log entry (\d+)", lodged)
    assert entry is not None, lodged
    pk_head.open(f"/cases/{entry.group(1)}?act=case.respond#act-form")
    page = pk_head.page
    page.select_option("#field-position", "counter_claim")
    page.fill("#field-statement", "They fired first.")
    page.click("details.counter-claim summary")
    page.select_option("#field-counter_case-incident-type", index=1)
    page.fill("#field-counter_case-incident-occurred_at", "2025-11-06T09:00")
    page.select_option("#field-counter_case-incident-time_precision", "hour")
    page.select_option("#field-counter_case-incident-place-place_id", "chaman")
    page.select_option("#field-counter_case-incident-place-precision", "approximate")
    page.select_option("#field-counter_case-clauses", "C4")
    page.fill("#field-counter_case-narrative", "Fire from across the line.")
    page.check("#field-understood")  # a response cannot be undone: the box is required
    page.click("#act-form button[type=submit]")
    slot = page.locator("[data-error-for='counter_case.accused.member']")
    slot.wait_for(state="visible")
    assert slot.text_content() == "Choose a member."
    assert page.get_attribute("#field-counter_case-accused-member", "aria-invalid") == "true"
    slot.scroll_into_view_if_needed()
    screenshot(page, "forms-counter-claim-error-pk", full_page=False)
