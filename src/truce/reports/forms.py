"""The body of ``report.publish``, built on the server from the secretariat's form.

The form uploads the report's PDFs (``file``, one per language) with its title and,
where the data does not state it, its period (``period.kind``, ``period.from``,
``period.to``); each PDF's language is the one its catalogue declares. The body is the
one ``truce report publish`` signs (:func:`truce.reports.publishing.publish_body`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from truce.errors import InputError
from truce.files.store import CheckedFile
from truce.reports.publishing import publish_body, report_file
from truce.web.forms import FieldErrors
from truce.web.i18n import gettext as _

#: The fields of a period, as the form names them.
PERIOD_FIELDS = ("period.kind", "period.from", "period.to")


def publish_form_body(
    values: Mapping[str, Sequence[str]], uploads: Sequence[CheckedFile], names: Sequence[str]
) -> dict[str, Any]:
    """The ``report.publish`` body a form describes; FieldErrors in the viewer's words."""

    def one(name: str) -> str:
        given = values.get(name) or [""]
        return given[0].strip()

    if not uploads:
        raise FieldErrors({"file": _("Choose the report's PDFs, one per language.")})
    title = one("title")
    if not title:
        raise FieldErrors({"title": _("Give the report's title.")})
    given = [one(name) for name in PERIOD_FIELDS]
    period = dict(zip(("kind", "from", "to"), given, strict=True)) if all(given) else None
    try:
        files = [
            report_file(name, checked.content, None)
            for checked, name in zip(uploads, names, strict=True)
        ]
        return publish_body(files, title, period)
    except InputError as exc:
        field = "period.kind" if exc.field == "period" else "file"
        raise FieldErrors({field: exc.message}) from exc
