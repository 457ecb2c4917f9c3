"""A report's charts and map, drawn on the server as SVG with matplotlib.

Charts are drawn from the report's data alone and carry no words: their axes show
numbers, days (``11-05``) and member codes, and the series are told apart by colour,
with the key written beside the chart by the report's template in the report's language.
So one drawing serves all six languages, and no Arabic-script text has to be shaped by
matplotlib (which does not). Output is deterministic: the Agg backend, a fixed
``svg.hashsalt`` for element ids, no date or creator in the metadata, text as SVG text.

The map draws the outlines of the scenario's countries from ``boundaries.geojson`` in
the scenario's folder (derived from Natural Earth by ``scripts/derive-boundaries``),
and the period's incidents as dots coloured by the accused member, one dot per place
(a cell of 0.2 degree) whose area grows with the number of incidents there. Nothing is
fetched.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

#: Colours of series, in order (colour-blind safe, Okabe-Ito).
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#000000",
    "#999999",
)
#: Fills of the countries on the map, in the boundary file's order.
LAND = ("#f3efe6", "#e9eef2")
BOUNDARIES_FILE = "boundaries.geojson"
_STYLE: Any = {
    "svg.hashsalt": "truce-report",
    "svg.fonttype": "none",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


#: The map's cells, in hundred-thousandths of a degree (0.2 degree, about 20 km).
GRID_E5 = 20_000


def _cell(value: int) -> int:
    """The centre of the map cell a coordinate falls in."""
    return (value // GRID_E5) * GRID_E5 + GRID_E5 // 2


def colour(index: int) -> str:
    """The colour of the ``index``-th series."""
    return PALETTE[index % len(PALETTE)]


def _svg(figure: Figure) -> str:
    out = io.StringIO()
    with matplotlib.rc_context(_STYLE):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def trend(data: dict[str, Any]) -> str:
    """Acts of the period by day (by hour for a daily report): allegations lodged, and
    the other case acts, as stacked bars."""
    period = data["period"]
    zone = ZoneInfo(period["time_zone"])
    start, end = _parse(period["from"]), _parse(period["to"])
    step = timedelta(hours=1) if end - start <= timedelta(days=1) else timedelta(days=1)
    bins = max(1, int((end - start) / step))
    lodged, other = [0] * bins, [0] * bins
    for row in data["annex"]:
        slot = min(bins - 1, int((_parse(row["at"]) - start) / step))
        if row["kind"] == "case.lodge":
            lodged[slot] += 1
        elif row["kind"].startswith("case."):
            other[slot] += 1
    labels = [
        (start + step * i).astimezone(zone).strftime("%H" if step < timedelta(days=1) else "%m-%d")
        for i in range(bins)
    ]
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(6.4, 2.2))
        axes = figure.add_subplot()
        positions = list(range(bins))
        axes.bar(positions, lodged, color=colour(0), width=0.8)
        axes.bar(positions, other, bottom=lodged, color=colour(1), width=0.8)
        every = max(1, bins // 14)
        axes.set_xticks(positions[::every], labels[::every])
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        return _svg(figure)


def breakdown(data: dict[str, Any], types: Sequence[str]) -> str:
    """Allegations by accused member (rows), stacked by incident type in the order of
    ``types`` (the scenario's), each type in :func:`colour` of its position."""
    counts: Counter[tuple[str, str]] = Counter()
    for line in data["incidents"]["by_type"]:
        counts[(line["accused"], line["type"])] += line["count"]
    members = sorted({accused for accused, _ in counts})
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(6.4, 0.6 + 0.45 * max(1, len(members))))
        axes = figure.add_subplot()
        left = [0] * len(members)
        for index, kind in enumerate(types):
            widths = [counts[(member, kind)] for member in members]
            if any(widths):
                axes.barh(members, widths, left=left, color=colour(index), height=0.6)
                left = [a + b for a, b in zip(left, widths, strict=True)]
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
        return _svg(figure)


def load_boundaries(scenario_dir: Path | None) -> dict[str, Any] | None:
    """The scenario's ``boundaries.geojson``, if its folder has one."""
    if scenario_dir is None or not (scenario_dir / BOUNDARIES_FILE).is_file():
        return None
    loaded: dict[str, Any] = json.loads((scenario_dir / BOUNDARIES_FILE).read_text("utf-8"))
    return loaded


def incident_map(
    data: dict[str, Any], boundaries: dict[str, Any] | None, members: Sequence[str]
) -> str:
    """The period's incidents as dots on the scenario's countries, coloured by the
    accused member in the order of ``members``."""
    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=(6.4, 4.6))
        axes = figure.add_subplot()
        lons: list[float] = []
        lats: list[float] = []
        for number, feature in enumerate((boundaries or {}).get("features", [])):
            shade = LAND[number % len(LAND)]
            for polygon in feature["geometry"]["coordinates"]:
                for ring in polygon:
                    xs = [point[0] for point in ring]
                    ys = [point[1] for point in ring]
                    axes.fill(xs, ys, facecolor=shade, edgecolor="#555555", linewidth=0.7)
                    lons += xs
                    lats += ys
        for index, member in enumerate(members):
            # One dot per cell of GRID_E5, its area growing with the incidents there:
            # ten thousand incidents at fifty places are fifty dots.
            at: Counter[tuple[int, int]] = Counter(
                (_cell(row["lon_e5"]), _cell(row["lat_e5"]))
                for row in data["incidents"]["list"]
                if row["accused"] == member and row["lat_e5"] is not None
            )
            if at:
                places = sorted(at)
                axes.scatter(
                    [lon / 100_000 for lon, _ in places],
                    [lat / 100_000 for _, lat in places],
                    s=[24 + 16 * (at[place] - 1) ** 0.5 for place in places],
                    color=colour(index), alpha=0.85, edgecolors="white", linewidths=0.4,
                    zorder=3,
                )  # fmt: skip
        if lons:
            axes.set_xlim(min(lons) - 0.5, max(lons) + 0.5)
            axes.set_ylim(min(lats) - 0.5, max(lats) + 0.5)
        axes.set_aspect(1.2)
        axes.set_axis_off()
        figure.tight_layout()
        return _svg(figure)
