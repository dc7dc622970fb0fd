"""The diary card's setup in the staff portal (SQLite and PostgreSQL): the clinic settings
page's "Diary card emotions" (ticked in the order the card shows them; the 1-12 rule
explained beside the boxes when broken, with what was ticked kept; back to the app's
default set), and a participant's page's "Diary card targets" (up to 8 lines; a refused
line named beside it with every line kept), each through the API's own route functions
(same audit rows), with CSRF; and the diary cards table naming the targets rated."""

from __future__ import annotations

import re
import uuid
import warnings
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from iop_companion.clinic.models import Clinic as ClinicRow
from tests.clinic.clinic_testing import Records
from tests.clinic.sync_records import record
from tests.clinic.test_portal import JO, Clinic, audited, csrf_of, push
from tests.domain.test_coping_logs import card

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

SETTINGS = "/portal/settings"
EMOTIONS = "/portal/settings/diary-emotions"
ENVELOPE = {"created_at": "2026-03-04T14:50:00.000000+00:00",
            "updated_at": "2026-03-04T14:50:00.000000+00:00", "schema_version": 1}


@pytest.fixture
def clinic(app: FastAPI, records: Records) -> Clinic:
    return Clinic(app, records)


def saved_emotions(sessions: sessionmaker[Session], clinic: Clinic) -> list[str] | None:
    with sessions() as session:
        return session.get_one(ClinicRow, clinic.north.id).diary_emotions


def ticked(page: str) -> list[str]:
    """The emotions ticked on the page, in the page's order."""
    return re.findall(r'<input type="checkbox" name="emotion" value="([a-z]+)" checked>', page)


