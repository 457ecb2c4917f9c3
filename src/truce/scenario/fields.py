"""The field types of a scenario: ids, codes, keys, bounded numbers and dates.

Each is a Pydantic annotated type whose error names the rule it breaks ("an id such as
'C1'"), so that a person editing a scenario file reads what to write, not a regular
expression. :mod:`truce.scenario.rules` builds the scenario's models from them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from truce.errors import InputError
from truce.ledger.keys import PublicKey, demo_signing_key
from truce.ledger.note import is_valid_key_name

# -- field types ---------------------------------------------------------------------


def _matching(pattern: str, what: str) -> AfterValidator:
    """A validator that requires a whole-string match and names the rule in its error."""
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"must be {what}, not {value!r}")
        return value

    return AfterValidator(check)


def _date(value: object) -> object:
    """Accept a TOML local date or its ISO form ``YYYY-MM-DD`` (as stored in JSON)."""
    if type(value) is dt.date:
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("must be a date such as 2025-10-30")


#: Bounds of the procedure's integers: generous for any agreement, and ordinary integers
#: for every JSON implementation (the scenario is the genesis act's body).
MAX_QUORUM = 1000
MAX_HOURS = 24 * 366
MAX_DAYS = 3660
MAX_SKEW_SECONDS = 86_400
MAX_PENALTY_COUNT = 100_000


def _quorum(value: object) -> object:
    """A quorum is the string ``"all"`` or a positive integer up to :data:`MAX_QUORUM`."""
    if type(value) is int and value > MAX_QUORUM:
        raise ValueError(f"must be at most {MAX_QUORUM}")
    if value == "all" or (type(value) is int and value >= 1):
        return value
    raise ValueError('must be "all" or a positive integer')


NonBlank = Annotated[str, _matching(r"(?s).*\S.*", "a non-blank string")]
Slug = Annotated[
    str,
    _matching(
        r"[a-z0-9]+(?:-[a-z0-9]+)*", "lower-case letters and digits joined by single hyphens"
    ),
]
MemberCode = Annotated[
    str, _matching(r"[A-Z][A-Z0-9]{1,7}", "2 to 8 capital letters or digits, like 'PK'")
]
ClauseId = Annotated[str, _matching(r"[A-Z][A-Za-z0-9.-]{0,15}", "an id such as 'C1'")]
TypeId = Annotated[str, _matching(r"[a-z][a-z0-9_]{0,47}", "a snake_case id such as 'shelling'")]
LanguageTag = Annotated[
    str, _matching(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", "a language tag such as 'ps' or 'fa-AF'")
]
Origin = Annotated[
    str,
    _matching(
        r"(?![^/]*://)[\x21-\x2a\x2c-\x7e]{1,255}",
        "a schema-less URL such as 'example.org/log' (no spaces, no '+', no 'https://')",
    ),
]
IsoDate = Annotated[dt.date, BeforeValidator(_date)]
Quorum = Annotated[
    Annotated[int, Field(ge=1, le=MAX_QUORUM)] | Literal["all"], BeforeValidator(_quorum)
]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False)]

MemberKind = Literal["party", "mediator", "secretariat"]
PlaceKind = Literal["crossing", "town", "district", "province", "village"]
Precision = Literal["exact", "approximate", "unknown"]
ClauseBasis = Literal["statement", "reported", "modality"]
EventKind = Literal["truce", "talks", "other"]

# -- Ed25519 root keys ---------------------------------------------------------------


def _root_key(value: str) -> str:
    try:
        PublicKey.parse(value)
    except InputError as exc:
        raise ValueError(str(exc)) from exc
    return value


RootKey = Annotated[str, AfterValidator(_root_key)]


def _key_name(value: str) -> str:
    if not is_valid_key_name(value) or any(ord(ch) < 0x20 for ch in value):
        raise ValueError(
            f"must be a signed-note key name (non-empty, no spaces, no '+'), not {value!r}"
        )
    return value


KeyName = Annotated[str, AfterValidator(_key_name)]
WitnessUrl = Annotated[
    str,
    _matching(
        r"https?://[\x21-\x7e]+[^/]",
        "an http(s) URL without a trailing slash, such as 'https://witness.example/w1'",
    ),
]


def demo_root_key(seed: str, code: str) -> str:
    """The root key (unpadded base64url) that the demo seed gives member ``code``."""
    return demo_signing_key(seed, code).public_key.text


# -- the models ----------------------------------------------------------------------
