// The timeline page: an SVG chart of incidents per day, stacked by type, with the
// truces marked and labelled, drawn from the `timeline-data` block into
// `[data-timeline]`. The chart is an image with a title and a description; the table
// of the same data stays in the page for screen readers (visually hidden once the
// chart is drawn).

import { config, dataLabel, readBlock } from "./util.js";

const SVG = "http://www.w3.org/2000/svg";
const DAY = 86400000;
const WIDTH = 900;
const HEIGHT = 300;
const MARGIN = { top: 64, right: 16, bottom: 36, left: 36 };
const LEVELS = 3;
const LEVEL_HEIGHT = 16;
const PALETTE_SIZE = 8;

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function dayOf(text) {
  const time = Date.parse(String(text).slice(0, 10) + "T00:00:00Z");
  return Number.isNaN(time) ? null : time;
}

/** Incidents per day and type, the day range, and the types in a stable order. */
export function countByDay(events, markers) {
  const counts = new Map();
  const types = [];
  let first = Infinity;
  let last = -Infinity;
  for (const event of events) {
    const day = dayOf(event.date);
    if (day === null) continue;
    if (!types.includes(event.type)) types.push(event.type);
    const perType = counts.get(day) || new Map();
    perType.set(event.type, (perType.get(event.type) || 0) + 1);
    counts.set(day, perType);
    first = Math.min(first, day);
    last = Math.max(last, day);
  }
  for (const marker of markers) {
    const day = dayOf(marker.date);
    if (day === null) continue;
    first = Math.min(first, day);
    last = Math.max(last, day);
  }
  types.sort();
  return { counts, types, first, last };
}

/** Turn a truce's label to the left of its line when it would run off the chart. */
function keepLabelsInside(group) {
  for (const text of group.querySelectorAll("text")) {
    const at = Number(text.getAttribute("data-at"));
    let length = 0;
    try {
      length = text.getComputedTextLength();
    } catch {
      continue; // not laid out (hidden): leave it
    }
    if (at + 4 + length > WIDTH - MARGIN.right && at - 4 - length >= 0) {
      text.setAttribute("x", String(at - 4));
      text.setAttribute("text-anchor", "end");
    }
  }
}

export function draw(container, data, lang) {
  const labels = data.labels || {};
  const events = data.events || [];
  const markers = data.markers || [];
  const { counts, types, first, last } = countByDay(events, markers);
  if (!Number.isFinite(first)) return null;
  const days = Math.round((last - first) / DAY) + 1;
  const max = Math.max(1, ...Array.from(counts.values(), (perType) => Array.from(perType.values()).reduce((a, b) => a + b, 0)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = plotWidth / days;
  const x = (day) => MARGIN.left + ((day - first) / DAY) * step;
  const y = (count) => MARGIN.top + plotHeight - (count / max) * plotHeight;
  const dateFormat = new Intl.DateTimeFormat(lang || undefined, { day: "numeric", month: "short", timeZone: "UTC" });

  const titleText = dataLabel(labels, "title") === "title" ? "Incidents per day" : dataLabel(labels, "title");
  const descText =
    dataLabel(labels, "description") === "description"
      ? `${events.length} incidents from ${dateFormat.format(first)} to ${dateFormat.format(last)}; ` +
        markers.map((m) => `${m.label} (${dateFormat.format(dayOf(m.date))})`).join(", ")
      : dataLabel(labels, "description");
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": "timeline-title timeline-desc",
    class: "timeline-chart",
    dir: "ltr",
  });
  chart.append(svg("title", { id: "timeline-title" }, titleText), svg("desc", { id: "timeline-desc" }, descText));

  const axis = svg("g", { class: "axis", "aria-hidden": "true" });
  axis.append(svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(0), y2: y(0) }));
  for (const value of [0, Math.ceil(max / 2), max]) {
    axis.append(svg("text", { x: MARGIN.left - 6, y: y(value) + 4, "text-anchor": "end" }, String(value)));
    axis.append(svg("line", { class: "grid", x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value) }));
  }
  const tickEvery = days > 60 ? 14 : 7;
  for (let day = first; day <= last; day += tickEvery * DAY) {
    axis.append(svg("text", { x: x(day) + step / 2, y: HEIGHT - MARGIN.bottom + 18, "text-anchor": "middle" }, dateFormat.format(day)));
  }
  chart.append(axis);

  const bars = svg("g", { class: "bars" });
  for (const [day, perType] of counts) {
    let base = 0;
    for (const [index, type] of types.entries()) {
      const count = perType.get(type) || 0;
      if (!count) continue;
      const rect = svg("rect", {
        class: `bar t${index % PALETTE_SIZE}`,
        x: x(day) + step * 0.1,
        width: Math.max(1, step * 0.8),
        y: y(base + count),
        height: y(base) - y(base + count),
      });
      rect.append(svg("title", {}, `${dateFormat.format(day)}: ${count} ${dataLabel(labels, type, "types")}`));
      bars.append(rect);
      base += count;
    }
  }
  chart.append(bars);

  const truces = svg("g", { class: "truces" });
  markers.forEach((marker, index) => {
    const day = dayOf(marker.date);
    if (day === null) return;
    const at = x(day) + step / 2;
    const level = index % LEVELS;
    const top = MARGIN.top - 10 - level * LEVEL_HEIGHT;
    truces.append(svg("line", { x1: at, x2: at, y1: top + 4, y2: y(0) }));
    truces.append(svg("text", { x: at + 4, y: top, "text-anchor": "start", "data-at": at }, marker.label));
  });
  chart.append(truces);

  const legend = document.createElement("ul");
  legend.className = "timeline-legend";
  types.forEach((type, index) => {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch t${index % PALETTE_SIZE}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, document.createTextNode(dataLabel(labels, type, "types")));
    legend.append(item);
  });
  const marker = document.createElement("li");
  const line = document.createElement("span");
  line.className = "swatch truce-swatch";
  line.setAttribute("aria-hidden", "true");
  marker.append(line, document.createTextNode(dataLabel(labels, "truces") === "truces" ? "Truces" : dataLabel(labels, "truces")));
  legend.append(marker);
  legend.setAttribute("aria-hidden", "true");

  const table = container.querySelector("[data-timeline-table]");
  let anchor = table;
  while (anchor && anchor.parentNode !== container) anchor = anchor.parentNode;
  container.insertBefore(legend, anchor || null);
  container.insertBefore(chart, legend);
  if (table) table.classList.add("visually-hidden");
  keepLabelsInside(truces);
  container.dataset.ready = "true";
  return chart;
}

export function init() {
  const container = document.querySelector("[data-timeline]");
  const data = readBlock("timeline-data");
  if (!container || !data) return;
  draw(container, data, config().lang || document.documentElement.lang);
}
