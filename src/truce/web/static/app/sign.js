// Act forms signed in the browser (docs/web.md, "Acts signed in the browser"): the form
// goes to /web/acts/prepare, which answers the envelope and body the server would
// admit; the script checks that the envelope commits to that body (body_digest is
// SHA-256 of its RFC 8785 bytes) and names this device's key as author, signs the RFC
// 8785 bytes of the envelope with Ed25519 and posts it to /web/acts/submit.

import { canonicalBytes } from "./jcs.js";
import { registeredKey, signBytes } from "./keys.js";
import { csrfToken, hex, label, sha256 } from "./util.js";

let uniqueId = 0;

function problemSlot(form) {
  let slot = form.querySelector("[data-form-error], [data-form-problem]");
  if (!slot) {
    slot = document.createElement("div");
    slot.setAttribute("data-form-problem", "");
    slot.className = "form-problem";
    form.prepend(slot);
  }
  slot.setAttribute("role", "alert");
  slot.tabIndex = -1;
  return slot;
}

function statusSlot(form) {
  let slot = form.querySelector("[data-form-status]");
  if (!slot) {
    slot = document.createElement("p");
    slot.setAttribute("data-form-status", "");
    slot.setAttribute("role", "status");
    slot.className = "form-status";
    const button = form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
    if (button) button.before(slot);
    else form.append(slot);
  }
  return slot;
}

function fieldsNamed(form, name) {
  return Array.from(form.elements).filter((element) => element.name === name);
}

function errorSlot(form, name) {
  return Array.from(form.querySelectorAll("[data-error-for]")).find(
    (slot) => slot.getAttribute("data-error-for") === name,
  );
}

/** Remove every message the last attempt left on the form. */
export function clearErrors(form) {
  const problem = form.querySelector("[data-form-error], [data-form-problem]");
  if (problem) {
    problem.textContent = "";
    problem.hidden = true;
  }
  for (const slot of form.querySelectorAll("[data-error-for]")) {
    slot.textContent = "";
    slot.hidden = true;
    for (const field of fieldsNamed(form, slot.getAttribute("data-error-for"))) {
      field.removeAttribute("aria-invalid");
      const described = (field.getAttribute("aria-describedby") || "")
        .split(/\s+/)
        .filter((id) => id && id !== slot.id);
      if (described.length) field.setAttribute("aria-describedby", described.join(" "));
      else field.removeAttribute("aria-describedby");
    }
  }
}

/** Show a problem at the top of the form and move focus there. */
export function showProblem(form, message) {
  const slot = problemSlot(form);
  slot.textContent = message;
  slot.hidden = false;
  slot.focus();
}

/**
 * Show each field's message beside it: the field gets aria-invalid and is described by
 * its message; focus goes to the first field in the form's order. Messages for names
 * the form has no field for are shown at the top.
 */
export function showFieldErrors(form, errors) {
  const unplaced = [];
  const invalid = [];
  for (const [name, message] of Object.entries(errors)) {
    const slot = errorSlot(form, name);
    const fields = fieldsNamed(form, name);
    if (!slot) {
      unplaced.push(fields.length ? message : `${name}: ${message}`);
      if (fields.length) invalid.push(...fields);
      continue;
    }
    if (!slot.id) slot.id = `error-${++uniqueId}`;
    slot.textContent = message;
    slot.hidden = false;
    for (const field of fields) {
      field.setAttribute("aria-invalid", "true");
      const described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (!described.includes(slot.id)) described.push(slot.id);
      field.setAttribute("aria-describedby", described.join(" "));
      invalid.push(field);
    }
  }
  const problem = problemSlot(form);
  problem.textContent = [label("form_errors"), ...unplaced].join(" ");
  problem.hidden = false;
  const order = Array.from(form.elements);
  invalid.sort((a, b) => order.indexOf(a) - order.indexOf(b));
  if (invalid.length) invalid[0].focus();
  else problem.focus();
}

