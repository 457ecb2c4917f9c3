"""From an act form's fields to an act body, with errors in the viewer's language.

Field names are those of the body models in :mod:`truce.acts.bodies`; nested fields
are dotted (``incident.place.lat``, ``killed.civilians``). A list field is given as
repeated fields or comma-separated (``clauses=A1,A2``). Empty fields are left out, so
a required one is reported missing and an optional one takes its default. A time field
(``…_at``) may be given as a browser's ``datetime-local`` value: the wall-clock time of
the zone the form is in (the place's or the author's member's,
:func:`truce.scenario.facts.zone_for`), turned into the UTC time the body holds.

Validation is the body model's own; its errors are reported per field through this
module's message table (translated), never as Pydantic's English.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from truce.ledger.envelope import format_time
from truce.scenario.facts import local_to_utc
from truce.web.i18n import gettext as _

FormValues = Mapping[str, Sequence[str]]
_LOCAL_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?$")


class FieldErrors(Exception):  # noqa: N818 - a set of messages, not a failure of the code
    """Messages per field name, already in the viewer's language."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


def _unwrap(annotation: Any) -> Any:
    """The annotation without ``| None`` and without ``Annotated`` constraints."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            options = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _values(form: FormValues, name: str) -> list[str]:
    return [value.strip() for value in form.get(name, ()) if value.strip()]


def split_list(values: Sequence[str]) -> list[str]:
    """Repeated and comma-separated values, as one list without blanks."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _time(value: str, zone: tzinfo) -> str:
    """A ``datetime-local`` value in ``zone`` as RFC 3339 UTC; any other text as given."""
    match = _LOCAL_TIME.match(value)
    if match:
        day, minutes, seconds = match.groups()
        text = f"{day}T{minutes}{seconds or ':00'}"
        try:
            local = datetime.fromisoformat(text)
        except ValueError:
            return f"{text}Z"  # not a real day: admission refuses it, naming the field
        return format_time(local_to_utc(local, zone))
    return value


def _scalar(
    annotation: Any, name: str, value: str, errors: dict[str, str], zone: tzinfo = UTC
) -> Any:
    if annotation is int:
        try:
            return int(value)
        except ValueError:
            errors[name] = _("Enter a whole number.")
            return None
    if annotation is float:
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            errors[name] = _("Enter a number.")
            return None
        if not math.isfinite(number):
            errors[name] = _("Enter a number.")
            return None
        return number
    if name.endswith("_at"):
        return _time(value, zone)
    return value


def collect(
    model: type[BaseModel],
    form: FormValues,
    *,
    prefix: str = "",
    files: Callable[[str], list[dict[str, Any]]] | None = None,
    errors: dict[str, str] | None = None,
    zone: tzinfo = UTC,
) -> dict[str, Any]:
    """The body that ``model`` would read from the form (not yet validated).

    ``files(name)`` returns the file references uploaded for a list-of-files field;
    ``zone`` is the zone whose local time the form's time fields are in.
    """
    errors = {} if errors is None else errors
    body: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        name = prefix + field_name
        annotation = _unwrap(info.annotation)
        if _is_model(annotation):
            nested = collect(
                annotation, form, prefix=name + ".", files=files, errors=errors, zone=zone
            )
            if nested:
                body[field_name] = nested
        elif get_origin(annotation) is list:
            (item,) = get_args(annotation)
            if _is_model(_unwrap(item)):
                refs = files(name) if files is not None else []
                if refs:
                    body[field_name] = refs
            else:
                items = split_list(form.get(name, ()))
                if items:
                    body[field_name] = [
                        _scalar(_unwrap(item), name, value, errors, zone) for value in items
                    ]
        else:
            given = _values(form, name)
            if given:
                body[field_name] = _scalar(annotation, name, given[0], errors, zone)
    return body


_MODEL_MESSAGES: dict[str, Callable[[], str]] = {
    "give a gazetteer place_id, or both lat and lon": lambda: _(
        "Choose a place, or give both latitude and longitude."
    ),
    "give both lat and lon, or neither": lambda: _("Give both latitude and longitude, or neither."),
    "a counter_claim carries counter_case, and only a counter_claim": lambda: _(
        "A counter-claim comes with the counter case, and only a counter-claim does."
    ),
}


