"""Bad input gets a 4xx with a readable `detail`, never a 5xx (security B1)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from iop_companion.clinic.api import MAX_REQUEST_BYTES

ENROLMENTS = "/api/v1/enrolments"
FAMILY_JOIN = "/api/v1/family/join"


def _assert_readable_client_error(response: httpx.Response, *expected_statuses: int) -> str:
    assert response.status_code in expected_statuses, (response.status_code, response.text)
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"", {}),
        (b"not json at all", {"content-type": "application/json"}),
        (b'{"code": ', {"content-type": "application/json"}),
        (b"\xff\xfe\x00garbage", {"content-type": "application/json"}),
        (b"[]", {"content-type": "application/json"}),
        (b"null", {"content-type": "application/json"}),
        (b"42", {"content-type": "application/json"}),
        (b'"ABCD-2345"', {"content-type": "application/json"}),
        (b"code=ABCD2345&device_label=x", {"content-type": "application/x-www-form-urlencoded"}),
        (b'{"code": "ABCD-2345", "device_label": "x"}', {"content-type": "text/plain"}),
        (b"[" * 5000 + b"]" * 5000, {"content-type": "application/json"}),
        (b'{"code": NaN, "device_label": Infinity}', {"content-type": "application/json"}),
    ],
    ids=[
        "empty",
        "not json",
        "truncated",
        "binary",
        "array",
        "null",
        "number",
        "string",
        "form",
        "text/plain",
        "deeply nested",
        "nan",
    ],
)
def test_malformed_bodies_are_refused_with_a_message(
    client: TestClient, body: bytes, headers: dict[str, str]
) -> None:
    response = client.post(ENROLMENTS, content=body, headers=headers)
    _assert_readable_client_error(response, 400, 422)


@pytest.mark.parametrize(
    ("payload", "expected_words"),
    [
        ({"code": "ABCD-2345", "device_label": "x", "role": "clinician"}, "'role' is not a field"),
        ({"device_label": "x"}, "'code' is required"),
        ({"code": "ABCD-234", "device_label": "x"}, "8 letters and numbers"),
        ({"code": "ABCD-0O1I", "device_label": "x"}, "8 letters and numbers"),
        ({"code": "A" * 33, "device_label": "x"}, "at most 32 characters"),
        ({"code": 12345678, "device_label": "x"}, "'code'"),
        ({"code": None, "device_label": "x"}, "'code'"),
        ({"code": "ABCD-2345", "device_label": ""}, "'device_label' cannot be empty"),
        ({"code": "ABCD-2345", "device_label": "   "}, "'device_label' cannot be empty"),
        ({"code": "ABCD-2345", "device_label": "x" * 81}, "at most 80 characters"),
        ({"code": "ABCD-2345", "device_label": "bell\x07"}, "printable characters"),
        ({"code": "ABCD-2345", "device_label": ["x"]}, "'device_label'"),
    ],
)
def test_invalid_fields_get_a_422_naming_the_problem(
    client: TestClient, payload: dict[str, object], expected_words: str
) -> None:
    detail = _assert_readable_client_error(client.post(ENROLMENTS, json=payload), 422)
    assert expected_words in detail


def test_the_message_never_echoes_what_was_sent(client: TestClient) -> None:
    secret = "my-sobriety-date-is-march-3"
    response = client.post(ENROLMENTS, json={"code": "ABCD-2345", "device_label": "x", secret: 1})
    response_2 = client.post(ENROLMENTS, json={"code": secret, "device_label": "x"})
    assert secret[:40] in response.json()["detail"]  # the unknown field's own name is shown...
    assert secret not in response_2.json()["detail"]  # ...but never a submitted value


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    payload = json.dumps({"code": "ABCD-2345", "device_label": "x" * MAX_REQUEST_BYTES})
    response = client.post(
        ENROLMENTS, content=payload, headers={"content-type": "application/json"}
    )
    assert (
        _assert_readable_client_error(response, 413)
        == "The request is too large for the clinic server."
    )


def test_a_streamed_body_over_the_limit_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"code": "ABCD-2345", "device_label": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        ENROLMENTS, content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    _assert_readable_client_error(response, 413)


@pytest.mark.parametrize("path", ["/api/v1/participant/schedule", "/api/v1/family/shared"])
@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 8000, "Bearer \u00e9t\u00e9"],
)
def test_odd_authorization_headers_get_401(
    client: TestClient, authorization: str, path: str
) -> None:
    response = client.get(path, headers={"Authorization": authorization.encode("utf-8")})
    _assert_readable_client_error(response, 401)


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b"null", b'{"code": "ABCD-2345"}', b'{"code": NaN}'],
    ids=["empty", "not json", "array", "null", "missing name", "nan"],
)
def test_malformed_family_joins_are_refused_with_a_message(client: TestClient, body: bytes) -> None:
    response = client.post(FAMILY_JOIN, content=body, headers={"content-type": "application/json"})
    _assert_readable_client_error(response, 400, 422)


def test_an_oversized_family_join_is_refused(client: TestClient) -> None:
    payload = json.dumps({"code": "ABCD-2345", "display_name": "x" * MAX_REQUEST_BYTES})
    response = client.post(
        FAMILY_JOIN, content=payload, headers={"content-type": "application/json"}
    )
    _assert_readable_client_error(response, 413)


def test_unknown_addresses_and_methods_get_a_readable_4xx(client: TestClient) -> None:
    _assert_readable_client_error(client.get("/api/v1/participant/../../etc/passwd"), 404)
    _assert_readable_client_error(client.get("/api/v2/health"), 404)
    _assert_readable_client_error(client.delete("/api/v1/enrolments"), 405)


def test_random_garbage_never_causes_a_server_error(app: FastAPI, client: TestClient) -> None:
    generator = random.Random(20260304)  # fixed seed: a failure can be replayed
    paths = list(app.openapi()["paths"])
    for _ in range(150):
        body = _random_body(generator)
        path = generator.choice(paths)
        method = generator.choice(["GET", "POST", "PUT", "PATCH"])
        headers = {"content-type": generator.choice(["application/json", "text/plain", ""])}
        if generator.random() < 0.3:
            headers["Authorization"] = "Bearer " + generator.randbytes(20).hex()
        response = client.request(method, path, content=body, headers=headers)
        assert response.status_code < 500, (method, path, body[:80], response.text)


def _random_body(generator: random.Random) -> bytes:
    shape = generator.randrange(4)
    if shape == 0:
        return generator.randbytes(generator.randrange(200))
    if shape == 1:
        return json.dumps(_random_json(generator, depth=3)).encode()
    if shape == 2:
        fields = {
            "code": _random_json(generator, 1),
            generator.choice(["device_label", "display_name"]): _random_json(generator, 1),
        }
        return json.dumps(fields).encode()
    return json.dumps(
        {
            "code": "".join(generator.choices("ABCDEFGH23456789- ", k=9)),
            generator.choice(["device_label", "display_name"]): "".join(
                chr(generator.randrange(1, 0x2FFF)) for _ in range(10)
            ),
        }
    ).encode()


def _random_json(generator: random.Random, depth: int) -> object:
    choice = generator.randrange(7 if depth > 0 else 5)
    if choice == 0:
        return None
    if choice == 1:
        return generator.random() * 10 ** generator.randrange(-5, 300)
    if choice == 2:
        return generator.randrange(-(2**70), 2**70)
    if choice == 3:
        return (
            "".join(chr(generator.randrange(0, 0x10FFFF)) for _ in range(generator.randrange(40)))
            .encode("utf-8", "replace")
            .decode("utf-8", "replace")
        )
    if choice == 4:
        return generator.random() < 0.5
    if choice == 5:
        return [_random_json(generator, depth - 1) for _ in range(generator.randrange(4))]
    return {str(generator.randrange(99)): _random_json(generator, depth - 1) for _ in range(3)}