async function readJson(response) {
  try {
    return await response.json();
  } catch {
    return {};
  }
}

function problemText(response, data) {
  return data.detail || data.title || `${response.status} ${response.statusText}`;
}

/** The fields posted to /web/acts/prepare (with the device's key id): multipart when a file is chosen. */
function preparedBody(form, key) {
  const data = new FormData(form);
  data.set("key_id", key.keyId);
  const hasFile = Array.from(data.values()).some((value) => value instanceof File && value.name);
  if (hasFile || form.enctype === "multipart/form-data") return data;
  const fields = new URLSearchParams();
  for (const [name, value] of data) if (!(value instanceof File)) fields.append(name, value);
  return fields;
}

/** Check what /web/acts/prepare answered before anything is signed; throw if wrong. */
export async function checkPrepared(prepared, key, kind) {
  const { envelope, body } = prepared || {};
  if (!envelope || typeof envelope !== "object" || body === undefined) {
    throw new Error("the answer holds no envelope and body");
  }
  if ("sig" in envelope) throw new Error("the envelope is already signed");
  const digest = `sha256:${hex(await sha256(canonicalBytes(body)))}`;
  if (envelope.body_digest !== digest) {
    throw new Error(`body_digest ${envelope.body_digest} is not the body's ${digest}`);
  }
  if (!envelope.author || envelope.author.key !== key.keyId) {
    throw new Error(`the author key is not this device's key ${key.keyId}`);
  }
  if (kind && envelope.kind !== kind) throw new Error(`the act is ${envelope.kind}, not ${kind}`);
}

async function submitForm(form) {
  const key = await registeredKey();
  if (!key) {
    showProblem(form, label("no_key"));
    return;
  }
  const headers = { "X-CSRF-Token": csrfToken(), Accept: "application/json" };
  let response = await fetch(form.getAttribute("action") || "/web/acts/prepare", {
    method: "POST",
    credentials: "same-origin",
    headers,
    body: preparedBody(form, key),
  });
  let data = await readJson(response);
  if (response.status === 422 && data.errors && Object.keys(data.errors).length) {
    showFieldErrors(form, data.errors);
    return;
  }
  if (!response.ok) {
    showProblem(form, problemText(response, data));
    return;
  }
  const kindField = form.elements.namedItem("kind");
  try {
    await checkPrepared(data, key, kindField && kindField.value);
  } catch (error) {
    showProblem(form, `${label("check_failed")} (${error.message})`);
    return;
  }
  const sig = await signBytes(key, canonicalBytes(data.envelope));
  response = await fetch("/web/acts/submit", {
    method: "POST",
    credentials: "same-origin",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ envelope: { ...data.envelope, sig }, body: data.body }),
  });
  data = await readJson(response);
  if (!response.ok) {
    if (data.errors && Object.keys(data.errors).length) showFieldErrors(form, data.errors);
    else showProblem(form, problemText(response, data));
    return;
  }
  window.location.assign(data.redirect || window.location.href);
}

/** Take over the submission of every act form of the page. */
export function init() {
  for (const form of document.querySelectorAll("form[data-act-form]")) {
    form.noValidate = true;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (form.getAttribute("aria-busy") === "true") return;
      clearErrors(form);
      form.setAttribute("aria-busy", "true");
      const buttons = form.querySelectorAll("button, input[type=submit]");
      for (const button of buttons) button.disabled = true;
      const status = statusSlot(form);
      status.hidden = false;
      status.textContent = label("signing");
      try {
        await submitForm(form);
      } catch (error) {
        console.error(error);
        const offline = error instanceof TypeError && /fetch|network/i.test(error.message);
        showProblem(form, offline ? label("network_error") : String(error.message || error));
      } finally {
        form.removeAttribute("aria-busy");
        for (const button of buttons) button.disabled = false;
        status.textContent = "";
      }
    });
  }
}
