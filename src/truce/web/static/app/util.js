// What every module of the web application shares: the page's configuration block,
// translated labels, byte encodings (RFC 4648) and SHA-256 (WebCrypto).

const ENGLISH = {
  signing: "Signing…",
  network_error: "The server could not be reached. Nothing was recorded.",
  check_failed: "The server's answer did not match the form: nothing was signed.",
  no_key: "This browser has no registered signing key yet. Your head must approve it.",
  key_generating: "Creating a signing key for this browser…",
  key_requested: "This browser's signing key awaits approval by your member's head.",
  key_ready: "This browser signs with a registered key.",
  key_unsupported: "This browser cannot keep a signing key (Ed25519).",
  key_failed: "This browser's signing key could not be registered:",
  form_errors: "Please correct the marked fields.",
  receipt_checking: "Checking the receipt against the log…",
  receipt_included: "Included in checkpoint {size}, witnessed by {witnessed} of {witnesses}.",
  receipt_bad: "The receipt does not verify against the log.",
};

/** Parse the JSON data block `<script type="application/json" id=…>`; null if absent. */
export function readBlock(id) {
  const element = document.getElementById(id);
  if (!element) return null;
  try {
    return JSON.parse(element.textContent);
  } catch (error) {
    console.error(`the data block #${id} is not JSON`, error);
    return null;
  }
}

let cachedConfig;

/** The page's `truce-config` block (an empty object when the page has none). */
export function config() {
  if (cachedConfig === undefined) cachedConfig = readBlock("truce-config") || {};
  return cachedConfig;
}

/** Fill `{name}` placeholders of a template from `values`. */
export function fill(template, values = {}) {
  return String(template).replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole,
  );
}

/** The translated label `key` from `truce-config.labels` (English if missing), filled. */
export function label(key, values = {}) {
  const labels = config().labels || {};
  return fill(labels[key] ?? ENGLISH[key] ?? key, values);
}

/** A label from a data block's own `labels` dict, or the raw value when it has none. */
export function dataLabel(labels, key, group) {
  const source = group ? (labels && labels[group]) || {} : labels || {};
  return source[key] ?? key;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text) {
  return encoder.encode(text);
}

/** Unpadded base64url (RFC 4648 §5) of bytes. */
export function b64url(bytes) {
  return b64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Standard padded base64 (RFC 4648 §4) of bytes. */
export function b64(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Bytes of base64 or base64url text, padded or not; throws on anything else. */
export function unb64(text) {
  const bare = String(text).replace(/-/g, "+").replace(/_/g, "/").replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9+/]*$/.test(bare) || bare.length % 4 === 1) throw new Error("not base64");
  const binary = atob(bare + "=".repeat((4 - (bare.length % 4)) % 4));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** Lowercase hexadecimal of bytes. */
export function hex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Bytes of lowercase or uppercase hexadecimal text. */
export function unhex(text) {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new Error("not hexadecimal");
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Concatenate byte arrays. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** True when two byte arrays are equal. */
export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** SHA-256 of bytes (WebCrypto), as a Uint8Array. */
export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** The CSRF token of the page, for the `X-CSRF-Token` header. */
export function csrfToken() {
  return config().csrf || "";
}
