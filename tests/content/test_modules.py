"""The psychoeducation module library: the shipped modules load and read well, a bad
module file is skipped and reported (never fatal), and `module_ids()` is what the clinic
server checks assignments against."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from iop_companion.content.modules import (
    MODULE_ID_PATTERN,
    ModuleFileError,
    load_library,
    load_module_file,
    module_ids,
)
from iop_companion.sync.protocol import MODULE_ID_PATTERN as WIRE_MODULE_ID_PATTERN

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "assets"
SHIPPED = {"understanding-triggers", "riding-out-cravings", "sleep-and-recovery"}


def module_data(module_id: str = "test-module", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format_version": 1, "id": module_id, "language": "en", "order": 1,
        "title": "A test module", "summary": "What it is about.", "reading_minutes": 2,
        "updated_on": "2026-11-22",
        "sections": [{"heading": "First", "paragraphs": ["One.", "Two."]}],
        "key_points": ["A point."],
        "try_this": {"title": "Try it", "steps": ["Step one."]},
        "get_help": "Call or text 988. Call your clinic.",
        "sources": [{"publisher": "SAMHSA", "title": "TIP 47",
                     "url": "https://www.ncbi.nlm.nih.gov/books/NBK64093/"}],
    }
    data.update(changes)
    return data


def write(assets: Path, language: str, name: str, content: Any) -> Path:
    folder = assets / "modules" / language
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    return path


def words(module) -> list[str]:
    parts = [module.title, module.summary, module.get_help, module.try_this.title,
             *module.try_this.steps, *module.key_points]
    for section in module.sections:
        parts += [section.heading, *section.paragraphs]
    return re.findall(r"[A-Za-z0-9'-]+", " ".join(parts))


# --- the shipped library ------------------------------------------------------------------

def test_the_three_shipped_modules_load_without_problems() -> None:
    library = load_library(ASSETS)
    assert library.problems == ()
    assert library.ids == SHIPPED
    assert [m.id for m in library] == ["understanding-triggers", "riding-out-cravings",
                                       "sleep-and-recovery"]
    assert library.get("riding-out-cravings").title == "Riding out cravings"
    assert library.get("no-such-module") is None


@pytest.mark.parametrize("module_id", sorted(SHIPPED))
def test_each_shipped_module_is_a_short_read_that_points_to_help_and_cites_sources(
        module_id: str) -> None:
    module = load_library(ASSETS).get(module_id)
    assert module is not None
    count = len(words(module))
    assert 400 <= count <= 700, count
    # About 150 words a minute for an unhurried reader, give or take a minute.
    assert abs(module.reading_minutes - count / 150) <= 1.5
    assert "988" in module.get_help and "clinic" in module.get_help
    assert "911" in module.get_help
    assert module.sources and all(s.url.startswith("https://") for s in module.sources)
    assert module.key_points and module.try_this.steps


def test_the_shipped_modules_never_diagnose_or_advise_on_doses() -> None:
    for module in load_library(ASSETS):
        text = " ".join(words(module)).lower()
        for phrase in ("you have depression", "you are an addict", "you are an alcoholic",
                       "mg", "dose"):
            assert f" {phrase} " not in f" {text} ", (module.id, phrase)


def test_module_ids_are_the_shipped_ids_and_use_the_wire_rule() -> None:
    assert module_ids() == SHIPPED
    assert module_ids() is module_ids()  # read once
    assert MODULE_ID_PATTERN == WIRE_MODULE_ID_PATTERN


def test_module_ids_imports_without_flet_or_pydantic() -> None:
    """The clinic server imports this; it must stay light."""
    probe = ("import sys; from iop_companion.content.modules import module_ids; "
             "ids = module_ids(); "
             "print(sorted(ids), 'flet' in sys.modules, 'pydantic' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == f"{sorted(SHIPPED)} False False"


# --- bad files are reported, not fatal --------------------------------------------------------

def test_a_good_module_loads_into_typed_fields(tmp_path: Path) -> None:
    write(tmp_path, "en", "test-module", module_data())
    module = load_library(tmp_path).get("test-module")
    assert module is not None
    assert module.sections[0].paragraphs == ("One.", "Two.")
    assert module.try_this.steps == ("Step one.",)
    assert module.sources[0].publisher == "SAMHSA"
    assert module.updated_on.isoformat() == "2026-11-22"


@pytest.mark.parametrize(("content", "reason"), [
    ("{ not json", "is not valid JSON (line 1"),
    ("[]", "must hold a JSON object"),
    (module_data(titel="typo"), "unknown field(s): 'titel'"),
    ({k: v for k, v in module_data().items() if k != "get_help"}, "missing field(s): 'get_help'"),
    (module_data(id="other-module"), "the file is named 'test-module'.json"),
    (module_data(language="es"), "'language' is 'es' but the file is in the 'en' folder"),
    (module_data(format_version=2), "uses format version 2; this app reads version 1"),
    (module_data(format_version="1"), "'format_version' must be a whole number"),
    (module_data(title=""), "'title' must be non-empty text"),
    (module_data(title="x" * 81), "'title' can be at most 80 characters"),
    (module_data(summary="line one\nline two"), "'summary' holds a line break"),
    (module_data(reading_minutes=True), "'reading_minutes' must be a whole number"),
    (module_data(reading_minutes=0), "'reading_minutes' must be a whole number from 1"),
    (module_data(updated_on="yesterday"), "'updated_on' must be a date"),
    (module_data(sections=[]), "'sections' must be a list of 1 to 12 items"),
    (module_data(sections=[{"heading": "H", "paragraphs": []}]),
     "'sections[0].paragraphs' must be a list of 1 to 12 texts"),
    (module_data(sections=[{"heading": "H", "paragraphs": ["p"], "extra": 1}]),
     "'sections[0]' has unknown field(s): 'extra'"),
    (module_data(try_this=["Step"]), "'try_this' must be an object"),
    (module_data(sources=[{"publisher": "X", "title": "Y", "url": "http://example.org"}]),
     "'sources[0].url' must be an https:// address"),
])
def test_a_bad_module_file_is_skipped_and_reported_by_name(
        tmp_path: Path, content: Any, reason: str) -> None:
    write(tmp_path, "en", "good-module", module_data("good-module"))
    bad = write(tmp_path, "en", "test-module", content)
    library = load_library(tmp_path)
    assert library.ids == {"good-module"}
    [problem] = library.problems
    assert problem.file == bad
    assert reason in problem.reason
    assert str(bad) in str(problem)
    with pytest.raises(ModuleFileError, match=re.escape(str(bad))):
        load_module_file(bad, "en")


def test_a_file_that_is_not_utf8_or_too_big_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "modules" / "en"
    folder.mkdir(parents=True)
    (folder / "latin.json").write_bytes(b'{"title": "caf\xe9"}')
    (folder / "huge.json").write_text(" " * (70 * 1024) + "{}", encoding="utf-8")
    reasons = {p.file.name: p.reason for p in load_library(tmp_path).problems}
    assert reasons == {"latin.json": "is not UTF-8 text", "huge.json": "is larger than 64 KB"}


def test_a_missing_module_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    library = load_library(tmp_path)
    assert len(library) == 0
    assert [p.reason for p in library.problems] == ["the module folder is missing"]


def test_problems_are_logged_with_the_file_name(tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path, "en", "broken", "{")
    load_library(tmp_path)
    assert "broken.json" in caplog.text


# --- languages ----------------------------------------------------------------------------------

def test_a_translation_replaces_english_and_the_rest_stays_english(tmp_path: Path) -> None:
    write(tmp_path, "en", "first", module_data("first", title="First"))
    write(tmp_path, "en", "second", module_data("second", title="Second", order=2))
    write(tmp_path, "es", "first", module_data("first", language="es", title="Primero"))
    library = load_library(tmp_path, "es")
    assert [(m.id, m.title, m.language) for m in library] == [
        ("first", "Primero", "es"), ("second", "Second", "en")]
    assert library.problems == ()


def test_a_broken_translation_falls_back_to_english_and_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "en", "first", module_data("first", title="First"))
    write(tmp_path, "es", "first", "{")
    library = load_library(tmp_path, "es")
    assert [(m.title, m.language) for m in library] == [("First", "en")]
    assert [p.file.parent.name for p in library.problems] == ["es"]


@pytest.mark.parametrize("language", ["es", "../en", "xx"])
def test_a_language_without_modules_is_english(tmp_path: Path, language: str) -> None:
    write(tmp_path, "en", "first", module_data("first"))
    library = load_library(tmp_path, language)
    assert library.ids == {"first"}
    assert library.problems == ()
