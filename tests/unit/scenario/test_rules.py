"""Scenario files: the default scenario, every problem with its line, and round trips."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from truce.errors import InputError, ScenarioError
from truce.ledger.keys import PublicKey, demo_signing_key
from truce.scenario.rules import (
    Problem,
    Scenario,
    check_scenario,
    demo_root_key,
    load_scenario,
    parse_scenario,
)

ROOT = Path(__file__).parents[3]
DEFAULT = ROOT / "scenarios" / "istanbul-2025" / "mechanism.toml"
ASSETS = ROOT / "tests" / "assets" / "scenarios"

TAXONOMY = (
    "armed_clash",
    "attack_on_post",
    "air_or_drone_strike",
    "shelling",
    "infiltration",
    "explosion",
    "airspace_violation",
    "access_denied_to_monitors",
    "border_closure",
    "border_reopening",
    "other",
)


def _copy(tmp_path: Path, source: Path) -> Path:
    target = tmp_path / source.name
    shutil.copyfile(source, target)
    return target


def _write(tmp_path: Path, text: str, name: str = "mechanism.toml") -> Path:
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return target


def _line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only line of ``text`` that contains ``fragment``."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(found) == 1, (fragment, found)
    return found[0]


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


@pytest.fixture
def default_path(tmp_path: Path) -> Path:
    return _copy(tmp_path, DEFAULT)


@pytest.fixture
def default(default_path: Path) -> Scenario:
    return load_scenario(default_path)


# -- the default scenario ------------------------------------------------------------


def test_default_scenario_passes_the_check_with_only_the_demo_warning(
    default_path: Path,
) -> None:
    problems = check_scenario(default_path)
    text = default_path.read_text(encoding="utf-8")
    assert problems == [
        Problem(
            line=_line_of(text, "insecure_key_seed ="),
            location="demo.insecure_key_seed",
            message=problems[0].message,
            severity="warning",
        )
    ]
    assert "public seed" in problems[0].message


def test_default_scenario_members_and_procedure(default: Scenario) -> None:
    assert default.mechanism.id == "istanbul-2025"
    assert default.mechanism.origin == "truce.example/istanbul-2025"
    assert [m.code for m in default.parties] == ["PK", "AF"]
    assert [m.code for m in default.mediators] == ["TR", "QA"]
    assert default.secretariat.code == "SEC"
    assert [m.code for m in default.witnesses] == ["PK", "AF", "TR", "QA"]
    assert default.procedure.response_deadline_hours == 72
    assert default.procedure.max_clock_skew_seconds == 300
    assert default.procedure.max_act_age_hours == 24
    assert default.ruling_threshold == 2
    assert default.witness_threshold == 4


def test_default_scenario_clauses_taxonomy_and_penalties(default: Scenario) -> None:
    assert [c.id for c in default.clauses] == ["C1", "C2", "C3", "C4", "C5", "C6"]
    assert all(c.binds == ["PK", "AF"] for c in default.clauses)
    assert {c.source for c in default.clauses} == {t.id for t in default.texts}
    assert default.incident_type_ids == TAXONOMY
    assert [s.count for s in default.penalties.steps] == [1, 2, 3, 4]
    first, last = default.penalties.steps[0], default.penalties.steps[-1]
    assert default.penalty_step(0) is None
    assert default.penalty_step(1) == first
    assert default.penalty_step(9) == last


def test_default_gazetteer_has_every_crossing_and_province(default: Scenario) -> None:
    crossings = {p.id for p in default.places if p.kind == "crossing"}
    assert crossings == {
        "torkham",
        "chaman-spin-boldak",
        "ghulam-khan",
        "angoor-adda",
        "kharlachi",
        "nawa-pass",
        "arandu",
        "bin-shahi",
        "badini",
        "bahram-chah",
    }
    provinces = {p.name for p in default.places if p.kind == "province"}
    assert provinces >= {"Khyber Pakhtunkhwa", "Balochistan", "Nangarhar", "Kandahar", "Kabul"}
    torkham = default.place("torkham")
    assert torkham is not None
    assert (torkham.lat, torkham.lon, torkham.precision) == (34.1147, 71.0847, "exact")
    bin_shahi = default.place("bin-shahi")
    assert bin_shahi is not None
    assert (bin_shahi.lat, bin_shahi.precision) == (None, "unknown")
    assert all(p.precision_km for p in default.places if p.precision == "approximate")


def test_default_root_keys_derive_from_the_demo_seed(default: Scenario) -> None:
    assert default.demo is not None
    seed = default.demo.insecure_key_seed
    for member in default.members:
        digest = hashlib.sha256(("truce-demo-key:" + seed + ":" + member.code).encode()).digest()
        raw = Ed25519PrivateKey.from_private_bytes(digest).public_key().public_bytes_raw()
        expected = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        assert member.root_key == expected == demo_root_key(seed, member.code)
        signature = demo_signing_key(seed, member.code).sign(b"checkpoint")
        assert member.public_key().verify(signature, b"checkpoint")


def test_load_accepts_the_scenario_directory(default_path: Path) -> None:
    assert load_scenario(default_path.parent).mechanism.id == "istanbul-2025"


def test_lookups_return_none_for_unknown_ids(default: Scenario) -> None:
    assert default.member("QA") is not None
    assert default.member("XX") is None
    assert default.clause("C9") is None
    assert default.place("atlantis") is None
    assert default.text("doha-2025-10-19") is not None


# -- round trip through the genesis act's JSON ---------------------------------------


def test_round_trip_through_json_is_exact(default: Scenario) -> None:
    dumped = default.model_dump(mode="json")
    reloaded = Scenario.model_validate(json.loads(json.dumps(dumped, ensure_ascii=False)))
    assert reloaded == default
    assert reloaded.model_dump(mode="json") == dumped


def test_round_trip_keeps_integral_floats_written_as_integers(default: Scenario) -> None:
    dumped = default.model_dump(mode="json")
    for place in dumped["places"]:
        if place["precision_km"] is not None and place["precision_km"] == int(
            place["precision_km"]
        ):
            place["precision_km"] = int(place["precision_km"])  # as RFC 8785 writes them
    assert Scenario.model_validate(dumped) == default


def test_model_validate_enforces_cross_references(default: Scenario) -> None:
    dumped = default.model_dump(mode="json")
    dumped["clauses"][0]["binds"] = ["PK", "XX"]
    dumped["places"][0]["parent"] = "atlantis"
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(dumped)
    message = str(caught.value)
    assert "clauses.0.binds.1: unknown member 'XX'" in message
    assert "places.0.parent: unknown place 'atlantis'" in message


# -- problems and their lines --------------------------------------------------------


def _expectations(text: str) -> list[tuple[int, str]]:
    return [
        (n, match.group(1).strip())
        for n, line in enumerate(text.splitlines(), 1)
        if (match := re.search(r"# expect: (.*)$", line))
    ]


def test_broken_scenario_reports_every_problem_on_its_line(tmp_path: Path) -> None:
    path = _copy(tmp_path, ASSETS / "broken.toml")
    expected = _expectations(path.read_text(encoding="utf-8"))
    errors = _errors(check_scenario(path))
    assert len(errors) == len(expected), [p.format("f") for p in errors]
    for line, fragment in expected:
        matching = [p for p in errors if p.line == line and fragment in p.message]
        assert matching, (line, fragment, [p.format("f") for p in errors])


def test_broken_scenario_locations_are_dotted(tmp_path: Path) -> None:
    path = _copy(tmp_path, ASSETS / "broken.toml")
    locations = {p.location for p in check_scenario(path)}
    assert {
        "members.1.rootkey",
        "clauses.0.binds.1",
        "places.0.lat",
        "places.1.id",
        "clauses.1.title",
        "procedure.ruling_quorum",
    } <= locations


def test_load_scenario_raises_with_every_problem_formatted(tmp_path: Path) -> None:
    path = _copy(tmp_path, ASSETS / "broken.toml")
    text = path.read_text(encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    assert isinstance(error, InputError)
    assert len(error.problems) == len(_expectations(text))
    line = _line_of(text, "lat = 134.1147")
    assert f"{path}:{line}: places.0.lat: Input should be less than or equal to 90" in (
        error.problems
    )
    line = _line_of(text, '"XX",')
    assert f"{path}:{line}: clauses.0.binds.1: unknown member 'XX'" in error.problems
    assert all(re.match(re.escape(str(path)) + r":\d+: \S+: ", p) for p in error.problems)
    assert str(path) in error.message


def test_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    path = _copy(tmp_path, ASSETS / "syntax-error.toml")
    problems = check_scenario(path)
    assert len(problems) == 1
    assert (problems[0].line, problems[0].location, problems[0].severity) == (5, "syntax", "error")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems[0].startswith(f"{path}:5: syntax: ")


def test_minimal_scenario_is_valid_and_takes_the_defaults(tmp_path: Path) -> None:
    path = _copy(tmp_path, ASSETS / "minimal.toml")
    assert check_scenario(path) == []
    scenario = load_scenario(path)
    assert scenario.procedure.ruling_quorum == "all"
    assert scenario.procedure.witness_quorum is None
    assert scenario.witness_threshold == 4
    assert scenario.demo is None


def test_missing_file_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    [problem] = check_scenario(missing)
    assert (problem.line, problem.location) == (None, "file")
    with pytest.raises(ScenarioError):
        load_scenario(missing)


def _minimal() -> str:
    return (ASSETS / "minimal.toml").read_text(encoding="utf-8")


def _problems(tmp_path: Path, text: str) -> list[Problem]:
    return check_scenario(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("AAAA", "43 characters of unpadded base64url"),
        ("stqAZvW8jrQk-Le1fenjmBXhUey3NE0y0UHcERURhfw=", "43 characters"),
        ("stqAZvW8jrQk+Le1fenjmBXhUey3NE0y0UHcERURhfw", "43 characters"),
        ("stqAZvW8jrQk-Le1fenjmBXhUey3NE0y0UHcERURhfx", "not canonical"),
        ("AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a point"),
        ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "small order"),
        ("AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "small order"),
    ],
)
def test_bad_root_keys_are_refused(tmp_path: Path, key: str, message: str) -> None:
    good = "stqAZvW8jrQk-Le1fenjmBXhUey3NE0y0UHcERURhfw"
    text = _minimal().replace(good, key)
    [problem] = _errors(_problems(tmp_path, text))
    assert problem.location == "members.0.root_key"
    assert problem.line == _line_of(text, key)
    assert message in problem.message
    with pytest.raises(InputError, match=message):
        PublicKey.parse(key)


def test_a_demo_seed_that_does_not_match_a_key_is_warned_about(tmp_path: Path) -> None:
    text = _minimal() + '\n[demo]\ninsecure_key_seed = "another seed"\n'
    problems = _problems(tmp_path, text)
    assert [p.severity for p in problems] == ["warning"] * 7
    assert {p.location for p in problems} == {
        "demo.insecure_key_seed",
        "mechanism.checkpoint_key",
        *(f"members.{i}.root_key" for i in range(5)),
    }


@pytest.mark.parametrize(
    ("original", "substitute", "message"),
    [
        ("lon = 71.0847\n", "", "give both lat and lon"),
        ('precision = "exact"', 'precision = "unknown"', 'precision "unknown" takes no lat'),
        ('precision = "exact"', 'precision = "approximate"', "needs precision_km"),
    ],
)
def test_coordinates_must_match_precision(
    tmp_path: Path, original: str, substitute: str, message: str
) -> None:
    text = _minimal().replace(original, substitute)
    [problem] = _errors(_problems(tmp_path, text))
    assert (problem.location, problem.line) == ("places.0", _line_of(text, "[[places]]"))
    assert message in problem.message


@pytest.mark.parametrize("quorum", ['"most"', "0", "true", "1.5"])
def test_ruling_quorum_is_all_or_a_positive_integer(tmp_path: Path, quorum: str) -> None:
    text = _minimal() + f"\n[procedure]\nruling_quorum = {quorum}\n"
    [problem] = _errors(_problems(tmp_path, text))
    assert problem.location == "procedure.ruling_quorum"
    assert problem.message == 'must be "all" or a positive integer'


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("ruling_quorum = 1001", "must be at most 1000"),
        ("witness_quorum = 1001", "less than or equal to 1000"),
        ("response_deadline_hours = 9007199254740991", "less than or equal to 8784"),
        ("appeal_window_days = 3661", "less than or equal to 3660"),
        ("max_clock_skew_seconds = 86401", "less than or equal to 86400"),
    ],
)
def test_procedure_integers_are_bounded(tmp_path: Path, setting: str, message: str) -> None:
    text = _minimal() + f"\n[procedure]\n{setting}\n"
    problems = _errors(_problems(tmp_path, text))
    assert any(message in problem.message for problem in problems), problems


def test_witness_quorum_cannot_exceed_parties_and_mediators(tmp_path: Path) -> None:
    text = _minimal() + "\n[procedure]\nwitness_quorum = 5\n"
    [problem] = _errors(_problems(tmp_path, text))
    assert problem.message == "is 5 but there are only 4 parties and mediators"
    assert problem.line == _line_of(text, "witness_quorum")


def test_members_need_one_secretariat_two_parties_and_a_mediator(tmp_path: Path) -> None:
    text = _minimal().replace('kind = "mediator"', 'kind = "party"')
    text = text.replace('kind = "secretariat"', 'kind = "party"')
    messages = {p.message for p in _errors(_problems(tmp_path, text))}
    assert "one member must be of kind 'secretariat'" in messages
    assert "at least one member must be of kind 'mediator'" in messages


def test_parent_loops_are_refused(tmp_path: Path) -> None:
    text = _minimal() + (
        '\n[[places]]\nid = "a"\nname = "A"\nkind = "town"\ncountry = "PK"\nparent = "b"\n'
        'precision = "unknown"\nsource = "test"\n'
        '\n[[places]]\nid = "b"\nname = "B"\nkind = "town"\ncountry = "PK"\nparent = "a"\n'
        'precision = "unknown"\nsource = "test"\n'
    )
    errors = _errors(_problems(tmp_path, text))
    assert [p.message for p in errors] == [
        "parents form a loop: a -> b -> a",
        "parents form a loop: b -> a -> b",
    ]


def test_opposite_must_be_across_the_border(tmp_path: Path) -> None:
    text = _minimal().replace('precision = "exact"', 'precision = "exact"\nopposite = "torkham"')
    [problem] = _errors(_problems(tmp_path, text))
    assert problem.message == "a place cannot be its own opposite"


def test_unknown_top_level_table_suggests_the_right_name(tmp_path: Path) -> None:
    text = _minimal() + "\n[procedures]\nruling_quorum = 1\n"
    [problem] = _errors(_problems(tmp_path, text))
    assert problem.message == "unknown key 'procedures'; did you mean 'procedure'?"
    assert problem.line == _line_of(text, "[procedures]")


def test_parse_scenario_names_the_source_in_messages() -> None:
    text = _minimal().replace('id = "minimal"', 'id = "Minimal"')
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "genesis")
    [problem] = caught.value.problems
    line = _line_of(text, 'id = "Minimal"')
    assert problem.startswith(f"genesis:{line}: mechanism.id: ")


def test_the_documented_example_is_a_valid_scenario(tmp_path: Path) -> None:
    docs = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```toml\n(.*?)```", docs, flags=re.DOTALL)
    assert check_scenario(_write(tmp_path, example)) == []


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        ("Angoor Adda", "; did you mean angoor-adda?"),
        ("angor-adda", "; did you mean angoor-adda?"),
        (
            "Spin Boldak",
            "; did you mean spin-boldak-district or spin-boldak or chaman-spin-boldak?",
        ),
        ("atlantis", ""),
    ],
)
def test_an_unknown_place_suggests_the_ids_it_likely_meant(given: str, hint: str) -> None:
    scenario = load_scenario(DEFAULT)
    assert scenario.unknown_place(given) == f"{given!r} is not in the gazetteer{hint}"