def _message(error: Mapping[str, Any], annotation: Any = None) -> str:
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_too_short":
        if context.get("min_length", 1) <= 1:
            return _("This field is required.")
        return _("Enter at least %(count)s characters.") % {"count": context["min_length"]}
    if kind == "string_too_long":
        return _("Enter at most %(count)s characters.") % {"count": context.get("max_length")}
    if kind == "string_pattern_mismatch":
        return _("This value does not have the expected form.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "finite_number"):
        return _("Enter a number.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Enter a number of at least %(limit)s.") % {
            "limit": context.get("ge", context.get("gt"))
        }
    if kind in ("less_than_equal", "less_than"):
        return _("Enter a number of at most %(limit)s.") % {
            "limit": context.get("le", context.get("lt"))
        }
    if kind in ("literal_error", "enum"):
        return _("Choose one of the options.")
    if kind == "too_short":
        return _("Give at least %(count)s.") % {"count": context.get("min_length")}
    if kind == "too_long":
        return _("Give at most %(count)s.") % {"count": context.get("max_length")}
    if kind == "value_error":
        raw = str(context.get("error", ""))
        for text, message in _MODEL_MESSAGES.items():
            if text in raw:
                return message()
    if kind == "extra_forbidden":
        return _("This field is not expected here.")
    return _("This value is not valid.")


#: Clearer messages for pattern mismatches of fields everyone fills in.
_PATTERN_MESSAGES: dict[str, Callable[[], str]] = {
    "language": lambda: _("Choose a language."),
    "clauses": lambda: _("Enter clause identifiers such as A1."),
    "clause": lambda: _("Enter a clause identifier such as A1."),
    "member": lambda: _("Choose a member."),
    "to": lambda: _("Choose a member."),
    "violator": lambda: _("Choose a member."),
    "type": lambda: _("Choose a type of incident."),
    "public_key": lambda: _("This is not a public key."),
    "delegate": lambda: _("Enter a delegate name: letters, digits, '.', '_' or '-'."),
}


def field_name(loc: Sequence[Any]) -> str:
    """The form field an error location names (list positions dropped)."""
    parts = [str(part) for part in loc if not isinstance(part, int)]
    return ".".join(parts) or "body"


def form_field(model: type[BaseModel], loc: Sequence[Any]) -> str:
    """The form field an error at ``loc`` of ``model`` belongs beside.

    A form has fields for scalars only: an error about a whole group (a counter-claim's
    ``counter_case.accused`` left empty, a place with neither id nor point, a response
    whose position needs a counter case) is put beside the group's first field
    (``counter_case.accused.member``), so that the field itself is marked.
    """
    parts = [str(part) for part in loc if not isinstance(part, int)]
    annotation: Any = model
    for part in parts:
        inner = _unwrap(annotation)
        if not _is_model(inner) or part not in inner.model_fields:
            return ".".join(parts) or "body"
        annotation = inner.model_fields[part].annotation
    inner = _unwrap(annotation)
    while _is_model(inner) and inner.model_fields:
        first = next(iter(inner.model_fields))
        parts.append(first)
        inner = _unwrap(inner.model_fields[first].annotation)
    return ".".join(parts) or "body"


#: Clearer messages for required fields left empty, by the field's last name.
_MISSING_MESSAGES: dict[str, Callable[[], str]] = {
    "member": lambda: _("Choose a member."),
    "to": lambda: _("Choose a member."),
    "type": lambda: _("Choose a type of incident."),
    "place_id": lambda: _("Choose a place, or give both latitude and longitude."),
    "occurred_at": lambda: _("Give the date and time it happened."),
    "clauses": lambda: _("Choose at least one clause."),
    "clause": lambda: _("Choose a clause."),
}


def validate(model: type[BaseModel], body: dict[str, Any]) -> dict[str, Any]:
    """The body in the model's JSON form; :class:`FieldErrors` with every field's message,
    each named as the form field it belongs beside (:func:`form_field`)."""
    try:
        parsed = model.model_validate(body)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            name = form_field(model, error["loc"])
            if name in errors:
                continue
            last = name.rsplit(".", 1)[-1]
            if error["type"] == "string_pattern_mismatch" and last in _PATTERN_MESSAGES:
                errors[name] = _PATTERN_MESSAGES[last]()
            elif error["type"] == "missing" and last in _MISSING_MESSAGES:
                errors[name] = _MISSING_MESSAGES[last]()
            else:
                errors[name] = _message(error)
        raise FieldErrors(errors) from exc
    dumped: dict[str, Any] = parsed.model_dump(mode="json", exclude_none=True)
    return dumped
