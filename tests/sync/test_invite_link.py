"""Family invite links (https://<clinic>/join#code=...), the problem names the app
translates, and a clinic client that does not know its clinic yet."""

from __future__ import annotations

import pytest

from iop_companion.sync.clinic_client import ClinicClient, InsecureClinicUrl, NoClinicAddress
from iop_companion.sync.protocol.enrolment_link import (
    BadEnrolmentLink,
    LinkProblem,
    invite_link,
    parse_enrolment_link,
    parse_invite_link,
)


def test_an_invite_link_round_trips():
    link = invite_link("https://Clinic.Example.org/iop/", "efgh 6789")
    assert link == "https://clinic.example.org/iop/join#code=EFGH-6789"
    parsed = parse_invite_link(link)
    assert (parsed.clinic_url, parsed.code) == ("https://clinic.example.org/iop", "EFGH6789")


@pytest.mark.parametrize(("text", "problem"), [
    ("https://clinic.example.org/enrol#code=ABCD-2345", LinkProblem.WRONG_KIND),
    ("https://clinic.example.org/invite#code=ABCD-2345", LinkProblem.NOT_A_LINK),
    ("https://clinic.example.org/join", LinkProblem.NO_CODE),
    ("https://clinic.example.org/join#code=ABCD", LinkProblem.BAD_CODE),
    ("http://clinic.example.org/join#code=ABCD-2345", LinkProblem.NOT_HTTPS),
    ("https://user:pw@clinic.example.org/join#code=ABCD-2345", LinkProblem.EXTRA_PARTS),
    ("clinic.example.org/join#code=ABCD-2345", LinkProblem.NOT_AN_ADDRESS),
])
def test_each_bad_invite_link_names_its_problem(text, problem):
    with pytest.raises(BadEnrolmentLink) as raised:
        parse_invite_link(text)
    assert raised.value.problem is problem
    assert str(raised.value)


def test_an_invite_link_is_not_an_enrolment_link():
    with pytest.raises(BadEnrolmentLink) as raised:
        parse_enrolment_link("https://clinic.example.org/join#code=ABCD-2345")
    assert raised.value.problem is LinkProblem.WRONG_KIND
    assert "family invite link" in str(raised.value)


def test_a_client_without_an_address_calls_nobody_until_given_one():
    client = ClinicClient(None, timeout=1)
    assert client.base_url is None
    with pytest.raises(NoClinicAddress):
        client.health()
    with pytest.raises(InsecureClinicUrl):
        client.use_address("http://clinic.example.org")
    client.use_address("https://clinic.example.org/")
    assert client.base_url == "https://clinic.example.org"
    other = client.for_address("http://localhost:9")
    assert (other.base_url, client.base_url) == ("http://localhost:9", "https://clinic.example.org")
    client.close()
