// Entry point of every page (loaded by base.html). Loads only the modules the page
// needs, and does the two small things every page may hold: live countdowns to
// deadlines and forms that submit themselves when a choice changes (the language
// switch). No inline script or handler is needed anywhere (the CSP forbids them).

import { config } from "./util.js";

const UNITS = [
  ["year", 365 * 86400, 2],
  ["month", 30 * 86400, 2],
  ["day", 86400, 2],
  ["hour", 3600, 2],
  ["minute", 60, 1],
];

/** "in 3 days", "2 hours ago"… in the page's language (Intl.RelativeTimeFormat). */
export function relative(target, now, lang) {
  const seconds = Math.round((target - now) / 1000);
  const format = new Intl.RelativeTimeFormat(lang || undefined, { numeric: "auto" });
  // The largest unit of which there are at least two ("in 36 hours", not "in 1 day").
  for (const [unit, size, least] of UNITS) {
    if (Math.abs(seconds) >= least * size) return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(Math.trunc(seconds / 60), "minute");
}

/**
 * Keep each countdown current. When the page put the remaining time beside the date
 * (`[data-remaining]` right after the `<time>`), that is what changes, and the date
 * stays; otherwise the `<time>` itself shows the remaining time, the date in its title.
 */
function updateCountdowns(lang) {
  const now = Date.now();
  for (const element of document.querySelectorAll("time[data-countdown]")) {
    const target = Date.parse(element.getAttribute("datetime"));
    if (Number.isNaN(target)) continue;
    const text = relative(target, now, lang);
    const beside = element.nextElementSibling;
    if (beside && beside.hasAttribute("data-remaining")) {
      beside.textContent = `(${text})`;
    } else {
      if (!element.dataset.absolute) element.dataset.absolute = element.textContent.trim();
      element.textContent = text;
      element.title = element.dataset.absolute;
    }
    element.classList.toggle("overdue", target < now);
  }
}

function countdowns() {
  if (!document.querySelector("time[data-countdown]")) return;
  const lang = config().lang || document.documentElement.lang;
  updateCountdowns(lang);
  setInterval(() => updateCountdowns(lang), 30000);
}

function autosubmit() {
  for (const form of document.querySelectorAll("form[data-autosubmit], form.language-switch")) {
    form.addEventListener("change", (event) => {
      if (event.target instanceof HTMLSelectElement) form.requestSubmit();
    });
  }
}

/**
 * A time field is typed in the local time of the place it concerns (the server
 * converts it to UTC with the same rule): when the form's place changes, the hint
 * beside the time field names that place's zone, or the member's when none is chosen.
 */
function zoneHints() {
  for (const hint of document.querySelectorAll("[data-zone-hint]")) {
    const place = hint.closest("form")?.querySelector(`select[name="${hint.dataset.placeField}"]`);
    if (!place) continue;
    const zones = JSON.parse(hint.dataset.zones || "{}");
    const update = () => {
      hint.textContent = zones[place.value] || hint.dataset.zoneDefault;
    };
    place.addEventListener("change", update);
    update();
  }
}

/**
 * A table wider than the screen scrolls sideways; keyboard users must be able to
 * scroll it too, so a scrolling box with nothing focusable inside becomes focusable
 * itself (WCAG 2.1.1), named after the table's caption when it has one.
 */
function focusableScrollers() {
  for (const box of document.querySelectorAll("table, .table-wrap, .table-scroll")) {
    const scrolls = box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== "visible";
    const focusable = box.querySelector("a[href], button, input, select, textarea, [tabindex]");
    if (scrolls && !focusable && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0;
      box.dataset.scrollFocus = "true";
      const caption = box.querySelector("caption");
      if (caption && box.tagName !== "TABLE") {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption.textContent.trim());
      }
    } else if (!scrolls && box.dataset.scrollFocus) {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollFocus;
    }
  }
}

async function load(path, name) {
  try {
    const module = await import(path);
    await module.init();
  } catch (error) {
    console.error(`${name} failed`, error);
  }
}

function start() {
  window.addEventListener("resize", focusableScrollers);
  for (const task of [countdowns, autosubmit, zoneHints, focusableScrollers]) {
    try {
      task();
    } catch (error) {
      console.error(error);
    }
  }
  const cfg = config();
  const tasks = [];
  if (cfg.delegate) tasks.push(import("./keys.js").then((keys) => keys.ensureDeviceKey(cfg)));
  if (document.querySelector("form[data-act-form]")) tasks.push(load("./sign.js", "signing"));
  if (document.querySelector("[data-enrol]")) tasks.push(load("./enrol.js", "enrolment"));
  if (document.querySelector("[data-receipt]")) tasks.push(load("./receipt.js", "receipts"));
  if (document.querySelector("[data-log-verify]")) tasks.push(load("./log.js", "log check"));
  if (document.getElementById("map-data")) tasks.push(load("./map.js", "map"));
  if (document.getElementById("timeline-data")) tasks.push(load("./timeline.js", "timeline"));
  Promise.allSettled(tasks).then(() => {
    document.documentElement.dataset.ready = "true";
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
