"""Test helpers for the app-side sync code (a module, so tests can import the types)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from iop_companion.clinic.demo import DemoCredentials


class ServerClock:
    """The clinic server's clock, fixed until a test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def signed_in_staff(clinic_app: FastAPI,
                    demo: DemoCredentials) -> tuple[TestClient, dict[str, str]]:
    """A client on the in-process clinic and the demo clinician's auth header."""
    http = TestClient(clinic_app, base_url="http://localhost")
    signed_in = http.post("/api/v1/clinician/sessions",
                          json={"email": demo.clinician_email,
                                "password": demo.clinician_password})
    assert signed_in.status_code == 201, signed_in.text
    return http, {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
