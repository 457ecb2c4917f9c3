"""Act kinds: the body each kind carries and which roles may sign it.

The permission table is the one place that says who may do what; the admission service
enforces it for every act, whatever entry point it came through. ``docs/acts.md``
renders it for people.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from truce.errors import MalformedActError

Role = Literal["officer", "head", "observer", "secretariat", "witness"]
ROLES: tuple[Role, ...] = ("officer", "head", "observer", "secretariat", "witness")
"""``witness`` keys sign no acts: they only cosign checkpoints (``truce witness``)."""

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberKeyBody(_Body):
    """``member.key``: register or revoke a delegate's signing key.

    A member's head (or the secretariat, for its own staff) registers the keys of its
    member's delegates; ``revoke`` ends a key's validity from this point of the log on,
    leaving every earlier signature valid.
    """

    action: Literal["register", "revoke"]
    delegate: Name
    role: Role
    public_key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{43}$")]
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class StatementBody(_Body):
    """``statement.publish``: a member's statement placed on the record.

    Kept in the language it was written in, labelled with that language.
    """

    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    text: Annotated[str, StringConstraints(min_length=1, max_length=20000)]
    language: LanguageTag


#: Which roles may sign each kind. ``mechanism.genesis`` is special: only the
#: secretariat's root key signs it, and only as the first entry of the log.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "mechanism.genesis": frozenset({"secretariat"}),
    "member.key": frozenset({"head", "secretariat"}),
    "statement.publish": frozenset({"head", "officer", "secretariat"}),
}

BODY_MODELS: dict[str, type[_Body]] = {
    "member.key": MemberKeyBody,
    "statement.publish": StatementBody,
}


def parse_body(kind: str, body: Any) -> _Body | None:
    """Validate ``body`` against its kind's model; raise :class:`MalformedActError`.

    Returns None for kinds whose body is validated elsewhere (the genesis scenario).
    """
    model = BODY_MODELS.get(kind)
    if model is None:
        return None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise MalformedActError(
            f"{kind} body: {where}: {first['msg']}", field=f"body.{where}"
        ) from exc
