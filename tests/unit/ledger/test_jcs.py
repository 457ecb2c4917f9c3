"""RFC 8785 canonical JSON and strict parsing."""

from __future__ import annotations

import hashlib
import json
import math
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truce.errors import CanonicalJSONError, InputError
from truce.ledger import jcs
from truce.ledger.jcs import MAX_SAFE_INTEGER, canonicalize, canonicalize_full, loads, sha256_digest


def _double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical serialization.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_appendix_b_numbers(bits: str, expected: str) -> None:
    value = _double(bits)
    assert canonicalize(value) == expected.encode()
    assert canonicalize([value]) == f"[{expected}]".encode()
    assert canonicalize({"n": value}) == f'{{"n":{expected}}}'.encode()
    # The canonical text reads back as the very same double.
    assert struct.pack(">d", float(expected)) == struct.pack(">d", value) or value == 0


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_appendix_b_nan_and_infinities_refused(bits: str) -> None:
    with pytest.raises(CanonicalJSONError, match="finite"):
        canonicalize({"n": [1, _double(bits)]})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1"),
        (-1.5, "-1.5"),
        (0.1, "0.1"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (123e-9, "1.23e-7"),
        (1e20, "100000000000000000000"),
        (1.25e21, "1.25e+21"),
        (1e30, "1e+30"),
        (100.0, "100"),
        (12.5, "12.5"),
        (0.000123, "0.000123"),
    ],
)
def test_more_numbers(value: float, expected: str) -> None:
    assert canonicalize(value) == expected.encode()


