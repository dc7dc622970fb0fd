"""The pages an enrolment link (/enrol) or a family invite link (/join) opens in a
browser: plain instructions, nothing cached, nothing loaded or run, no code needed."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


@pytest.fixture
def page_client(tmp_path) -> TestClient:
    from iop_companion.clinic.api import create_app

    app: FastAPI = create_app(f"sqlite:///{tmp_path / 'landing.sqlite3'}")
    with TestClient(app, base_url="http://localhost") as client:
        yield client
    app.state.clinic.engine.dispose()


@pytest.mark.parametrize(("path", "choice", "field"), [
    ("/enrol", "I'm in a program", "your clinic's link"),
    ("/join", "I'm a family member", "the invite link"),
])
def test_the_page_says_what_to_do_with_the_link(page_client: TestClient, path: str,
                                                choice: str, field: str) -> None:
    response = page_client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "Open the IOP Companion app" in page
    assert choice in page
    assert f"paste it into the app where it asks for {field}" in page
    assert 'lang="es"' in page  # and in Spanish, below


@pytest.mark.parametrize("path", ["/enrol", "/join"])
def test_the_page_is_never_stored_runs_nothing_and_cannot_be_framed(
        page_client: TestClient, path: str) -> None:
    response = page_client.get(path)
    assert response.headers["cache-control"] == "no-store"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'none'" in policy
    assert "script" not in policy and "unsafe-inline" not in policy
    assert "<script" not in response.text.lower()
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_only_style_is_the_one_the_policy_names(page_client: TestClient) -> None:
    import base64
    import hashlib
    import re

    response = page_client.get("/enrol")
    styles = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
    assert len(styles) == 1
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["content-security-policy"]


def test_the_page_never_echoes_what_is_sent_to_it(page_client: TestClient) -> None:
    # The code belongs in the fragment, which browsers never send; a code or markup put
    # in the query by mistake is not written back into the page.
    plain = page_client.get("/enrol").text
    probed = page_client.get("/enrol", params={"code": "ABCD-2345", "x": "<b>hi</b>"}).text
    assert probed == plain
    assert "ABCD" not in probed


def test_the_pages_are_not_part_of_the_api_document(page_client: TestClient) -> None:
    paths = page_client.get("/api/v1/openapi.json").json()["paths"]
    assert not {"/enrol", "/join"} & set(paths)
