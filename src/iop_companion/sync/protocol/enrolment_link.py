"""The enrolment link: how a clinic hands a participant its address and a code at once.

    https://clinic.example.org/enrol#code=ABCD-2345

The same text is what the clinic's QR code holds. The part before ``/enrol`` is the
clinic server's address (it may sit under a path: ``https://example.org/iop/enrol``).
The code travels in the fragment (after ``#``), which a browser never sends to a
server, so it stays out of web-server and proxy logs when the link is opened.

A family invite travels the same way, under ``/join``:

    https://clinic.example.org/join#code=EFGH-6789

Only HTTPS is accepted, except for ``localhost``/``127.0.0.1`` (a clinic on the same
computer, like the demo clinic).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit, urlunsplit

from iop_companion.sync.protocol.enrolment import (
    format_enrolment_code,
    normalise_enrolment_code,
    normalise_invite_code,
)

ENROLMENT_PATH = "/enrol"
JOIN_PATH = "/join"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_LINK_LENGTH = 2048


class LinkProblem(StrEnum):
    """Why a text is not a usable link or clinic address: a stable name the app can
    translate (the English message is in `BadEnrolmentLink.args[0]`)."""

    TOO_LONG = "too_long"
    NOT_A_LINK = "not_a_link"
    WRONG_KIND = "wrong_kind"  # an invite link where an enrolment link belongs, or back
    NO_CODE = "no_code"
    BAD_CODE = "bad_code"
    NOT_AN_ADDRESS = "not_an_address"
    NOT_HTTPS = "not_https"
    EXTRA_PARTS = "extra_parts"


class LinkKind(StrEnum):
    ENROLMENT = "enrolment"  # a participant's device: /enrol
    INVITE = "invite"  # a family member: /join


_PATHS = {LinkKind.ENROLMENT: ENROLMENT_PATH, LinkKind.INVITE: JOIN_PATH}

_ADDRESS_MESSAGES = {
    LinkProblem.NOT_AN_ADDRESS:
        "A clinic address starts with https:// (for example https://clinic.example.org).",
    LinkProblem.NOT_HTTPS:
        "The clinic's address must start with https:// so your data is protected.",
    LinkProblem.EXTRA_PARTS: "Type only the clinic's address, without anything after ? or #.",
}
_LINK_MESSAGES = {
    LinkKind.ENROLMENT: {
        LinkProblem.TOO_LONG: "This link is too long to be an enrolment link.",
        LinkProblem.NOT_A_LINK:
            "This is not an enrolment link. It should end like /enrol#code=ABCD-2345.",
        LinkProblem.WRONG_KIND:
            "This is a family invite link. The person in the program needs an enrolment "
            "link, which ends like /enrol#code=ABCD-2345.",
        LinkProblem.NO_CODE: "This link has no code in it. Ask your clinic for a new link.",
    },
    LinkKind.INVITE: {
        LinkProblem.TOO_LONG: "This link is too long to be an invite link.",
        LinkProblem.NOT_A_LINK:
            "This is not an invite link. It should end like /join#code=ABCD-2345.",
        LinkProblem.WRONG_KIND:
            "This is an enrolment link for the person in the program. A family member "
            "needs an invite link, which ends like /join#code=ABCD-2345.",
        LinkProblem.NO_CODE:
            "This link has no code in it. Ask the person who invited you for a new link.",
    },
}


class BadEnrolmentLink(ValueError):
    """The text is not an enrolment link; the message is fit to show a person, and
    `problem` says which rule it broke."""

    def __init__(self, message: str, problem: LinkProblem = LinkProblem.NOT_A_LINK) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class EnrolmentLink:
    clinic_url: str  # the clinic server's address, no trailing slash
    code: str  # canonical ("ABCD2345")


def _address_problem(url: str) -> LinkProblem | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return LinkProblem.NOT_AN_ADDRESS
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        return LinkProblem.NOT_HTTPS
    if parts.query or parts.fragment or parts.username or parts.password:
        return LinkProblem.EXTRA_PARTS
    return None


def clinic_url_problem(url: str) -> str | None:
    """Why `url` cannot be a clinic's address, in plain words, or None when it can."""
    problem = _address_problem(url)
    return _ADDRESS_MESSAGES[problem] if problem else None


def normalise_clinic_url(url: str) -> str:
    """The clinic address in canonical form (no trailing slash); raises BadEnrolmentLink."""
    problem = _address_problem(url)
    if problem:
        raise BadEnrolmentLink(_ADDRESS_MESSAGES[problem], problem)
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def enrolment_link(clinic_url: str, code: str) -> str:
    """The link (and QR payload) for `code` at the clinic at `clinic_url`."""
    return _link(clinic_url, ENROLMENT_PATH, normalise_enrolment_code(code))


def invite_link(clinic_url: str, code: str) -> str:
    """The link (and QR payload) for a family invite `code` at the clinic at `clinic_url`."""
    return _link(clinic_url, JOIN_PATH, normalise_invite_code(code))


def _link(clinic_url: str, path: str, canonical_code: str) -> str:
    return f"{normalise_clinic_url(clinic_url)}{path}#code={format_enrolment_code(canonical_code)}"


def parse_enrolment_link(text: str) -> EnrolmentLink:
    """Read a link as pasted or scanned; raises BadEnrolmentLink saying what is wrong."""
    return parse_link(text, LinkKind.ENROLMENT)


def parse_invite_link(text: str) -> EnrolmentLink:
    """Read a family invite link (``.../join#code=...``); raises BadEnrolmentLink."""
    return parse_link(text, LinkKind.INVITE)


def parse_link(text: str, kind: LinkKind) -> EnrolmentLink:
    messages = _LINK_MESSAGES[kind]
    text = text.strip()
    if len(text) > MAX_LINK_LENGTH:
        raise BadEnrolmentLink(messages[LinkProblem.TOO_LONG], LinkProblem.TOO_LONG)
    parts = urlsplit(text)
    path = parts.path.rstrip("/")
    wanted = _PATHS[kind]
    if not path.endswith(wanted):
        other = next(p for k, p in _PATHS.items() if k is not kind)
        problem = LinkProblem.WRONG_KIND if path.endswith(other) else LinkProblem.NOT_A_LINK
        raise BadEnrolmentLink(messages[problem], problem)
    codes = parse_qs(parts.fragment).get("code", [])
    if len(codes) != 1:
        raise BadEnrolmentLink(messages[LinkProblem.NO_CODE], LinkProblem.NO_CODE)
    base = urlunsplit((parts.scheme, parts.netloc, path[: -len(wanted)], "", ""))
    clinic_url = normalise_clinic_url(base)
    normalise = normalise_enrolment_code if kind is LinkKind.ENROLMENT else normalise_invite_code
    try:
        code = normalise(codes[0])
    except ValueError as error:
        raise BadEnrolmentLink(str(error), LinkProblem.BAD_CODE) from None
    return EnrolmentLink(clinic_url, code)
