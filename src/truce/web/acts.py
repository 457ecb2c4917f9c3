"""Acts signed in the browser: prepare from a form, submit once signed.

``POST /web/acts/prepare`` turns an act form into the act's body and its unsigned
envelope, or answers ``422 {"errors": {field: message}}`` in the viewer's language.
The browser checks the body digest, signs the RFC 8785 bytes of the envelope with its
non-extractable Ed25519 key and posts ``{"envelope", "body"}`` to
``POST /web/acts/submit``, which admits it exactly as the log API admits an act from
the CLI (:mod:`truce.log.admission`): the server never holds a delegate's key,
so it cannot sign for anyone; the session only says who may submit.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from truce.accounts.devices import approve_registered
from truce.acts.bodies import BODY_MODELS
from truce.acts.surfaces import CONFIRM_FIELD, irreversible
from truce.api.deps import Services, ServicesDep
from truce.cases.queries import case_leaf, case_of_leaf
from truce.errors import InputError, NotFoundError, PayloadTooLargeError
from truce.files.store import CheckedFile, check_file, store_file
from truce.ledger import jcs
from truce.ledger.envelope import VERSION, SignedAct, format_time
from truce.log.admission import load_submission_bytes
from truce.log.api import read_limited, writable
from truce.log.queries import key_role
from truce.media.forms import MEDIA_KINDS, media_body
from truce.reports.forms import publish_form_body
from truce.scenario.facts import zone_for
from truce.scenario.rules import Scenario
from truce.verify.registry import PERMISSIONS
from truce.web import i18n
from truce.web.deps import CsrfViewerDep, Viewer, now_of
from truce.web.forms import FieldErrors, collect, split_list, validate
from truce.web.i18n import gettext as _

router = APIRouter(prefix="/web/acts", include_in_schema=False, dependencies=[Depends(writable)])
_LEAF_HASH_LENGTH = 64


def _form_values(form: FormData) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return values


async def _uploads(form: FormData, services: Services) -> tuple[list[CheckedFile], list[str]]:
    """Check every uploaded file (``file`` fields); return them with their names."""
    checked: list[CheckedFile] = []
    names: list[str] = []
    limit = services.settings.max_file_bytes
    for value in form.getlist("file"):
        if not isinstance(value, UploadFile) or not value.filename:
            continue
        content = await value.read(limit + 1)
        try:
            checked.append(check_file(content, value.content_type, limit))
        except PayloadTooLargeError as exc:
            raise FieldErrors(
                {"file": _("The file is too large: at most %(size)s MB.") % {"size": limit >> 20}}
            ) from exc
        except InputError as exc:
            raise FieldErrors(
                {"file": _("This kind of file is not accepted, or it is empty.")}
            ) from exc
        names.append(value.filename[-200:])
    return checked, names


def _key_role(services: Services, viewer: Viewer, key_id: str) -> str:
    if key_id not in viewer.keys:
        raise FieldErrors(
            {"key_id": _("This browser's key is not registered to you, or was revoked.")}
        )
    with services.db.read() as connection:
        role = key_role(connection, key_id)
    if role is None:
        raise FieldErrors(
            {"key_id": _("This browser's key is not registered to you, or was revoked.")}
        )
    return role


def _refs(services: Services, values: dict[str, list[str]]) -> list[str]:
    refs = split_list(values.get("refs", ()))
    for ref in refs:
        if len(ref) != _LEAF_HASH_LENGTH or any(c not in "0123456789abcdef" for c in ref):
            raise FieldErrors({"refs": _("This form refers to an act that does not exist.")})
    case = split_list(values.get("case", ()))
    if case:
        try:
            case_id = int(case[0])
        except ValueError:
            raise FieldErrors({"case": _("No such case.")}) from None
        with services.db.read() as connection:
            leaf_hash = case_leaf(connection, case_id)
        if leaf_hash is None:
            raise FieldErrors({"case": _("No such case.")})
        refs = [leaf_hash, *(ref for ref in refs if ref != leaf_hash)]
    return refs


#: The form field naming the place whose local time an act's time fields are in.
_PLACE_FIELDS = {
    "case.lodge": "incident.place.place_id",
    "case.respond": "counter_case.incident.place.place_id",
    "crossing.status": "crossing",
    "joint.request": "place.place_id",
}


def form_zone(scenario: Scenario, kind: str, values: dict[str, list[str]], member: str) -> tzinfo:
    """The zone a form's times are typed in: the place's the act is about, where the form
    names a gazetteer place, else the author's member's (:func:`zone_for`)."""
    chosen = split_list(values.get(_PLACE_FIELDS.get(kind, ""), ()))
    return zone_for(scenario, chosen[0] if chosen else None, member)[1]


def _audience(services: Services, kind: str, values: dict[str, list[str]]) -> str | list[str]:
    chosen = split_list(values.get("audience", ()))
    if kind == "member.key" or not chosen or chosen == ["all"]:
        return "all"
    if chosen == ["mediators"] or chosen == ["public"]:
        return chosen[0]  # admission asks the publication policy about "public"
    codes = {member.code for member in services.admission.mechanism().scenario.members}
    if any(code not in codes for code in chosen) or {"all", "mediators", "public"} & set(chosen):
        raise FieldErrors({"audience": _("Choose who may read it from the list.")})
    return sorted(set(chosen))


async def prepare_act(form: FormData, services: Services, viewer: Viewer, now: datetime) -> Any:
    """The unsigned envelope and the body of the act a form describes.

    The uploads are read on the event loop; everything that reads or writes the
    database runs on a worker thread, so a slow query never stalls other requests.
    """
    uploads, names = await _uploads(form, services)
    language = i18n.current()
    return await run_in_threadpool(
        _prepare, _form_values(form), uploads, names, services, viewer, now, language
    )


def _prepare(
    values: dict[str, list[str]],
    uploads: list[CheckedFile],
    names: list[str],
    services: Services,
    viewer: Viewer,
    now: datetime,
    language: str,
) -> Any:
    with i18n.speaking(language):
        return _prepared(values, uploads, names, services, viewer, now)


def _prepared(
    values: dict[str, list[str]],
    uploads: list[CheckedFile],
    names: list[str],
    services: Services,
    viewer: Viewer,
    now: datetime,
) -> Any:
    kind = (values.get("kind") or [""])[0].strip()
    model = BODY_MODELS.get(kind)
    if model is None or kind not in PERMISSIONS:
        raise FieldErrors({"kind": _("This kind of act is not known.")})
    key_id = (values.get("key_id") or [""])[0].strip()
    if not key_id:
        raise FieldErrors(
            {
                "key_id": _(
                    "This browser has no registered signing key yet. Your head must approve it."
                )
            }
        )
    role = _key_role(services, viewer, key_id)
    if role not in PERMISSIONS[kind]:
        raise FieldErrors({"kind": _("Your role may not sign this act.")})
    action = split_list(values.get("action", ()))
    if irreversible(kind, action[0] if action else None) and not split_list(
        values.get(CONFIRM_FIELD, ())
    ):
        raise FieldErrors(
            {CONFIRM_FIELD: _("Tick the box to confirm that you understand this cannot be undone.")}
        )
    refs = _refs(services, values)
    audience = _audience(services, kind, values)
    if uploads and "files" not in model.model_fields and kind != "report.publish":
        # A file the act cannot name would be stored but never recorded.
        raise FieldErrors(
            {"file": _("This act takes no files: attach them as evidence once it is recorded.")}
        )

    def file_refs(_name: str) -> list[dict[str, Any]]:
        return [
            {"sha256": f.sha256, "media_type": f.media_type, "size": f.size, "name": name}
            for f, name in zip(uploads, names, strict=True)
        ]

    errors: dict[str, str] = {}
    if kind in MEDIA_KINDS:
        body = media_body(kind, services, viewer, values)
    elif kind == "report.publish":
        body = publish_form_body(values, uploads, names)
    else:
        scenario = services.admission.mechanism().scenario
        zone = form_zone(scenario, kind, values, viewer.member)
        body = collect(model, values, files=file_refs, errors=errors, zone=zone)
    language = model.model_fields.get("language")
    if language is not None and language.is_required() and "language" not in body:
        body["language"] = viewer.language
    if errors:
        raise FieldErrors(errors)
    try:
        validated = validate(model, body)
    except FieldErrors as exc:
        if "files" in exc.errors and not uploads:
            exc.errors["file"] = _("Choose a file.")
        raise
    if kind not in MEDIA_KINDS and kind != "report.publish":
        # A media body is signed as built, with the extraction's explicit nulls.
        body = validated
    for checked in uploads:
        store_file(services.db, checked, viewer.member, now)
    envelope = {
        "v": VERSION,
        "kind": kind,
        "mechanism": services.admission.mechanism().id,
        "author": {"member": viewer.member, "delegate": viewer.delegate, "key": key_id},
        "at": format_time(now.replace(microsecond=0)),
        "refs": refs,
        "audience": audience,
        "body_digest": jcs.sha256_digest(body),
    }
    return {"envelope": envelope, "body": body}


@router.post("/prepare")
async def prepare(request: Request, services: ServicesDep, viewer: CsrfViewerDep) -> JSONResponse:
    """The act a form describes, to be signed in the browser; 422 with field errors."""
    limit = services.settings.max_request_bytes + services.settings.max_file_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(f"the form has {declared} bytes; the limit is {limit}")
    form = await request.form(max_part_size=services.settings.max_file_bytes + 1)
    with i18n.speaking(viewer.language):
        try:
            prepared = await prepare_act(form, services, viewer, now_of(services))
        except FieldErrors as exc:
            return JSONResponse({"errors": exc.errors}, status_code=422)
    return JSONResponse(prepared)


def _redirect(services: Services, kind: str, refs: tuple[str, ...], index: int) -> str:
    if kind == "case.lodge":
        return f"/cases/{index}?act=case.evidence&lodged=1#act-form"
    if kind == "media.item":
        return f"/media?stored={index}"
    if (kind.startswith("case.") or kind == "media.corroborate") and refs:
        with services.db.read() as connection:
            case_id = case_of_leaf(connection, refs[0])
        return f"/cases/{case_id}" if case_id is not None else "/cases"
    if kind.startswith("case."):
        return "/cases"
    if kind == "statement.publish":
        return f"/statements?published={index}"
    return {
        "compliance": "/compliance",
        "crossing": "/crossings",
        "joint": "/joint-actions",
        "member": "/keys",
        "report": "/reports/published",
    }.get(kind.split(".")[0], "/")


@router.post("/submit")
async def submit(request: Request, services: ServicesDep, viewer: CsrfViewerDep) -> JSONResponse:
    """Admit a signed act as the log API does; the receipt and where to go next.

    The act joins the same group commit as ``POST /log/v1/acts``
    (:mod:`truce.log.batching`), checked first against its signature on arrival; the
    receipt is the one the admitting transaction built. What follows an admission
    (settling a device request, finding the case to show) runs on a worker thread.
    """
    data = await read_limited(request, services.settings.max_request_bytes)
    act = load_submission_bytes(data)
    services.admission.precheck_signature(act)
    admitted = await services.admission.group_commit().submit(act, viewer.identity)
    if admitted.document is None:
        raise NotFoundError(f"entry {admitted.receipt.index} is not yet under a signed checkpoint")
    index = admitted.receipt.index
    redirect = await run_in_threadpool(_after_admission, services, act, index, now_of(services))
    return JSONResponse(
        {
            "index": index,
            "leaf_hash": admitted.receipt.leaf_hash.hex(),
            "receipt": admitted.document,
            "redirect": redirect,
        }
    )


def _after_admission(services: Services, act: SignedAct, index: int, now: datetime) -> str:
    """Settle the device request a key registration answers; where the browser goes next."""
    envelope = act.envelope
    if envelope.kind == "member.key" and act.body.get("action") == "register":
        with services.db.write() as connection:
            approve_registered(connection, envelope.member, now)
    return _redirect(services, envelope.kind, envelope.refs, index)
