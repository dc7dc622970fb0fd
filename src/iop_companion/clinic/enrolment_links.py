"""The clinic's public address, and the enrolment link and QR code built on it.

The address is the one the participant's app will use (without `/api/v1`). It comes from
`IOP_CLINIC_PUBLIC_URL` when set, which every real install should do: it is the only
source that does not depend on the request. When it is not set, the address is the one
the clinician's own request reached the server by (its scheme, `Host` header and root
path). Behind a reverse proxy that ends TLS, that is the proxy's address only if the
server trusts the proxy's `X-Forwarded-Proto` (`iop-clinic serve --forwarded-allow-ips
<proxy>`, which turns on uvicorn's proxy headers) and the proxy passes the `Host` header
on; otherwise it would be an `http://` address the app refuses, and the answer says so
instead of giving a link (the code still works, typed with the clinic's address). The
`Host` header comes from the clinician's own browser, so a stranger cannot change the
link another person is given; the setting still wins, being the clinic's own word.
"""

from __future__ import annotations

import os

import segno
from fastapi import Request

from iop_companion.sync.protocol.enrolment_link import (
    BadEnrolmentLink,
    enrolment_link,
    normalise_clinic_url,
)

PUBLIC_URL_ENV = "IOP_CLINIC_PUBLIC_URL"
_QR_SCALE = 6  # pixels per module: about 200 px square for a link of this length


def clinic_public_url(request: Request) -> str:
    configured = os.environ.get(PUBLIC_URL_ENV, "").strip()
    return configured or str(request.base_url)


def link_for_code(request: Request, code: str) -> tuple[str | None, str | None]:
    """The enrolment link for `code` and None, or None and why there is no link."""
    address = clinic_public_url(request)
    try:
        normalise_clinic_url(address)
    except BadEnrolmentLink as problem:
        source = (f"the {PUBLIC_URL_ENV} setting" if os.environ.get(PUBLIC_URL_ENV, "").strip()
                  else "the address this request came to")
        return None, (f"No link or QR code: the clinic's public address ({source}) is not "
                      f"one the app accepts. {problem} Give the participant the code and "
                      "the clinic's https:// address, or set "
                      f"{PUBLIC_URL_ENV} on the server.")
    return enrolment_link(address, code), None


def qr_code_svg(link: str) -> str:
    """An inline <svg> of the link's QR code, with a title for screen readers."""
    qr = segno.make(link, error="m")
    svg: str = qr.svg_inline(scale=_QR_SCALE, title="QR code of the enrolment link")
    return svg
