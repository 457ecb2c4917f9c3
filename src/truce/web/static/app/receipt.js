// Receipts checked in the browser. For each `[data-receipt data-index data-leaf-hash]`:
// fetch a checkpoint (c2sp.org/tlog-checkpoint), verify the log's signed-note signature
// (c2sp.org/signed-note, Ed25519 type 0x01) and each witness's cosignature
// (c2sp.org/tlog-cosignature, type 0x04) against truce-config.log, fetch the entry's
// inclusion proof and verify it (RFC 9162 §2.1.3.2, the RFC 6962 tree with SHA-256),
// then say what was proven, or exactly what failed.

import { concat, config, equalBytes, hex, label, sha256, unb64, unhex, utf8 } from "./util.js";

const EM_DASH = "\u2014";
const TYPE_ED25519 = 0x01;
const TYPE_COSIGNATURE = 0x04;

class ReceiptError extends Error {}

/** Signed-note key ID: SHA-256(name || 0x0A || type || public key)[:4] (signed-note). */
export async function noteKeyId(name, type, publicKey) {
  return (await sha256(concat(utf8(name), new Uint8Array([0x0a, type]), publicKey))).slice(0, 4);
}

/** Split a signed note into its text (final newline included) and signature lines. */
export function parseNote(note) {
  if (!note.endsWith("\n")) throw new ReceiptError("the checkpoint note does not end with a newline");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new ReceiptError("the checkpoint note has no signature block");
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split("\n")
    .map((line) => {
      const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!match) throw new ReceiptError(`not a signature line: ${line.slice(0, 60)}`);
      const bytes = unb64(match[2]);
      if (bytes.length <= 4) throw new ReceiptError(`the signature of ${match[1]} is too short`);
      return { name: match[1], keyId: bytes.slice(0, 4), signature: bytes.slice(4) };
    });
  if (!signatures.length) throw new ReceiptError("the checkpoint carries no signature");
  return { text, signatures };
}

/** Read a checkpoint body: origin, tree size, base64 root hash (tlog-checkpoint). */
export function parseCheckpoint(text) {
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new ReceiptError("a checkpoint has an origin, a size and a root hash");
  const [origin, sizeText, rootText] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new ReceiptError(`bad tree size ${sizeText}`);
  const root = unb64(rootText);
  if (root.length !== 32) throw new ReceiptError("the root hash is not 32 bytes");
  return { origin, size: BigInt(sizeText), root };
}

async function verifyEd25519(publicKey, signature, message) {
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
}

/** The message a cosignature signs: "cosignature/v1\ntime <t>\n" then the body. */
function cosignatureMessage(timestamp, body) {
  return concat(utf8(`cosignature/v1\ntime ${timestamp}\n`), body);
}

function witnessKeyName(witness, origin) {
  return witness.name && witness.name.includes("/witness/")
    ? witness.name
    : `${origin}/witness/${witness.member}`;
}

/**
 * Verify a checkpoint note against the log configuration: a known log key must have
 * signed it, every signature from a known key must verify, the origin must be the
 * log's. Returns {size, root, witnessed: [member…], witnesses: m}.
 */
export async function verifyCheckpoint(note, log) {
  const { text, signatures } = parseNote(note);
  const body = utf8(text);
  let logVerified = false;
  for (const known of log.checkpoint_keys || []) {
    const publicKey = unb64(known.public_key);
    const id = await noteKeyId(known.name, TYPE_ED25519, publicKey);
    if (known.key_id && String(known.key_id).length === 8 && known.key_id !== hex(id)) {
      throw new ReceiptError(`the configured key ID of ${known.name} is not its derived ${hex(id)}`);
    }
    for (const sig of signatures) {
      if (sig.name !== known.name || !equalBytes(sig.keyId, id)) continue;
      if (sig.signature.length !== 64 || !(await verifyEd25519(publicKey, sig.signature, body))) {
        throw new ReceiptError(`the log signature of ${known.name} does not verify`);
      }
      logVerified = true;
    }
  }
  if (!logVerified) throw new ReceiptError("the checkpoint carries no signature of the log's key");
  const checkpoint = parseCheckpoint(text);
  if (log.origin && checkpoint.origin !== log.origin) {
    throw new ReceiptError(`the checkpoint is for ${checkpoint.origin}, not ${log.origin}`);
  }
  const witnessed = [];
  for (const witness of log.witnesses || []) {
    const name = witnessKeyName(witness, checkpoint.origin);
    const publicKey = unb64(witness.public_key);
    const id = await noteKeyId(name, TYPE_COSIGNATURE, publicKey);
    for (const sig of signatures) {
      if (sig.name !== name || !equalBytes(sig.keyId, id)) continue;
      if (sig.signature.length !== 72) throw new ReceiptError(`the cosignature of ${name} is malformed`);
      const timestamp = new DataView(sig.signature.buffer, sig.signature.byteOffset, 8).getBigUint64(0);
      if (timestamp > 2n ** 63n - 1n) throw new ReceiptError(`the cosignature of ${name} has a bad time`);
      const message = cosignatureMessage(timestamp, body);
      if (!(await verifyEd25519(publicKey, sig.signature.slice(8), message))) {
        throw new ReceiptError(`the cosignature of ${name} does not verify`);
      }
      if (!witnessed.includes(witness.member)) witnessed.push(witness.member);
    }
  }
  return { ...checkpoint, witnessed, witnesses: (log.witnesses || []).length };
}

