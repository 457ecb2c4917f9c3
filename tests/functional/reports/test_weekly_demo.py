"""A weekly report of the istanbul-2025 demo, in all six languages, over the HTTP API.

The week is the demo's busiest: the seven days ending on 6 November 2025 at the
scenario's reporting hour (18:00, Asia/Karachi). The figures the PDFs must show are
worked out here from the concepts' own answers (the cases and crossings APIs, the common
record), never from the report's code; the PDFs' text is read with ``pdftotext`` and
their first page drawn with ``pdftoppm`` (poppler-utils), and the page images are kept
under ``test-output/reports/`` for a person to look at.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.mechanism import SCENARIO_DIR
from tests.templates import Templates
from truce.app import create_app
from truce.config import Settings
from truce.ledger import jcs
from truce.reports.embedded import read_data
from truce.web.deps import i18n_text

OUTPUT = Path(__file__).resolve().parents[3] / "test-output" / "reports"
LANGUAGES = ("en", "ur", "ps", "prs", "tr", "ar")
RIGHT_TO_LEFT = ("ur", "ps", "prs", "ar")
WEEK = {"day": "2025-11-06"}
#: The week as the scenario's reporting hour makes it: 18:00 PKT is 13:00 UTC.
START, END = datetime(2025, 10, 30, 13, tzinfo=UTC), datetime(2025, 11, 6, 13, tzinfo=UTC)
#: Section titles every rendering must show, in its own language.
TITLES = ("Summary", "Incidents", "Cases", "Crossings", "Joint actions",
          "Press reports no case covers", "Annex: every act of the period")  # fmt: skip

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) is not installed",
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, templates: Templates) -> Iterator[TestClient]:
    """The demo behind the app, with the API token of PK's officer."""
    root = tmp_path_factory.mktemp("report-demo")
    keys = root / "keys"
    url = f"sqlite:///{root / 'truce.db'}"
    templates.demo(url, keys)
    settings = Settings(
        database_url=url,
        keys_dir=keys,
        log_key_file=keys / "sec-log.key",
        scenario_dir=SCENARIO_DIR,
    )
    token = (keys / "pk-officer.token").read_text().strip()
    with TestClient(create_app(settings)) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.fixture(scope="module")
def rendered(api: TestClient) -> dict[str, tuple[str, bytes]]:
    """Each language's HTML and PDF of the week."""
    found: dict[str, tuple[str, bytes]] = {}
    for language in LANGUAGES:
        html = api.get(
            "/api/v1/reports/weekly", params={**WEEK, "format": "html", "lang": language}
        )
        assert html.status_code == 200, html.text
        pdf = api.get("/api/v1/reports/weekly", params={**WEEK, "format": "pdf", "lang": language})
        assert pdf.status_code == 200, pdf.text
        assert pdf.headers["content-type"] == "application/pdf"
        found[language] = (html.text, pdf.content)
    return found


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _expected(api: TestClient) -> dict[str, Any]:
    """The week's figures from the cases and crossings APIs, on the common record."""
    cases = api.get("/api/v1/cases", params={"common": "1", "per_page": "500"}).json()["cases"]
    week = [case for case in cases if START <= _moment(case["lodged_at"]) < END]
    claimed: Counter[tuple[str, str, str]] = Counter()
    for case in week:
        for harm, totals in case["figures"]["totals"].items():
            for side in ("victims", "attackers"):
                if totals[side]:
                    claimed[(case["lodged_by"], harm, side)] += totals[side]
    crossings = api.get("/api/v1/crossings").json()["crossings"]
    return {"cases": week, "claimed": claimed, "crossings": crossings}


#: What ``pdftotext`` adds to right-to-left text, or moves: bidi embedding marks, the
#: superscript alef (which it writes on a line of its own), colons (which it moves
#: across the space beside them) and the zero-width non-joiner (which draws nothing).
_DROPPED = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u0670:\u200c"))


def _plain(text: str) -> str:
    """Text as compared: without what :data:`_DROPPED` lists, whitespace collapsed, and
    the lam-alef ligature's letters in the order poppler writes them (alef first)."""
    flat = " ".join(text.translate(_DROPPED).split())
    for alef in "\u0627\u0623\u0625\u0622":
        flat = flat.replace("\u0644" + alef, alef + "\u0644")
    return flat


