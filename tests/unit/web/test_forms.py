"""Form fields to act bodies, and field errors from the message table."""

from __future__ import annotations

import pytest

from truce.acts.bodies import JointRequestBody, LodgeBody, RespondBody
from truce.web import i18n
from truce.web.forms import FieldErrors, collect, field_name, split_list, validate


def test_lists_are_repeated_or_comma_separated() -> None:
    assert split_list(["C1, C2", "C3", " ", ""]) == ["C1", "C2", "C3"]


def test_dotted_names_build_nested_bodies_and_blanks_are_left_out() -> None:
    form = {
        "to": ["AF"],
        "place.lat": ["34,5"],
        "place.lon": ["71.25"],
        "place.place_id": [""],
        "place.precision": ["district"],
        "description": ["A camp."],
        "requested_action": ["Search it."],
        "deadline_days": ["7"],
        "language": ["ps"],
        "unknown": ["ignored"],
    }
    body = collect(JointRequestBody, form)
    assert body == {
        "to": "AF",
        "place": {"lat": 34.5, "lon": 71.25, "precision": "district"},
        "description": "A camp.",
        "requested_action": "Search it.",
        "deadline_days": 7,
        "language": "ps",
    }
    assert validate(JointRequestBody, body)["place"] == body["place"]


def test_a_local_time_is_read_as_utc() -> None:
    body = collect(LodgeBody, {"incident.occurred_at": ["2025-10-16T08:30"]})
    assert body["incident"]["occurred_at"] == "2025-10-16T08:30:00Z"


def test_numbers_that_are_not_numbers_are_reported() -> None:
    errors: dict[str, str] = {}
    with i18n.speaking("en"):
        collect(LodgeBody, {"incident.killed.soldiers": ["many"], "incident.place.lat": ["nan"]},
                errors=errors)  # fmt: skip
    assert errors == {
        "incident.killed.soldiers": "Enter a whole number.",
        "incident.place.lat": "Enter a number.",
    }


def test_model_errors_are_translated_messages_of_our_own() -> None:
    with i18n.speaking("en"), pytest.raises(FieldErrors) as raised:
        validate(RespondBody, {"position": "counter_claim", "statement": "x", "language": "en"})
    assert raised.value.errors == {
        "position": "A counter-claim comes with the counter case, and only a counter-claim does."
    }
    with i18n.speaking("en"), pytest.raises(FieldErrors) as raised:
        validate(RespondBody, {"position": "maybe", "statement": "", "language": "english"})
    assert raised.value.errors == {
        "position": "Choose one of the options.",
        "statement": "This field is required.",
        "language": "Choose a language.",
    }


def test_field_names_drop_list_positions() -> None:
    assert field_name(("clauses", 0)) == "clauses"
    assert field_name(("incident", "place")) == "incident.place"
    assert field_name(()) == "body"


def test_field_errors_speak_the_viewers_language() -> None:
    with i18n.speaking("tr"), pytest.raises(FieldErrors) as raised:
        validate(RespondBody, {"position": "deny", "statement": "", "language": "tr"})
    english = i18n.translations("en").ugettext("This field is required.")
    assert raised.value.errors["statement"] == i18n.translations("tr").ugettext(english)
    assert raised.value.errors["statement"] != english
