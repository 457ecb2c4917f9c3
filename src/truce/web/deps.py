"""What page routes receive and how they answer: the viewer, CSRF, and ``render``.

``ViewerDep`` gives the signed-in delegate (an :class:`~truce.accounts.service.Identity`
with the account's language, the session's CSRF token and the delegate's active keys);
without a session a page request is redirected to ``/signin``. ``render`` renders a
template in the viewer's language with everything the layout needs, including the
``truce-config`` block that scripts read (see ``docs/web.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape

from truce.accounts import sessions
from truce.accounts.service import Identity
from truce.acts.surfaces import irreversible
from truce.api.deps import Services, ServicesDep
from truce.errors import CsrfError
from truce.ledger.checkpoint import log_verifier
from truce.ledger.keys import PublicKey
from truce.log.queries import active_keys as registered_keys
from truce.log.queries import witness_keys
from truce.web import i18n, scenario_text
from truce.web.labels import script_labels

TEMPLATES = Path(__file__).parent / "templates"
#: Each concept's own templates, named ``<concept>/<file>`` (``cases/case.html``).
CONCEPT_TEMPLATES = {
    folder.parent.name: folder
    for folder in sorted(Path(__file__).parents[1].glob("*/templates"))
    if folder != TEMPLATES
}
LANGUAGE_COOKIE = "truce_lang"
#: A language the reader chose before signing in, which sign-in then keeps.
LANGUAGE_CHOICE_COOKIE = "truce_lang_choice"
CSRF_COOKIE = "truce_csrf"
CSRF_HEADER = "x-csrf-token"

#: The layout's navigation: path and message id, in order.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("/", i18n.N_("Dashboard")),
    ("/cases", i18n.N_("Cases")),
    ("/map", i18n.N_("Map")),
    ("/timeline", i18n.N_("Timeline")),
    ("/compliance", i18n.N_("Compliance")),
    ("/crossings", i18n.N_("Crossings")),
    ("/joint-actions", i18n.N_("Joint actions")),
    ("/media", i18n.N_("Press")),
    ("/statements", i18n.N_("Statements")),
    ("/keys", i18n.N_("Keys")),
    ("/reports", i18n.N_("Reports")),
    ("/log", i18n.N_("Log")),
    ("/search", i18n.N_("Search")),
    ("/notifications", i18n.N_("Notifications")),
)


class SignInRequiredError(Exception):
    """No live session: pages redirect to ``/signin``, scripts get a 401 problem."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in delegate as pages see it."""

    identity: Identity
    language: str
    csrf: str
    session: str = field(repr=False)
    keys: tuple[str, ...] = ()

    @property
    def member(self) -> str:
        """The viewer's member code."""
        return self.identity.member

    @property
    def delegate(self) -> str:
        """The viewer's delegate name."""
        return self.identity.delegate

    @property
    def role(self) -> str:
        """The account's role (what the pages offer; keys decide what may be signed)."""
        return self.identity.role


def now_of(services: Services) -> datetime:
    """The server's time, on the same clock that dates and checks acts."""
    return services.admission.clock()


def request_language(request: Request) -> str:
    """The language of a visitor without a session: cookie, else ``Accept-Language``."""
    chosen = i18n.known(request.cookies.get(LANGUAGE_COOKIE))
    return chosen or i18n.negotiate(request.headers.get("accept-language"))


def active_keys(services: Services, identity: Identity) -> tuple[str, ...]:
    """The key ids registered to the delegate and not revoked."""
    with services.db.read() as connection:
        return registered_keys(connection, identity.member, identity.delegate)


def viewer(request: Request, services: ServicesDep) -> Viewer:
    """The signed-in delegate; :class:`SignInRequiredError` when there is no live session."""
    session = sessions.find_session(
        services.db, request.cookies.get(sessions.COOKIE), now_of(services)
    )
    if session is None:
        raise SignInRequiredError()
    language = i18n.known(session.language) or i18n.DEFAULT
    found_viewer = Viewer(
        identity=session.identity,
        language=language,
        csrf=session.csrf,
        session=session.id_hash,
        keys=active_keys(services, session.identity),
    )
    request.state.viewer = found_viewer
    return found_viewer


ViewerDep = Annotated[Viewer, Depends(viewer)]