def _text(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return done.stdout


def test_every_language_prints_its_section_titles_and_the_figures(
    api: TestClient, rendered: dict[str, tuple[str, bytes]], tmp_path: Path
) -> None:
    expected = _expected(api)
    assert expected["cases"], "the demo's week has allegations"
    for language in LANGUAGES:
        html, pdf = rendered[language]
        direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
        assert f'<html lang="{language}" dir="{direction}">' in html
        text = _text(pdf, tmp_path, language)
        flat = _plain(text)
        for title in TITLES:
            shown = i18n_text(language, title)
            if language != "en":
                assert shown != title, f"{title!r} is not translated into {language}"
            # poppler writes a right-to-left line's runs on either side of a colon in
            # visual order: each run is looked for on its own.
            for part in shown.split(":"):
                assert _plain(part) in flat, f"{language}: {shown!r} not in the PDF"
        numbers = set(flat.replace("+", " ").split())
        assert str(len(expected["cases"])) in numbers
        for case in expected["cases"]:
            assert case["leaf_hash"] in flat
        for (_claimant, _harm, _side), total in expected["claimed"].items():
            assert str(total) in numbers


def test_the_embedded_data_are_the_projections_and_the_same_in_every_language(
    api: TestClient, rendered: dict[str, tuple[str, bytes]]
) -> None:
    expected = _expected(api)
    data = api.get("/api/v1/reports/weekly", params=WEEK)
    assert data.headers["content-type"].startswith("application/json")
    embedded = {read_data(pdf) for _html, pdf in rendered.values()}
    assert embedded == {data.content}
    figures = json.loads(data.content)
    assert jcs.canonicalize(figures) == data.content
    listed = figures["incidents"]["list"]
    assert [(row["case"], row["leaf_hash"]) for row in listed] == sorted(
        (case["number"], case["leaf_hash"]) for case in expected["cases"]
    )
    claimed = Counter()
    for line in figures["casualty_claims"]:
        claimed[(line["claimant"], line["harm"], line["side"])] += line["value"]
    assert +claimed == expected["claimed"]
    opened = {line["id"]: line["value"] for line in figures["summary"]}["incidents"]
    assert opened == len(expected["cases"])
    states = {
        (side["member"], crossing["place_id"]): (
            side["current"]["trade"],
            side["current"]["people"],
        )
        for crossing in expected["crossings"]
        for side in crossing["sides"]
        if side.get("current") and _moment(side["current"]["effective_at"]) < END
    }
    reported = {(line["member"], line["crossing"]): (line["trade"], line["people"])
                for line in figures["crossings"]}  # fmt: skip
    for key, state in reported.items():
        if key in states:
            assert states[key] == state


def test_the_same_report_prints_the_same_bytes(
    api: TestClient, rendered: dict[str, tuple[str, bytes]]
) -> None:
    again = api.get("/api/v1/reports/weekly", params={**WEEK, "format": "pdf", "lang": "ur"})
    assert again.content == rendered["ur"][1]


def _ink_columns(image: Image.Image, top: int, bottom: int) -> tuple[int, int]:
    """The leftmost and rightmost columns with dark pixels between two rows."""
    grey = image.convert("L")
    width = grey.width
    columns = [
        x
        for x in range(width)
        if any(grey.getpixel((x, y)) < 128 for y in range(top, bottom))  # type: ignore[operator]
    ]
    return (columns[0], columns[-1]) if columns else (width, 0)


@pytest.mark.parametrize("language", ["ar", "ur", "en"])
def test_a_right_to_left_title_sits_at_the_right_of_the_page(
    rendered: dict[str, tuple[str, bytes]], tmp_path: Path, language: str
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    pdf = tmp_path / f"{language}.pdf"
    pdf.write_bytes(rendered[language][1])
    stem = OUTPUT / f"weekly-2025-11-06-{language}"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    image = Image.open(f"{stem}.png")
    # The title is the first line of ink from the top of the page.
    grey = image.convert("L")
    rows = [y for y in range(grey.height) if any(
        grey.getpixel((x, y)) < 128 for x in range(0, grey.width, 2))]  # type: ignore[operator]  # fmt: skip
    top = rows[0]
    left, right = _ink_columns(image, top, top + 12)
    middle = image.width / 2
    if language in RIGHT_TO_LEFT:
        assert left > middle, f"{language}: the title's ink starts at {left} of {image.width}"
        assert right > image.width * 0.85
    else:
        assert right < middle, f"{language}: the title's ink ends at {right} of {image.width}"
