"""The one key registry: its rules, its reading of member.key bodies and of the genesis."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from tests.mechanism import SCENARIO_DIR
from truce.acts.bodies import MemberKeyBody
from truce.errors import (
    InputError,
    MalformedActError,
    RefusedActError,
    RoleError,
    UnknownKeyError,
)
from truce.ledger.keys import SigningKey
from truce.scenario.rules import load_scenario
from truce.verify.genesis import Genesis, read_genesis, read_scenario_file
from truce.verify.registry import PERMISSIONS, KeyRegistry, parse_member_key


@pytest.fixture(scope="module")
def scenario_body() -> dict[str, Any]:
    return load_scenario(SCENARIO_DIR).model_dump(mode="json")


@pytest.fixture
def genesis(scenario_body: dict[str, Any]) -> Genesis:
    return read_genesis(scenario_body)


@pytest.fixture
def registry(genesis: Genesis) -> KeyRegistry:
    return KeyRegistry.from_genesis(genesis)


def key_text() -> str:
    return SigningKey.generate().public_key.text


def register(delegate: str, role: str, key: str | None = None) -> dict[str, Any]:
    return {
        "action": "register",
        "delegate": delegate,
        "role": role,
        "public_key": key or key_text(),
    }


def revoke(delegate: str, key: str) -> dict[str, Any]:
    return {"action": "revoke", "delegate": delegate, "role": "officer", "public_key": key}


# -- the genesis -----------------------------------------------------------------------------


def test_the_genesis_names_each_member_and_root_key(
    genesis: Genesis, scenario_body: dict[str, Any]
) -> None:
    scenario = load_scenario(SCENARIO_DIR)
    assert genesis.mechanism == scenario.mechanism.id
    assert genesis.origin == scenario.mechanism.origin
    assert genesis.checkpoint_key.text == scenario.mechanism.checkpoint_key
    assert [(m.code, m.kind, m.root_key.text) for m in genesis.members] == [
        (m.code, m.kind, m.root_key) for m in scenario.members
    ]
    assert genesis.secretariat.code == scenario.secretariat.code
    assert genesis.witness_threshold == scenario.witness_threshold
    assert len(genesis.witnesses) == len(scenario.witnesses)


def edited(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        (("mechanism", "origin"), "https://example.org/log", "mechanism.origin"),
        (("mechanism", "id"), "Not A Slug", "mechanism.id"),
        (("mechanism", "checkpoint_key"), "A" * 43, "mechanism.checkpoint_key"),
        (("members", 0, "kind"), "observer", "members.0.kind"),
        (("members", 0, "code"), "pk", "members.0.code"),
        (("members", 0, "root_key"), 7, "members.0.root_key"),
        (("members",), [], "members: must be a non-empty list"),
        (("procedure", "witness_quorum"), 0, "procedure.witness_quorum"),
        (("procedure", "witness_quorum"), True, "procedure.witness_quorum"),
    ],
)
def test_a_malformed_genesis_is_refused_naming_the_field(
    scenario_body: dict[str, Any], path: tuple[Any, ...], value: Any, problem: str
) -> None:
    with pytest.raises(MalformedActError, match=problem):
        read_genesis(edited(scenario_body, path, value))


def test_a_genesis_with_two_secretariats_or_a_repeated_code_is_refused(
    scenario_body: dict[str, Any],
) -> None:
    members = scenario_body["members"]
    secretariat = next(m for m in members if m["kind"] == "secretariat")
    twice = edited(scenario_body, ("members",), [*members, {**secretariat, "code": "SEC2"}])
    with pytest.raises(MalformedActError, match="exactly one secretariat"):
        read_genesis(twice)
    repeated = edited(scenario_body, ("members",), [*members, dict(members[0])])
    with pytest.raises(MalformedActError, match="named twice"):
        read_genesis(repeated)


def test_the_scenario_file_gives_the_origin_and_checkpoint_key(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIO_DIR)
    origin, key = read_scenario_file(SCENARIO_DIR)
    assert (origin, key.text) == (scenario.mechanism.origin, scenario.mechanism.checkpoint_key)
    broken = tmp_path / "mechanism.toml"
    broken.write_text('[mechanism]\nid = "m"\norigin = "a b"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"mechanism\.origin"):
        read_scenario_file(tmp_path)


# -- signers ---------------------------------------------------------------------------------


def test_root_keys_sign_as_head_or_secretariat(registry: KeyRegistry, genesis: Genesis) -> None:
    for member in genesis.members:
        key = registry.signer(member.root_key.key_id, member.code, "root")
        assert key.role == ("secretariat" if member.kind == "secretariat" else "head")
        assert (key.registered, key.revoked) == (0, None)


def test_a_key_of_another_author_or_unknown_is_refused(
    registry: KeyRegistry, genesis: Genesis
) -> None:
    first, second = genesis.members[0], genesis.members[1]
    with pytest.raises(UnknownKeyError, match=f"not registered to {second.code}/root"):
        registry.signer(first.root_key.key_id, second.code, "root")
    with pytest.raises(UnknownKeyError, match=f"not registered to {first.code}/clerk"):
        registry.signer(first.root_key.key_id, first.code, "clerk")
    with pytest.raises(UnknownKeyError, match="not registered"):
        registry.signer("unknown-id", first.code, "root")


def test_each_kind_is_signed_only_by_the_roles_the_table_permits(
    registry: KeyRegistry, genesis: Genesis
) -> None:
    author = genesis.witnesses[0].code
    for role in ("officer", "head", "observer", "secretariat", "witness"):
        registrar = genesis.secretariat.code if role == "secretariat" else author
        key = registry.apply(1, registrar, True, register(f"d-{role}", role))
        signer = registry.keys[key.public_key.key_id]
        for kind, allowed in PERMISSIONS.items():
            if role in allowed:
                registry.check_role(signer, kind)
            else:
                with pytest.raises(RoleError, match=f"a {role} may not sign {kind}"):
                    registry.check_role(signer, kind)
    with pytest.raises(MalformedActError, match="unknown act kind"):
        registry.permitted("case.invent")


# -- member.key ------------------------------------------------------------------------------


def test_a_registered_key_signs_until_revoked(registry: KeyRegistry, genesis: Genesis) -> None:
    author = genesis.witnesses[0].code
    text = key_text()
    change = registry.apply(5, author, True, register("officer-1", "officer", text))
    key_id = change.public_key.key_id
    signer = registry.signer(key_id, author, "officer-1")
    assert (signer.role, signer.registered, signer.revoked) == ("officer", 5, None)
    registry.apply(9, author, True, revoke("officer-1", text))
    assert registry.keys[key_id].revoked == 9
    with pytest.raises(UnknownKeyError, match="was revoked at log index 9"):
        registry.signer(key_id, author, "officer-1")
    with pytest.raises(RefusedActError, match="already revoked at log index 9"):
        registry.apply(10, author, True, revoke("officer-1", text))
    with pytest.raises(RefusedActError, match="is already registered"):
        registry.apply(11, author, True, register("officer-2", "officer", text))


def test_member_key_rules(registry: KeyRegistry, genesis: Genesis) -> None:
    party, other = genesis.witnesses[0].code, genesis.witnesses[1].code
    secretariat = genesis.secretariat.code
    with pytest.raises(RefusedActError, match='addressed to "all"'):
        registry.check_member_key(party, False, register("o", "officer"))
    with pytest.raises(RoleError, match="only the secretariat registers secretariat keys"):
        registry.check_member_key(party, True, register("o", "secretariat"))
    with pytest.raises(RoleError, match="registers only its own staff's keys"):
        registry.check_member_key(secretariat, True, register("o", "officer"))
    registry.check_member_key(secretariat, True, register("clerk", "secretariat"))
    root = genesis.witnesses[0].root_key.text
    with pytest.raises(RefusedActError, match=f"is not registered to {other}/root"):
        registry.check_member_key(other, True, revoke("root", root))
    text = key_text()
    with pytest.raises(RefusedActError, match=f"is not registered to {party}/nobody"):
        registry.check_member_key(party, True, revoke("nobody", text))
    before = dict(registry.keys)
    registry.check_member_key(party, True, register("o", "officer", text))
    assert registry.keys == before  # checking records nothing


# -- the member.key body, read twice ---------------------------------------------------------

VALID = register("pk-officer.2", "officer")
BODIES: list[Any] = [
    VALID,
    {**VALID, "reason": "new phone"},
    {**VALID, "reason": None},
    {**VALID, "action": "revoke", "reason": "x" * 500},
    {**VALID, "reason": "x" * 501},
    {**VALID, "reason": 5},
    {**VALID, "action": "rotate"},
    {**VALID, "delegate": ""},
    {**VALID, "delegate": "-leading-dash"},
    {**VALID, "delegate": "a" * 65},
    {**VALID, "delegate": "ok\n"},
    {**VALID, "delegate": 7},
    {**VALID, "role": "admin"},
    {**VALID, "public_key": VALID["public_key"][:-1]},
    {**VALID, "public_key": VALID["public_key"] + "A"},
    {**VALID, "public_key": "+" * 43},
    {**VALID, "extra": 1},
    {key: value for key, value in VALID.items() if key != "role"},
    {key: value for key, value in VALID.items() if key != "public_key"},
    [],
    "register",
    None,
]


@pytest.mark.parametrize("body", BODIES)
def test_the_registry_and_admission_read_member_key_bodies_alike(body: Any) -> None:
    try:
        MemberKeyBody.model_validate(body)
    except ValidationError:
        shape_ok = False
    else:
        shape_ok = True
    try:
        parsed = parse_member_key(body)
    except MalformedActError:
        registry_ok = False
    else:
        registry_ok = True
        assert parsed.public_key.text == body["public_key"]
    assert registry_ok == shape_ok


def test_the_registry_also_refuses_a_key_that_is_no_curve_point() -> None:
    """What admission refuses after the shape check, the registry refuses in its parse,
    with admission's message."""
    body = {**VALID, "public_key": "_" * 43}
    MemberKeyBody.model_validate(body)
    with pytest.raises(MalformedActError, match=r"^member\.key body: public_key: ") as caught:
        parse_member_key(body)
    assert caught.value.field == "body.public_key"