async function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([0x01]), left, right));
}

/** The root an RFC 6962 audit path leads to (RFC 9162 §2.1.3.2); throws if malformed. */
export async function rootFromInclusionProof(index, size, leafHash, path) {
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  if (fn > sn) throw new ReceiptError(`entry ${index} is not in a tree of ${size}`);
  let r = leafHash;
  for (const p of path) {
    if (sn === 0n) throw new ReceiptError("the inclusion proof is too long");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ReceiptError("the inclusion proof is too short");
  return r;
}

async function fetchText(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new ReceiptError(`${url} answered ${response.status}`);
  return response.text();
}

async function fetchJson(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) {
    let detail = `${response.status}`;
    try {
      detail = (await response.json()).detail || detail;
    } catch {
      // keep the status
    }
    throw new ReceiptError(`${url} answered ${detail}`);
  }
  return response.json();
}

let checkpoints;

/** The newest checkpoint and the newest quorum-witnessed one, each verified (cached). */
function verifiedCheckpoints(log) {
  if (!checkpoints) {
    const latest = fetchText("/log/v1/checkpoint").then((note) => verifyCheckpoint(note, log));
    const witnessed = fetch("/log/v1/checkpoint/witnessed", { credentials: "same-origin" }).then(
      async (response) => (response.ok ? verifyCheckpoint(await response.text(), log) : null),
    );
    checkpoints = Promise.all([latest, witnessed.catch(() => null)]);
  }
  return checkpoints;
}

/** Check one receipt element; resolves to the result shown. */
export async function checkReceipt(element, log = config().log || {}) {
  element.dataset.state = "checking";
  element.textContent = label("receipt_checking");
  try {
    const index = BigInt(element.dataset.index);
    const leafHash = unhex(element.dataset.leafHash || "");
    if (leafHash.length !== 32) throw new ReceiptError("the page gives no leaf hash");
    const [latest, witnessed] = await verifiedCheckpoints(log);
    // The best checkpoint that covers the entry: the most witnesses, then the newest.
    const chosen = [latest, witnessed]
      .filter((c) => c && index < c.size)
      .sort((a, b) => b.witnessed.length - a.witnessed.length || Number(b.size - a.size))[0];
    if (!chosen) throw new ReceiptError(`no checkpoint covers entry ${index} yet (size ${latest.size})`);
    const proof = await fetchJson(`/log/v1/proof/inclusion?index=${index}&size=${chosen.size}`);
    const provenLeaf = unb64(proof.leaf_hash);
    if (!equalBytes(provenLeaf, leafHash)) {
      throw new ReceiptError(`the log's entry ${index} is not this act (leaf ${hex(provenLeaf)})`);
    }
    const root = await rootFromInclusionProof(index, chosen.size, leafHash, proof.audit_path.map(unb64));
    if (!equalBytes(root, chosen.root)) {
      throw new ReceiptError(`the inclusion proof does not lead to the root of checkpoint ${chosen.size}`);
    }
    element.dataset.state = "ok";
    element.dataset.checkpoint = String(chosen.size);
    element.dataset.witnessed = String(chosen.witnessed.length);
    element.textContent = label("receipt_included", {
      size: chosen.size,
      witnessed: chosen.witnessed.length,
      witnesses: chosen.witnesses,
    });
    if (chosen.witnessed.length) element.title = chosen.witnessed.join(", ");
    return element.textContent;
  } catch (error) {
    element.dataset.state = "failed";
    element.textContent = `${label("receipt_bad")} ${error.message || error}`;
    if (!(error instanceof ReceiptError)) console.error(error);
    return element.textContent;
  }
}

/** Check every receipt of the page. */
export function init() {
  const log = config().log || {};
  return Promise.all(Array.from(document.querySelectorAll("[data-receipt]"), (el) => checkReceipt(el, log)));
}

