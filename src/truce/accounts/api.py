"""``/api/v1/accounts``: administering delegates' accounts, tokens and passwords.

The secretariat's staff administer every account; a member's head administers its own
member's; everyone else is refused (403 ``not-permitted``), except that any delegate may
read its own account at ``/api/v1/accounts/me``. ``/api/v1/accounts/sign-in-events`` is
the record of sign-in throttles (:mod:`truce.accounts.throttle`), for the secretariat (a
head reads its own member's part). A new token is shown once, in the
answer that creates it; afterwards it is named by its token id (its SHA-256).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from truce.accounts import devices, enrolment, inbox, throttle
from truce.accounts import service as accounts
from truce.accounts.service import AccountInfo, Identity, TokenInfo
from truce.accounts.throttle import ThrottleEvent
from truce.acts.bodies import LanguageTag, MemberCode, Name
from truce.api.deps import IdentityDep, ServicesDep
from truce.errors import NotPermittedError
from truce.verify.registry import Role

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])

MemberPath = Annotated[str, Path(pattern=r"^[A-Z]{2,4}$", description="Member code.")]
DelegatePath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="Delegate name.")
]
Password = Annotated[
    str,
    Field(
        min_length=accounts.MIN_PASSWORD_LENGTH,
        max_length=accounts.MAX_PASSWORD_LENGTH,
        description="Never logged; stored as an argon2id hash.",
    ),
]


class AccountOut(BaseModel):
    """An account, without its secrets."""

    member: str
    delegate: str
    role: str
    display_name: str | None
    language: str
    has_password: bool
    active_tokens: int
    created_at: datetime
    disabled_at: datetime | None

    @classmethod
    def of(cls, info: AccountInfo) -> AccountOut:
        """The answer for one account."""
        return cls(
            member=info.member,
            delegate=info.delegate,
            role=info.role,
            display_name=info.display_name,
            language=info.language,
            has_password=info.has_password,
            active_tokens=info.active_tokens,
            created_at=info.created_at,
            disabled_at=info.disabled_at,
        )


class NewAccount(BaseModel):
    """An account to create; ``password`` is optional (API-only delegates need none)."""

    member: MemberCode
    delegate: Name
    role: Role
    password: Password | None = None
    language: LanguageTag = "en"
    display_name: Annotated[str, Field(max_length=200)] | None = None


class NewPassword(BaseModel):
    """A password to set."""

    password: Password


class NewToken(BaseModel):
    """What to call a new token, to recognise it in the list later."""

    label: Annotated[str, Field(max_length=100)] = ""


class TokenOut(BaseModel):
    """A token as listed: its id, never the token."""

    token_id: str
    label: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, info: TokenInfo) -> TokenOut:
        """The answer for one token."""
        return cls(
            token_id=info.token_id,
            label=info.label,
            created_at=info.created_at,
            revoked_at=info.revoked_at,
        )


class IssuedToken(TokenOut):
    """A token just issued: the only time the token itself is shown."""

    token: str


def administers(caller: Identity, member: str) -> bool:
    """Whether ``caller`` may administer the accounts of ``member``."""
    return caller.role == "secretariat" or (caller.role == "head" and caller.member == member)


def _require(caller: Identity, member: str) -> None:
    if not administers(caller, member):
        raise NotPermittedError(
            f"a {caller.role} of {caller.member} may not administer the accounts of {member}: "
            "the secretariat administers every account, a head its own member's"
        )


@router.get("", response_model=list[AccountOut], summary="List accounts")
def list_accounts(
    services: ServicesDep,
    caller: IdentityDep,
    member: Annotated[str | None, Query(pattern=r"^[A-Z]{2,4}$")] = None,
) -> list[AccountOut]:
    """Every account (secretariat), or one member's (its head, or the secretariat)."""
    if caller.role != "secretariat":
        member = member or caller.member
    if member is not None:
        _require(caller, member)
    return [AccountOut.of(info) for info in accounts.list_accounts(services.db, member)]


@router.post("", response_model=AccountOut, status_code=201, summary="Create an account")
def create_account(services: ServicesDep, caller: IdentityDep, new: NewAccount) -> AccountOut:
    """Create a delegate's account, with an initial password if given."""
    _require(caller, new.member)
    accounts.create_account(
        services.db,
        member=new.member,
        delegate=new.delegate,
        role=new.role,
        password=new.password,
        language=new.language,
        display_name=new.display_name,
    )
    return AccountOut.of(accounts.get_account(services.db, new.member, new.delegate))


