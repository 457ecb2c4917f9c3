// The log page's check, in the browser: `[data-log-verify]` gets the result of
// verifying the current checkpoint (the log's signed-note signature and each
// witness's cosignature, against truce-config.log, with receipt.js's functions) and,
// when the page shows an earlier checkpoint (`data-previous-size`,
// `data-previous-root`, base64), of checking that the current tree extends it: an
// RFC 6962 §2.1.2 consistency proof from /log/v1/proof/consistency, verified as
// RFC 9162 §2.1.4.2 describes.

import { verifyCheckpoint } from "./receipt.js";
import { concat, config, equalBytes, label, sha256, unb64 } from "./util.js";

class LogError extends Error {}

async function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([0x01]), left, right));
}

/**
 * Whether `proof` (node hashes) shows that the tree of `first` leaves with root
 * `firstRoot` is a prefix of the tree of `second` leaves with root `secondRoot`
 * (RFC 9162 §2.1.4.2). Throws a LogError saying what does not hold.
 */
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  let fn = BigInt(first);
  let sn = BigInt(second);
  if (fn < 1n || fn > sn) throw new LogError(`no consistency between sizes ${first} and ${second}`);
  if (fn === sn) {
    if (proof.length) throw new LogError("a proof between equal sizes must be empty");
    if (!equalBytes(firstRoot, secondRoot)) throw new LogError(`two different trees of size ${first}`);
    return;
  }
  if (!proof.length) throw new LogError("the consistency proof is empty");
  const path = (fn & (fn - 1n)) === 0n ? [firstRoot, ...proof] : [...proof];
  fn -= 1n;
  sn -= 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new LogError("the consistency proof is too long");
    if ((fn & 1n) === 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new LogError("the consistency proof is too short");
  if (!equalBytes(fr, firstRoot)) throw new LogError(`the proof does not lead to the root of checkpoint ${first}`);
  if (!equalBytes(sr, secondRoot)) throw new LogError(`the proof does not lead to the root of checkpoint ${second}`);
}

async function fetchOk(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new LogError(`${url} answered ${response.status}`);
  return response;
}

/** The earlier checkpoint the page shows, or null. */
function previousOf(element) {
  const size = element.dataset.previousSize;
  const root = element.dataset.previousRoot;
  if (!size || !root) return null;
  const bytes = unb64(root);
  if (!/^[1-9][0-9]*$/.test(size) || bytes.length !== 32) throw new LogError("the page's earlier checkpoint is malformed");
  return { size: BigInt(size), root: bytes };
}

/** Check the current checkpoint and its consistency with the earlier one; show the result. */
export async function checkLog(element, log = config().log || {}) {
  element.dataset.state = "checking";
  element.textContent = label("log_checking");
  try {
    const note = await (await fetchOk("/log/v1/checkpoint")).text();
    const latest = await verifyCheckpoint(note, log);
    const lines = [
      label("log_verified", {
        size: latest.size,
        witnessed: latest.witnessed.length,
        witnesses: latest.witnesses,
      }),
    ];
    const previous = previousOf(element);
    if (previous) {
      if (previous.size > latest.size) {
        throw new LogError(`the current checkpoint (${latest.size}) is smaller than checkpoint ${previous.size}`);
      }
      let proof = [];
      if (previous.size < latest.size) {
        const answer = await (
          await fetchOk(`/log/v1/proof/consistency?first=${previous.size}&second=${latest.size}`)
        ).json();
        proof = answer.consistency.map(unb64);
      }
      await verifyConsistency(previous.size, latest.size, previous.root, latest.root, proof);
      element.dataset.consistentWith = String(previous.size);
      lines.push(label("log_consistent", { previous: previous.size, size: latest.size }));
    }
    element.dataset.state = "ok";
    element.dataset.size = String(latest.size);
    element.dataset.witnessed = String(latest.witnessed.length);
    element.textContent = lines.join(" ");
    if (latest.witnessed.length) element.title = latest.witnessed.join(", ");
  } catch (error) {
    element.dataset.state = "failed";
    element.textContent = `${label("log_bad")} ${error.message || error}`;
    if (error instanceof TypeError) console.error(error);
  }
  return element.textContent;
}

export function init() {
  const log = config().log || {};
  return Promise.all(Array.from(document.querySelectorAll("[data-log-verify]"), (el) => checkLog(el, log)));
}
