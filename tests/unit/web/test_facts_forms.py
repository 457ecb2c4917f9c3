"""Facts through the web forms, from both parties' side: times typed in the place's local
time and signed in UTC, casualty figures in the scenario's categories, victims and
attackers never added together, and a camera's clock shown as what it is."""

from __future__ import annotations

import html
import io
import json
import re
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from tests.mechanism import Mechanism
from tests.unit.web_app import Browser
from truce.storage.models import CaseRecord

#: (lodger, accused, place fields, the time typed, the UTC time signed)
LOCAL_TIMES = [
    ("pk-officer", "AF", {"incident.place.place_id": "kabul"}, "2025-11-06T10:30",
     "2025-11-06T06:00:00Z"),  # Kabul's time (UTC+04:30), though Pakistan lodges
    ("af-officer", "PK", {"incident.place.place_id": "torkham"}, "2025-11-06T10:30",
     "2025-11-06T05:30:00Z"),  # Torkham's (Asia/Karachi), though Afghanistan lodges
    ("af-officer", "PK", {"incident.place.lat": "34.1", "incident.place.lon": "71.1"},
     "2025-11-06T10:30", "2025-11-06T06:00:00Z"),  # no gazetteer place: the author's zone
    ("pk-officer", "AF", {"incident.place.lat": "34.1", "incident.place.lon": "71.1"},
     "2025-11-06T10:30", "2025-11-06T05:30:00Z"),
]  # fmt: skip


def lodge_fields(accused: str, **fields: str) -> dict[str, str]:
    return {
        "kind": "case.lodge",
        "incident.type": "shelling",
        "incident.occurred_at": "2025-11-06T10:30",
        "incident.time_precision": "hour",
        "incident.place.place_id": "spin-boldak",
        "incident.place.precision": "approximate",
        "accused.member": accused,
        "clauses": "C4",
        "narrative": "Shells struck homes.",
        "language": "en",
        **fields,
    }


def lodged(browser: Browser, fields: dict[str, str], files: Any = None) -> int:
    answer = browser.act(fields, files=files)
    assert answer.status_code == 200, answer.text
    return int(answer.json()["index"])


def text_of(page: str) -> str:
    """The page's text, tags dropped and spaces collapsed."""
    spaced = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return re.sub(r" ([;,])", r"\1", spaced)


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("pk-officer", "Time in Asia/Karachi (UTC+05:00)"),
        ("af-officer", "Time in Asia/Kabul (UTC+04:30)"),
    ],
)
def test_the_lodge_form_shows_the_zone_beside_the_time(browsers: Any, name: str, zone: str) -> None:
    page = browsers(name).page("/cases/new").text
    hint = re.search(
        r'<p class="field-hint" id="field-incident-occurred_at-hint"[^>]*>([^<]*)</p>', page
    )
    assert hint is not None
    assert hint.group(1) == zone
    zones = json.loads(html.unescape(re.search(r'data-zones="([^"]*)"', page).group(1)))  # type: ignore[union-attr]
    assert zones["kabul"] == "Time in Asia/Kabul (UTC+04:30)"
    assert zones["torkham"] == "Time in Asia/Karachi (UTC+05:00)"
    assert "When (local time)" in page
    assert "When (UTC)" not in page


@pytest.mark.parametrize(("name", "accused", "place", "typed", "signed"), LOCAL_TIMES)
def test_a_local_time_is_signed_in_utc(
    browsers: Any,
    mechanism: Mechanism,
    name: str,
    accused: str,
    place: dict[str, str],
    typed: str,
    signed: str,
) -> None:
    fields = lodge_fields(accused, **{"incident.occurred_at": typed})
    if "incident.place.lat" in place:
        del fields["incident.place.place_id"]
    case = lodged(browsers(name), {**fields, **place})
    with mechanism.db.read() as connection:
        occurred = connection.execute(
            select(CaseRecord.occurred_at).where(CaseRecord.id == case)
        ).scalar_one()
    assert occurred.strftime("%Y-%m-%dT%H:%M:%SZ") == signed


