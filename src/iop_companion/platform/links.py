"""Phone, text and web links the operating system can open."""

from __future__ import annotations

import re

_DIAL_CHARS = re.compile(r"[^0-9+*#]")


def dial_string(number: str) -> str:
    """Digits (and a leading +) only: '+1 (555) 010-4477' -> '+15550104477'."""
    cleaned = _DIAL_CHARS.sub("", number)
    if not any(ch.isdigit() for ch in cleaned):
        raise ValueError("A phone number needs at least one digit.")
    return cleaned


def tel_uri(number: str) -> str:
    return f"tel:{dial_string(number)}"


def sms_uri(number: str) -> str:
    return f"sms:{dial_string(number)}"