def test_section_3_2_2_primitives_example() -> None:
    # RFC 8785 §3.2.2: the parsed sample, then its canonical form (§3.2.3).
    parsed = loads(
        '{\n  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n'
        '  "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",\n'
        '  "literals": [null, true, false]\n}'
    )
    expected = (
        '{"literals":[null,true,false],'
        '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonicalize(parsed) == expected.encode("utf-8")
    assert canonicalize_full(parsed) == expected.encode("utf-8")
    # §3.2.4 shows the same as UTF-8 bytes; spot-check the start and the Euro sign.
    assert canonicalize(parsed).startswith(bytes.fromhex("7b226c69746572616c73223a5b6e756c6c2c"))
    assert b"\xe2\x82\xac$" in canonicalize(parsed)


def test_section_3_2_3_sorting_example() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonicalize(value) == expected.encode("utf-8")
    # The same keys parsed from escapes, surrogate pair included.
    assert canonicalize(loads(json.dumps(value))) == expected.encode("utf-8")


def test_string_escapes() -> None:
    text = "".join(chr(c) for c in range(0x20)) + '"\\/\x7f\u2028é'
    expected = (
        '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r'
        "\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
        '\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\"\\\\/\x7f\u2028é"'
    )
    assert canonicalize(text) == expected.encode("utf-8")
    assert canonicalize_full(text) == expected.encode("utf-8")


def test_nesting_sorting_and_literals() -> None:
    value = {"b": [True, False, None, {"z": 1, "a": ()}], "a": {}, "": -0.0}
    assert canonicalize(value) == b'{"":0,"a":{},"b":[true,false,null,{"a":[],"z":1}]}'


def test_integer_limits() -> None:
    """The I-JSON bound (RFC 7493 §2.2): ±(2**53 - 1) is written, ±2**53 is refused."""
    limit = 2**53 - 1
    assert limit == MAX_SAFE_INTEGER
    assert canonicalize([limit, -limit, 0, -1]) == b"[9007199254740991,-9007199254740991,0,-1]"
    assert canonicalize_full([limit, -limit]) == b"[9007199254740991,-9007199254740991]"
    for big in (limit + 1, -limit - 1, limit + 2, 10**30):
        for encode in (canonicalize, canonicalize_full):
            with pytest.raises(CanonicalJSONError, match=r"2\*\*53 - 1.*RFC 7493"):
                encode({"a": {"b": [0, big]}})


def test_bool_is_not_int() -> None:
    assert canonicalize([True, 1, False, 0]) == b"[true,1,false,0]"
    assert canonicalize_full([True, 1, False, 0]) == b"[true,1,false,0]"


@pytest.mark.parametrize(
    ("value", "where", "what"),
    [
        ({"a": [1, float("nan")]}, r"\$\.a\[1\]", "finite"),
        ({"a": float("inf")}, r"\$\.a", "finite"),
        ({"a": float("-inf")}, r"\$\.a", "finite"),
        ({"x y": ["\ud800"]}, r'\$\["x y"\]\[0\]', "lone surrogate"),
        (["ok", "a\udfffb"], r"\$\[1\]", "lone surrogate"),
        ({"k\ud83d": 1}, r'\$\["k\\ud83d"\]', "lone surrogate"),
        ({1: "one"}, r"\$:", "must be strings"),
        ({"a": {(1, 2): 0}}, r"\$\.a:", "must be strings"),
        ({"a": b"bytes"}, r"\$\.a", "bytes"),
        ({"a": {1, 2}}, r"\$\.a", "set"),
        ([object()], r"\$\[0\]", "object"),
        ({"n": 2**53 + 1}, r"\$\.n", r"2\*\*53"),
        ({"n": -(2**53)}, r"\$\.n", r"2\*\*53 - 1"),
    ],
)
def test_refusals_say_where(value: object, where: str, what: str) -> None:
    with pytest.raises(CanonicalJSONError, match=where) as caught:
        canonicalize(value)
    assert caught.match(what)
    assert "\n" not in str(caught.value)


def test_depth_limit_and_cycles() -> None:
    deep: Any = 0
    for _ in range(jcs.MAX_DEPTH):
        deep = [deep]
    assert canonicalize(deep) == b"[" * 64 + b"0" + b"]" * 64
    with pytest.raises(CanonicalJSONError, match="nested deeper"):
        canonicalize([deep])
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(CanonicalJSONError, match="nested deeper"):
        canonicalize(cycle)


def test_subclasses_take_the_full_path() -> None:
    class Name(str):
        pass

    class Count(int):
        def __repr__(self) -> str:
            return "Count()"

    assert canonicalize({Name("b"): Count(2), "a": Name("x")}) == b'{"a":"x","b":2}'


def test_sha256_digest() -> None:
    value = {"b": 1, "a": "é"}
    body = '{"a":"é","b":1}'.encode()
    assert sha256_digest(value) == "sha256:" + hashlib.sha256(body).hexdigest()
    assert jcs.digest_bytes(body) == sha256_digest(value)
    assert sha256_digest({}) == (
        "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    )


# --------------------------------------------------------------------------- fast path


_keys = st.text(st.characters(codec="utf-8"), max_size=6) | st.sampled_from(
    ["\ufb33", "\U0001f600", "\ue000", "\uffff", "\U00010000", "a\U0010ffff"]
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"))
)
_json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=500)
@given(_json_values)
def test_fast_path_equals_full_path(value: object) -> None:
    fast = canonicalize(value)
    assert fast == canonicalize_full(value)
    # And the bytes read back to an equal value (up to -0.0, equal to 0 anyway).
    assert loads(fast) == value or _has_tuple_or_nan(value)


_float_free_values = st.recursive(
    _scalars.filter(lambda v: not isinstance(v, float)),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300)
@given(_float_free_values)
def test_values_the_fast_path_takes(value: object) -> None:
    full = canonicalize_full(value)
    assert canonicalize(value) == full
    if jcs._fast_ok(value, 0):
        assert jcs._FAST_ENCODE(value).encode() == full


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip(value: float) -> None:
    text = canonicalize(value).decode()
    assert float(text) == value
    assert text == jcs.number_to_string(value)
    # ECMAScript uses fixed notation from 1e-6 (inclusive) up to 1e21 (exclusive).
    if value != 0 and 1e-6 <= abs(value) < 1e21:
        assert "e" not in text
    else:
        assert "e" in text or text == "0"


def _has_tuple_or_nan(value: object) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, tuple):
        return True
    if isinstance(value, list):
        return any(_has_tuple_or_nan(v) for v in value)
    if isinstance(value, dict):
        return any(_has_tuple_or_nan(v) for v in value.values())
    return False


