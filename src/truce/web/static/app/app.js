// Entry point of every page (loaded by base.html). Loads only the modules the page
// needs, and does the two small things every page may hold: live countdowns to
// deadlines and forms that submit themselves when a choice changes (the language
// switch). No inline script or handler is needed anywhere (the CSP forbids them).

import { config } from "./util.js";

const UNITS = [
  ["day", 86400],
  ["hour", 3600],
  ["minute", 60],
];

/** "in 3 days", "2 hours ago"… in the page's language (Intl.RelativeTimeFormat). */
export function relative(target, now, lang) {
  const seconds = Math.round((target - now) / 1000);
  const format = new Intl.RelativeTimeFormat(lang || undefined, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(seconds, "second");
}

function updateCountdowns(lang) {
  const now = Date.now();
  for (const element of document.querySelectorAll("time[data-countdown]")) {
    const target = Date.parse(element.getAttribute("datetime"));
    if (Number.isNaN(target)) continue;
    if (!element.dataset.absolute) element.dataset.absolute = element.textContent.trim();
    element.textContent = relative(target, now, lang);
    element.title = element.dataset.absolute;
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

async function load(path, name) {
  try {
    const module = await import(path);
    await module.init();
  } catch (error) {
    console.error(`${name} failed`, error);
  }
}

function start() {
  countdowns();
  autosubmit();
  const cfg = config();
  const tasks = [];
  if (cfg.delegate) tasks.push(import("./keys.js").then((keys) => keys.ensureDeviceKey(cfg)));
  if (document.querySelector("form[data-act-form]")) tasks.push(load("./sign.js", "signing"));
  if (document.querySelector("[data-receipt]")) tasks.push(load("./receipt.js", "receipts"));
  if (document.getElementById("map-data")) tasks.push(load("./map.js", "map"));
  if (document.getElementById("timeline-data")) tasks.push(load("./timeline.js", "timeline"));
  Promise.allSettled(tasks).then(() => {
    document.documentElement.dataset.ready = "true";
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
