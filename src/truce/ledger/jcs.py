"""RFC 8785 JSON Canonicalization Scheme (JCS), and strict parsing of untrusted JSON.

Every leaf of the log is the JCS form of a signed act envelope, and every signature and
``body_digest`` is computed over JCS bytes (see "Log format, version 1" in the design), so
this module must give exactly the bytes any other conforming implementation gives.

:func:`canonicalize` follows RFC 8785 §3.2:

- no whitespace between tokens (§3.2.1);
- ``null``, ``true`` and ``false`` as themselves (§3.2.2.1);
- strings escaped as ECMAScript ``JSON.stringify`` does (§3.2.2.2): only ``"``, ``\\``
  and the controls U+0000..U+001F are escaped, ``\\b \\t \\n \\f \\r`` in short form
  and the others as ``\\u00xx`` in lowercase hexadecimal; everything else is written as
  is, and the result is encoded as UTF-8 (§3.2.4);
- numbers written as ECMAScript ``Number.prototype.toString`` writes an IEEE 754 double
  (§3.2.2.3);
- object members sorted by the UTF-16 code units of their names (§3.2.3).

The input domain is I-JSON (RFC 7493, required by RFC 8785 §3.1): strings must be
Unicode scalar values (no lone surrogates), numbers must be finite doubles, and integers
must lie within ±(2**53 - 1) (RFC 7493 §2.2), the range where every integer is exactly a
double and no other integer rounds to it, so every conforming implementation reads the
same number. Anything else
raises :class:`~truce.errors.CanonicalJSONError` naming where in the value it was found,
as a path such as ``$.refs[2]``.

Canonicalisation sits on the append path, so :func:`canonicalize` first walks the value
to see whether the standard library encoder already gives the JCS bytes: it does when
there are no floats, no integers beyond ±(2**53 - 1) and no object name with a character at or
above U+D800 (the only place where code point order and UTF-16 order can differ). Any
other value goes through the full implementation, which is also the one that explains
refusals.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from decimal import Decimal
from typing import Any, Final, cast

from truce.ledger.errors import CanonicalJSONError, InputError

__all__ = [
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "canonicalize",
    "canonicalize_full",
    "digest_bytes",
    "loads",
    "sha256_digest",
]

MAX_DEPTH: Final = 64
"""The deepest nesting of arrays and objects that is accepted, by both directions."""

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""The largest integer magnitude accepted (RFC 7493 §2.2, ECMAScript's
``Number.MAX_SAFE_INTEGER``): every integer up to it is exactly a double, and none of them
is the rounding of another integer. 2**53 itself is the double of 2**53 + 1 too, and other
RFC 8785 implementations refuse it."""

_FAST_ENCODE: Final = json.JSONEncoder(
    ensure_ascii=False,
    check_circular=False,  # the pre-walk bounds the depth, so cycles never reach it
    allow_nan=False,
    sort_keys=True,
    separators=(",", ":"),
).encode

# RFC 8785 §3.2.2.2: the characters that are escaped, and how.
_ESCAPED: Final = re.compile('[\\x00-\\x1f"\\\\]')
_SHORT_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_IDENTIFIER: Final = re.compile("[A-Za-z_][A-Za-z0-9_]*")


class _RefusalError(Exception):
    """Raised inside the full serializer; collects the path while it unwinds."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.segments: list[str | int] = []


def _path(segments: list[str | int]) -> str:
    parts = ["$"]
    for segment in reversed(segments):
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif _IDENTIFIER.fullmatch(segment):
            parts.append(f".{segment}")
        else:
            parts.append(f"[{_show(segment)}]")
    return "".join(parts)


def _show(text: str, limit: int = 40) -> str:
    """A one-line, ASCII rendering of ``text`` for messages."""
    shown = json.dumps(text if len(text) <= limit else text[:limit] + "...")
    return shown.encode("ascii", "backslashreplace").decode("ascii")


# --------------------------------------------------------------------------- fast path


def _fast_ok(value: object, depth: int) -> bool:
    """Whether the standard library encoder gives the JCS bytes of ``value``.

    Only exact built-in types qualify; subclasses, floats, big integers and object names
    that could sort differently in UTF-16 all send the value to the full path.
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is int:
        return -MAX_SAFE_INTEGER <= cast(int, value) <= MAX_SAFE_INTEGER
    if depth >= MAX_DEPTH:
        return False
    if kind is dict:
        for key, item in cast(dict[object, object], value).items():
            if type(key) is not str or (not key.isascii() and max(key) >= "\ud800"):
                return False
            if not _fast_ok(item, depth + 1):
                return False
        return True
    if kind is list or kind is tuple:
        # An explicit loop: cheaper than all() over a generator on this hot path.
        for item in cast(list[object], value):  # noqa: SIM110
            if not _fast_ok(item, depth + 1):
                return False
        return True
    return False


