"""Schemathesis against the server's own OpenAPI document: for every route, data that fits
the schema and data that does not, sent anonymously and with a real token of the role
the route is for. Whatever arrives, the answer is never a 5xx, and every refusal carries
a `detail` written for people (security: bad input gets a clear 4xx). A second pass
puts extreme times (near year 1 and 9999, with and without a zone) into every date and
date-time field: 4xx, never 5xx."""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi import unregister_string_format

from iop_companion.clinic.api import create_app
from iop_companion.clinic.demo import seed_demo
from iop_companion.clinic.models import Participant, ScheduledSessionRecord

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

EXAMPLES_PER_ROUTE = 25
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


class FixedClock:
    def __call__(self) -> datetime:
        return NOW


@pytest.fixture
def fuzzed_app(tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(f"sqlite:///{tmp_path / 'clinic.sqlite3'}", clock=FixedClock())
    yield app
    app.state.clinic.engine.dispose()


@pytest.fixture
def role_tokens(fuzzed_app: FastAPI) -> dict[str, str]:
    """A real bearer token for each role, so fuzzing reaches past the auth checks."""
    with fuzzed_app.state.clinic.sessions.begin() as session:
        demo = seed_demo(session, NOW)
    with TestClient(fuzzed_app, base_url="http://localhost") as http:
        device = http.post("/api/v1/enrolments",
                           json={"code": demo.enrolment_code, "device_label": "fuzz"})
        family = http.post("/api/v1/family/join",
                           json={"code": demo.family_invite_code, "display_name": "Sam"})
        staff = http.post("/api/v1/clinician/sessions",
                          json={"email": demo.clinician_email,
                                "password": demo.clinician_password})
    assert device.status_code == 201, device.text
    assert staff.status_code == 201, staff.text
    tokens = {"participant": device.json()["access_token"],
              "clinician": staff.json()["access_token"]}
    assert family.status_code == 201, family.text
    tokens["family"] = family.json()["family_token"]
    return tokens


def _role_for(path: str) -> str | None:
    for prefix, role in (("/api/v1/participant", "participant"), ("/api/v1/device", None),
                         ("/api/v1/family/join", None), ("/api/v1/family", "family"),
                         ("/api/v1/clinician", "clinician")):
        if path.startswith(prefix):
            return role
    return None


def _check(case: schemathesis.Case, role_tokens: dict[str, str]) -> int:
    role = _role_for(case.path)
    headers = {}
    if role is not None:
        headers["Authorization"] = f"Bearer {role_tokens[role]}"
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("detail"), str) and body["detail"], response.text[:300]
    return response.status_code


def test_no_input_makes_the_server_fail(fuzzed_app: FastAPI,
                                        role_tokens: dict[str, str]) -> None:
    # Schemathesis's pytest plugin does not run on this pytest; its strategies do.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzzed_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15  # the whole API, not a corner of it
    answers: list[int] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
                      derandomize=True, suppress_health_check=list(HealthCheck))
            def fuzz(case: schemathesis.Case) -> None:
                answers.append(_check(case, role_tokens))

            try:
                fuzz()
            except Unsatisfiable:
                # A route with no inputs (GET /health) has nothing to get wrong.
                assert mode is GenerationMode.NEGATIVE, operation.label
    # Real traffic went through, accepted and refused alike.
    assert len(answers) >= 10 * len(operations)
    assert any(code < 300 for code in answers) and any(400 <= code < 500 for code in answers)


# --- Extreme times ---------------------------------------------------------------------

EXTREME_EXAMPLES_PER_ROUTE = 40
# Offsets that push a time near year 1 below it, or near 9999 above it, once in UTC.
_OFFSETS = ["Z", "+00:00", "+14:00", "-12:00", "+05:30", "-05:00", "+23:59", "-23:59"]
_EXTREME_YEARS = [1, 2, 9998, 9999]


def _extreme_dates() -> st.SearchStrategy[date]:
    return st.builds(date, st.sampled_from(_EXTREME_YEARS), st.integers(1, 12),
                     st.integers(1, 28)) | st.sampled_from([date.min, date.max])


@st.composite
def _extreme_date_times(draw: st.DrawFn) -> str:
    """An RFC 3339-shaped date-time near year 1 or 9999: with a zone, or (not valid
    RFC 3339, which is the point) without one."""
    day = draw(_extreme_dates())
    moment = draw(st.sampled_from([time(0, 0), time(0, 30), time(12, 0), time(23, 59, 59),
                                   time(23, 59, 59, 999999)]) | st.times())
    zone = draw(st.sampled_from([*_OFFSETS, "", ""]))
    return f"{day.isoformat()}T{moment.isoformat()}{zone}"


