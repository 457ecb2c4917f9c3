// The map page: Leaflet (from npm, copied under /static/vendor/) over an offline
// basemap of Natural Earth's 1:50m country borders (world-atlas TopoJSON, read with
// topojson-client), with no tile server. Incidents from the `map-data` block are drawn
// by type (colour) and status (filled while open, hollow once closed or withdrawn),
// clustered when dense; crossings show their trade and people status side by side.
// The page's filter form redraws the map without a reload and keeps the URL and the
// link to the case list in step.

import { dataLabel, readBlock } from "./util.js";

const VENDOR = "/static/vendor";
const PAKISTAN = "586";
const AFGHANISTAN = "004";
const FOCUS = new Set([PAKISTAN, AFGHANISTAN]);
const CLOSED = new Set(["closed", "withdrawn"]);
const PALETTE_SIZE = 8;

function loadScript(src) {
  const existing = document.querySelector(`script[src="${src}"]`);
  if (existing && existing.dataset.loaded) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = existing || document.createElement("script");
    script.addEventListener("load", () => {
      script.dataset.loaded = "true";
      resolve();
    });
    script.addEventListener("error", () => reject(new Error(`could not load ${src}`)));
    if (!existing) {
      script.src = src;
      document.head.append(script);
    }
  });
}

function loadStyle(href) {
  if (document.querySelector(`link[href="${href}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  // Before the application's own styles, so that they win.
  const own = document.querySelector('link[href$="/app/app.css"]');
  if (own) own.before(link);
  else document.head.append(link);
}

async function loadLibraries() {
  loadStyle(`${VENDOR}/leaflet/leaflet.css`);
  loadStyle(`${VENDOR}/leaflet.markercluster/MarkerCluster.css`);
  await loadScript(`${VENDOR}/leaflet/leaflet.js`);
  await Promise.all([
    loadScript(`${VENDOR}/leaflet.markercluster/leaflet.markercluster.js`),
    loadScript(`${VENDOR}/topojson-client/topojson-client.min.js`),
  ]);
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The colour class of each incident type: stable, in order of first appearance. */
function typeClasses(incidents) {
  const classes = new Map();
  for (const incident of [...incidents].sort((a, b) => String(a.type).localeCompare(String(b.type)))) {
    if (!classes.has(incident.type)) classes.set(incident.type, `t${classes.size % PALETTE_SIZE}`);
  }
  return classes;
}

function incidentIcon(L, incident, typeClass) {
  const state = CLOSED.has(incident.status) ? "closed" : "open";
  return L.divIcon({
    className: `incident-icon ${typeClass} incident-${state}`,
    html: `<span class="visually-hidden"></span>`,
    iconSize: [18, 18],
    iconAnchor: [9, 9],
  });
}

/** Who lodged against whom, in words the page's language orders itself (an arrow would
 * be turned round on a right-to-left page and say the opposite). */
function lodgedAgainst(labels, incident) {
  const template = dataLabel(labels, "lodged_against");
  if (template === "lodged_against") return `${incident.member}, ${incident.accused}`;
  return template.replace("%(lodger)s", incident.member).replace("%(accused)s", incident.accused);
}

function incidentPopup(incident, labels) {
  const box = element("div", "map-popup");
  const link = element("a", "", incident.title || incident.case_id);
  link.href = incident.url;
  box.append(link);
  const facts = [
    dataLabel(labels, incident.type, "types"),
    dataLabel(labels, incident.status, "statuses"),
    incident.member && incident.accused ? lodgedAgainst(labels, incident) : incident.member,
    incident.occurred ? incident.occurred.slice(0, 10) : "",
  ].filter(Boolean);
  box.append(element("p", "", facts.join(" · ")));
  return box;
}

/** A crossing's state in words; a crossing no one has reported on says so. */
function stateLabel(labels, state) {
  return dataLabel(labels, state || "unreported");
}

function crossingPopup(crossing, labels) {
  const box = element("div", "map-popup");
  const title = crossing.url ? element("a", "", crossing.name) : element("strong", "", crossing.name);
  if (crossing.url) title.href = crossing.url;
  box.append(title);
  if (crossing.disputed) {
    // The parties' reports differ: each side's, never one as the crossing's state.
    box.append(element("p", "crossing-disputed", dataLabel(labels, "disputed")));
    for (const side of crossing.sides || []) {
      if (!side.trade) continue;
      const text = dataLabel(labels, "side_reports")
        .replace("%(member)s", side.member)
        .replace("%(trade)s", stateLabel(labels, side.trade))
        .replace("%(people)s", stateLabel(labels, side.people));
      box.append(element("p", "", text));
    }
    return box;
  }
  box.append(element("p", "", `${dataLabel(labels, "trade")}: ${stateLabel(labels, crossing.trade)}`));
  box.append(element("p", "", `${dataLabel(labels, "people")}: ${stateLabel(labels, crossing.people)}`));
  if (crossing.since) box.append(element("p", "", `${dataLabel(labels, "since")}: ${crossing.since.slice(0, 10)}`));
  return box;
}

/** Name every marker's icon for screen readers and give it its class once drawn. */
function nameMarker(marker, text) {
  marker.on("add", () => {
    const icon = marker.getElement();
    if (!icon) return;
    icon.setAttribute("aria-label", text);
    icon.setAttribute("role", "button");
    const hidden = icon.querySelector(".visually-hidden");
    if (hidden) hidden.textContent = text;
  });
}

function legend(L, data, classes) {
  const labels = data.labels || {};
  const control = L.control({ position: "bottomright" });
  control.onAdd = () => {
    const box = element("details", "map-legend");
    box.setAttribute("dir", document.documentElement.dir || "ltr");
    // Open on a wide screen; on a phone it would hide the map, so it starts folded.
    box.open = window.matchMedia("(min-width: 40rem)").matches;
    box.append(element("summary", "", dataLabel(labels, "legend")));
    const list = element("ul");
    for (const [type, cls] of classes) {
      const item = element("li");
      item.append(element("span", `swatch incident-icon ${cls} incident-open`), element("span", "", dataLabel(labels, type, "types")));
      list.append(item);
    }
    const open = element("li");
    open.append(element("span", "swatch incident-icon legend-neutral incident-open"), element("span", "", dataLabel(labels, "open")));
    const closed = element("li");
    closed.append(element("span", "swatch incident-icon legend-neutral incident-closed"), element("span", "", dataLabel(labels, "closed")));
    list.append(open, closed);
    for (const level of ["open", "restricted", "closed", "unreported"]) {
      const item = element("li");
      item.append(element("span", `swatch crossing-swatch level-${level}`), element("span", "", `${dataLabel(labels, "crossings")}: ${dataLabel(labels, level)}`));
      list.append(item);
    }
    box.append(list);
    L.DomEvent.disableClickPropagation(box);
    return box;
  };
  return control;
}

class MapView {
  constructor(L, container, world) {
    this.L = L;
    container.setAttribute("dir", "ltr");
    this.map = L.map(container, { attributionControl: true, zoomSnap: 0.5, minZoom: 3, maxZoom: 12 });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution("Borders: Natural Earth");
    const note = document.getElementById("map-boundary-note");
    if (note) {
      const credit = element("span", "map-note-credit", note.textContent.trim());
      credit.dir = "auto";
      this.map.attributionControl.addAttribution(credit.outerHTML);
    }
    const { topojson } = window;
    const countries = topojson.feature(world, world.objects.countries);
    const focus = L.geoJSON(countries, {
      filter: (feature) => FOCUS.has(String(feature.id)),
      style: (feature) => ({ className: `country country-${String(feature.id) === PAKISTAN ? "pk" : "af"}` }),
      interactive: false,
    });
    L.geoJSON(countries, {
      filter: (feature) => !FOCUS.has(String(feature.id)),
      style: () => ({ className: "country country-other" }),
      interactive: false,
    }).addTo(this.map);
    focus.addTo(this.map);
    const border = topojson.mesh(world, world.objects.countries, (a, b) => {
      const pair = new Set([String(a.id), String(b.id)]);
      return pair.has(PAKISTAN) && pair.has(AFGHANISTAN);
    });
    L.geoJSON(border, { style: () => ({ className: "border-pk-af" }), interactive: false }).addTo(this.map);
    this.map.fitBounds(focus.getBounds(), { padding: [10, 10] });
    // Place names only once zoomed in enough for them not to pile up.
    const zoomClass = () => container.classList.toggle("zoom-low", this.map.getZoom() < 6);
    this.map.on("zoomend", zoomClass);
    zoomClass();
    this.places = L.layerGroup().addTo(this.map);
    this.incidents = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      iconCreateFunction: (cluster) =>
        L.divIcon({
          className: "incident-cluster",
          html: `<span>${cluster.getChildCount()}</span>`,
          iconSize: [34, 34],
        }),
    }).addTo(this.map);
    this.crossings = L.layerGroup().addTo(this.map);
    this.legend = null;
  }

  draw(data) {
    const L = this.L;
    const labels = data.labels || {};
    const incidents = (data.incidents || []).filter((i) => Number.isFinite(i.lat) && Number.isFinite(i.lon));
    const classes = typeClasses(incidents);
    this.places.clearLayers();
    for (const place of data.places || []) {
      if (!Number.isFinite(place.lat) || !Number.isFinite(place.lon)) continue;
      L.circleMarker([place.lat, place.lon], { radius: 3, className: "place-dot", interactive: false })
        .bindTooltip(place.name, { permanent: true, direction: "right", className: "place-label", offset: [4, 0] })
        .addTo(this.places);
    }
    this.incidents.clearLayers();
    const markers = incidents.map((incident) => {
      const icon = incidentIcon(L, incident, classes.get(incident.type));
      const text = `${dataLabel(labels, incident.type, "types")}, ${dataLabel(labels, incident.status, "statuses")}: ${incident.title}`;
      const marker = L.marker([incident.lat, incident.lon], { icon, title: text, keyboard: true });
      nameMarker(marker, text);
      marker.bindPopup(() => incidentPopup(incident, labels));
      return marker;
    });
    this.incidents.addLayers(markers);
    this.crossings.clearLayers();
    for (const crossing of data.crossings || []) {
      if (!Number.isFinite(crossing.lat) || !Number.isFinite(crossing.lon)) continue;
      const text = `${crossing.name}: ${dataLabel(labels, "trade")} ${stateLabel(labels, crossing.trade)}, ${dataLabel(labels, "people")} ${stateLabel(labels, crossing.people)}`;
      const icon = L.divIcon({
        className: "crossing-icon",
        html: `<span class="half level-${crossing.trade || "unreported"}"></span><span class="half level-${crossing.people || "unreported"}"></span><span class="visually-hidden"></span>`,
        iconSize: [20, 20],
        iconAnchor: [10, 10],
      });
      const marker = L.marker([crossing.lat, crossing.lon], { icon, title: text, keyboard: true, zIndexOffset: 1000 });
      nameMarker(marker, text);
      marker.bindPopup(() => crossingPopup(crossing, labels));
      marker.addTo(this.crossings);
    }
    if (this.legend) this.legend.remove();
    this.legend = legend(L, data, classes).addTo(this.map);
    const container = this.map.getContainer();
    container.dataset.incidents = String(markers.length);
    container.dataset.crossings = String((data.crossings || []).length);
    const labelText = dataLabel(labels, "title");
    if (labelText !== "title") container.setAttribute("aria-label", labelText);
  }
}

function filterParams(form) {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === "string" && value.trim() !== "") params.append(name, value.trim());
  }
  return params;
}

/** The map's data for other filters: /map/data (same filters as the page, no labels). */
async function refetch(params, labels) {
  const response = await fetch(`/map/data?${params}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`the map's data answered ${response.status}`);
  return { labels, ...(await response.json()) };
}

/** Keep the address bar and the link to the case list on the map's filters. */
function syncLinks(params) {
  const query = params.toString();
  window.history.replaceState(null, "", `${window.location.pathname}${query ? `?${query}` : ""}`);
  for (const link of document.querySelectorAll("a[data-map-list-link]")) {
    const url = new URL(link.getAttribute("href"), window.location.href);
    link.setAttribute("href", `${url.pathname}${query ? `?${query}` : ""}`);
  }
}

export async function init() {
  const container = document.getElementById("map");
  const data = readBlock("map-data");
  if (!container || !data) return;
  await loadLibraries();
  const response = await fetch(`${VENDOR}/world-atlas/countries-50m.json`);
  if (!response.ok) throw new Error(`the basemap answered ${response.status}`);
  const view = new MapView(window.L, container, await response.json());
  view.draw(data);
  container.dataset.ready = "true";
  const form = document.querySelector("form[data-map-filters]");
  if (!form) return;
  let pending = 0;
  const update = async () => {
    const ticket = ++pending;
    const params = filterParams(form);
    syncLinks(params);
    container.setAttribute("aria-busy", "true");
    try {
      const fresh = await refetch(params, data.labels);
      if (ticket === pending) view.draw(fresh);
    } catch (error) {
      console.error(error);
    } finally {
      if (ticket === pending) container.removeAttribute("aria-busy");
    }
  };
  form.addEventListener("change", update);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    update();
  });
}
