"""The embedded demo clinic serves on a real local socket from a background thread."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from iop_companion.clinic.embedded import (
    EmbeddedClinic,
    start_embedded_clinic,
    start_temporary_demo_clinic,
)
from iop_companion.sync.clinic_client import ClinicClient


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[EmbeddedClinic]:
    clinic = start_embedded_clinic(tmp_path / "demo.sqlite3")
    yield clinic
    clinic.stop()


def test_it_serves_health_and_enrolment_over_a_socket(clinic: EmbeddedClinic) -> None:
    assert clinic.url.startswith("http://127.0.0.1:")
    assert httpx.get(f"{clinic.url}/api/v1/health").json()["status"] == "ok"

    with ClinicClient(clinic.url) as client:
        enrolment = client.enrol(clinic.credentials.enrolment_code, "Alex's phone")
        schedule = client.schedule(enrolment.access_token)
    assert enrolment.display_name == "Alex"
    assert enrolment.clinic.name == clinic.credentials.clinic_name
    assert schedule.sessions


def test_it_carries_a_family_invite_for_sam(clinic: EmbeddedClinic) -> None:
    with ClinicClient(clinic.url) as client:
        joined = client.join_family(clinic.credentials.family_invite_code, "Sam")
        shared = client.family_shared(joined.family_token)
    assert joined.participant_first_name == shared.participant_first_name == "Alex"
    assert joined.shared_scope == ["education"]


def test_stop_closes_the_port_and_ends_the_thread(tmp_path: Path) -> None:
    clinic = start_embedded_clinic(tmp_path / "demo.sqlite3")
    clinic.stop()
    assert not clinic._thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{clinic.url}/api/v1/health")
    clinic.stop()  # a second stop is harmless


def test_it_leaves_the_main_threads_signal_handlers_alone(tmp_path: Path) -> None:
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    clinic = start_embedded_clinic(tmp_path / "demo.sqlite3")
    clinic.stop()
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert threading.current_thread() is threading.main_thread()


def test_restarting_on_the_same_file_keeps_devices_and_issues_a_new_code(tmp_path: Path) -> None:
    database = tmp_path / "demo.sqlite3"
    first = start_embedded_clinic(database)
    with ClinicClient(first.url) as client:
        token = client.enrol(first.credentials.enrolment_code, "phone").access_token
    first.stop()

    second = start_embedded_clinic(database)
    try:
        assert second.credentials.enrolment_code != first.credentials.enrolment_code
        assert second.credentials.family_invite_code != first.credentials.family_invite_code
        with ClinicClient(second.url) as client:
            assert client.profile(token).display_name == "Alex"
    finally:
        second.stop()


def test_the_demo_clinic_for_one_run_lives_in_a_private_folder_removed_at_stop() -> None:
    clinic = start_temporary_demo_clinic()
    folder = clinic.temporary_folder
    try:
        assert folder is not None and (folder / "clinic.sqlite3").exists()
        assert folder.stat().st_mode & 0o077 == 0  # only this user can look inside
        assert httpx.get(f"{clinic.url}/api/v1/health").status_code == 200
    finally:
        clinic.stop()
    assert not folder.exists()
    clinic.stop()  # a second stop is harmless


def test_each_run_is_a_new_clinic_with_a_new_clinician_password() -> None:
    first = start_temporary_demo_clinic()
    first.stop()
    second = start_temporary_demo_clinic()
    try:
        assert second.temporary_folder != first.temporary_folder
        assert second.credentials.clinician_password != first.credentials.clinician_password
        signed_in = httpx.post(f"{second.url}/api/v1/clinician/sessions", json={
            "email": second.credentials.clinician_email,
            "password": second.credentials.clinician_password})
        assert signed_in.status_code == 201, signed_in.text
    finally:
        second.stop()
