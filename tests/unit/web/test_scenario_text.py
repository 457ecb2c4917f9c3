"""Where the web application finds the scenario's catalogues, and what it shows when a
label has no translation."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from babel.messages.pofile import write_po
from fastapi.testclient import TestClient

from tests.conftest import Clock
from tests.mechanism import SCENARIO_DIR, Mechanism
from tests.unit.web_app import Browser
from truce.api.deps import Services
from truce.app import create_app
from truce.config import Settings
from truce.errors import ConfigurationError
from truce.scenario.labels import catalogue_path, read_catalogue
from truce.web import scenario_text


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the scenario folder whose Urdu catalogue does not translate "Qatar"."""
    copy = tmp_path / "scenario"
    shutil.copytree(SCENARIO_DIR, copy, ignore=shutil.ignore_patterns("demo"))
    path = catalogue_path(copy, "ur")
    catalog = read_catalogue(path, "ur")
    del catalog["Qatar"]
    with path.open("wb") as handle:
        write_po(handle, catalog)
    return copy


@pytest.fixture
def app_settings(mechanism: Mechanism, folder: Path) -> Settings:
    return Settings(
        database_url=mechanism.url, log_key_file=mechanism.log_key_file, scenario_dir=folder
    )


def services(settings: Settings, clock: Clock) -> Services:
    services: Services = create_app(settings, clock=clock).state.services
    return services


def switch(browser: Browser, language: str) -> None:
    answer = browser.client.post("/language", data={"language": language, "csrf": browser.csrf})
    assert answer.status_code == 303
    browser.page("/")


def test_a_label_without_translation_is_shown_as_written(
    browsers: Callable[[str], Browser],
) -> None:
    browser = browsers("pk-officer")
    switch(browser, "ur")
    log = browser.client.get("/log").text
    assert "Qatar (QA)" in log
    assert "ترکیہ (TR)" in log
    assert "پاکستان" in browser.client.get("/").text


def test_the_translated_scenario_is_made_once_per_language(
    app_settings: Settings, clock: Clock
) -> None:
    found = services(app_settings, clock)
    written = found.admission.mechanism().scenario
    urdu = scenario_text.scenario_in(found, "ur")
    assert scenario_text.scenario_in(found, "ur") is urdu
    assert scenario_text.scenario_in(found, "en") is written
    assert scenario_text.scenario_in(found, "xx") is written
    assert urdu.member("PK").name == "پاکستان"  # type: ignore[union-attr]
    assert urdu.member("QA").name == "Qatar"  # type: ignore[union-attr]
    assert written.member("PK").name == "Pakistan"  # type: ignore[union-attr]
    assert scenario_text.scenario_in(found, "tr").member("AF").name == "Afganistan"  # type: ignore[union-attr]


def test_the_template_filter_translates_only_while_rendering(
    app_settings: Settings, clock: Clock
) -> None:
    found = services(app_settings, clock)
    assert scenario_text.label("Torkham") == "Torkham"
    with scenario_text.labelling(found, "ps"):
        assert scenario_text.label("Torkham") == "تورخم"
        assert scenario_text.label("a narrative") == "a narrative"
        assert scenario_text.label(None) == ""
    with scenario_text.labelling(found, "en"):
        assert scenario_text.label("Torkham") == "Torkham"
    assert scenario_text.label("Torkham") == "Torkham"


def test_a_configured_folder_without_a_scenario_stops_the_server(
    mechanism: Mechanism, tmp_path: Path, clock: Clock
) -> None:
    settings = Settings(
        database_url=mechanism.url, log_key_file=mechanism.log_key_file, scenario_dir=tmp_path
    )
    with pytest.raises(ConfigurationError, match="not a scenario folder"):
        create_app(settings, clock=clock)


def test_the_default_folder_is_scenarios_by_mechanism_id(
    mechanism: Mechanism, tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(database_url=mechanism.url, log_key_file=mechanism.log_key_file)
    monkeypatch.chdir(tmp_path)
    assert scenario_text.scenario_folder(services(settings, clock)) is None
    assert scenario_text.scenario_in(services(settings, clock), "ur").member("PK").name == (  # type: ignore[union-attr]
        "Pakistan"
    )
    shutil.copytree(SCENARIO_DIR, tmp_path / "scenarios" / "istanbul-2025")
    found = services(settings, clock)
    assert scenario_text.scenario_folder(found) == Path("scenarios/istanbul-2025")
    assert scenario_text.scenario_in(found, "ur").member("PK").name == "پاکستان"  # type: ignore[union-attr]


def test_an_english_visitor_sees_the_scenario_as_written(visitor: TestClient) -> None:
    page = visitor.get("/signin", headers={"accept-language": "en"}).text
    assert "Mechanism secretariat (SEC)" in page