def listed(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="emotion" value="([a-z]+)"', page)


def targets_url(clinic: Clinic, participant: Any = None) -> str:
    return f"/portal/participants/{(participant or clinic.sam).id}/diary-targets"


def lines(*typed: str) -> list[str]:
    return [*typed, *[""] * (8 - len(typed))]


def line_field(page: str, number: int) -> str:
    found = re.search(rf'<input id="target-{number}"[^>]*>', page)
    assert found, page
    return found.group(0)


# ------------------------------------------------------------------------- emotions


def test_the_clinic_ticks_its_emotions_in_order_and_can_go_back_to_the_default(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    page = morgan.get(SETTINGS).text
    assert "Diary card emotions" in page
    assert ticked(page) == ["sadness", "anger", "fear", "shame", "joy"]  # the app's default
    assert len(listed(page)) == 15
    assert "On the card now: Sadness, Anger, Fear, Shame, Joy (the app&#39;s default set)." \
        in page
    assert "Use the app&#39;s default set instead" not in page  # it is the default already

    token = csrf_of(page)
    saved = morgan.post(EMOTIONS, follow_redirects=False, data={
        "csrf_token": token, "emotion": ["anxiety", "sadness", "hope"]})
    assert saved.status_code == 303
    assert saved.headers["location"] == "/portal/settings?done=diary#diary"
    assert saved_emotions(sessions, clinic) == ["anxiety", "sadness", "hope"]
    page = morgan.get(saved.headers["location"]).text
    assert "Diary card emotions saved." in page
    assert ticked(page) == ["anxiety", "sadness", "hope"]
    assert listed(page)[:4] == ["anxiety", "sadness", "hope", "anger"]  # then the rest
    assert "On the card now: Anxiety, Sadness, Hope (the clinic&#39;s choice)." in page
    [entry] = audited(sessions, "clinic.diary_emotions.change")
    assert entry.actor == f"staff:{clinic.morgan.id}"

    # A box ticked later goes after those already chosen (the order the page sends them).
    morgan.post(EMOTIONS, data={"csrf_token": token,
                                "emotion": ["anxiety", "sadness", "hope", "anger"]})
    assert saved_emotions(sessions, clinic) == ["anxiety", "sadness", "hope", "anger"]

    back = morgan.post(EMOTIONS, follow_redirects=False,
                       data={"csrf_token": token, "use_default": "yes"})
    assert back.status_code == 303
    assert saved_emotions(sessions, clinic) is None
    assert len(audited(sessions, "clinic.diary_emotions.change")) == 3


@pytest.mark.parametrize(("chosen", "said"), [
    ([], "you chose none"),
    (["sadness", "anger", "fear", "shame", "joy", "guilt", "anxiety", "loneliness", "hope",
      "pride", "love", "disgust", "boredom"], "you chose 13"),
])
def test_too_few_or_too_many_emotions_are_explained_and_the_ticks_kept(
        clinic: Clinic, sessions: sessionmaker[Session], chosen: list[str], said: str) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(SETTINGS).text)
    refused = morgan.post(EMOTIONS, data={"csrf_token": token, "emotion": chosen})
    assert refused.status_code == 422
    text = refused.text
    assert re.search(rf'id="diary-emotions-error">Choose from 1 to 12 emotions; {said}\.</p>',
                     text), text
    assert "Nothing was saved." in text
    assert '<li><a href="#diary-emotions">Emotions on the diary card</a></li>' in text
    assert ticked(text) == chosen  # what was ticked stays ticked
    assert saved_emotions(sessions, clinic) is None


def test_an_emotion_the_app_cannot_name_is_ignored(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(SETTINGS).text)
    morgan.post(EMOTIONS, data={"csrf_token": token, "emotion": ["joy", "<b>smug</b>", "joy"]})
    assert saved_emotions(sessions, clinic) == ["joy"]


def test_the_emotions_form_needs_the_sessions_csrf_token(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    others_token = csrf_of(clinic.signed_in(JO).get("/portal/alerts").text)
    for token in (None, others_token, "0" * 64):
        for data in ({"emotion": ["joy"]}, {"use_default": "yes"}):
            body = data if token is None else {**data, "csrf_token": token}
            assert morgan.post(EMOTIONS, data=body).status_code == 403
    assert saved_emotions(sessions, clinic) is None


# -------------------------------------------------------------------------- targets


def test_a_clinician_sets_a_participants_targets_on_their_page(
        clinic: Clinic, sessions: sessionmaker[Session], client: TestClient) -> None:
    morgan = clinic.signed_in()
    page = morgan.get(f"/portal/participants/{clinic.sam.id}").text
    assert "Diary card targets" in page
    assert all('value=""' in line_field(page, n) for n in range(1, 9))
    saved = morgan.post(targets_url(clinic), follow_redirects=False, data={
        "csrf_token": csrf_of(page),
        "target": lines("Skipped a meal", "", "  Isolated myself ")})
    assert saved.status_code == 303
    assert saved.headers["location"] == (f"/portal/participants/{clinic.sam.id}"
                                         "?done=targets_saved#diary-targets")
    page = morgan.get(saved.headers["location"]).text
    assert "Diary card targets saved." in page
    assert 'value="Skipped a meal"' in line_field(page, 1)
    assert 'value="Isolated myself"' in line_field(page, 2)  # empty lines closed up
    assert len(audited(sessions, "clinician.diary_targets.write")) == 1

    # What the API reads is what the page saved.
    api = client.get(f"/api/v1/clinician/participants/{clinic.sam.id}/diary-targets",
                     headers={"Authorization": f"Bearer {morgan.cookies['iop_portal_session']}"})
    assert [t["label"] for t in api.json()["targets"]] == ["Skipped a meal", "Isolated myself"]


@pytest.mark.parametrize(("typed", "bad_line", "said"), [
    (lines("Skipped a meal", "x" * 61), 2, "Type 1 to 60 characters on one line"),
    (lines("Skipped a meal", "", "skipped  a MEAL"), 3, "already on an earlier line"),
    (lines("Bad \u202e text"), 1, "Type 1 to 60 characters on one line"),
])
def test_a_refused_line_is_named_beside_it_and_every_line_kept(
        clinic: Clinic, sessions: sessionmaker[Session], typed: list[str], bad_line: int,
        said: str) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(f"/portal/participants/{clinic.sam.id}").text)
    morgan.post(targets_url(clinic), data={"csrf_token": token,
                                           "target": lines("Argued with someone")})
    refused = morgan.post(targets_url(clinic), data={"csrf_token": token, "target": typed})
    assert refused.status_code == 422
    text = refused.text
    assert "Diary card targets not saved." in text
    assert f'<li><a href="#target-{bad_line}">Target {bad_line}: ' in text
    bad = line_field(text, bad_line)
    assert 'aria-invalid="true"' in bad
    assert re.search(rf'id="target-{bad_line}-error">[^<]*{re.escape(said)}', text), text
    assert 'value="Skipped a meal"' in line_field(text, 1) or bad_line == 1  # kept as typed
    # Nothing changed: the page's API read still has the earlier list.
    page = morgan.get(f"/portal/participants/{clinic.sam.id}").text
    assert 'value="Argued with someone"' in line_field(page, 1)
    assert len(audited(sessions, "clinician.diary_targets.write")) == 1


def test_another_clinics_participant_and_a_missing_token_get_nothing(
        clinic: Clinic, sessions: sessionmaker[Session]) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(f"/portal/participants/{clinic.sam.id}").text)
    for participant_id in (clinic.kim.id, uuid.uuid4()):
        response = morgan.post(f"/portal/participants/{participant_id}/diary-targets",
                               data={"csrf_token": token, "target": lines("Mine now")})
        assert response.status_code == 404
    others_token = csrf_of(clinic.signed_in(JO).get("/portal/alerts").text)
    for bad in (None, others_token):
        body = {"target": lines("Skipped a meal")}
        if bad is not None:
            body["csrf_token"] = bad  # type: ignore[assignment]
        assert morgan.post(targets_url(clinic), data=body).status_code == 403
    assert audited(sessions, "clinician.diary_targets.write")[0].outcome.value == "failure"
    assert all(entry.outcome.value == "failure"
               for entry in audited(sessions, "clinician.diary_targets.write"))


def test_the_diary_cards_table_names_the_targets_rated(
        clinic: Clinic, client: TestClient) -> None:
    morgan = clinic.signed_in()
    token = csrf_of(morgan.get(f"/portal/participants/{clinic.sam.id}").text)
    morgan.post(targets_url(clinic), data={"csrf_token": token,
                                           "target": lines("Skipped a meal", "Isolated myself")})
    api = client.get(f"/api/v1/clinician/participants/{clinic.sam.id}/diary-targets",
                     headers={"Authorization": f"Bearer {morgan.cookies['iop_portal_session']}"})
    [meal, alone] = [t["id"] for t in api.json()["targets"]]
    record_id = uuid.uuid4()
    push(client, clinic.phone(client, clinic.sam), record(
        "diary_card", record_id=record_id, payload={"id": str(record_id), **ENVELOPE, **card(
            targets={meal: {"rating": 4, "acted_on": True},
                     alone: {"rating": None, "acted_on": False}})}))
    # Taken off the list afterwards: the card still names it.
    morgan.post(targets_url(clinic), data={"csrf_token": token,
                                           "target": lines("Isolated myself")})
    page = morgan.get(f"/portal/participants/{clinic.sam.id}").text
    assert '<th scope="col">Targets (0-5)</th>' in page
    assert "Skipped a meal 4, did it<br>" in page
    assert "Isolated myself<br>" not in page  # not rated: not listed
