"""The translation layer and the shipped English/Spanish locale files."""

from __future__ import annotations

import json
from pathlib import Path
from string import Formatter

import pytest

from iop_companion.i18n import DEFAULT_LOCALE, Translator, locale_files

ROOT = Path(__file__).resolve().parents[1]
LOCALES_DIR = ROOT / "assets" / "locales"


def load_strict(path: Path) -> dict[str, str]:
    def no_duplicates(pairs):
        keys = [key for key, _ in pairs]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        assert not duplicates, f"{path.name} repeats keys: {duplicates}"
        return dict(pairs)

    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def load_language(code: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in locale_files(LOCALES_DIR, code):
        strings = load_strict(path)
        assert not set(strings) & set(merged), f"{path} repeats keys of another file"
        merged.update(strings)
    return merged


EN = load_language("en")
ES = load_language("es")


def write_locales(folder: Path, **locales: dict) -> Path:
    for code, strings in locales.items():
        (folder / f"{code}.json").write_text(json.dumps(strings), encoding="utf-8")
    return folder


@pytest.fixture
def toy(tmp_path) -> Path:
    return write_locales(
        tmp_path,
        en={"greet": "Hello, {name}", "bye": "Goodbye", "only_en": "English only {n}",
            "blank": "Not blank"},
        xx={"greet": "Hola, {name}", "bye": "Adiós", "blank": ""},
    )


# --- Translator behaviour --------------------------------------------------------------

def test_default_locale_is_english(toy):
    assert DEFAULT_LOCALE == "en"
    translator = Translator(toy)
    assert translator.locale == "en"
    assert translator.t("bye") == "Goodbye"


def test_placeholders_are_filled(toy):
    translator = Translator(toy, "xx")
    assert translator.t("greet", name="Ana") == "Hola, Ana"
    assert translator.t("only_en", n=3) == "English only 3"


def test_missing_key_falls_back_to_english(toy):
    translator = Translator(toy, "xx")
    assert translator.locale == "xx"
    assert translator.t("bye") == "Adiós"
    assert translator.t("only_en", n=1) == "English only 1"


def test_empty_translation_falls_back_to_english(toy):
    assert Translator(toy, "xx").t("blank") == "Not blank"


def test_unknown_key_returns_the_key(toy):
    translator = Translator(toy, "xx")
    assert translator.t("no.such.key") == "no.such.key"
    assert translator.t("no.such.key", name="Ana") == "no.such.key"


@pytest.mark.parametrize("code", ["zz", "", "EN", "es-MX", "../en"])
def test_unknown_locale_falls_back_to_english(toy, code):
    translator = Translator(toy, code)
    assert translator.locale == "en"
    assert translator.t("greet", name="Ana") == "Hello, Ana"


def test_set_locale_switches_and_falls_back(toy):
    translator = Translator(toy, "xx")
    translator.set_locale("en")
    assert translator.t("bye") == "Goodbye"
    translator.set_locale("xx")
    assert translator.t("bye") == "Adiós"
    translator.set_locale("zz")
    assert translator.locale == "en"
    assert translator.t("bye") == "Goodbye"


def test_available_locales_sorted(toy):
    assert Translator(toy).available_locales() == ["en", "xx"]


def test_missing_keys_lists_untranslated(toy):
    assert Translator(toy).missing_keys("xx") == {"only_en"}


@pytest.mark.parametrize("bad", [{"nested": {"a": "b"}}, {"n": 3}, ["a", "b"]])
def test_locale_file_must_be_flat_object_of_strings(tmp_path, bad):
    write_locales(tmp_path, en={"a": "A"}, xx=bad)
    translator = Translator(tmp_path)
    with pytest.raises(ValueError):
        translator.set_locale("xx")


def test_english_file_is_required(tmp_path):
    write_locales(tmp_path, xx={"a": "A"})
    with pytest.raises(FileNotFoundError):
        Translator(tmp_path, "xx")


# --- the shipped locale files ----------------------------------------------------------

def test_shipped_locales_include_english_and_spanish():
    assert {"en", "es"} <= set(Translator(LOCALES_DIR).available_locales())


@pytest.mark.parametrize("strings", [EN, ES], ids=["en", "es"])
def test_shipped_locale_is_flat_object_of_non_empty_strings(strings):
    assert isinstance(strings, dict)
    assert strings
    for key, value in strings.items():
        assert isinstance(value, str), key
        assert value.strip(), key


def test_every_spanish_key_exists_in_english():
    assert set(ES) - set(EN) == set()


def test_spanish_is_complete():
    assert Translator(LOCALES_DIR).missing_keys("es") == set()


@pytest.mark.parametrize("key", sorted(set(EN) & set(ES)))
def test_placeholders_match_between_english_and_spanish(key):
    assert fields(ES[key]) == fields(EN[key])


def test_product_name_is_not_translated():
    assert ES["app.name"] == EN["app.name"] == "IOP Companion"


def test_spanish_translator_formats_real_strings():
    t = Translator(LOCALES_DIR, "es")
    assert t.locale == "es"
    assert t.t("help.call", number="988") == "Llamar al 988"
    assert t.t("date.long", weekday=t.t("weekday.1"), day=10,
               month=t.t("month.3")) == "martes, 10 de marzo"
    assert t.t("crisis.clinic.title", clinic="Riverbend") == "Línea de crisis de Riverbend"


def test_spanish_988_wording_offers_spanish_options():
    detail = ES["crisis.988.detail"]
    assert "988" in detail
    assert "marca 2" in detail
    assert "AYUDA" in detail
    assert "988lineadevida.org" in detail


def test_english_translator_formats_real_strings():
    t = Translator(LOCALES_DIR, "en")
    assert t.t("help.call", number="988") == "Call 988"
    assert t.t("date.long", weekday="Tuesday", month="March", day=10) == "Tuesday, March 10"
    assert t.t("definitely.not.a.key") == "definitely.not.a.key"


def test_feature_files_merge_into_their_language(tmp_path):
    write_locales(tmp_path, en={"a": "A"}, xx={"a": "Ah"})
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "feature.json").write_text(json.dumps({"b": "B"}), encoding="utf-8")
    translator = Translator(tmp_path)
    assert translator.t("b") == "B"
    assert translator.available_locales() == ["en", "xx"]
    assert translator.missing_keys("xx") == {"b"}


def test_a_key_in_two_files_of_a_language_is_refused(tmp_path):
    write_locales(tmp_path, en={"a": "A"})
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "feature.json").write_text(json.dumps({"a": "again"}), encoding="utf-8")
    with pytest.raises(ValueError, match="'a'"):
        Translator(tmp_path)