async def presented_csrf(request: Request) -> str | None:
    """The CSRF token a request carries: header ``X-CSRF-Token`` or form field ``csrf``."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        services: Services = request.app.state.services
        form = await request.form(max_part_size=services.settings.max_file_bytes + 1)
        value = form.get("csrf")
        return value if isinstance(value, str) else None
    return None


async def check_csrf(request: Request, found_viewer: ViewerDep) -> Viewer:
    """The viewer, once the request's CSRF token matches the session's (constant time)."""
    if not sessions.tokens_equal(await presented_csrf(request), found_viewer.csrf):
        raise CsrfError(
            i18n_text(found_viewer.language, i18n.N_("The form has expired or did not come "
                      "from this site: reload the page and try again.")),
            field="csrf",
        )  # fmt: skip
    return found_viewer


CsrfViewerDep = Annotated[Viewer, Depends(check_csrf)]


def i18n_text(language: str, message: str) -> str:
    """``message`` translated into ``language`` (outside a template)."""
    with i18n.speaking(language):
        return i18n.gettext(message)


@cache
def environment() -> Environment:
    """The one Jinja2 environment; gettext follows the language being rendered."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader(
                    {name: FileSystemLoader(folder) for name, folder in CONCEPT_TEMPLATES.items()}
                ),
            ]
        ),
        autoescape=select_autoescape(("html",), default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.filters["datetime"] = i18n.moment_html
    env.filters["date"] = i18n.format_day
    env.filters["span"] = i18n.format_span
    env.filters["language_name"] = i18n.language_name
    env.filters["scenario_text"] = scenario_text.label
    env.globals["in_language"] = i18n.in_language
    env.filters["in_language"] = i18n.in_language
    env.globals["LANGUAGES"] = list(i18n.LANGUAGES.values())
    env.globals["LANGUAGE_OPTIONS"] = [(lang.code, lang.name) for lang in i18n.LANGUAGES.values()]
    env.globals["NAVIGATION"] = NAVIGATION
    env.globals["moment_of"] = i18n.parse_moment
    env.globals["irreversible"] = irreversible
    return env


def log_config(services: Services) -> dict[str, Any]:
    """What the browser needs to verify checkpoints and receipts (``truce-config.log``)."""
    scenario = services.admission.mechanism().scenario
    origin = scenario.mechanism.origin
    log_key = PublicKey.from_text(scenario.mechanism.checkpoint_key)
    with services.db.read() as connection:
        rows = witness_keys(connection)
    names = scenario.witness_key_names
    return {
        "origin": origin,
        "checkpoint_keys": [
            {
                "name": origin,
                "key_id": log_verifier(origin, log_key).key_id.hex(),
                "public_key": log_key.text,
            }
        ],
        "witnesses": [
            {
                "name": names[member],
                "member": member,
                "public_key": public_key,
            }
            for member, public_key in rows
            if member in names
        ],
        "witness_quorum": scenario.witness_threshold,
    }


def _config(request: Request, services: Services, shown: Viewer | None, language: str) -> Any:
    scenario = services.admission.mechanism().scenario
    return {
        "lang": language,
        "dir": i18n.LANGUAGES[language].dir,
        "csrf": shown.csrf if shown else getattr(request.state, "csrf", ""),
        "member": shown.member if shown else None,
        "delegate": shown.delegate if shown else None,
        "role": shown.role if shown else None,
        "keys": list(shown.keys) if shown else [],
        "mechanism": scenario.mechanism.id,
        "log": log_config(services),
        "labels": script_labels(),
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    language: str | None = None,
) -> HTMLResponse:
    """Render ``template`` in the viewer's language (or the visitor's, or ``language``
    where the page is given one) as a page.

    The layout receives ``viewer`` (None before sign-in), ``lang``, ``dir``, ``csrf``,
    ``mechanism``, ``path`` (for the language switcher's return) and ``truce_config``.
    """
    services: Services = request.app.state.services
    shown: Viewer | None = getattr(request.state, "viewer", None)
    language = language or (shown.language if shown else request_language(request))
    scenario = scenario_text.scenario_in(services, language)
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    with i18n.speaking(language), scenario_text.labelling(services, language):
        values: dict[str, Any] = {
            "request": request,
            "viewer": shown,
            "lang": language,
            "dir": i18n.LANGUAGES[language].dir,
            "csrf": shown.csrf if shown else getattr(request.state, "csrf", ""),
            "mechanism": scenario.mechanism,
            "path": path,
            "here": request.url.path,
            "next_quoted": quote(path, safe=""),
            "truce_config": _config(request, services, shown, language),
        }
        values.update(context or {})
        html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
