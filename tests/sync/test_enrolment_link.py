"""The enrolment link format shared by the clinic (which prints it and its QR code)
and the app (which reads it)."""

from __future__ import annotations

import pytest

from iop_companion.sync.protocol.enrolment_link import (
    BadEnrolmentLink,
    clinic_url_problem,
    enrolment_link,
    parse_enrolment_link,
)


def test_a_link_round_trips():
    link = enrolment_link("https://Clinic.Example.org/", "abcd2345")
    assert link == "https://clinic.example.org/enrol#code=ABCD-2345"
    parsed = parse_enrolment_link(link)
    assert (parsed.clinic_url, parsed.code) == ("https://clinic.example.org", "ABCD2345")


def test_a_clinic_under_a_path_keeps_it():
    parsed = parse_enrolment_link("  https://example.org/iop/enrol/#code=abcd 2345 ")
    assert (parsed.clinic_url, parsed.code) == ("https://example.org/iop", "ABCD2345")


def test_plain_http_only_on_this_computer():
    assert parse_enrolment_link("http://127.0.0.1:8100/enrol#code=ABCD-2345").clinic_url == (
        "http://127.0.0.1:8100")
    with pytest.raises(BadEnrolmentLink, match="https://"):
        parse_enrolment_link("http://clinic.example.org/enrol#code=ABCD-2345")


@pytest.mark.parametrize("text", [
    "ABCD-2345",
    "https://clinic.example.org/#code=ABCD-2345",
    "https://clinic.example.org/enrol",
    "https://clinic.example.org/enrol#code=ABCD-2345&code=EFGH-2345",
    "https://clinic.example.org/enrol#code=ABCD-23",
    "ftp://clinic.example.org/enrol#code=ABCD-2345",
    "https://x/" + "a" * 3000 + "/enrol#code=ABCD-2345",
])
def test_what_is_not_a_link_says_so(text):
    with pytest.raises(BadEnrolmentLink) as raised:
        parse_enrolment_link(text)
    assert str(raised.value)


def test_clinic_address_rules():
    assert clinic_url_problem("https://clinic.example.org") is None
    assert clinic_url_problem("http://localhost:8100") is None
    assert clinic_url_problem("clinic.example.org")
    assert clinic_url_problem("https://clinic.example.org/?x=1")
