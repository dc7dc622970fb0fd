"""The translation layer: every string a person sees goes through `Translator.t`.

A language is a flat JSON object in `assets/locales/<code>.json`, plus any number of
feature files `assets/locales/<code>/<feature>.json` merged into it (so features add
their strings without all editing one file); a key defined in two of a language's
files is an error. A key missing from the chosen locale falls back to English, so a
partly translated language still shows a complete, readable app.

Keys under `ENGLISH_ONLY_PREFIX` are the published text of validated questionnaires
(domain/measures.py): they are resolved in English whatever the language, because a
scale is valid only as published and the app holds no published translation. Other
locale files leave them out, and they are never counted as missing.
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_LOCALE = "en"
ENGLISH_ONLY_PREFIX = "instrument."


def locale_files(locales_dir: Path, code: str) -> list[Path]:
    """The files that make up language `code`: its main file, then its feature files."""
    return [locales_dir / f"{code}.json", *sorted((locales_dir / code).glob("*.json"))]


def load_locale_file(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"Locale file {path.name} must be a flat object of strings.")
    return data


def load_locale(locales_dir: Path, code: str) -> dict[str, str]:
    """Every string of language `code`, merged from its files."""
    merged: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in locale_files(locales_dir, code):
        for key, text in load_locale_file(path).items():
            if key in merged:
                raise ValueError(f"Locale key {key!r} is in both {origin[key]} and {path}.")
            merged[key] = text
            origin[key] = path
    return merged


class Translator:
    def __init__(self, locales_dir: Path, locale: str = DEFAULT_LOCALE) -> None:
        self._locales_dir = locales_dir
        self._fallback = self._load(DEFAULT_LOCALE)
        self._strings: dict[str, str] = {}
        self.locale = DEFAULT_LOCALE
        self.set_locale(locale)

    def _load(self, code: str) -> dict[str, str]:
        return load_locale(self._locales_dir, code)

    def available_locales(self) -> list[str]:
        return sorted(p.stem for p in self._locales_dir.glob("*.json"))

    def set_locale(self, code: str) -> None:
        if code not in self.available_locales():
            code = DEFAULT_LOCALE
        self.locale = code
        self._strings = self._fallback if code == DEFAULT_LOCALE else self._load(code)

    def t(self, key: str, **values: object) -> str:
        """The text for `key` in the current language, with `{name}` fields filled."""
        strings = self._fallback if key.startswith(ENGLISH_ONLY_PREFIX) else self._strings
        template = strings.get(key) or self._fallback.get(key)
        if template is None:
            # A missing key is a bug; show the key rather than crash a crisis screen.
            return key
        return template.format(**values) if values else template

    def missing_keys(self, code: str) -> set[str]:
        """Keys English has that `code` lacks (used by tests to track translation).
        Instrument text is never missing: it is shown in English in every language."""
        return {key for key in set(self._fallback) - set(self._load(code))
                if not key.startswith(ENGLISH_ONLY_PREFIX)}
