"""The participant confirms who joined with their family invite, end to end over a real
clinic in-process: the join reaches their phone through the pull, the answer leaves
through the outbox (also when given offline), and the family member's app says what is
true at each step."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from iop_companion.domain.consents import SharingState
from iop_companion.services.clinic_link import ClinicLink, LinkState
from iop_companion.services.errors import SaveFailed
from iop_companion.services.family_consents import (
    answer_join,
    family_sharing_view,
    sharing_view,
)
from iop_companion.services.family_link import FamilyLink
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol import family_confirmation_id
from tests.services.conftest import FAST_KDF
from tests.sync.sync_testing import ServerClock

PIN = "482913"


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create(PIN)


@pytest.fixture
def family_store(tmp_path: Path) -> Store:
    return Vault(tmp_path / "family", kdf=FAST_KDF).create(PIN)


@pytest.fixture
def link(store: Store, clinic_client: ClinicClient, demo, server_clock: ServerClock) -> ClinicLink:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.enrol(store, demo.enrolment_code).ok
    return link


@pytest.fixture
def family(family_store: Store, clinic_client: ClinicClient, demo,
           server_clock: ServerClock) -> FamilyLink:
    family = FamilyLink(clinic_client, clock=server_clock)
    assert family.join(family_store, demo.family_invite_code, "Sam W.").ok
    return family


def test_the_participant_is_asked_and_yes_starts_sharing(
        store: Store, family_store: Store, link: ClinicLink, family: FamilyLink,
        server_clock: ServerClock) -> None:
    # The family member joined: nothing shared, and their app says whose answer it waits for.
    assert family.awaiting_confirmation(family_store)
    assert family.shared(family_store)["modules"] == []
    assert family.membership(family_store)["participant_first_name"] == "Alex"

    assert link.sync(store).state is LinkState.UP_TO_DATE
    view = family_sharing_view(store, server_clock.now)
    [join] = view.to_confirm
    assert (join.joined_name, join.recipient_name, join.answer) == ("Sam W.", "Sam", None)
    assert view.sharing == []  # not listed as sharing while it waits

    answered = answer_join(store, join.family_member_id, True, server_clock.now)

    assert answered.answer is True
    [queued] = store.outbox.pending()
    assert (queued["kind"], queued["record_id"]) == (
        "family_confirmation", str(family_confirmation_id(join.family_member_id)))
    [waiting] = family_sharing_view(store, server_clock.now).to_confirm
    assert waiting.answer is True  # shown as answered until the clinic applies it
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.pending() == []
    after = family_sharing_view(store, server_clock.now)
    assert after.to_confirm == []
    [active] = after.sharing
    assert (active.recipient_name, active.state) == ("Sam", SharingState.ACTIVE)

    assert family.refresh(family_store)
    assert not family.awaiting_confirmation(family_store)
    assert not family.sharing_ended(family_store)


def test_no_turns_the_person_away_and_their_app_says_it_was_not_confirmed(
        store: Store, family_store: Store, link: ClinicLink, family: FamilyLink,
        server_clock: ServerClock) -> None:
    link.sync(store)
    [join] = family_sharing_view(store, server_clock.now).to_confirm

    answer_join(store, join.family_member_id, False, server_clock.now)
    link.sync(store)

    view = family_sharing_view(store, server_clock.now)
    assert view.to_confirm == [] and view.sharing == []
    [turned_away] = view.turned_away
    assert (turned_away.joined_name, turned_away.recipient_name) == ("Sam W.", "Sam")
    assert not family.refresh(family_store)
    assert family.sharing_ended(family_store) and family.ended_unconfirmed(family_store)
    assert family.shared(family_store)["modules"] == []


def test_an_answer_given_offline_is_sent_later(
        store: Store, family_store: Store, link: ClinicLink, family: FamilyLink,
        clinic_client: ClinicClient, server_clock: ServerClock) -> None:
    link.sync(store)
    [join] = family_sharing_view(store, server_clock.now).to_confirm
    # No clinic reachable right now (nothing listens on port 9).
    offline = ClinicLink(ClinicClient("http://127.0.0.1:9"), clock=server_clock)
    answer_join(store, join.family_member_id, True, server_clock.now)
    assert offline.sync(store).state is LinkState.OFFLINE
    assert len(store.outbox.pending()) == 1
    family.refresh(family_store)
    assert family.awaiting_confirmation(family_store)  # nothing shared meanwhile

    server_clock.advance(timedelta(hours=3))
    assert link.sync(store).state is LinkState.UP_TO_DATE
    assert store.outbox.pending() == []
    assert family.refresh(family_store) and not family.awaiting_confirmation(family_store)


def test_an_answer_is_given_once_and_only_for_someone_waiting(
        store: Store, link: ClinicLink, family: FamilyLink, server_clock: ServerClock) -> None:
    link.sync(store)
    [join] = family_sharing_view(store, server_clock.now).to_confirm
    with pytest.raises(SaveFailed):
        answer_join(store, "00000000-0000-4000-8000-000000000000", True, server_clock.now)
    answer_join(store, join.family_member_id, True, server_clock.now)
    with pytest.raises(SaveFailed):
        answer_join(store, join.family_member_id, False, server_clock.now)
    assert len(store.outbox.pending()) == 1


def test_a_join_that_ended_before_an_answer_is_not_shown(server_clock: ServerClock) -> None:
    now = server_clock.now
    notice = {"id": "c1", "scope": "education", "recipient_name": "Sam", "joined": True,
              "joined_name": "Sam W.", "family_member_id": "m1",
              "confirmation": "awaiting_confirmation", "granted_at": now.isoformat(),
              "expires_at": (now + timedelta(days=1)).isoformat(), "revoked_at": None}
    assert len(sharing_view([notice], {}, now).to_confirm) == 1
    ended = {**notice, "revoked_at": now.isoformat()}
    assert sharing_view([ended], {}, now) == sharing_view([], {}, now)
    # From a clinic that does not ask: joined means sharing, as before.
    older = {k: v for k, v in notice.items()
             if k not in ("confirmation", "joined_name", "family_member_id")}
    [shared] = sharing_view([older], {}, now).sharing
    assert shared.state is SharingState.ACTIVE
