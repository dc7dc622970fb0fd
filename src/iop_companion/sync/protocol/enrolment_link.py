"""The enrolment link: how a clinic hands a participant its address and a code at once.

    https://clinic.example.org/enrol#code=ABCD-2345

The same text is what the clinic's QR code holds. The part before ``/enrol`` is the
clinic server's address (it may sit under a path: ``https://example.org/iop/enrol``).
The code travels in the fragment (after ``#``), which a browser never sends to a
server, so it stays out of web-server and proxy logs when the link is opened.

Only HTTPS is accepted, except for ``localhost``/``127.0.0.1`` (a clinic on the same
computer, like the demo clinic).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit, urlunsplit

from iop_companion.sync.protocol.enrolment import (
    format_enrolment_code,
    normalise_enrolment_code,
)

ENROLMENT_PATH = "/enrol"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_LINK_LENGTH = 2048


class BadEnrolmentLink(ValueError):
    """The text is not an enrolment link; the message is fit to show a person."""


@dataclass(frozen=True)
class EnrolmentLink:
    clinic_url: str  # the clinic server's address, no trailing slash
    code: str  # canonical ("ABCD2345")


def clinic_url_problem(url: str) -> str | None:
    """Why `url` cannot be a clinic's address, in plain words, or None when it can."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "A clinic address starts with https:// (for example https://clinic.example.org)."
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        return "The clinic's address must start with https:// so your data is protected."
    if parts.query or parts.fragment or parts.username or parts.password:
        return "Type only the clinic's address, without anything after ? or #."
    return None


def normalise_clinic_url(url: str) -> str:
    """The clinic address in canonical form (no trailing slash); raises BadEnrolmentLink."""
    problem = clinic_url_problem(url)
    if problem:
        raise BadEnrolmentLink(problem)
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def enrolment_link(clinic_url: str, code: str) -> str:
    """The link (and QR payload) for `code` at the clinic at `clinic_url`."""
    base = normalise_clinic_url(clinic_url)
    return f"{base}{ENROLMENT_PATH}#code={format_enrolment_code(normalise_enrolment_code(code))}"


def parse_enrolment_link(text: str) -> EnrolmentLink:
    """Read a link as pasted or scanned; raises BadEnrolmentLink saying what is wrong."""
    text = text.strip()
    if len(text) > MAX_LINK_LENGTH:
        raise BadEnrolmentLink("This link is too long to be an enrolment link.")
    parts = urlsplit(text)
    path = parts.path.rstrip("/")
    if not path.endswith(ENROLMENT_PATH):
        raise BadEnrolmentLink(
            "This is not an enrolment link. It should end like /enrol#code=ABCD-2345."
        )
    codes = parse_qs(parts.fragment).get("code", [])
    if len(codes) != 1:
        raise BadEnrolmentLink("This link has no code in it. Ask your clinic for a new link.")
    base = urlunsplit((parts.scheme, parts.netloc, path[: -len(ENROLMENT_PATH)], "", ""))
    try:
        clinic_url = normalise_clinic_url(base)
        code = normalise_enrolment_code(codes[0])
    except ValueError as error:
        raise BadEnrolmentLink(str(error)) from None
    return EnrolmentLink(clinic_url, code)
