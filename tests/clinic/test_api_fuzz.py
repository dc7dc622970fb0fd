"""Schemathesis against the server's own OpenAPI document: for every route, data that fits
the schema and data that does not, sent anonymously and with a real token of the role
the route is for. Whatever arrives, the answer is never a 5xx, and every refusal carries
a `detail` written for people (security: bad input gets a clear 4xx)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode

from iop_companion.clinic.api import create_app
from iop_companion.clinic.demo import seed_demo

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
