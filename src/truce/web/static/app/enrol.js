// The enrolment page (/keys/enrol, docs/web.md "Enrolment"): this browser's public key
// and its fingerprint, and for a head or the secretariat the approval of this browser
// with the member's root key file. The file is read here (File API) and its private
// key imported into WebCrypto as a non-extractable key; only public values and the
// signed act are sent; the page then drops the key and clears the file field.

import { canonicalBytes } from "./jcs.js";
import { ensureDeviceKey, loadKey, slotOf, thumbprint } from "./keys.js";
import { checkPrepared, clearErrors, showFieldErrors, showProblem } from "./sign.js";
import { b64url, config, csrfToken, hex, label, readBlock, sha256, unb64 } from "./util.js";

const KEY_FILE_KIND = "truce-ed25519-key";
const APPROVERS = ["head", "secretariat"];

/** The short fingerprint of a raw public key: SHA-256, first 10 bytes, hex in fours
 * (as truce.accounts.enrolment.fingerprint). */
export async function fingerprint(rawPublicKey) {
  const digits = hex((await sha256(rawPublicKey)).slice(0, 10)).toUpperCase();
  return digits.match(/.{4}/g).join(" ");
}

class KeyFileError extends Error {}

/** Read a root key file's text: the signing key (non-extractable) and its identity. */
export async function readKeyFile(text, cfg = config()) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new KeyFileError(label("enrol_not_key"));
  }
  if (!data || data.kind !== KEY_FILE_KIND || typeof data.private_key !== "string"
      || typeof data.public_key !== "string") {
    throw new KeyFileError(label("enrol_not_key"));
  }
  if (data.member !== cfg.member) {
    throw new KeyFileError(label("enrol_other_member", { member: String(data.member) }));
  }
  if (!APPROVERS.includes(data.role)) throw new KeyFileError(label("enrol_not_approver"));
  let privateKey;
  let publicKey;
  try {
    if (unb64(data.private_key).length !== 32 || unb64(data.public_key).length !== 32) {
      throw new Error("not 32 bytes");
    }
    const jwk = { kty: "OKP", crv: "Ed25519", x: data.public_key, d: data.private_key };
    privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
    publicKey = await crypto.subtle.importKey(
      "raw", unb64(data.public_key), { name: "Ed25519" }, false, ["verify"]);
    // The file's public key must be its private key's: sign and verify a probe.
    const probe = crypto.getRandomValues(new Uint8Array(32));
    const signature = await crypto.subtle.sign({ name: "Ed25519" }, privateKey, probe);
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, publicKey, signature, probe))) {
      throw new Error("mismatch");
    }
  } catch {
    throw new KeyFileError(label("enrol_not_key"));
  }
  return {
    privateKey,
    keyId: await thumbprint(unb64(data.public_key)),
    member: data.member,
    role: data.role,
  };
}

async function postJson(path, payload) {
  const response = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      "X-CSRF-Token": csrfToken(),
      Accept: "application/json",
    },
    body: JSON.stringify(payload),
  });
  let data = {};
  try {
    data = await response.json();
  } catch {
    // not JSON: the status line says enough
  }
  return { response, data };
}

function refusal(form, response, data) {
  if (data.errors && Object.keys(data.errors).length) showFieldErrors(form, data.errors);
  else showProblem(form, data.detail || data.title || `${response.status} ${response.statusText}`);
}

/** Sign the registration of this browser's key with the chosen root key file. */
async function approve(form, record) {
  const input = form.elements.namedItem("key_file");
  const file = input.files && input.files[0];
  if (!file) {
    showFieldErrors(form, { key_file: label("enrol_choose_file") });
    return;
  }
  let root;
  try {
    root = await readKeyFile(await file.text());
  } catch (error) {
    if (!(error instanceof KeyFileError)) throw error;
    showFieldErrors(form, { key_file: error.message });
    return;
  } finally {
    input.value = "";
  }
  try {
    let { response, data } = await postJson("/web/keys/enrol/prepare", {
      public_key: record.publicKey,
      key_id: root.keyId,
    });
    if (!response.ok) {
      refusal(form, response, data);
      return;
    }
    await checkPrepared(data, { keyId: root.keyId }, "member.key");
    if (data.body.public_key !== record.publicKey || data.body.action !== "register") {
      throw new Error("the act does not register this browser's key");
    }
    const signature = await crypto.subtle.sign(
      { name: "Ed25519" }, root.privateKey, canonicalBytes(data.envelope));
    const sig = b64url(new Uint8Array(signature));
    ({ response, data } = await postJson("/web/keys/enrol/submit", {
      envelope: { ...data.envelope, sig },
      body: data.body,
    }));
    if (!response.ok) {
      refusal(form, response, data);
      return;
    }
    window.location.assign(data.redirect || "/keys/enrol?enrolled=1");
  } finally {
    root = null;
  }
}

async function requestId(record) {
  const known = (readBlock("enrol-requests") || []).find((item) => item.key_id === record.keyId);
  if (known) return known.id;
  const { response, data } = await postJson("/web/keys/request", { public_key: record.publicKey });
  return response.ok ? data.id : null;
}

/** Fill the key, fingerprint and command; take over the key file form. */
export async function init() {
  const cfg = config();
  const root = document.querySelector("[data-enrol]");
  if (!root) return;
  const state = await ensureDeviceKey(cfg);
  const record = await loadKey(slotOf(cfg));
  if (!record) return;
  root.querySelector("[data-enrol-public-key]").textContent = record.publicKey;
  root.querySelector("[data-enrol-key-id]").textContent = record.keyId;
  root.querySelector("[data-enrol-fingerprint]").textContent =
    await fingerprint(unb64(record.publicKey));
  const registered = state === "ready";
  root.dataset.registered = registered ? "true" : "false";
  for (const element of root.querySelectorAll("[data-enrol-pending]")) element.hidden = registered;
  const command = root.querySelector("[data-enrol-command]");
  if (command && !registered) {
    const id = await requestId(record);
    if (id !== null && id !== undefined) {
      command.textContent = `truce key approve ${id} --key ${command.dataset.keyFile}`
        + ` --server ${command.dataset.server}`;
    }
  }
  const form = root.querySelector("form[data-enrol-form]");
  if (!form || registered) return;
  form.noValidate = true;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") return;
    clearErrors(form);
    form.setAttribute("aria-busy", "true");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await approve(form, record);
    } catch (error) {
      console.error(error);
      showProblem(form, `${label("check_failed")} (${error.message || error})`);
    } finally {
      form.removeAttribute("aria-busy");
      button.disabled = false;
    }
  });
}