def canonicalize(value: object) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of ``value``.

    ``value`` is built from :class:`dict` (with :class:`str` keys), :class:`list` or
    :class:`tuple`, :class:`str`, :class:`int`, :class:`float`, :class:`bool` and
    ``None``. Raises :class:`~truce.errors.CanonicalJSONError` for NaN, infinities, lone
    surrogates, non-string keys, other types, integers beyond ±(2**53 - 1) (RFC 7493 §2.2) and
    nesting deeper than :data:`MAX_DEPTH`.
    """
    if _fast_ok(value, 0):
        try:
            return _FAST_ENCODE(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the full path say where
    return canonicalize_full(value)


# --------------------------------------------------------------------------- full path


def canonicalize_full(value: object) -> bytes:
    """RFC 8785 canonicalization without the standard library shortcut.

    Gives the same bytes as :func:`canonicalize` for every value; exposed so that the two
    can be compared.
    """
    out: list[str] = []
    try:
        _write(value, out, 0)
    except _RefusalError as refusal:
        where = _path(refusal.segments)
        raise CanonicalJSONError(
            f"not representable as canonical JSON (RFC 8785) at {where}: {refusal.reason}"
        ) from None
    return "".join(out).encode("utf-8")


def _write(value: object, out: list[str], depth: int) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise _RefusalError(
                "integers beyond 2**53 - 1 in magnitude are outside I-JSON (RFC 7493 §2.2): "
                "other implementations cannot read them exactly; send it as a string"
            )
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(number_to_string(value))
    elif isinstance(value, dict):
        _write_object(cast(dict[object, object], value), out, depth + 1)
    elif isinstance(value, list | tuple):
        _write_array(cast(list[object], value), out, depth + 1)
    else:
        raise _RefusalError(f"a value of type {type(value).__name__} has no JSON form")


def _write_object(value: dict[object, object], out: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _RefusalError(f"nested deeper than {MAX_DEPTH} levels (or a cycle)")
    members: list[tuple[bytes, str, object]] = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise _RefusalError(f"object names must be strings, not {type(key).__name__} {key!r}")
        if _SURROGATE.search(key):
            error = _RefusalError("the object name contains a lone surrogate (RFC 8785 §3.2.2.2)")
            error.segments.append(key)
            raise error
        members.append((key.encode("utf-16-be"), key, item))
    # RFC 8785 §3.2.3: compare names as arrays of UTF-16 code units; big-endian code
    # units compare bytewise in the same order.
    members.sort(key=lambda member: member[0])
    out.append("{")
    for position, (_, key, item) in enumerate(members):
        if position:
            out.append(",")
        out.append(_quote(key))
        out.append(":")
        try:
            _write(item, out, depth)
        except _RefusalError as refusal:
            refusal.segments.append(key)
            raise
    out.append("}")


def _write_array(value: list[object], out: list[str], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise _RefusalError(f"nested deeper than {MAX_DEPTH} levels (or a cycle)")
    out.append("[")
    for position, item in enumerate(value):
        if position:
            out.append(",")
        try:
            _write(item, out, depth)
        except _RefusalError as refusal:
            refusal.segments.append(position)
            raise
    out.append("]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def _quote(text: str) -> str:
    """RFC 8785 §3.2.2.2: the JSON string literal for ``text``."""
    found = _SURROGATE.search(text)
    if found:
        raise _RefusalError(
            f"lone surrogate U+{ord(found.group()):04X} at offset {found.start()} of a "
            "string; strings must be Unicode scalar values (RFC 8785 §3.2.2.2)"
        )
    return '"' + _ESCAPED.sub(_escape, text) + '"'


def number_to_string(value: float) -> str:
    """RFC 8785 §3.2.2.3: ECMAScript ``Number.prototype.toString`` of a finite double.

    Python's ``repr`` already gives the shortest digit string that round-trips, choosing
    the one nearest the exact value, which is what ECMA-262 Number::toString requires;
    this function only lays those digits out by the ECMAScript rules: plain integers up to
    21 digits, fixed notation down to 1e-6, and ``d.ddde±x`` otherwise. ``-0`` is ``0``.
    """
    if not math.isfinite(value):
        raise _RefusalError(f"{value!r} is not a finite number; JSON has no NaN or infinities")
    if value == 0:
        return "0"
    text = repr(value)
    sign = ""
    if text[0] == "-":
        sign, text = "-", text[1:]
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)
    digits = significant.rstrip("0")
    # ECMA-262 Number::toString: value = 0.digits * 10**point, with k = len(digits).
    k, n = len(digits), point
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        power = n - 1
        body = digits[0] + ("." + digits[1:] if k > 1 else "")
        body += f"e+{power}" if power >= 0 else f"e{power}"
    return sign + body


def sha256_digest(value: object) -> str:
    """``"sha256:"`` and the lowercase hex SHA-256 of the JCS bytes of ``value``.

    This is the ``body_digest`` of log format version 1.
    """
    return digest_bytes(canonicalize(value))


def digest_bytes(canonical: bytes) -> str:
    """``"sha256:"`` and the lowercase hex SHA-256 of bytes already in JCS form."""
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


# --------------------------------------------------------------------------- parsing


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError(
                    f"invalid JSON: the object name {_show(key)} appears more than once "
                    "(RFC 8785 §3.1)"
                )
            seen.add(key)
    return result


def _constant(name: str) -> Any:
    raise InputError(f"invalid JSON: {name} is not a JSON number (RFC 8259 §6)")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError(
            f"invalid JSON: the number {_show(text, 24)} is too large for an IEEE 754 double "
            "(RFC 7493 §2.2)"
        )
    return value


def _int(text: str) -> int | float:
    """An integer token: an exact int within ±(2**53 - 1), else a double, if that is lossless.

    RFC 8785 §3.2.2.3 treats every JSON number as a double, and the canonical form of a
    large double such as 1e16 is written as an integer, so such tokens must load. A token
    beyond ±(2**53 - 1) loads as the nearest double when that double is exactly the token or
    canonicalizes back to it; others (such as 2**53 + 1) are refused, not rounded.
    """
    if len(text) > 310:  # the largest double has 309 digits, plus a sign
        raise InputError(
            f"invalid JSON: the integer {_show(text, 24)} is too large for an IEEE 754 "
            "double (RFC 7493 §2.2)"
        )
    value = int(text)
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    try:
        as_double = float(value)
    except OverflowError:
        raise InputError(
            f"invalid JSON: the integer {_show(text, 24)} is too large for an IEEE 754 "
            "double (RFC 7493 §2.2)"
        ) from None
    if as_double != value and Decimal(repr(as_double)) != value:
        raise InputError(
            f"invalid JSON: the integer {_show(text, 24)} is beyond ±(2**53 - 1) and would change "
            "in a round trip through an IEEE 754 double (RFC 7493 §2.2); send it as a string"
        )
    return as_double


_DECODER: Final = json.JSONDecoder(
    object_pairs_hook=_pairs,
    parse_constant=_constant,
    parse_float=_float,
    parse_int=_int,
    strict=True,
)
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")


def _check_depth_and_text(value: object, depth: int) -> None:
    if isinstance(value, str):
        found = _SURROGATE.search(value)
        if found:
            raise InputError(
                f"invalid JSON: a string holds the lone surrogate U+{ord(found.group()):04X} "
                "(RFC 7493 §2.1)"
            )
    elif isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise InputError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels")
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            _check_depth_and_text(item, depth + 1)
        if isinstance(value, dict):
            for key in value:
                _check_depth_and_text(key, depth + 1)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse untrusted JSON strictly; raise :class:`~truce.errors.InputError` if it is bad.

    Bytes must be UTF-8 (RFC 8259 §8.1) without a byte order mark. Refused: anything that
    is not RFC 8259 JSON, duplicate object names (RFC 8785 §3.1, RFC 7493 §2.3), the
    ``NaN``/``Infinity``/``-Infinity`` literals, numbers that overflow a double or
    integers beyond ±(2**53 - 1) that a double would change (RFC 7493 §2.2; the others, such
    as ``10000000000000000``, load as :class:`float`), escapes that make lone surrogates (RFC 7493
    §2.1), and nesting deeper than :data:`MAX_DEPTH`. So whatever :func:`loads` returns,
    :func:`canonicalize` accepts.
    """
    if isinstance(data, str):
        text = data
    else:
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"invalid JSON: not UTF-8 (bad byte 0x{exc.object[exc.start]:02x} at offset "
                f"{exc.start})"
            ) from None
    if text.startswith("\ufeff"):
        raise InputError("invalid JSON: starts with a byte order mark (RFC 8259 §8.1)")
    try:
        value = _DECODER.decode(text)
    except InputError:
        raise
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise InputError(f"invalid JSON: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an integer with too many digits to convert
        raise InputError(f"invalid JSON: {str(exc).splitlines()[0]}") from None
    # Only walk the result when the text could hold something the parser let through.
    if text.count("[") + text.count("{") > MAX_DEPTH or _SURROGATE_ESCAPE.search(text):
        _check_depth_and_text(value, 0)
    return value
