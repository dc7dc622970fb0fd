"""Crisis contacts: built from assets/crisis/<region>.json, 988 first, then 911, then clinic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iop_companion.content.crisis import load_region_resources
from iop_companion.domain.crisis import (
    CrisisContact,
    RegionCrisisResources,
    clinic_crisis_contact,
    contact_from_dict,
    crisis_contacts,
    web_link,
)

ROOT = Path(__file__).resolve().parents[2]
CRISIS_DIR = ROOT / "assets" / "crisis"
LOCALES_DIR = ROOT / "assets" / "locales"


@pytest.fixture
def us() -> RegionCrisisResources:
    return load_region_resources(CRISIS_DIR, "us")


# --- loading assets/crisis/us.json -----------------------------------------------------

def test_us_resources_load_988_then_911(us):
    assert us.region == "US"
    assert [c.id for c in us.contacts] == ["lifeline_988", "emergency_911"]


def test_us_988_can_be_called_texted_and_chatted(us):
    lifeline = us.contacts[0]
    assert lifeline == CrisisContact(
        id="lifeline_988", title_key="crisis.988.title", detail_key="crisis.988.detail",
        call="988", text="988", web="https://988lifeline.org/chat",
        web_by_locale={"es": "https://988lineadevida.org"},
    )


def test_us_911_is_call_only(us):
    emergency = us.contacts[1]
    assert (emergency.call, emergency.text, emergency.web) == ("911", None, None)
    assert emergency.title_key == "crisis.911.title"


def test_us_referral_is_samhsa_and_not_a_crisis_contact(us):
    assert us.referral is not None
    assert us.referral.id == "samhsa_helpline"
    assert us.referral.call == "1-800-662-4357"
    assert us.referral.text is None and us.referral.web is None
    assert us.referral.id not in [c.id for c in us.contacts]


def test_region_code_is_case_insensitive():
    assert load_region_resources(CRISIS_DIR, "US") == load_region_resources(CRISIS_DIR, "us")


def test_default_region_is_us():
    assert load_region_resources(CRISIS_DIR).region == "US"


def test_unknown_region_file_raises():
    with pytest.raises(FileNotFoundError):
        load_region_resources(CRISIS_DIR, "zz")


def test_region_without_contacts_is_rejected(tmp_path):
    (tmp_path / "xx.json").write_text(json.dumps({"region": "XX", "contacts": []}),
                                      encoding="utf-8")
    with pytest.raises(ValueError):
        load_region_resources(tmp_path, "xx")


def test_region_without_referral(tmp_path):
    data = {"region": "XX", "contacts": [
        {"id": "help", "title_key": "t", "detail_key": "d", "call": "112"}]}
    (tmp_path / "xx.json").write_text(json.dumps(data), encoding="utf-8")
    loaded = load_region_resources(tmp_path, "xx")
    assert loaded.referral is None
    assert loaded.contacts == (CrisisContact(id="help", title_key="t", detail_key="d",
                                             call="112"),)


@pytest.mark.parametrize("locale", ["en", "es"])
def test_every_crisis_key_is_translated(us, locale):
    strings = json.loads((LOCALES_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    contacts = [*us.contacts, us.referral, clinic_crisis_contact("Clinic", "555")]
    for contact in contacts:
        assert strings.get(contact.title_key), (locale, contact.title_key)
        assert strings.get(contact.detail_key), (locale, contact.detail_key)


# --- contact_from_dict -----------------------------------------------------------------

def test_contact_from_dict_turns_empty_and_missing_values_into_none():
    contact = contact_from_dict({"id": 7, "title_key": "a", "detail_key": "b",
                                 "call": "", "text": None})
    assert contact == CrisisContact(id="7", title_key="a", detail_key="b")
    assert contact.title_values == {}


# --- the clinic's own line -------------------------------------------------------------

@pytest.mark.parametrize("line", [None, ""])
def test_no_clinic_contact_without_a_crisis_line(line):
    assert clinic_crisis_contact("Riverbend IOP", line) is None


def test_clinic_contact_carries_number_and_name():
    contact = clinic_crisis_contact("Riverbend IOP", "+1 (555) 010-4477")
    assert contact == CrisisContact(
        id="clinic_crisis_line", title_key="crisis.clinic.title",
        detail_key="crisis.clinic.detail", call="+1 (555) 010-4477",
        title_values={"clinic": "Riverbend IOP"},
    )


def test_clinic_contact_without_name_has_empty_name():
    contact = clinic_crisis_contact(None, "555-0100")
    assert contact is not None
    assert contact.title_values == {"clinic": ""}


# --- ordering --------------------------------------------------------------------------

def test_crisis_contacts_order_988_911_then_clinic(us):
    clinic = clinic_crisis_contact("Riverbend IOP", "555-0100")
    ordered = crisis_contacts(us, clinic)
    assert [c.id for c in ordered] == ["lifeline_988", "emergency_911", "clinic_crisis_line"]
    assert ordered[0].call == "988"
    assert ordered[1].call == "911"
    assert ordered[2].call == "555-0100"


def test_crisis_contacts_without_clinic(us):
    assert [c.id for c in crisis_contacts(us, None)] == ["lifeline_988", "emergency_911"]
    assert [c.id for c in crisis_contacts(us, clinic_crisis_contact("X", None))] == [
        "lifeline_988", "emergency_911"]


def test_crisis_contacts_leaves_region_untouched(us):
    before = us.contacts
    ordered = crisis_contacts(us, clinic_crisis_contact("X", "555"))
    ordered.clear()
    assert us.contacts == before
    assert len(crisis_contacts(us, None)) == 2


def test_referral_is_never_mixed_into_crisis_contacts(us):
    ids = [c.id for c in crisis_contacts(us, clinic_crisis_contact("X", "555"))]
    assert "samhsa_helpline" not in ids


def test_988_chat_opens_in_the_persons_language(us):
    lifeline = us.contacts[0]
    assert web_link(lifeline, "es") == "https://988lineadevida.org"
    assert web_link(lifeline, "en") == "https://988lifeline.org/chat"
    assert web_link(lifeline, "fr") == "https://988lifeline.org/chat"


def test_a_clinic_line_that_cannot_be_dialled_gives_no_button():
    assert clinic_crisis_contact("Clinic", "call the front desk") is None
    assert clinic_crisis_contact("Clinic", "\u0669\u0668\u0668") is None
    assert clinic_crisis_contact("Clinic", "+1 (555) 010-4477") is not None