# --------------------------------------------------------------------------- loads


def test_loads_accepts_json() -> None:
    assert loads(b'{"a": [1, 2.5, "\\u00e9", null, true]}') == {"a": [1, 2.5, "é", None, True]}
    assert loads("  3 ") == 3
    assert loads(bytearray(b'"\xc3\xa9"')) == "é"
    assert loads(b'"\\ud83d\\ude00"') == "\U0001f600"


@pytest.mark.parametrize(
    ("text", "what"),
    [
        (b'{"a": 1, "a": 2}', "more than once"),
        (b'{"x": {"b": 1, "c": 2, "b": 3}}', '"b" appears more than once'),
        (b"[NaN]", "NaN"),
        (b"Infinity", "Infinity"),
        (b'{"a": -Infinity}', "-Infinity"),
        (b"[1e400]", "too large"),
        (b"[9007199254740993]", r"2\*\*53 - 1\) and would change"),
        (b"[-9007199254740993]", r"2\*\*53"),
        (b"[" + b"1" * 5000 + b"]", "too large"),
        (b"[" + b"2" * 309 + b"]", "too large"),
        (b"[1" + b"0" * 309 + b"]", "too large"),
        (b"[1" + b"0" * 307 + b"1]", "would change"),
        (b'"\xff"', "not UTF-8"),
        (b'"\xed\xa0\x80"', "not UTF-8"),
        (b'"\\ud800"', "lone surrogate"),
        (b'{"\\udc00": 1}', "lone surrogate"),
        (b"\xef\xbb\xbf{}", "byte order mark"),
        (b'{"a": 1,}', "line 1, column 9"),
        (b"[1,\n  2,\n  oops]", "line 3, column 3"),
        (b"", "line 1, column 1"),
        (b"[1] [2]", "Extra data"),
        (b'"a\x01b"', "Invalid control character"),
        (b"[" * 65 + b"]" * 65, "nested deeper than 64"),
        (b"[" * 100000 + b"]" * 100000, "nested deeper than 64"),
        (b'{"a":' * 65 + b"0" + b"}" * 65, "nested deeper than 64"),
    ],
)
def test_loads_refusals(text: bytes, what: str) -> None:
    with pytest.raises(InputError, match=what) as caught:
        loads(text)
    assert "\n" not in str(caught.value)
    assert not isinstance(caught.value, CanonicalJSONError)


def test_loads_large_integers_that_are_doubles() -> None:
    safe = loads(b"[9007199254740991, -9007199254740991]")
    assert safe == [2**53 - 1, -(2**53 - 1)]
    assert all(type(v) is int for v in safe)
    beyond = loads(b"[9007199254740992, 9007199254740994]")
    assert beyond == [2**53, 2**53 + 2]
    assert all(isinstance(v, float) for v in beyond)
    value = loads(b"[10000000000000000, -295147905179352825856, 295147905179352830000]")
    assert value == [1e16, -(2.0**68), 2.0**68]
    assert all(isinstance(v, float) for v in value)
    assert canonicalize(value) == (
        b"[10000000000000000,-295147905179352830000,295147905179352830000]"
    )
    assert loads(str(2**1000).encode()) == 2.0**1000


def test_loads_depth_boundary() -> None:
    assert loads(b"[" * 64 + b"]" * 64) is not None
    assert loads(b'{"a":' * 64 + b"0" + b"}" * 64) is not None


def test_loads_then_canonicalize() -> None:
    text = b'{"z": [1.0, 2e-3, "\\u000f"], "a": {"c": null, "b": false}}'
    assert canonicalize(loads(text)) == b'{"a":{"b":false,"c":null},"z":[1,0.002,"\\u000f"]}'
