"""The clinician's view of one participant (issue 12): an enrolment code with its link and
QR code, their devices, check-ins over time, the plans they share, and lapse reviews.
Each read and write is audited; another clinic's staff get 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.enrolment_links import PUBLIC_URL_ENV
from iop_companion.clinic.models import AuditEntry, EnrolmentCode
from iop_companion.sync.protocol import (
    CheckInsResponse,
    ClinicianPlanResponse,
    DevicesResponse,
    EnrolmentCodeResponse,
    LapseReviewsResponse,
)
from iop_companion.sync.protocol.enrolment_link import parse_enrolment_link
from tests.clinic.clinic_testing import FakeClock, Records, bearer, clinician_headers
from tests.clinic.sync_records import PUSH, check_in_payload, record

API = "/api/v1/clinician/participants"


class _Setting:
    def __init__(self, client: TestClient, records: Records) -> None:
        self.client = client
        self.records = records
        self.clinic = records.clinic()
        records.clinician(self.clinic)
        records.clinician(records.clinic("Southside Clinic"), "jo@southside.example")
        self.sam = records.participant(self.clinic, "Sam")
        self.sign_in()

    def sign_in(self) -> None:
        self.morgan = clinician_headers(self.client, "morgan@northside.example")
        self.jo = clinician_headers(self.client, "jo@southside.example")

    def url(self, tail: str, participant_id: Any = None) -> str:
        return f"{API}/{participant_id or self.sam.id}/{tail}"

    def get(self, tail: str, **params: Any) -> Any:
        response = self.client.get(self.url(tail), params=params, headers=self.morgan)
        assert response.status_code == 200, response.text
        return response.json()

    def push(self, token: str, *pushed: dict[str, Any]) -> None:
        response = self.client.post(PUSH, json={"records": list(pushed)}, headers=bearer(token))
        assert response.status_code == 200, response.text
        assert {r["outcome"] for r in response.json()["results"]} == {"stored"}, response.text


@pytest.fixture
def setting(client: TestClient, records: Records) -> _Setting:
    return _Setting(client, records)


@pytest.fixture
def no_public_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    yield


def _audited(sessions: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


# --- Enrolment codes --------------------------------------------------------------------


def test_a_code_comes_with_its_link_and_qr_code_and_enrols_a_phone(
    setting: _Setting, sessions: sessionmaker[Session], clock: FakeClock,
    enrol: Callable[..., str], no_public_url: None
) -> None:
    response = setting.client.post(setting.url("enrolment-codes"), headers=setting.morgan)
    assert response.status_code == 201, response.text
    issued = EnrolmentCodeResponse.model_validate(response.json())
    assert issued.expires_at == clock.now + timedelta(minutes=15)
    # Without IOP_CLINIC_PUBLIC_URL: the address the request came to (a local one here).
    assert issued.link == f"http://localhost/enrol#code={issued.code}"
    assert issued.link_problem is None
    link = parse_enrolment_link(issued.link)
    assert link.clinic_url == "http://localhost"
    assert issued.qr_svg is not None
    svg = ElementTree.fromstring(issued.qr_svg)
    assert svg.tag.endswith("svg") and "QR code" in issued.qr_svg
    with sessions() as session:
        stored = session.scalars(sa.select(EnrolmentCode)).one()
    assert issued.code not in stored.code_hash and stored.participant_id == setting.sam.id
    [entry] = _audited(sessions, "enrolment_code.issue")
    assert (entry.record_type, entry.record_id) == ("participant", str(setting.sam.id))
    assert issued.code not in f"{entry.actor}{entry.record_id}{entry.reason}"
    enrol(issued.code)  # the code works once
    again = setting.client.post("/api/v1/enrolments",
                                json={"code": issued.code, "device_label": "Other"})
    assert again.status_code == 401


def test_the_link_uses_the_configured_public_address(
    setting: _Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PUBLIC_URL_ENV, "https://Clinic.Example.org/iop/")
    issued = setting.client.post(setting.url("enrolment-codes"), headers=setting.morgan).json()
    assert issued["link"] == f"https://clinic.example.org/iop/enrol#code={issued['code']}"
    qr = parse_enrolment_link(issued["link"])
    assert qr.clinic_url == "https://clinic.example.org/iop"


def test_a_plain_http_address_gives_the_code_without_a_link(
    setting: _Setting, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy that ends TLS without forwarding the scheme, the request's own
    address is http://: the app would refuse such a link, so none is made."""
    monkeypatch.setenv(PUBLIC_URL_ENV, "http://clinic.example.org")
    response = setting.client.post(setting.url("enrolment-codes"), headers=setting.morgan)
    assert response.status_code == 201
    issued = EnrolmentCodeResponse.model_validate(response.json())
    assert issued.link is None and issued.qr_svg is None
    assert issued.link_problem is not None and "https://" in issued.link_problem
    assert PUBLIC_URL_ENV in issued.link_problem
    assert len(issued.code) == 9