@router.get("/me", response_model=AccountOut, summary="The caller's own account")
def my_account(services: ServicesDep, caller: IdentityDep) -> AccountOut:
    """The account the bearer token belongs to."""
    return AccountOut.of(accounts.get_account(services.db, caller.member, caller.delegate))


class SignInEventOut(BaseModel):
    """A sign-in throttle that began, or a delegate guessed at (never a lock-out)."""

    at: datetime
    kind: Literal[
        "address-throttled", "delegate-throttled", "device-throttled", "delegate-targeted"
    ]
    member: str | None
    delegate: str | None
    address: str | None
    failures: int
    until: datetime | None

    @classmethod
    def of(cls, event: ThrottleEvent) -> SignInEventOut:
        """The answer for one event."""
        return cls.model_validate(event, from_attributes=True)


@router.get(
    "/sign-in-events",
    response_model=list[SignInEventOut],
    summary="The record of sign-in throttles",
)
def sign_in_events(
    services: ServicesDep,
    caller: IdentityDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[SignInEventOut]:
    """The latest throttles and guessed-at delegates, newest first: every one for the
    secretariat, those of its own member's delegates for a head."""
    if caller.role == "secretariat":
        found = throttle.events(services.db, limit=limit)
    elif caller.role == "head":
        found = throttle.events(services.db, caller.member, limit=limit)
    else:
        raise NotPermittedError(
            f"a {caller.role} of {caller.member} may not read the record of sign-in "
            "throttles: the secretariat reads it, a head its own member's part"
        )
    return [SignInEventOut.of(event) for event in found]


class KeyRequestOut(BaseModel):
    """A browser's key awaiting approval, with the fingerprint to compare by phone."""

    id: int
    member: str
    delegate: str
    role: str
    key_id: str
    public_key: str
    fingerprint: str = Field(
        description="SHA-256 of the 32 raw bytes of the key, its first 10 bytes in hex, "
        "in five groups of four"
    )
    requested_at: datetime


@router.get(
    "/key-requests/{request_id}",
    response_model=KeyRequestOut,
    summary="A key request the caller decides",
)
def key_request(
    services: ServicesDep, caller: IdentityDep, request_id: Annotated[int, Path(ge=0)]
) -> KeyRequestOut:
    """One pending key request of the caller's member (``truce key approve`` reads it)."""
    pending = devices.request_of(services.db, caller, request_id)
    return KeyRequestOut(
        id=pending.id,
        member=pending.member,
        delegate=pending.delegate,
        role=pending.role,
        key_id=pending.key_id,
        public_key=pending.public_key,
        fingerprint=enrolment.fingerprint(pending.public_key),
        requested_at=pending.requested_at,
    )


class IssuedCodeOut(BaseModel):
    """A one-time enrolment code: shown once, in this answer."""

    member: str
    delegate: str
    code: str
    expires_at: datetime


@router.post(
    "/{member}/{delegate}/enrol-code",
    response_model=IssuedCodeOut,
    status_code=201,
    summary="Issue a one-time enrolment code",
)
def enrol_code(
    services: ServicesDep, caller: IdentityDep, member: MemberPath, delegate: DelegatePath
) -> IssuedCodeOut:
    """A code that signs one new browser in once as the account (the secretariat's)."""
    if caller.role != "secretariat":
        raise NotPermittedError("only the secretariat issues enrolment codes")
    issued = enrolment.issue_code(
        services.db,
        member,
        delegate,
        f"{caller.member}/{caller.delegate}",
        services.admission.clock(),
    )
    return IssuedCodeOut(
        member=issued.member,
        delegate=issued.delegate,
        code=issued.code,
        expires_at=issued.expires_at,
    )


@router.get("/{member}/{delegate}", response_model=AccountOut, summary="One account")
def get_account(
    services: ServicesDep, caller: IdentityDep, member: MemberPath, delegate: DelegatePath
) -> AccountOut:
    """One account, for whoever administers it."""
    _require(caller, member)
    return AccountOut.of(accounts.get_account(services.db, member, delegate))


@router.post(
    "/{member}/{delegate}/disable", response_model=AccountOut, summary="Disable an account"
)
def disable_account(
    services: ServicesDep, caller: IdentityDep, member: MemberPath, delegate: DelegatePath
) -> AccountOut:
    """Refuse the account's tokens and password until it is enabled again."""
    _require(caller, member)
    if (member, delegate) == (caller.member, caller.delegate):
        raise NotPermittedError("an administrator does not disable its own account")
    accounts.disable_account(services.db, member, delegate)
    return AccountOut.of(accounts.get_account(services.db, member, delegate))


@router.post("/{member}/{delegate}/enable", response_model=AccountOut, summary="Enable an account")
def enable_account(
    services: ServicesDep, caller: IdentityDep, member: MemberPath, delegate: DelegatePath
) -> AccountOut:
    """Accept the account's unrevoked tokens and its password again."""
    _require(caller, member)
    accounts.enable_account(services.db, member, delegate)
    return AccountOut.of(accounts.get_account(services.db, member, delegate))


@router.put(
    "/{member}/{delegate}/password",
    status_code=204,
    response_class=Response,
    summary="Set an account's password",
)
def set_password(
    services: ServicesDep,
    caller: IdentityDep,
    member: MemberPath,
    delegate: DelegatePath,
    new: NewPassword,
) -> Response:
    """Set or replace the password the delegate signs in to the web application with."""
    _require(caller, member)
    accounts.set_password(services.db, member, delegate, new.password)
    return Response(status_code=204)


@router.get(
    "/{member}/{delegate}/tokens", response_model=list[TokenOut], summary="List an account's tokens"
)
def list_tokens(
    services: ServicesDep, caller: IdentityDep, member: MemberPath, delegate: DelegatePath
) -> list[TokenOut]:
    """The account's tokens, revoked ones included, by their ids."""
    _require(caller, member)
    return [TokenOut.of(info) for info in accounts.list_tokens(services.db, member, delegate)]


@router.post(
    "/{member}/{delegate}/tokens",
    response_model=IssuedToken,
    status_code=201,
    summary="Issue an API token",
)
def issue_token(
    services: ServicesDep,
    caller: IdentityDep,
    member: MemberPath,
    delegate: DelegatePath,
    new: NewToken | None = None,
) -> IssuedToken:
    """Issue a token for the account; the answer is the only place it is ever shown."""
    _require(caller, member)
    label = new.label if new is not None else ""
    token = accounts.issue_token(services.db, member, delegate, label)
    digest = accounts.token_hash(token)
    info = next(
        t for t in accounts.list_tokens(services.db, member, delegate) if t.token_id == digest
    )
    return IssuedToken(token=token, **TokenOut.of(info).model_dump())


@router.delete(
    "/{member}/{delegate}/tokens/{token_id}",
    response_model=TokenOut,
    summary="Revoke an API token",
)
def revoke_token(
    services: ServicesDep,
    caller: IdentityDep,
    member: MemberPath,
    delegate: DelegatePath,
    token_id: Annotated[str, Path(pattern=r"^[0-9a-f]{8,64}$")],
) -> TokenOut:
    """Revoke a token by its id (or a unique prefix of 8 or more hex digits)."""
    _require(caller, member)
    return TokenOut.of(accounts.revoke_token(services.db, member, delegate, token_id))


#: ``/api/v1/inbox/upkeep``: what awaits the caller besides case steps.
inbox_router = APIRouter(prefix="/api/v1/inbox", tags=["cases"])


class WitnessLagOut(BaseModel):
    """Checkpoints the caller's member's witness has not cosigned."""

    member: str
    size: int = Field(description="the newest checkpoint's size")
    cosigned: int | None = Field(description="the newest size it cosigned (null: none)")
    since: datetime = Field(description="when the oldest checkpoint it has not cosigned was signed")


class UpkeepOut(BaseModel):
    """Keys awaiting the caller's approval, and its member's witness's lag."""

    key_requests: list[KeyRequestOut]
    witness: WitnessLagOut | None


@inbox_router.get("/upkeep", response_model=UpkeepOut, summary="Keys and checkpoints awaiting")
def upkeep(services: ServicesDep, caller: IdentityDep) -> UpkeepOut:
    """Keys awaiting the caller's approval (a head; the secretariat for its own staff) and,
    for a head or witness operator, the checkpoints its member's witness has not cosigned.
    Neither has a deadline."""
    scenario = services.admission.mechanism().scenario
    witnesses = frozenset(member.code for member in scenario.witnesses)
    found = inbox.upkeep(services.db, caller, witnesses, services.admission.clock())
    lag = found.witness
    return UpkeepOut(
        key_requests=[
            KeyRequestOut(
                id=key.id,
                member=caller.member,
                delegate=key.delegate,
                role=key.role,
                key_id=key.key_id,
                public_key=key.public_key,
                fingerprint=key.fingerprint,
                requested_at=key.requested_at,
            )
            for key in found.keys
        ],
        witness=None
        if lag is None
        else WitnessLagOut(
            member=lag.member, size=lag.size, cosigned=lag.cosigned, since=lag.since
        ),
    )
