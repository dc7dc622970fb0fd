"""Enrolment and the schedule refresh, against the real clinic server and a real store."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from iop_companion.clinic.demo import DemoCredentials
from iop_companion.services.clinic_link import CLINIC_URL_KEY, ClinicLink, LinkState
from iop_companion.services.family_link import FamilyLink
from iop_companion.store import Store, Vault
from iop_companion.sync.clinic_client import ClinicClient
from iop_companion.sync.protocol.enrolment_link import LinkKind, enrolment_link, invite_link
from tests.sync.sync_testing import ServerClock


@pytest.fixture
def store(vault: Vault) -> Store:
    return vault.create("482913")


def test_enrol_keeps_token_profile_and_schedule(store: Store, clinic_client: ClinicClient,
                                                demo: DemoCredentials,
                                                server_clock: ServerClock) -> None:
    link = ClinicLink(clinic_client, clock=server_clock)
    assert link.status(store).state is LinkState.NOT_ENROLLED
    outcome = link.enrol(store, demo.enrolment_code.lower().replace("-", " "))
    assert outcome.ok, outcome
    assert link.enrolment(store)["display_name"] == "Alex"
    assert link.profile(store)["name"] == demo.clinic_name
    now = server_clock.now
    sessions = store.schedule.list_between(now - timedelta(days=2), now + timedelta(days=60))
    assert sessions and {s["kind"] for s in sessions} >= {"group", "individual"}
    assert link.status(store).state is LinkState.UP_TO_DATE


def test_a_used_or_wrong_code_is_refused_clearly(store: Store, clinic_client: ClinicClient,
                                                 demo: DemoCredentials) -> None:
    link = ClinicLink(clinic_client)
    assert link.enrol(store, "").message_key == "connect.error.empty"
    assert link.enrol(store, "ZZZZ-ZZZZ").message_key == "connect.error.invalid"
    assert link.enrol(store, demo.enrolment_code).ok
    assert link.enrol(store, demo.enrolment_code).message_key == "connect.error.invalid"


def test_offline_refresh_keeps_the_saved_schedule(store: Store, clinic_client: ClinicClient,
                                                  demo: DemoCredentials) -> None:
    ClinicLink(clinic_client).enrol(store, demo.enrolment_code)
    saved = store.schedule.all()
    # The same phone, now with the clinic unreachable (nothing listens on port 9).
    offline = ClinicLink(ClinicClient("http://127.0.0.1:9", timeout=1))
    status = offline.refresh(store)
    assert status.state is LinkState.OFFLINE
    assert status.last_refresh is not None
    assert store.schedule.all() == saved
    # Back online: the problem clears.
    assert ClinicLink(clinic_client).refresh(store).state is LinkState.UP_TO_DATE


def test_enrol_while_offline_says_so(store: Store) -> None:
    offline = ClinicLink(ClinicClient("http://127.0.0.1:9", timeout=1))
    assert offline.enrol(store, "ABCD-2345").message_key == "connect.error.unreachable"
    assert offline.status(store).state is LinkState.NOT_ENROLLED


def test_no_clinic_configured(store: Store) -> None:
    link = ClinicLink(None)
    assert link.enrol(store, "ABCD-2345").message_key == "connect.error.no_clinic"
    assert link.refresh(store).state is LinkState.NOT_ENROLLED


# ------------------------------------------------- connecting to a clinic the app did not know

CLINIC = "https://clinic.example.org"  # TestClient answers for any host: the in-process clinic


def unaddressed(clinic_client: ClinicClient) -> ClinicClient:
    """The client of an app started with no clinic (same in-process server behind it)."""
    client = clinic_client.for_address(CLINIC)
    client.use_address(None)
    return client


def test_an_enrolment_link_connects_and_the_address_is_kept(
        store: Store, clinic_client: ClinicClient, demo: DemoCredentials) -> None:
    client = unaddressed(clinic_client)
    link = ClinicLink(client)
    assert link.clinic_url(store) is None
    outcome = link.enrol_with_link(store, f"  {enrolment_link(CLINIC, demo.enrolment_code)} ")
    assert outcome.ok, outcome
    assert link.enrolment(store)["display_name"] == "Alex"
    assert store.settings.get(CLINIC_URL_KEY) == CLINIC
    assert link.clinic_url(store) == CLINIC

    # The next start, again without a clinic given: the kept address is used.
    later = ClinicLink(unaddressed(clinic_client))
    assert later.clinic_url(store) == CLINIC
    assert later.refresh(store).state is LinkState.UP_TO_DATE


def test_the_address_and_code_typed_by_hand_connect_too(
        store: Store, clinic_client: ClinicClient, demo: DemoCredentials) -> None:
    link = ClinicLink(unaddressed(clinic_client))
    assert link.enrol_at(store, "https://Clinic.Example.org/", demo.enrolment_code).ok
    assert store.settings.get(CLINIC_URL_KEY) == CLINIC


def test_a_refused_code_keeps_no_address(store: Store, clinic_client: ClinicClient,
                                         demo: DemoCredentials) -> None:
    client = unaddressed(clinic_client)
    link = ClinicLink(client)
    refused = link.enrol_with_link(store, enrolment_link(CLINIC, "ZZZZ-ZZZZ"))
    assert refused.message_key == "connect.error.invalid"
    assert client.base_url is None
    assert store.settings.get(CLINIC_URL_KEY) is None
    assert link.clinic_url(store) is None


@pytest.mark.parametrize(("text", "key"), [
    ("", "connect.link.empty"),
    ("ABCD-2345", "connect.link.code_only"),
    ("https://clinic.example.org/", "connect.link.not_a_link"),
    ("https://clinic.example.org/join#code=ABCD-2345", "connect.link.wrong_kind"),
    ("https://clinic.example.org/enrol", "connect.link.no_code"),
    ("https://clinic.example.org/enrol#code=ABCD-23", "connect.link.bad_code"),
    ("http://clinic.example.org/enrol#code=ABCD-2345", "connect.address.not_https"),
    ("https://clinic.example.org/" + "x" * 3000 + "/enrol#code=ABCD-2345",
     "connect.link.too_long"),
])
def test_a_bad_link_says_what_is_wrong_and_asks_nobody(store: Store, text: str,
                                                       key: str) -> None:
    # Nothing listens on port 9: a link that got as far as the network would say so.
    link = ClinicLink(ClinicClient(None, timeout=1))
    assert link.enrol_with_link(store, text).message_key == key


@pytest.mark.parametrize(("address", "key"), [
    ("clinic.example.org", "connect.address.not_an_address"),
    ("http://clinic.example.org", "connect.address.not_https"),
    ("https://clinic.example.org/?site=1", "connect.address.extra_parts"),
])
def test_a_bad_address_says_what_is_wrong(store: Store, address: str, key: str) -> None:
    link = ClinicLink(ClinicClient(None, timeout=1))
    assert link.enrol_at(store, address, "ABCD-2345").message_key == key


def test_an_address_nobody_answers_at(store: Store) -> None:
    link = ClinicLink(ClinicClient(None, timeout=1))
    outcome = link.enrol_at(store, "http://127.0.0.1:9", "ABCD-2345")
    assert outcome.message_key == "connect.error.address_unreachable"
    assert link.clinic_url(store) is None


def test_an_address_that_is_not_a_clinic(store: Store) -> None:
    def web_site(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, html="<h1>Welcome to our web site</h1>")

    http = httpx.Client(transport=httpx.MockTransport(web_site))
    link = ClinicLink(ClinicClient(None, http=http))
    outcome = link.enrol_with_link(store, "https://www.example.org/enrol#code=ABCD-2345")
    assert outcome.message_key == "connect.error.not_a_clinic"
    assert store.settings.get(CLINIC_URL_KEY) is None


def test_a_clinic_in_trouble_is_not_called_not_a_clinic(store: Store) -> None:
    http = httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(503, json={"detail": "The clinic database is down."})))
    link = ClinicLink(ClinicClient(None, http=http))
    outcome = link.enrol_at(store, "https://clinic.example.org", "ABCD-2345")
    assert outcome.message_key == "connect.error.other"


def test_a_known_clinic_takes_its_own_link_and_refuses_another_clinics(
        store: Store, clinic_client: ClinicClient, demo: DemoCredentials) -> None:
    link = ClinicLink(clinic_client)  # started with --clinic-url http://localhost
    other = link.enrol_with_link(store, enrolment_link(CLINIC, demo.enrolment_code))
    assert other.message_key == "connect.error.other_clinic"
    assert link.enrolment(store) is None
    assert link.enrol_with_link(store, enrolment_link("http://localhost/",
                                                      demo.enrolment_code)).ok
    assert store.settings.get(CLINIC_URL_KEY) == "http://localhost"


def test_the_address_given_at_start_wins_over_the_kept_one(
        store: Store, clinic_client: ClinicClient, demo: DemoCredentials) -> None:
    store.settings.set(CLINIC_URL_KEY, "https://old-clinic.example.org")
    link = ClinicLink(clinic_client)
    assert link.clinic_url(store) == "http://localhost"
    assert link.enrol(store, demo.enrolment_code).ok
    assert store.settings.get(CLINIC_URL_KEY) == "http://localhost"


def test_an_enrolment_whose_clinic_is_known_nowhere_asks_to_connect_again(
        store: Store, clinic_client: ClinicClient, demo: DemoCredentials) -> None:
    # Enrolled by a version that ran the demo clinic by default and kept no address.
    assert ClinicLink(clinic_client).enrol(store, demo.enrolment_code).ok
    store.settings.delete(CLINIC_URL_KEY)
    link = ClinicLink(ClinicClient(None))
    assert link.sync(store).state is LinkState.NOT_AUTHORISED


def test_a_family_member_joins_with_an_invite_link_and_the_address_is_kept(
        store: Store, clinic_client: ClinicClient, demo: DemoCredentials) -> None:
    client = unaddressed(clinic_client)
    clinic, family = ClinicLink(client), FamilyLink(client)
    wrong_kind = clinic.connect_with_link(
        store, enrolment_link(CLINIC, demo.enrolment_code), LinkKind.INVITE,
        lambda code: family.join(store, code, "Sam"))
    assert wrong_kind.message_key == "family.link.wrong_kind"
    outcome = clinic.connect_with_link(
        store, invite_link(CLINIC, demo.family_invite_code), LinkKind.INVITE,
        lambda code: family.join(store, code, "Sam"))
    assert outcome.ok, outcome
    assert family.membership(store)["participant_first_name"] == "Alex"
    assert store.settings.get(CLINIC_URL_KEY) == CLINIC

    # Later starts: the session's client learns the kept address, then refreshes.
    later = unaddressed(clinic_client)
    ClinicLink(later).use_kept_clinic(store)
    assert later.base_url == CLINIC
    assert FamilyLink(later).refresh(store)