def test_no_code_for_a_discharged_participant(
    setting: _Setting, sessions: sessionmaker[Session]
) -> None:
    setting.client.post(setting.url("discharge"), json={"discharged_on": "2026-03-04"},
                        headers=setting.morgan)
    response = setting.client.post(setting.url("enrolment-codes"), headers=setting.morgan)
    assert response.status_code == 409
    assert "discharged on 2026-03-04" in response.json()["detail"]
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(EnrolmentCode)) == 0
    assert [e.reason for e in _audited(sessions, "enrolment_code.issue")] == ["discharged"]


# --- Devices -----------------------------------------------------------------------------


def test_devices_show_enrolment_last_seen_and_revocation(
    setting: _Setting, enrol: Callable[..., str], clock: FakeClock,
    sessions: sessionmaker[Session]
) -> None:
    assert setting.get("devices") == {"devices": []}
    old_phone = enrol(setting.records.code(setting.sam), "Old phone")
    first = clock.now
    clock.advance(timedelta(minutes=5))
    new_phone = enrol(setting.records.code(setting.sam), "New phone")
    clock.advance(timedelta(minutes=5))
    setting.push(new_phone, record())
    devices = DevicesResponse.model_validate(setting.get("devices")).devices
    assert [d.label for d in devices] == ["New phone", "Old phone"]
    assert devices[0].last_seen_at == clock.now  # its push
    assert devices[1].last_seen_at == first  # enrolled, never used since
    assert devices[1].enrolled_at == first and devices[1].revoked_at is None
    setting.client.post(setting.url("devices/revoke"), headers=setting.morgan)
    devices = DevicesResponse.model_validate(setting.get("devices")).devices
    assert all(d.revoked_at == clock.now for d in devices)
    assert len(_audited(sessions, "clinician.devices.read")) == 3
    assert old_phone != new_phone


# --- Check-ins ---------------------------------------------------------------------------


def test_check_ins_over_time_as_the_participant_saved_them(
    setting: _Setting, enrol: Callable[..., str], clock: FakeClock,
    sessions: sessionmaker[Session]
) -> None:
    token = enrol(setting.records.code(setting.sam))
    days = [("2026-02-01T10:00:00-06:00", 2), ("2026-03-02T21:30:00-06:00", 5),
            ("2026-03-04T08:00:00-06:00", 7)]
    for stamp, mood in days:
        setting.push(token, record(payload=check_in_payload(
            created_at=stamp, mood=mood, craving=None, used_since_last=mood == 5,
            substance="alcohol" if mood == 5 else None, triggers=["payday"],
            skills_used=["urge surfing"], note="Rough night.\nCalled my sponsor.")))
    found = CheckInsResponse.model_validate(setting.get("check-ins"))
    # The default span: the four weeks up to today in the clinic's zone (4 March).
    assert (found.from_day, found.to_day) == (date(2026, 2, 5), date(2026, 3, 4))
    assert [(c.day, c.mood) for c in found.check_ins] == [(date(2026, 3, 2), 5),
                                                          (date(2026, 3, 4), 7)]
    lapse = found.check_ins[0]
    assert lapse.craving is None and lapse.used_since_last and lapse.substance == "alcohol"
    assert lapse.note == "Rough night.\nCalled my sponsor."  # as stored
    assert (lapse.triggers, lapse.skills_used) == (["payday"], ["urge surfing"])
    assert (lapse.sleep_hours, lapse.sleep_quality, lapse.medications) == (7.5, "fair", "yes")
    whole = CheckInsResponse.model_validate(
        setting.get("check-ins", **{"from": "2026-01-01", "to": "2026-03-02"}))
    assert [c.mood for c in whole.check_ins] == [2, 5]
    one_day = setting.get("check-ins", **{"from": "2026-03-04", "to": "2026-03-04"})
    assert [c["mood"] for c in one_day["check_ins"]] == [7]
    reads = _audited(sessions, "clinician.check_ins.read")
    assert [(r.record_id, r.outcome) for r in reads] == [(str(setting.sam.id), "success")] * 3


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"from": "2026-03-05", "to": "2026-03-01"}, "'from' must be on or before 'to'"),
        ({"from": "2026-03-05"}, "(which is today if left out)"),  # after today
        ({"from": "2025-01-01", "to": "2026-03-01"}, "at most 366 days of check-ins"),
        ({"from": "0001-01-01"}, "'from' must be a date between 2000 and 2099."),
        ({"to": "9999-12-31"}, "'to' must be a date between 2000 and 2099."),
        ({"from": "2024-01-01"}, "at most 366 days"),  # up to today
        ({"from": "yesterday"}, "'from'"),
        ({"since": "2026-03-01"}, "'since' is not a parameter this server accepts"),
    ],
)
def test_bad_spans_are_a_clear_422(setting: _Setting, params: dict[str, str],
                                   detail: str) -> None:
    response = setting.client.get(setting.url("check-ins"), params=params,
                                  headers=setting.morgan)
    assert response.status_code == 422, response.text
    assert detail in response.json()["detail"]


