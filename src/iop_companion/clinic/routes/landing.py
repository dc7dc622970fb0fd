"""The pages an enrolment link or a family invite link opens in a web browser.

A participant who scans the clinic's QR code with a phone camera, or taps the link in
a message, lands on ``/enrol`` (a family member on ``/join``). The page says what to
do with the link: open IOP Companion and paste it. The code is in the link's fragment
(after ``#``), which browsers never send, so this server never sees it here; the page
is static, runs no script, and loads nothing.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from iop_companion.sync.protocol.enrolment_link import ENROLMENT_PATH, JOIN_PATH

router = APIRouter(include_in_schema=False)  # web pages, not part of the API

_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;padding:1.5rem;"
    "color:#1b1b1f;background:#fdfbff}main{max-width:34rem;margin:0 auto}"
    "h1{font-size:1.5rem}li{margin:.5rem 0}.note{color:#46464f;font-size:.95rem}"
    "hr{margin:2rem 0;border:0;border-top:1px solid #c6c5d0}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
# Nothing may load, run, frame the page or be sent from it; only the one inline style.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

@dataclass(frozen=True)
class _Text:
    language: str
    title: str
    steps: tuple[str, ...]
    note: str


# The button names are the app's own (welcome.participant, welcome.family).
_ENROL = (
    _Text(
        "en",
        "Connect IOP Companion to your clinic",
        (
            "Open the IOP Companion app on your phone.",
            "Choose \u201cI'm in a program\u201d and set your PIN.",
            ("Copy this page's full address from your browser's address bar and paste "
             "it into the app where it asks for your clinic's link. The part after # is "
             "your code: this page does not need it."),
        ),
        "The link works once, for 15 minutes. Do not share it. If it has expired, ask "
        "your care team for a new one.",
    ),
    _Text(
        "es",
        "Conecte IOP Companion con su clínica",
        (
            "Abra la aplicación IOP Companion en su teléfono.",
            "Elija \u201cEstoy en un programa\u201d y cree su PIN.",
            ("Copie la dirección completa de esta página desde la barra de direcciones y "
             "péguela en la aplicación donde le pide el enlace de su clínica. Lo que va "
             "después de # es su código: esta página no lo necesita."),
        ),
        "El enlace funciona una vez, durante 15 minutos. No lo comparta. Si ya venció, "
        "pida uno nuevo a su equipo de atención.",
    ),
)

_JOIN = (
    _Text(
        "en",
        "Join as a family member in IOP Companion",
        (
            "Open the IOP Companion app on your phone.",
            "Choose \u201cI'm a family member\u201d and set your PIN.",
            ("Type your first name. Then copy this page's full address from your "
             "browser's address bar and paste it into the app where it asks for the "
             "invite link. The part after # is your invite code: this page does not "
             "need it."),
        ),
        "The invite works once. If it does not work, ask the person who invited you "
        "for a new one.",
    ),
    _Text(
        "es",
        "Únase como familiar en IOP Companion",
        (
            "Abra la aplicación IOP Companion en su teléfono.",
            "Elija \u201cSoy familiar de alguien en un programa\u201d y cree su PIN.",
            ("Escriba su nombre. Luego copie la dirección completa de esta página desde "
             "la barra de direcciones y péguela en la aplicación donde le pide el enlace "
             "de invitación. Lo que va después de # es su código: esta página no lo "
             "necesita."),
        ),
        "La invitación funciona una vez. Si no funciona, pida una nueva a la persona "
        "que le invitó.",
    ),
)


def _page(texts: tuple[_Text, ...]) -> str:
    sections = []
    for text in texts:
        steps = "".join(f"<li>{escape(step, quote=False)}</li>" for step in text.steps)
        sections.append(
            f'<section lang="{text.language}"><h1>{escape(text.title, quote=False)}</h1>'
            f'<ol>{steps}</ol><p class="note">{escape(text.note, quote=False)}</p></section>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(texts[0].title, quote=False)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{'<hr>'.join(sections)}</main></body></html>"
    )


_ENROL_PAGE = _page(_ENROL)
_JOIN_PAGE = _page(_JOIN)


def _html(page: str) -> HTMLResponse:
    return HTMLResponse(page, headers={
        "Cache-Control": "no-store",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
    })


@router.get(ENROLMENT_PATH)
def enrolment_page() -> HTMLResponse:
    """What to do with an enrolment link opened in a browser."""
    return _html(_ENROL_PAGE)


@router.get(JOIN_PATH)
def join_page() -> HTMLResponse:
    """What to do with a family invite link opened in a browser."""
    return _html(_JOIN_PAGE)
