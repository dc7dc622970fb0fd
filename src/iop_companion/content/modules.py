"""Loads the psychoeducation modules from `assets/modules/<language>/<module_id>.json`.

Pure and Flet-free: the clinic server imports `module_ids()` to check that a module it
is asked to assign exists in the app, so this module imports only the standard library
and `paths`.

One file holds one module (format version 1)::

    {
      "format_version": 1,
      "id": "riding-out-cravings",          # the file's name, and what the clinic assigns
      "language": "en",                     # the folder it lives in
      "order": 20,                          # where it sits in the library (low first)
      "title": "...", "summary": "...",
      "reading_minutes": 4,
      "updated_on": "2026-11-22",           # when the text last changed
      "sections": [{"heading": "...", "paragraphs": ["...", "..."]}],
      "key_points": ["..."],
      "try_this": {"title": "...", "steps": ["..."]},
      "get_help": "...",                    # always points to 988 and the clinic
      "sources": [{"publisher": "SAMHSA", "title": "...", "url": "https://..."}]
    }

Validation is strict (unknown fields are refused, so a typo cannot silently drop
text), but a bad file never stops the app: it is left out of the library and reported
in `ModuleLibrary.problems`, naming the file.

Languages: English is the complete library. Another language's folder may translate
some modules; a module it lacks (or whose translation is broken) is shown in English.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from iop_companion.paths import find_assets_dir

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
BASE_LANGUAGE = "en"
# The same rule as protocol.MODULE_ID_PATTERN (a test keeps them equal); repeated here
# so that loading modules does not import pydantic.
MODULE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
_MODULE_ID = re.compile(MODULE_ID_PATTERN)
_LANGUAGE = re.compile(r"^[a-z]{2}$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# A module is a short read; anything far bigger is not a module file.
MAX_FILE_BYTES = 64 * 1024

_FIELDS = frozenset({"format_version", "id", "language", "order", "title", "summary",
                     "reading_minutes", "updated_on", "sections", "key_points", "try_this",
                     "get_help", "sources"})


@dataclass(frozen=True)
class ModuleSection:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Practice:
    """The module's "try this": one small exercise in numbered steps."""

    title: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    publisher: str
    title: str
    url: str


@dataclass(frozen=True)
class Module:
    id: str
    language: str
    order: int
    title: str
    summary: str
    reading_minutes: int
    updated_on: date
    sections: tuple[ModuleSection, ...]
    key_points: tuple[str, ...]
    try_this: Practice
    get_help: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class ModuleProblem:
    """A module file that was left out of the library, and why (for logs and tests)."""

    file: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.reason}"