def _date_fields(node: Any, components: dict[str, Any], seen: frozenset[str] = frozenset()
                 ) -> bool:
    """Whether a schema (following $refs) has a date or date-time field anywhere."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.rsplit("/", 1)[-1]
            return name not in seen and _date_fields(components[name], components,
                                                     seen | {name})
        if node.get("format") in ("date", "date-time"):
            return True
        return any(_date_fields(value, components, seen) for value in node.values())
    if isinstance(node, list):
        return any(_date_fields(value, components, seen) for value in node)
    return False


def _operations_taking_times(document: dict[str, Any]) -> set[tuple[str, str]]:
    components = document["components"]["schemas"]
    return {(method.upper(), path)
            for path, methods in document["paths"].items()
            for method, operation in methods.items()
            if _date_fields([operation.get("parameters", []),
                             operation.get("requestBody", {})], components)}


def _holds_extreme_time(value: Any) -> bool:
    text = json.dumps(value, default=str)
    return any(f'"{year:04d}-' in text or f"={year:04d}-" in text
               for year in _EXTREME_YEARS)


@pytest.fixture
def extreme_time_formats() -> Iterator[None]:
    """For this test only, every generated date and date-time is an extreme one."""
    schemathesis.openapi.format("date-time", _extreme_date_times())
    schemathesis.openapi.format("date", _extreme_dates().map(date.isoformat))
    try:
        yield
    finally:
        unregister_string_format("date-time")
        unregister_string_format("date")


def _real_path_ids(app: FastAPI, role_tokens: dict[str, str]) -> dict[str, str]:
    """Ids of real rows for the path parameters, so a time reaches the route's own logic
    instead of stopping at a 404 for an unknown id."""
    with app.state.clinic.sessions() as session:
        participant = session.scalars(sa.select(Participant)).first()
        scheduled = session.scalars(sa.select(ScheduledSessionRecord)).first()
        assert participant is not None and scheduled is not None
        participant_id, session_id = str(participant.id), str(scheduled.id)
    clinician = {"Authorization": f"Bearer {role_tokens['clinician']}"}
    with TestClient(app, base_url="http://localhost") as http:
        homework = http.post(f"/api/v1/clinician/participants/{participant_id}/homework",
                             headers=clinician, json={"title": "Walk after dinner"})
    assert homework.status_code == 201, homework.text
    return {"participant_id": participant_id, "session_id": session_id,
            "homework_id": homework.json()["id"]}


def _participant_still_served(app: FastAPI, role_tokens: dict[str, str]) -> None:
    """Nothing stored by the pass (a discharge date, a due date) breaks later requests."""
    participant = {"Authorization": f"Bearer {role_tokens['participant']}"}
    clinician = {"Authorization": f"Bearer {role_tokens['clinician']}"}
    with TestClient(app, base_url="http://localhost") as http:
        answers = {
            "profile": http.get("/api/v1/participant/profile", headers=participant),
            "changes": http.get("/api/v1/participant/changes?after=0", headers=participant),
            "push": http.post("/api/v1/participant/records", headers=participant, json={
                "records": [{"id": str(uuid.uuid4()), "kind": "safety_flag", "version": 1,
                             "replaces_version": None, "created_at": NOW.isoformat(),
                             "priority": 100, "payload": {"trigger": "phq9_item9"}}]}),
            "alerts": http.get("/api/v1/clinician/alerts", headers=clinician),
        }
    assert {name: answer.status_code for name, answer in answers.items()} == {
        name: 200 for name in answers}, {name: a.text[:200] for name, a in answers.items()}


def test_extreme_times_in_every_date_field_get_a_4xx(
        fuzzed_app: FastAPI, role_tokens: dict[str, str], extreme_time_formats: None) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzzed_app)
    real_ids = _real_path_ids(fuzzed_app, role_tokens)
    with TestClient(fuzzed_app, base_url="http://localhost") as http:
        document = http.get("/api/v1/openapi.json").json()
    taking_times = _operations_taking_times(document)
    # The routes that take times today: a push, sessions, discharge, homework, modules.
    assert len(taking_times) >= 6, taking_times
    reached: dict[tuple[str, str], list[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        label = (operation.method.upper(), operation.path)
        if label not in taking_times:
            continue

        @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
        @settings(max_examples=EXTREME_EXAMPLES_PER_ROUTE, deadline=None, database=None,
                  derandomize=True, suppress_health_check=list(HealthCheck))
        def fuzz(case: schemathesis.Case) -> None:
            if not _holds_extreme_time([case.body, case.query, case.path_parameters]):
                return
            for name in case.path_parameters or {}:
                if name in real_ids:
                    case.path_parameters[name] = real_ids[name]
            reached.setdefault((case.method.upper(), case.path), []).append(
                _refused_extreme_time(case, role_tokens))

        fuzz()
    # Every route that takes a time got extreme ones, and refused them all.
    assert set(reached) == taking_times, taking_times - set(reached)
    accepted = {label: answers for label, answers in reached.items()
                if not all(answers)}
    assert not accepted, accepted
    _participant_still_served(fuzzed_app, role_tokens)


def _refused_extreme_time(case: schemathesis.Case, role_tokens: dict[str, str]) -> bool:
    """Send `case` (never a 5xx); whether its extreme time was refused: a 4xx, or for a
    push (whose batch goes on past a bad record) each record carrying one `rejected`."""
    role = _role_for(case.path)
    headers = {"Authorization": f"Bearer {role_tokens[role]}"} if role else {}
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.path, case.body,
                                        response.text[:300])
    if 400 <= response.status_code < 500:
        return True
    if case.path != "/api/v1/participant/records" or response.status_code != 200:
        return False
    sent = case.body["records"]
    outcomes = [result["outcome"] for result in response.json()["results"]]
    return len(outcomes) == len(sent) and all(
        outcome == "rejected" for record, outcome in zip(sent, outcomes, strict=True)
        if _holds_extreme_time(record))


@pytest.mark.parametrize("moment", ["0001-01-01T00:30:00+05:00", "0001-01-01T00:00:00",
                                    "9999-12-31T23:30:00-05:00", "9999-12-31T23:59:59.999999",
                                    "9999-12-31T23:59:59+14:00"])
def test_an_extreme_time_in_a_pushed_record_is_refused_and_the_batch_goes_on(
        fuzzed_app: FastAPI, role_tokens: dict[str, str], moment: str) -> None:
    """Pushed payloads are free-form in the OpenAPI document, so the pass above cannot
    reach the times inside them: each time field of a check-in, then the envelope's."""
    headers = {"Authorization": f"Bearer {role_tokens['participant']}"}
    sent_at = (NOW - timedelta(hours=1)).isoformat()

    def check_in(field: str | None) -> dict[str, Any]:
        record_id = str(uuid.uuid4())
        payload = {"id": record_id, "created_at": sent_at, "updated_at": sent_at,
                   "schema_version": 1, "mood": 6, "craving": 3, "sleep_hours": 7.5,
                   "sleep_quality": "fair", "medications": "yes", "used_since_last": False,
                   "substance": None, "note": "Walked after group.",
                   "thoughts_of_self_harm": False}
        if field is not None:
            payload[field] = moment
        return {"id": record_id, "kind": "check_in", "version": 1, "replaces_version": None,
                "created_at": sent_at, "priority": 0, "payload": payload}

    flag = {"id": str(uuid.uuid4()), "kind": "safety_flag", "version": 1,
            "replaces_version": None, "created_at": sent_at, "priority": 100,
            "payload": {"trigger": "phq9_item9"}}
    in_envelope = {**check_in(None), "created_at": moment}
    with TestClient(fuzzed_app, base_url="http://localhost") as http:
        in_payload = http.post("/api/v1/participant/records", headers=headers, json={
            "records": [check_in("created_at"), check_in("updated_at"), flag]})
        enveloped = http.post("/api/v1/participant/records", headers=headers,
                              json={"records": [in_envelope]})
    assert in_payload.status_code == 200, in_payload.text
    assert [result["outcome"] for result in in_payload.json()["results"]] == [
        "rejected", "rejected", "stored"], in_payload.text
    if datetime.fromisoformat(moment).tzinfo is None:
        # The envelope is checked as the request is read: a time without a zone there
        # refuses the whole batch, as any malformed envelope does.
        assert enveloped.status_code == 422, enveloped.text
    else:
        assert enveloped.status_code == 200, enveloped.text
        assert [r["outcome"] for r in enveloped.json()["results"]] == ["rejected"]


def test_the_extreme_time_strategy_reaches_beyond_utc() -> None:
    """The strategy really makes the times that used to break the server."""
    seen: list[str] = []

    @given(_extreme_date_times())
    # Generating is slow only when the machine is busy (the suite runs in two halves).
    @settings(max_examples=200, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    def collect(text: str) -> None:
        seen.append(text)

    collect()
    overflowing = 0
    for text in seen:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is not None:
            try:
                parsed.astimezone(UTC)
            except OverflowError:
                overflowing += 1
    assert overflowing and any(datetime.fromisoformat(t).tzinfo is None for t in seen)
