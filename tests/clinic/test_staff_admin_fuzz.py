"""Schemathesis on the administrator's routes and one's own account, with a real
administrator's token (test_api_fuzz.py sends a clinician's, which these routes refuse
with 403 before reading anything): valid and invalid input alike never get a 5xx, and
every refusal says why in words."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode

from iop_companion.clinic.api import create_app
from iop_companion.clinic.credentials import hash_password
from iop_companion.clinic.demo import seed_demo
from iop_companion.clinic.models import Staff, StaffRole

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2", category=UserWarning)
    from fastapi.testclient import TestClient

EXAMPLES_PER_ROUTE = 25
NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
ADMIN_PASSWORD = "an administrator's passphrase 482913"
ADMIN_PATHS = ("/api/v1/clinician/staff", "/api/v1/clinician/audit",
               "/api/v1/clinician/account")


@pytest.fixture
def admin_app(tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(f"sqlite:///{tmp_path / 'clinic.sqlite3'}", clock=lambda: NOW)
    yield app
    app.state.clinic.engine.dispose()


def test_no_input_makes_the_admin_routes_fail(admin_app: FastAPI) -> None:
    with admin_app.state.clinic.sessions.begin() as session:
        demo = seed_demo(session, NOW)
        clinician = session.query(Staff).filter_by(email=demo.clinician_email).one()
        clinician_id = str(clinician.id)
        session.add(Staff(id=uuid.uuid4(), clinic_id=clinician.clinic_id,
                          email="admin@demo.example", display_name="Avery Admin",
                          password_hash=hash_password(ADMIN_PASSWORD),
                          role=StaffRole.ADMINISTRATOR, created_at=NOW))
    with TestClient(admin_app, base_url="http://localhost") as http:
        signed_in = http.post("/api/v1/clinician/sessions",
                              json={"email": "admin@demo.example", "password": ADMIN_PASSWORD})
    assert signed_in.status_code == 201, signed_in.text
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", admin_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path.startswith(ADMIN_PATHS)
                  and op.path != "/api/v1/clinician/sessions/current"]
    assert len(operations) == 8, [op.label for op in operations]
    answers: list[int] = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz(operation, mode, headers, clinician_id, answers)
    assert any(code < 300 for code in answers) and any(400 <= code < 500 for code in answers)
    # The administrator is still signed in and served: nothing sent disabled or reset them.
    with TestClient(admin_app, base_url="http://localhost") as http:
        assert http.get("/api/v1/clinician/staff", headers=headers).status_code == 200


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode,
          headers: dict[str, str], staff_id: str, answers: list[int]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, database=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    def fuzz(case: schemathesis.Case) -> None:
        if mode is GenerationMode.POSITIVE and "staff_id" in (case.path_parameters or {}):
            # A real account of the clinic, so the change is made, not a 404.
            case.path_parameters["staff_id"] = staff_id
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        if response.status_code >= 400:
            detail = response.json().get("detail")
            assert isinstance(detail, str) and detail, response.text[:300]
        answers.append(response.status_code)

    fuzz()
