"""The application's scripts in the browser, against Python's implementations.

RFC 8785 canonical JSON (the RFC's own examples, and Python's ``truce.ledger.jcs`` on
the same values), the RFC 7638 key id (as ``truce.ledger.keys`` computes it), signed
note and checkpoint verification, and RFC 6962 inclusion proofs against the demo log.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.functional.web.browser import Browsing, goto, screenshot, sign_in
from tests.functional.web.conftest import Demo
from truce.ledger import jcs
from truce.ledger.keys import PublicKey, SigningKey
from truce.ledger.merkle import MerkleTree, hash_leaf

# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
RFC8785_NUMBERS = [
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

# RFC 8785 §3.2.3: sorting by UTF-16 code units.
RFC8785_SORTING = {
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\U0001f600": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis",
}
RFC8785_SORTED = (
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
    '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
    '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
)

# RFC 8785 §3.2.4 (its input written as JSON text, parsed by the browser).
RFC8785_INPUT = (
    '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
    ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
    ' "literals": [null, true, false]}'
)
RFC8785_OUTPUT = (
    '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
    '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
)


@pytest.fixture(scope="module")
def page(browsing: Browsing) -> Iterator[Page]:
    """A page of the server (the sign-in page: it needs no account)."""
    opened = browsing.page()
    goto(opened, "/signin")
    yield opened
    opened.context.close()


def call(page: Page, module: str, script: str, arg: Any = None) -> Any:
    """Evaluate ``script`` (an async arrow taking the module and ``arg``) in the page."""
    return page.evaluate(
        f"async (arg) => {{ const m = await import('/static/app/{module}');"
        f" return ({script})(m, arg); }}",
        arg,
    )


def test_jcs_numbers_match_rfc_8785_appendix_b(page: Page) -> None:
    bits = [pattern for pattern, _ in RFC8785_NUMBERS]
    got = call(
        page,
        "jcs.js",
        """(m, patterns) => patterns.map((hex) => {
             const view = new DataView(new ArrayBuffer(8));
             view.setBigUint64(0, BigInt("0x" + hex));
             return m.canonicalize(view.getFloat64(0));
           })""",
        bits,
    )
    assert got == [text for _, text in RFC8785_NUMBERS]
    python = [
        jcs.canonicalize(struct.unpack(">d", bytes.fromhex(pattern))[0]).decode()
        for pattern in bits
    ]
    assert got == python


def test_jcs_sorts_and_escapes_as_rfc_8785(page: Page) -> None:
    assert call(page, "jcs.js", "(m, v) => m.canonicalize(v)", RFC8785_SORTING) == RFC8785_SORTED
    assert jcs.canonicalize(RFC8785_SORTING).decode() == RFC8785_SORTED
    got = call(page, "jcs.js", "(m, text) => m.canonicalize(JSON.parse(text))", RFC8785_INPUT)
    assert got == RFC8785_OUTPUT


def test_jcs_refuses_what_i_json_forbids(page: Page) -> None:
    refused = call(
        page,
        "jcs.js",
        """(m) => [NaN, Infinity, "\\ud800", {"\\udc00": 1}].map((value) => {
             try { m.canonicalize(value); return null; } catch (error) { return error.message; }
           })""",
    )
    assert all(refused), refused
    assert "$" in refused[0]


def test_jcs_bytes_of_an_act_body_match_python(page: Page) -> None:
    body = {
        "incident": {
            "type": "cross_border_fire",
            "place": {"lat": 34.05, "lon": 71.1, "precision": "approximate"},
            "killed": {"civilians": 2},
        },
        "narrative": "Tirah: \u0641\u0627\u0626\u0631\u0646\u06af \u2014 2 killed",
        "clauses": ["C1", "C3"],
        "language": "ur",
    }
    got = call(page, "jcs.js", "(m, v) => Array.from(m.canonicalBytes(v))", body)
    assert bytes(got) == jcs.canonicalize(body)


def test_thumbprint_is_the_python_key_id(page: Page) -> None:
    key = SigningKey.from_seed(bytes(range(32)))
    got = call(
        page,
        "keys.js",
        """async (m, x) => {
             const util = await import('/static/app/util.js');
             return m.thumbprint(util.unb64(x));
           }""",
        key.public_key.text,
    )
    assert got == key.key_id


def test_browser_generated_key_has_its_thumbprint_as_id(page: Page) -> None:
    record = call(
        page,
        "keys.js",
        """async (m) => {
             const record = await m.createKey("test/XX/nobody");
             const again = await m.loadKey("test/XX/nobody");
             const extractable = again.privateKey.extractable;
             return {keyId: again.keyId, publicKey: again.publicKey, extractable,
                     sameId: again.keyId === record.keyId};
           }""",
    )
    assert record["sameId"]
    assert record["extractable"] is False
    assert PublicKey.parse(record["publicKey"]).key_id == record["keyId"]


def test_receipts_of_demo_acts_verify_against_the_log(page: Page, demo: Demo) -> None:
    size = int(httpx.get(f"{demo.base_url}/log/v1/checkpoint").text.split("\n")[1])
    entries = httpx.get(
        f"{demo.base_url}/log/v1/entries", params={"start": 0, "end": size - 1}
    ).json()["entries"]
    indices = sorted({0, 1, size // 2, size - 2, size - 1})
    hashes = {
        index: base64.b64decode(
            httpx.get(f"{demo.base_url}/log/v1/receipts/{index}").json()["leaf_hash"]
        ).hex()
        for index in indices
    }
    assert len(entries) >= 1
    results = call(
        page,
        "receipt.js",
        """async (m, items) => {
             const out = [];
             for (const [index, leafHash] of items) {
               const el = document.createElement("div");
               el.dataset.index = String(index);
               el.dataset.leafHash = leafHash;
               await m.checkReceipt(el);
               out.push([el.dataset.state, el.textContent, el.dataset.checkpoint]);
             }
             return out;
           }""",
        [[index, hashes[index]] for index in indices],
    )
    for state, text, checkpoint in results:
        assert state == "ok", text
        assert text.startswith("Included in checkpoint")
        assert int(checkpoint) >= 1


def test_a_receipt_for_another_leaf_fails_precisely(page: Page) -> None:
    text = call(
        page,
        "receipt.js",
        """async (m) => {
             const el = document.createElement("div");
             el.dataset.index = "1";
             el.dataset.leafHash = "00".repeat(32);
             await m.checkReceipt(el);
             return [el.dataset.state, el.textContent];
           }""",
    )
    assert text[0] == "failed"
    assert "entry 1 is not this act" in text[1]


def test_a_tampered_checkpoint_is_refused(page: Page, demo: Demo) -> None:
    note = httpx.get(f"{demo.base_url}/log/v1/checkpoint").text
    lines = note.split("\n")
    lines[1] = str(int(lines[1]) + 1)
    tampered = "\n".join(lines)
    outcome = call(
        page,
        "receipt.js",
        """async (m, notes) => {
             const util = await import('/static/app/util.js');
             const log = util.config().log;
             const results = [];
             for (const note of notes) {
               try {
                 const c = await m.verifyCheckpoint(note, log);
                 results.push(["ok", c.witnessed.length]);
               } catch (error) { results.push(["refused", error.message]); }
             }
             return results;
           }""",
        [note, tampered],
    )
    assert outcome[0][0] == "ok"
    assert outcome[1] == ["refused", f"the log signature of {lines[0]} does not verify"]


def test_inclusion_proofs_match_python_for_every_position(page: Page) -> None:
    """Every (index, size) up to 9 leaves, and proofs that are wrong by one node."""
    tree = MerkleTree(hash_leaf(bytes([i])) for i in range(9))
    cases = []
    for size in range(1, 10):
        for index in range(size):
            path = [h.hex() for h in tree.inclusion_proof(index, size)]
            cases.append([index, size, tree.leaf_hash(index).hex(), path, tree.root(size).hex()])
    outcome = call(
        page,
        "receipt.js",
        """async (m, cases) => {
             const util = await import('/static/app/util.js');
             const out = [];
             for (const [index, size, leaf, path, root] of cases) {
               const hashes = path.map(util.unhex);
               const got = await m.rootFromInclusionProof(index, size, util.unhex(leaf), hashes);
               let short = "ok";
               const leafHash = util.unhex(leaf);
               try { await m.rootFromInclusionProof(index, size, leafHash, hashes.slice(1)); }
               catch (error) { short = error.message; }
               if (!path.length) short = "empty";
               out.push([util.hex(got) === root, short]);
             }
             return out;
           }""",
        cases,
    )
    assert all(matches for matches, _ in outcome)
    assert all(short != "ok" for _, short in outcome), outcome


def test_consistency_proofs_match_python_for_every_pair(page: Page) -> None:
    """Every (first, second) up to 9 leaves (RFC 9162 §2.1.4.2), and wrong proofs."""
    tree = MerkleTree(hash_leaf(bytes([i])) for i in range(9))
    cases = []
    for second in range(1, 10):
        for first in range(1, second + 1):
            proof = [h.hex() for h in tree.consistency_proof(first, second)]
            cases.append([first, second, tree.root(first).hex(), tree.root(second).hex(), proof])
    outcome = call(
        page,
        "log.js",
        """async (m, cases) => {
             const util = await import('/static/app/util.js');
             const out = [];
             for (const [first, second, firstRoot, secondRoot, proof] of cases) {
               const a = util.unhex(firstRoot), b = util.unhex(secondRoot);
               const hashes = proof.map(util.unhex);
               let good = "ok", short = "ok", swapped = "ok";
               try { await m.verifyConsistency(first, second, a, b, hashes); }
               catch (error) { good = error.message; }
               try { await m.verifyConsistency(first, second, a, b, hashes.slice(1)); }
               catch (error) { short = error.message; }
               try { await m.verifyConsistency(first, second, b, a, hashes); }
               catch (error) { swapped = error.message; }
               out.push([first, second, good, short, swapped]);
             }
             return out;
           }""",
        cases,
    )
    for first, second, good, short, swapped in outcome:
        assert good == "ok", (first, second, good)
        if first < second:
            assert short != "ok", (first, second)
            assert swapped != "ok", (first, second)


def test_the_log_page_checks_its_checkpoints_in_the_browser(browsing: Browsing, demo: Demo) -> None:
    opened = browsing.page()
    sign_in(opened, demo, "PK", "pk-observer")
    # Each admitted act is checkpointed: the page lists an earlier checkpoint too.
    size = int(httpx.get(f"{demo.base_url}/log/v1/checkpoint").text.split("\n")[1])
    goto(opened, "/log")
    status = opened.locator("[data-log-verify]")
    opened.wait_for_selector(
        "[data-log-verify][data-state='ok'], [data-log-verify][data-state='failed']"
    )
    text = str(status.text_content())
    assert status.get_attribute("data-state") == "ok", text
    assert int(str(status.get_attribute("data-size"))) >= size
    previous = status.get_attribute("data-previous-size")
    assert previous is not None, "the page shows only one checkpoint"
    assert status.get_attribute("data-consistent-with") == previous
    assert f"extends checkpoint {previous}" in text
    screenshot(opened, "log-page", full_page=False)

    # A page whose earlier checkpoint is not a prefix of the log is told so.
    outcome = call(
        opened,
        "log.js",
        """async (m, root) => {
             const el = document.createElement("div");
             el.dataset.previousSize = "1";
             el.dataset.previousRoot = root;
             await m.checkLog(el);
             return [el.dataset.state, el.textContent];
           }""",
        "A" * 43 + "=",
    )
    assert outcome[0] == "failed"
    assert "the proof does not lead to the root of checkpoint" in outcome[1]
    opened.context.close()