@pytest.mark.parametrize(
    ("name", "accused", "member"),
    [("pk-officer", "AF", "Pakistan"), ("af-officer", "PK", "Afghanistan")],
)
def test_the_case_list_never_adds_attackers_to_victims(
    browsers: Any, name: str, accused: str, member: str
) -> None:
    browser: Browser = browsers(name)
    case = lodged(
        browser,
        lodge_fields(
            accused,
            **{
                "incident.killed.civilians": "5",
                "incident.killed.police_levies": "3",
                "incident.killed.militants": "17",
                "incident.missing.police_levies": "2",
            },
        ),
    )
    listed = browser.page("/cases").text
    row = re.search(rf'<tr>\s*<th scope="row"><a href="/cases/{case}">.*?</tr>', listed, re.S)
    assert row is not None
    cell = text_of(re.search(r'<td class="killed">(.*?)</td>', row.group(0), re.S).group(1))  # type: ignore[union-attr]
    assert cell == "victims: 8 attackers: 17"
    assert "<td>25</td>" not in row.group(0)
    assert "Killed, as the lodging member claims" in listed

    page = text_of(browser.page(f"/cases/{case}").text)
    assert f"Casualties as {member} claims them" in page
    assert (
        "Killed Victims — Police and levies: 3, Civilians: 5; "
        "Attackers — Militants or attackers: 17" in page
    )
    assert "Missing or abducted Victims — Police and levies: 2" in page


def test_the_lodge_form_offers_the_scenarios_categories_in_the_readers_language(
    browsers: Any,
) -> None:
    browser: Browser = browsers("af-officer")
    assert (
        browser.client.post("/language", data={"language": "ps", "csrf": browser.csrf}).status_code
        == 303
    )
    page = browser.page("/cases/new").text
    for harm in ("killed", "injured", "missing"):
        for category in ("soldiers", "police_levies", "civilians", "militants", "unspecified"):
            assert f'name="incident.{harm}.{category}"' in page
    assert "ورک یا تښتول شوي: پولیس او لېوي" in page  # missing or abducted: police and levies
    assert "په Asia/Kabul کې وخت (UTC+04:30)" in page


def camera_photo(offset: str | None = None) -> bytes:
    image = Image.new("RGB", (8, 8), (90, 120, 30))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2025:11:06 14:03:00"
    if offset is not None:
        exif.get_ifd(0x8769)[0x9011] = offset
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "accused"), [("pk-officer", "AF"), ("af-officer", "PK")])
def test_a_camera_time_without_a_zone_is_shown_as_such(
    browsers: Any, name: str, accused: str
) -> None:
    browser: Browser = browsers(name)
    case = lodged(browser, lodge_fields(accused, **{"incident.occurred_at": "2025-11-06T12:03"}))
    for file_name, offset in (("naive.jpg", None), ("offset.jpg", "+04:30")):
        evidence = browser.act(
            {
                "kind": "case.evidence",
                "case": str(case),
                "description": file_name,
                "language": "en",
            },
            files={"file": (file_name, camera_photo(offset), "image/jpeg")},
        )
        assert evidence.status_code == 200, evidence.text
    page = text_of(browser.page(f"/cases/{case}").text)
    assert "Taken (camera) 2025-11-06 14:03 (camera clock, no time zone)" in page
    assert "Taken (camera) 2025-11-06 14:03 (camera clock, UTC+04:30)" in page
    # Only a camera time with its offset is compared with the incident: 14:03 at UTC+04:30
    # is 09:33 UTC; the incident, 12:03 at Spin Boldak (Asia/Kabul), is 07:33 UTC.
    assert page.count("hours from the incident's stated time") == 1
    assert "UTC+04:30) · 2.0 hours from the incident's stated time" in page
