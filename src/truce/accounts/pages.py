"""The keys page and the statements page: the forms of ``member.key`` and
``statement.publish``.

``/keys`` lists the signing keys registered to the viewer's member (from the key
registry's projection), and to a head (or the secretariat, for its own staff) offers the
forms to register a delegate's key and to revoke one: a revocation is a second step,
reached from the key's row, and asks to confirm that it cannot be undone. ``/statements``
offers the form that places a statement of the member on the record. Each form is shown
only to a role that may sign it; the others read who does it. A browser's first key is
enrolled elsewhere: these forms are signed by a browser already enrolled.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from truce.api.deps import ServicesDep
from truce.log.queries import registered_keys
from truce.verify.registry import ROLES, SECRETARIAT_ROLES
from truce.web.common import may_sign, member_names, scenario_of
from truce.web.deps import ViewerDep, render

router = APIRouter(include_in_schema=False)
#: Roles a member's head gives its delegates (the secretariat gives only its own).
MEMBER_ROLES = tuple(role for role in ROLES if role not in SECRETARIAT_ROLES)


@router.get("/keys", response_class=HTMLResponse)
def keys_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    revoke: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """The member's keys; a head's forms to register one and (``?revoke=KEY_ID``) to
    revoke one."""
    scenario = scenario_of(services, viewer.language)
    member = scenario.member(viewer.member)
    secretariat = member is not None and member.kind == "secretariat"
    with services.db.read() as connection:
        keys = sorted(
            (key for key in registered_keys(connection) if key.member == viewer.member),
            key=lambda key: (key.revoked is not None, key.delegate, key.registered),
        )
    roles = sorted(SECRETARIAT_ROLES) if secretariat else list(MEMBER_ROLES)
    # A root key, named by the genesis act, is not revoked from a form.
    chosen: Any = next(
        (key for key in keys if key.key_id == revoke and key.revoked is None and key.registered),
        None,
    )
    return render(
        request,
        "accounts/keys.html",
        {
            "keys": keys,
            "allowed": may_sign(viewer.role, "member.key"),
            "roles": roles,
            "revoking": chosen,
            "member_name": member_names(scenario).get(viewer.member, viewer.member),
        },
    )


@router.get("/statements", response_class=HTMLResponse)
def statements_page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    published: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    """The form that places a statement of the viewer's member on the record;
    ``published``: the log entry of the statement just signed, which the page confirms."""
    scenario = scenario_of(services, viewer.language)
    return render(
        request,
        "accounts/statements.html",
        {
            "published": published,
            "allowed": may_sign(viewer.role, "statement.publish"),
            "audiences": [m for m in scenario.members if m.code != viewer.member],
            # the scenario's publication policy may let a statement be addressed to the public
            "public": scenario.publication is not None
            and scenario.publication.may_address("statement.publish"),
        },
    )
