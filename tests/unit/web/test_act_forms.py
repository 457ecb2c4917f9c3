"""The forms of the acts outside a case: each submitted as its page offers it, from both
parties' side and a mediator's or the secretariat's where they sign it.

Each test reads a form from its page (the fields, their defaults and the choices it
offers), fills in what a delegate would, and signs it as the page's script does
(:class:`tests.unit.web_app.Browser`); nothing is read from the database.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from tests.mechanism import Mechanism
from tests.unit.web.test_acts import LODGE
from tests.unit.web_app import Browser
from truce.ledger.keys import SigningKey

OTHER_DELEGATE = "Another delegate of your member takes this step"


class _Forms(HTMLParser):
    """Each act form of a page by its id: its fields' values as a browser would send them
    untouched, and the choices each select offers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, Any]] = {}
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form" and "data-act-form" in found:
            self._form = {"values": {}, "options": {}, "required": set()}
            self.forms[found.get("id", str(len(self.forms)))] = self._form
        if self._form is None:
            return
        name = found.get("name", "")
        if "required" in found and name:
            self._form["required"].add(name)
        typed = found.get("type") not in ("checkbox", "file")
        if tag == "input" and name and typed and found.get("value"):
            self._form["values"][name] = found["value"]
        if tag == "textarea" and name:
            self._form["values"].setdefault(name, "")
        if tag == "select":
            self._select = name
            self._form["options"][name] = []
        if tag == "option" and self._select is not None and "disabled" not in found:
            value = found.get("value", "")
            if value:
                self._form["options"][self._select].append(value)
            if "selected" in found and value:
                self._form["values"][self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if tag == "select":
            self._select = None


def act_forms(html: str) -> dict[str, dict[str, Any]]:
    """The act forms of a page, by id."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def fill(form: dict[str, Any], **typed: str) -> dict[str, str]:
    """What the form sends: its defaults, with what the delegate typed or chose."""
    values: dict[str, str] = {**form["values"], **typed}
    return {name: value for name, value in values.items() if name != "csrf"}


def test_each_side_reports_its_own_side_of_a_crossing(browsers: Any, mechanism: Mechanism) -> None:
    path = "/crossings/chaman-spin-boldak"
    for name, side in (("pk-officer", "Chaman"), ("af-officer", "Spin Boldak")):
        browser: Browser = browsers(name)
        page = browser.page(path).text
        assert f"You report your side: {side}" in page
        form = act_forms(page)["crossing-form"]
        assert form["values"]["crossing"] == "chaman-spin-boldak"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", form["values"]["effective_at"])
        assert form["options"]["trade"] == ["open", "restricted", "closed"]
        refused = browser.prepare(
            {"key_id": mechanism.key(name).key.key_id, **fill(form, reason="")}
        )
        assert refused.status_code == 422
        assert set(refused.json()["errors"]) == {"trade", "people", "reason"}
        answer = browser.act(fill(form, trade="restricted", people="closed", reason="Queues."))
        assert answer.status_code == 200, answer.text
        assert answer.json()["redirect"] == "/crossings"
    shown = browsers("tr-officer").page(path).text
    assert 'id="crossing-form"' not in shown
    assert "The parties report their own side of a crossing" in shown
    assert shown.count("trade restricted, people closed") == 2
    clerk: Browser = browsers("sec-clerk")
    form = act_forms(clerk.page(path).text)["crossing-form"]
    answer = clerk.act(fill(form, trade="open", people="open", reason="Reopened by agreement."))
    assert answer.status_code == 200, answer.text
    observer = browsers("pk-observer").page(path).text
    assert 'id="crossing-form"' not in observer
    assert OTHER_DELEGATE in observer


def _options_text(html: str, form_id: str, name: str) -> list[str]:
    form = html.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    select = form.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]*)</option>", select)


def test_a_request_for_joint_action_is_made_reported_on_and_extended(
    browsers: Any, mechanism: Mechanism
) -> None:
    asking: Browser = browsers("pk-officer")
    form = act_forms(asking.page("/joint-actions").text)["request-form"]
    assert form["values"]["to"] == "AF"  # the only other party, chosen already
    assert "chaman" in form["options"]["place.place_id"]
    for description in ("A camp near Chaman.", "Fighters massing at Khost."):
        answer = asking.act(fill(form, **{"place.place_id": "chaman"}, description=description,
                                 requested_action="Search it."))  # fmt: skip
        assert answer.status_code == 200, answer.text
        assert answer.json()["redirect"] == "/joint-actions"
    asked: Browser = browsers("af-officer")
    page = asked.page("/joint-actions").text
    assert "Report on this request" in page
    form = act_forms(page)["report-form"]
    assert len(form["options"]["refs"]) == 2
    assert any("A camp near Chaman." in text for text in _options_text(page, "report-form", "refs"))
    chosen = form["options"]["refs"][0]
    typed = {"refs": chosen, "action_taken": "Searched the valley.", "outcome": "nothing_found"}
    unconfirmed = asked.prepare({"key_id": mechanism.key("af-officer").key.key_id,
                                 **fill(form, **typed)})  # fmt: skip
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["errors"] == {
        "understood": "Tick the box to confirm that you understand this cannot be undone."
    }
    answer = asked.act(fill(form, **typed, understood="yes"))
    assert answer.status_code == 200, answer.text
    page = asked.page("/joint-actions").text
    assert len(act_forms(page)["report-form"]["options"]["refs"]) == 1
    assert "Nothing found: " in page
    assert 'id="report-form"' not in browsers("pk-officer").page("/joint-actions").text
    mediator: Browser = browsers("tr-root")
    page = mediator.page("/joint-actions").text
    assert 'id="request-form"' not in page
    form = act_forms(page)["extend-form"]
    assert len(form["options"]["refs"]) == 1  # the request not yet reported on
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", form["values"]["deadline_at"])
    answer = mediator.act(fill(form, refs=form["options"]["refs"][0], reason="Snow."))
    assert answer.status_code == 200, answer.text
    officer = browsers("tr-officer").page("/joint-actions").text
    assert 'id="extend-form"' not in officer
    assert OTHER_DELEGATE in officer


def test_a_party_attests_and_each_mediator_reviews(browsers: Any, mechanism: Mechanism) -> None:
    for name in ("pk-officer", "af-root"):
        party: Browser = browsers(name)
        form = act_forms(party.page("/compliance").text)["attest-form"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", form["values"]["taken_at"])
        clause = form["options"]["clause"][0]
        answer = party.act(fill(form, clause=clause, statement=f"{name} withdrew units."))
        assert answer.status_code == 200, answer.text
        assert answer.json()["redirect"] == "/compliance"
    for name in ("tr-officer", "qa-root"):
        mediator: Browser = browsers(name)
        page = mediator.page("/compliance").text
        assert 'id="attest-form"' not in page
        form = act_forms(page)["review-form"]
        assert len(form["options"]["refs"]) == 2
        typed = {"refs": form["options"]["refs"][0], "verdict": "acknowledged",
                 "reason": "Seen on the ground.", "understood": "yes"}  # fmt: skip
        answer = mediator.act(fill(form, **typed))
        assert answer.status_code == 200, answer.text
        left = act_forms(mediator.page("/compliance").text)["review-form"]
        assert len(left["options"]["refs"]) == 1
    page = browsers("pk-officer").page("/compliance").text
    assert 'id="review-form"' not in page
    assert "Acknowledged" in page


def test_a_statement_is_published_from_its_page(browsers: Any, mechanism: Mechanism) -> None:
    for name in ("pk-officer", "af-root", "sec-clerk"):
        browser: Browser = browsers(name)
        form = act_forms(browser.page("/statements").text)["statement-form"]
        assert form["values"]["audience"] == "all"
        answer = browser.act(fill(form, title="On the truce", text="The ceasefire holds."))
        assert answer.status_code == 200, answer.text
        redirect = answer.json()["redirect"]
        assert redirect == f"/statements?published={answer.json()['index']}"
        confirmed = browser.page(redirect).text
        assert f"The statement is signed and recorded as log entry {answer.json()['index']}." in (
            confirmed
        )
    observer = browsers("pk-observer").page("/statements").text
    assert 'id="statement-form"' not in observer
    assert OTHER_DELEGATE in observer


def test_a_statement_is_addressed_to_the_public_from_its_page(
    browsers: Any, mechanism: Mechanism
) -> None:
    """The scenario's publication policy lets a statement be public: the form offers it,
    and the statement then appears on the public page."""
    browser: Browser = browsers("pk-officer")
    form = act_forms(browser.page("/statements").text)["statement-form"]
    assert form["options"]["audience"][:3] == ["all", "mediators", "public"]
    typed = {"title": "To everyone", "text": "Heard by all.", "audience": "public"}
    answer = browser.act(fill(form, **typed))
    assert answer.status_code == 200, answer.text
    assert "Heard by all." in browser.client.get("/public", params={"lang": "en"}).text


def test_a_head_registers_and_revokes_a_delegates_key(browsers: Any, mechanism: Mechanism) -> None:
    head: Browser = browsers("af-root")
    page = head.page("/keys").text
    form = act_forms(page)["register-form"]
    assert form["options"]["role"] == ["officer", "head", "observer", "witness"]
    new = SigningKey.generate()
    answer = head.act(fill(form, delegate="af-deputy", public_key=new.public_key.text))
    assert answer.status_code == 200, answer.text
    assert answer.json()["redirect"] == "/keys"
    page = head.page("/keys").text
    assert "af-deputy" in page
    assert 'id="revoke-form"' not in page
    page = head.page(f"/keys?revoke={new.key_id}").text
    form = act_forms(page)["revoke-form"]
    assert form["values"]["public_key"] == new.public_key.text
    assert "understood" in form["required"]
    refused = head.prepare({"key_id": mechanism.key("af-root").key.key_id,
                            **fill(form, reason="Lost.")})  # fmt: skip
    assert set(refused.json()["errors"]) == {"understood"}
    answer = head.act(fill(form, reason="Lost.", understood="yes"))
    assert answer.status_code == 200, answer.text
    assert "revoked at entry" in head.page("/keys").text
    officer = browsers("pk-officer").page("/keys").text
    assert 'id="register-form"' not in officer
    assert "Your head registers" in officer
    clerk = act_forms(browsers("sec-clerk").page("/keys").text)
    # the secretariat registers only the roles it gives: its own staff's and its clock's
    assert "register-form" in clerk
    assert clerk["register-form"]["options"]["role"] == ["clock", "secretariat"]


def test_a_counter_claim_left_without_its_accused_marks_that_field(
    browsers: Any, mechanism: Mechanism
) -> None:
    officer: Browser = browsers("pk-officer")
    lodged = officer.act({**LODGE, "accused.member": "AF"})
    case = lodged.json()["index"]
    head: Browser = browsers("af-root")
    counter = {
        "kind": "case.respond",
        "case": str(case),
        "understood": "yes",
        "position": "counter_claim",
        "statement": "They fired first.",
        "language": "en",
        "counter_case.incident.type": "shelling",
        "counter_case.incident.occurred_at": "2025-10-16T07:00",
        "counter_case.incident.time_precision": "hour",
        "counter_case.incident.place.precision": "approximate",
        "counter_case.narrative": "Shells from across the line.",
        "counter_case.language": "en",
    }
    answer = head.prepare({"key_id": mechanism.key("af-root").key.key_id, **counter})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "counter_case.incident.place.place_id": (
            "Choose a place, or give both latitude and longitude."
        ),
        "counter_case.accused.member": "Choose a member.",
        "counter_case.clauses": "Choose at least one clause.",
    }
    alone = {key: value for key, value in counter.items() if not key.startswith("counter_case")}
    answer = head.prepare({"key_id": mechanism.key("af-root").key.key_id, **alone})
    assert answer.json()["errors"] == {
        "position": "A counter-claim comes with the counter case, and only a counter-claim does."
    }