# --- Plans and lapse reviews --------------------------------------------------------------


def test_plans_are_the_newest_version_the_participant_shared(
    setting: _Setting, enrol: Callable[..., str], sessions: sessionmaker[Session]
) -> None:
    assert setting.get("safety-plan") == {"plan": None}
    assert setting.get("relapse-plan") == {"plan": None}
    token = enrol(setting.records.code(setting.sam))
    plan_id = uuid.uuid4()
    first = {"id": str(plan_id), "warning_signs": ["Not sleeping"],
             "most_important": "My kids."}
    setting.push(token, record("safety_plan", record_id=plan_id, payload=first))
    setting.push(token, record("safety_plan", record_id=plan_id, version=2, replaces_version=1,
                               payload={**first, "people_to_ask": ["Ana \u2014 555 0100"]}))
    setting.push(token, record("relapse_plan", payload={"triggers": ["payday", "the bar"]}))
    safety = ClinicianPlanResponse.model_validate(setting.get("safety-plan")).plan
    assert safety is not None and (safety.id, safety.version) == (plan_id, 2)
    assert safety.payload["people_to_ask"] == ["Ana \u2014 555 0100"]
    assert safety.payload["most_important"] == "My kids."
    relapse = ClinicianPlanResponse.model_validate(setting.get("relapse-plan")).plan
    assert relapse is not None and relapse.payload["triggers"] == ["payday", "the bar"]
    assert relapse.author == "participant"
    assert len(_audited(sessions, "clinician.safety_plan.read")) == 2
    assert len(_audited(sessions, "clinician.relapse_plan.read")) == 2


def test_lapse_reviews_newest_day_first(
    setting: _Setting, enrol: Callable[..., str], sessions: sessionmaker[Session]
) -> None:
    token = enrol(setting.records.code(setting.sam))
    review_id = uuid.uuid4()
    setting.push(token, record("lapse_review", payload={
        "happened_on": "2026-02-20", "what_happened": "A wedding."}))
    setting.push(token, record("lapse_review", record_id=review_id, payload={
        "happened_on": "2026-03-01", "what_happened": "Payday."}))
    setting.push(token, record("lapse_review", record_id=review_id, version=2,
                               replaces_version=1, payload={
                                   "happened_on": "2026-03-01", "what_happened": "Payday.",
                                   "do_differently": "Leave my card at home."}))
    reviews = LapseReviewsResponse.model_validate(setting.get("lapse-reviews")).lapse_reviews
    assert [(r.happened_on, r.version) for r in reviews] == [(date(2026, 3, 1), 2),
                                                             (date(2026, 2, 20), 1)]
    assert reviews[0].do_differently == "Leave my card at home."
    assert reviews[1].what_happened == "A wedding." and reviews[1].what_helped == ""
    assert len(_audited(sessions, "clinician.lapse_reviews.read")) == 1


# --- Another clinic ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "tail", "action"),
    [
        ("POST", "enrolment-codes", "enrolment_code.issue"),
        ("GET", "devices", "clinician.devices.read"),
        ("GET", "check-ins", "clinician.check_ins.read"),
        ("GET", "safety-plan", "clinician.safety_plan.read"),
        ("GET", "relapse-plan", "clinician.relapse_plan.read"),
        ("GET", "lapse-reviews", "clinician.lapse_reviews.read"),
    ],
)
def test_another_clinics_staff_see_nothing(
    setting: _Setting, sessions: sessionmaker[Session], method: str, tail: str, action: str
) -> None:
    for participant_id in (setting.sam.id, uuid.uuid4()):
        response = setting.client.request(method, setting.url(tail, participant_id),
                                          headers=setting.jo)
        assert response.status_code == 404, response.text
        assert "Sam" not in response.text
    assert [e.reason for e in _audited(sessions, action)] == ["not_found"] * 2
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(EnrolmentCode)) == 0


def test_a_bad_participant_id_is_a_clear_422(setting: _Setting) -> None:
    response = setting.client.get(f"{API}/not-an-id/check-ins", headers=setting.morgan)
    assert response.status_code == 422
    assert "participant_id': Input should be a valid UUID" in response.json()["detail"]
