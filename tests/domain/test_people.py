"""My people, pure rules: finding a number a person can tap inside a plan line (and not
mistaking dates, times or short numbers for one), and a person as typed in the form."""

from __future__ import annotations

import pytest

from iop_companion.domain.people import (
    NAME_MAX,
    PHONE_MAX,
    ROLE_MAX,
    PersonDraft,
    dial_number,
    draft_from_person,
    find_phone,
    find_phones,
    ordered_people,
    person_dial,
    person_problems,
    person_record,
    phone_in,
)


@pytest.mark.parametrize(("line", "dial", "written"), [
    ("Mom 555-123-4567", "5551234567", "555-123-4567"),
    ("(555) 123 4567", "5551234567", "(555) 123 4567"),
    ("+1 555 123 4567", "+15551234567", "+1 555 123 4567"),
    ("Sponsor: 555.123.4567, any time", "5551234567", "555.123.4567"),
    ("Jo 5551234567", "5551234567", "5551234567"),
    ("Ana 555-0101", "5550101", "555-0101"),
    ("Helpline 1-800-273-8255", "18002738255", "1-800-273-8255"),
    ("Dr. Lee (555) 010-4477 on Mondays", "5550104477", "(555) 010-4477"),
    ("London office +44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
    ("Call at 2 555-123-4567", "5551234567", "555-123-4567"),  # "2" is not part of it
    ("555-123-4567 after 5pm", "5551234567", "555-123-4567"),
    ("Mom: 555 123 4567.", "5551234567", "555 123 4567"),
    ("988", "988", "988"),
    ("Call 988 if it gets bad", "988", "988"),
    ("911", "911", "911"),
    ("211 for food and housing help", "211", "211"),
])
def test_numbers_are_found_in_plan_lines(line: str, dial: str, written: str) -> None:
    assert phone_in(line) == dial
    found = find_phone(line)
    assert found is not None and found.written == written


@pytest.mark.parametrize("line", [
    "Payday",
    "Walk for 5 minutes",
    "30 days sober",
    "Breathe in for 4, hold for 7",
    "Walk 10000 steps",
    "Appointment 2026-11-22",
    "Started 11/22/2026",
    "22.11.2026 group",
    "Sober 2019-2024",
    "Meeting 9:00-17:00",
    "Saved $1,000,000",
    "Pi is 3.14159265",
    "Version 1.2.3",
    "192.168.1.1",
    "Room 12 3 people",
    "123456",          # six digits: too short for a phone, not a crisis line
    "1234567890123456",  # sixteen digits: longer than any phone number
    "9880",            # 988 only when written alone
    "",
])
def test_dates_times_and_short_numbers_are_not_phone_numbers(line: str) -> None:
    assert phone_in(line) is None


def test_every_number_in_a_line_is_found_in_order() -> None:
    found = find_phones("Mom 555-123-4567 or Dad 555-987-6543, and 988")
    assert [phone.dial for phone in found] == ["5551234567", "5559876543", "988"]
    # Two numbers written side by side are two numbers, not one long one.
    assert [p.dial for p in find_phones("555-123-4567 555-987-6543")] == ["5551234567",
                                                                         "5559876543"]


def test_a_long_line_of_numbers_is_quick_and_finds_nothing_wrong() -> None:
    assert find_phones("1 " * 250) == []  # single digits are never a phone number
    assert find_phones("5" * 500) == []  # longer than any phone number


def test_phone_in_tolerates_what_is_not_text() -> None:
    assert phone_in(None) is None  # type: ignore[arg-type]
    assert find_phones(42) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(("typed", "dial"), [
    ("555-123-4567", "5551234567"),
    (" +1 (555) 123-4567 ", "+15551234567"),
    ("555 0101", "5550101"),
    ("988", "988"),
])
def test_a_typed_phone_number_gives_its_dial_string(typed: str, dial: str) -> None:
    assert dial_number(typed) == dial


@pytest.mark.parametrize("typed", ["", "   ", "Mom", "555-123-4567 ext 2", "12",
                                   "2026-11-22", "555-123-4567 555-987-6543",
                                   "5" * (PHONE_MAX + 1)])
def test_what_is_not_one_phone_number_has_no_dial_string(typed: str) -> None:
    assert dial_number(typed) is None


def test_a_person_as_typed_becomes_a_trimmed_record() -> None:
    draft = PersonDraft(name="  Ana  ", phone=" 555-123-4567 ", kind="support", role=" sponsor ")
    assert person_problems(draft) == {}
    assert person_record(draft) == {"name": "Ana", "phone": "555-123-4567", "kind": "support",
                                    "role": "sponsor"}
    # A number is optional: someone to visit is still one of my people.
    assert person_problems(PersonDraft(name="Gran", kind="support")) == {}
    assert person_dial(person_record(PersonDraft(name="Gran"))) is None
    assert person_dial({"phone": "(555) 010-4477"}) == "5550104477"


@pytest.mark.parametrize(("draft", "field", "key"), [
    (PersonDraft(name="   "), "name", "people.error.name_required"),
    (PersonDraft(name="n" * (NAME_MAX + 1)), "name", "people.error.name_long"),
    (PersonDraft(name="Ana\nBo"), "name", "people.error.name_long"),
    (PersonDraft(name="Ana", phone="call me"), "phone", "people.error.phone"),
    (PersonDraft(name="Ana", phone="5" * (PHONE_MAX + 1)), "phone", "people.error.phone_long"),
    (PersonDraft(name="Ana", kind=None), "kind", "people.error.kind"),
    (PersonDraft(name="Ana", kind="friend"), "kind", "people.error.kind"),
    (PersonDraft(name="Ana", role="r" * (ROLE_MAX + 1)), "role", "people.error.role_long"),
])
def test_what_needs_fixing_is_named_by_field(draft: PersonDraft, field: str, key: str) -> None:
    assert person_problems(draft)[field] == key


def test_a_saved_person_fills_the_form_and_a_snapshot_comes_back() -> None:
    person = {"id": "x", "name": "Dr. Lee", "phone": "555-010-4477", "kind": "professional",
              "role": "therapist"}
    draft = draft_from_person(person)
    assert draft == PersonDraft("Dr. Lee", "555-010-4477", "professional", "therapist")
    assert PersonDraft.from_snapshot(draft.snapshot()) == draft
    assert PersonDraft.from_snapshot("not a draft") is None
    assert draft_from_person(None) == PersonDraft()


def test_people_are_listed_by_name_and_by_kind() -> None:
    people = [{"id": "1", "name": "zoe", "kind": "support"},
              {"id": "2", "name": "Dr. Lee", "kind": "professional"},
              {"id": "3", "name": "Ana", "kind": "support"}]
    assert [p["name"] for p in ordered_people(people)] == ["Ana", "Dr. Lee", "zoe"]
    assert [p["name"] for p in ordered_people(people, "support")] == ["Ana", "zoe"]
