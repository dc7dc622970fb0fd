"""My people through the service the screens call: list, add, change, remove; what goes
wrong below (a refused write, a locked phone, someone already removed) arrives as
`SaveFailed`, and nothing about My people is ever queued for the clinic."""

from __future__ import annotations

import pytest

from iop_companion.domain.people import PersonDraft
from iop_companion.services.errors import SaveFailed
from iop_companion.services.people import (
    add_person,
    change_person,
    find_person,
    list_people,
    remove_person,
)
from iop_companion.store import Store, StoreError, Vault, WriteFailed

ANA = PersonDraft(name="Ana", phone="555-123-4567", kind="support", role="sponsor")
LEE = PersonDraft(name="Dr. Lee", phone="(555) 010-4477", kind="professional", role="therapist")


@pytest.fixture
def store(vault: Vault) -> Store:
    created = vault.create("482913")
    # Enrolled: even so, My people never go to the clinic.
    created.settings.set("clinic.enrolment", {"device_token": "t", "display_name": "Alex"})
    return created


class RefusingPeople:
    """The people repository of a phone whose storage is full."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str):
        if name in {"add", "update", "remove", "all", "get"}:
            def refuse(*args, **kwargs):
                raise WriteFailed()
            return refuse
        return getattr(self._inner, name)


def test_add_change_list_and_remove(store: Store) -> None:
    ana = add_person(store, ANA)
    lee = add_person(store, LEE)
    assert [p["name"] for p in list_people(store)] == ["Ana", "Dr. Lee"]
    assert list_people(store, "support") == [ana]
    assert list_people(store, "professional") == [lee]
    changed = change_person(store, ana["id"], PersonDraft(name="Ana M.", phone="555-0101",
                                                          kind="support"))
    assert changed["id"] == ana["id"] and changed["role"] == ""
    assert find_person(store, ana["id"]) == changed
    assert remove_person(store, ana["id"]) is True
    assert remove_person(store, ana["id"]) is False
    assert list_people(store) == [lee]
    assert store.outbox.count_pending() == 0


def test_what_the_form_would_refuse_is_save_failed(store: Store) -> None:
    with pytest.raises(SaveFailed, match="phone"):
        add_person(store, PersonDraft(name="Ana", phone="call me", kind="support"))
    with pytest.raises(SaveFailed, match="name"):
        add_person(store, PersonDraft(name=" ", kind="support"))
    assert list_people(store) == []


def test_changing_someone_already_removed_is_save_failed(store: Store) -> None:
    ana = add_person(store, ANA)
    remove_person(store, ana["id"])
    with pytest.raises(SaveFailed) as caught:
        change_person(store, ana["id"], ANA)
    assert not isinstance(caught.value, StoreError)  # screens never see store types
    assert "not one of my people" in str(caught.value)


def test_a_full_phone_is_save_failed_and_plans_still_show(store: Store) -> None:
    ana = add_person(store, ANA)
    store.people = RefusingPeople(store.people)  # type: ignore[assignment]
    for attempt in (lambda: add_person(store, LEE),
                    lambda: change_person(store, ana["id"], LEE),
                    lambda: remove_person(store, ana["id"])):
        with pytest.raises(SaveFailed, match="storage may be full"):
            attempt()
    # Reading fails quietly: a plan shows without its people rather than not at all.
    assert list_people(store) == []
    assert find_person(store, ana["id"]) is None


def test_a_locked_phone_lists_nobody_and_refuses_changes(store: Store) -> None:
    add_person(store, ANA)
    store.lock()
    assert list_people(store) == [] and list_people(None) == []
    assert find_person(None, "x") is None
    with pytest.raises(SaveFailed, match="locked"):
        add_person(store, LEE)