class ModuleFileError(ValueError):
    """A module file is unreadable or breaks the format; the message names the file."""

    def __init__(self, file: Path, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


@dataclass(frozen=True)
class ModuleLibrary:
    """The modules this app version can show, in library order, and the files it skipped."""

    language: str  # the language asked for; each module says which one it is in
    modules: tuple[Module, ...]
    problems: tuple[ModuleProblem, ...] = ()

    def get(self, module_id: str) -> Module | None:
        for module in self.modules:
            if module.id == module_id:
                return module
        return None

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(module.id for module in self.modules)

    def __contains__(self, module_id: object) -> bool:
        return any(module.id == module_id for module in self.modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self.modules)

    def __len__(self) -> int:
        return len(self.modules)


def modules_dir(assets_dir: Path | None = None) -> Path:
    return (assets_dir if assets_dir is not None else find_assets_dir()) / "modules"


def load_library(assets_dir: Path | None = None, language: str = BASE_LANGUAGE) -> ModuleLibrary:
    """Read every module for `language` (English where it has none); never raises for a
    bad module file: the file is skipped and listed in `problems`."""
    root = modules_dir(assets_dir)
    problems: list[ModuleProblem] = []
    by_id = _load_folder(root, BASE_LANGUAGE, problems)
    if language != BASE_LANGUAGE and _LANGUAGE.match(language):
        # A translation replaces the English module of the same id; the rest stay English.
        by_id.update(_load_folder(root, language, problems, required=False))
    for problem in problems:
        # File names and reasons only: module files hold no one's data.
        logger.warning("Module left out of the library: %s", problem)
    modules = tuple(sorted(by_id.values(), key=lambda m: (m.order, m.title, m.id)))
    return ModuleLibrary(language=language, modules=modules, problems=tuple(problems))


@functools.cache
def cached_library(assets_dir: Path | None = None,
                   language: str = BASE_LANGUAGE) -> ModuleLibrary:
    """`load_library`, read once per process: the files ship with the app and do not
    change while it runs (screens re-render often)."""
    return load_library(assets_dir, language)


@functools.cache
def module_ids() -> frozenset[str]:
    """The ids of the modules this installation can show (English library).

    The clinic server checks assignments against it. Read once and kept."""
    return cached_library(None, BASE_LANGUAGE).ids


def load_module_file(path: Path, language: str) -> Module:
    """Read and check one module file. Raises ModuleFileError naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ModuleFileError(path, f"cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ModuleFileError(path, f"is larger than {MAX_FILE_BYTES // 1024} KB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ModuleFileError(path, "is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ModuleFileError(path, f"is not valid JSON (line {error.lineno}, column "
                                    f"{error.colno}: {error.msg})") from None
    try:
        return _module_from_data(data, expected_id=path.stem, expected_language=language)
    except _Invalid as invalid:
        raise ModuleFileError(path, str(invalid)) from None


def _load_folder(root: Path, language: str, problems: list[ModuleProblem], *,
                 required: bool = True) -> dict[str, Module]:
    folder = root / language
    if not folder.is_dir():
        if required:
            problems.append(ModuleProblem(folder, "the module folder is missing"))
        return {}
    found: dict[str, Module] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            module = load_module_file(path, language)
        except ModuleFileError as error:
            problems.append(ModuleProblem(error.file, error.reason))
            continue
        found[module.id] = module
    return found


class _Invalid(ValueError):
    """What is wrong with a module's content, naming the field."""


def _module_from_data(data: Any, *, expected_id: str, expected_language: str) -> Module:
    if not isinstance(data, dict):
        raise _Invalid("must hold a JSON object")
    version = data.get("format_version")
    if type(version) is not int:
        raise _Invalid("'format_version' must be a whole number")
    if version > FORMAT_VERSION:
        # Written for a newer app: left out rather than shown half understood.
        raise _Invalid(f"uses format version {version}; this app reads version "
                       f"{FORMAT_VERSION}")
    if version < 1:
        raise _Invalid("'format_version' must be 1 or more")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise _Invalid(f"has unknown field(s): {', '.join(repr(k) for k in unknown)}")
    missing = sorted(_FIELDS - set(data))
    if missing:
        raise _Invalid(f"is missing field(s): {', '.join(repr(k) for k in missing)}")

    module_id = _text(data, "id", 64)
    if not _MODULE_ID.match(module_id):
        raise _Invalid("'id' must be lower-case letters, digits and hyphens")
    if module_id != expected_id:
        raise _Invalid(f"'id' is {module_id!r} but the file is named {expected_id!r}.json")
    language = _text(data, "language", 2)
    if language != expected_language:
        raise _Invalid(f"'language' is {language!r} but the file is in the "
                       f"{expected_language!r} folder")
    updated_text = _text(data, "updated_on", 10)
    try:
        updated_on = date.fromisoformat(updated_text)
    except ValueError:
        raise _Invalid("'updated_on' must be a date like 2026-11-22") from None

    sections = tuple(
        ModuleSection(heading=_text(item, "heading", 120, where=f"sections[{i}]"),
                      paragraphs=_texts(item, "paragraphs", 1200, 1, 12,
                                        where=f"sections[{i}]"))
        for i, item in enumerate(_objects(data, "sections", 1, 12,
                                          fields={"heading", "paragraphs"})))
    practice = _object(data["try_this"], "'try_this'", fields={"title", "steps"})
    sources = tuple(
        Source(publisher=_text(item, "publisher", 80, where=f"sources[{i}]"),
               title=_text(item, "title", 200, where=f"sources[{i}]"),
               url=_url(item, f"sources[{i}]"))
        for i, item in enumerate(_objects(data, "sources", 1, 10,
                                          fields={"publisher", "title", "url"})))
    return Module(
        id=module_id,
        language=language,
        order=_whole(data, "order", 0, 10_000),
        title=_text(data, "title", 80),
        summary=_text(data, "summary", 300),
        reading_minutes=_whole(data, "reading_minutes", 1, 60),
        updated_on=updated_on,
        sections=sections,
        key_points=_texts(data, "key_points", 300, 1, 10),
        try_this=Practice(title=_text(practice, "title", 120, where="try_this"),
                          steps=_texts(practice, "steps", 500, 1, 12, where="try_this")),
        get_help=_text(data, "get_help", 1000),
        sources=sources,
    )


def _label(name: str, where: str) -> str:
    return f"'{where}.{name}'" if where else f"'{name}'"


def _text(data: Mapping[str, Any], name: str, max_length: int, *, where: str = "") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"{_label(name, where)} must be non-empty text")
    if len(value) > max_length:
        raise _Invalid(f"{_label(name, where)} can be at most {max_length} characters")
    if _CONTROL_CHARACTERS.search(value):
        # One paragraph per item: line breaks belong between items, not inside them.
        raise _Invalid(f"{_label(name, where)} holds a line break or control character")
    return value.strip()


def _texts(data: Mapping[str, Any], name: str, max_length: int, min_items: int,
           max_items: int, *, where: str = "") -> tuple[str, ...]:
    values = data.get(name)
    if not isinstance(values, list) or not min_items <= len(values) <= max_items:
        raise _Invalid(f"{_label(name, where)} must be a list of {min_items} to "
                       f"{max_items} texts")
    return tuple(_text({name: value}, name, max_length, where=where) for value in values)


def _objects(data: Mapping[str, Any], name: str, min_items: int, max_items: int, *,
             fields: set[str]) -> list[Mapping[str, Any]]:
    items = data.get(name)
    if not isinstance(items, list) or not min_items <= len(items) <= max_items:
        raise _Invalid(f"'{name}' must be a list of {min_items} to {max_items} items")
    return [_object(item, f"'{name}[{index}]'", fields=fields)
            for index, item in enumerate(items)]


def _object(item: Any, where: str, *, fields: set[str]) -> Mapping[str, Any]:
    if not isinstance(item, dict):
        raise _Invalid(f"{where} must be an object")
    unknown = sorted(set(item) - fields)
    if unknown:
        raise _Invalid(f"{where} has unknown field(s): {', '.join(repr(k) for k in unknown)}")
    return item


def _whole(data: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = data.get(name)
    if type(value) is not int or not low <= value <= high:  # bool is not a number here
        raise _Invalid(f"'{name}' must be a whole number from {low} to {high}")
    return value


def _url(item: Mapping[str, Any], where: str) -> str:
    url = _text(item, "url", 500, where=where)
    if not url.startswith("https://") or " " in url:
        raise _Invalid(f"'{where}.url' must be an https:// address")
    return url
