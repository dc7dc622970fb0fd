"""My people in the store (in memory and encrypted: see conftest.py): kept across a
reopen, changed and removed by id, bad input refused with a message that names the
field and never the value, never queued for the clinic, and in the export."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from iop_companion.domain.people import PEOPLE_MAX
from iop_companion.store import Store, ValidationError
from iop_companion.store.export import render_html

ANA = {"name": "Ana", "phone": "555-123-4567", "kind": "support", "role": "sponsor"}
LEE = {"name": "Dr. Lee", "phone": "(555) 010-4477", "kind": "professional",
       "role": "therapist"}


def test_people_round_trip_and_survive_a_reopen(store: Store,
                                                reopen: Callable[[], Store]) -> None:
    assert store.people.all() == []
    ana = store.people.add(ANA)
    lee = store.people.add(LEE)
    assert {**ANA}.items() <= ana.items()
    assert ana["id"] != lee["id"] and ana["schema_version"] == 1
    again = reopen()
    assert again.people.all() == [ana, lee]  # by name
    assert again.people.all("professional") == [lee]
    assert again.people.get(ana["id"]) == ana
    assert again.outbox.count_pending() == 0  # My people stay on the phone


def test_a_person_is_changed_and_removed_by_id(store: Store) -> None:
    ana = store.people.add(ANA)
    changed = store.people.update(ana["id"], {**ana, "phone": "", "role": "friend"})
    assert (changed["id"], changed["created_at"]) == (ana["id"], ana["created_at"])
    assert (changed["phone"], changed["role"]) == ("", "friend")
    assert store.people.get(ana["id"]) == changed
    assert store.people.remove(ana["id"]) is True
    assert store.people.remove(ana["id"]) is False  # already gone: nothing to do
    assert store.people.get(ana["id"]) is None
    with pytest.raises(ValidationError, match="^id: is not one of my people"):
        store.people.update(ana["id"], ANA)


def test_returned_people_are_copies(store: Store) -> None:
    ana = store.people.add(ANA)
    ana["name"] = "changed outside"
    store.people.all()[0]["name"] = "changed too"
    assert store.people.all()[0]["name"] == "Ana"


def test_text_is_trimmed(store: Store) -> None:
    ana = store.people.add({"name": "  Ana ", "phone": " 555-0101 ", "kind": "support"})
    assert (ana["name"], ana["phone"], ana["role"]) == ("Ana", "555-0101", "")


@pytest.mark.parametrize(("bad", "field"), [
    ({"phone": "555-0101", "kind": "support"}, "name"),
    ({**ANA, "name": "   "}, "name"),
    ({**ANA, "name": "n" * 81}, "name"),
    ({**ANA, "name": "Ana\nBo"}, "name"),
    ({**ANA, "name": "bell\x07"}, "name"),
    ({**ANA, "name": 7}, "name"),
    ({**ANA, "phone": "call me maybe"}, "phone"),
    ({**ANA, "phone": "5" * 41}, "phone"),
    ({**ANA, "kind": "friend"}, "kind"),
    ({k: v for k, v in ANA.items() if k != "kind"}, "kind"),
    ({**ANA, "role": "r" * 81}, "role"),
    ({**ANA, "address": "12 Elm St"}, "address"),
])
def test_bad_people_are_refused_with_a_clear_message(store: Store, bad: dict,
                                                     field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        store.people.add(bad)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    for value in bad.values():  # the message names the field and the rule, never the value
        if isinstance(value, str) and len(value) > 3:
            assert value not in str(caught.value)
    assert store.people.all() == []


def test_ids_must_be_uuids_and_kinds_known(store: Store) -> None:
    with pytest.raises(ValidationError):
        store.people.get("not-a-uuid")
    with pytest.raises(ValidationError):
        store.people.remove("../settings")
    with pytest.raises(ValidationError):
        store.people.all("friend")
    with pytest.raises(ValidationError):
        store.people.add("Ana")  # type: ignore[arg-type]


def test_the_list_is_bounded(store: Store) -> None:
    for number in range(PEOPLE_MAX):
        store.people.add({"name": f"Person {number}", "kind": "support"})
    with pytest.raises(ValidationError, match="at most"):
        store.people.add(ANA)
    assert len(store.people.all()) == PEOPLE_MAX


def test_people_are_in_the_export(store: Store) -> None:
    store.people.add(ANA)
    store.people.add({**LEE, "name": "Dr. <b>Lee</b>"})
    export = store.export_json()
    assert [p["name"] for p in export["people"]] == ["Ana", "Dr. <b>Lee</b>"]
    page = render_html(export)
    assert "<h2>My people</h2>" in page and "555-123-4567" in page
    assert "Dr. &lt;b&gt;Lee&lt;/b&gt;" in page and "<b>Lee</b>" not in page
