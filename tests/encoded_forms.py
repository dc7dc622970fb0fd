"""The shapes a secret or a marker can take in a file: raw, UTF-16, base64, hex.

Shared by the export-secret tests and the data-at-rest marker test (the browser one).
"""

from __future__ import annotations

import base64
from pathlib import Path


def encoded_forms(text: str) -> list[bytes]:
    """`text` raw (UTF-8), UTF-16 LE and BE, hex (lower and upper case) and base64 at
    each of the 3 alignments (standard and URL-safe alphabets)."""
    raw = text.encode("utf-8")
    forms = [raw, text.encode("utf-16-le"), text.encode("utf-16-be"),
             raw.hex().encode(), raw.hex().upper().encode()]
    for shift in range(3):
        # base64 of the text after `shift` other bytes; the characters at the edges
        # depend on the neighbouring bytes, so only the stable middle is searched.
        encoded = base64.b64encode(b"\0" * shift + raw + b"\0" * ((3 - (shift + len(raw))) % 3))
        start = 4 if shift else 0
        end = len(encoded) - (4 if (shift + len(raw)) % 3 else 0)
        core = encoded[start:end]
        forms += [core, core.replace(b"+", b"-").replace(b"/", b"_")]
    return [form for form in forms if len(form) >= min(6, len(raw))]


def found_in(data: bytes, secrets: dict[str, str]) -> list[str]:
    """The names of the `secrets` (name -> text) that `data` holds in any form."""
    return [name for name, text in secrets.items()
            if any(form in data for form in encoded_forms(text))]


def files_holding(root: Path, secrets: dict[str, str]) -> list[tuple[str, str]]:
    """(path, secret name) for every file under `root` (and every file name) holding one."""
    hits: list[tuple[str, str]] = []
    for path in sorted(root.rglob("*")):
        hits += [(str(path), name) for name in found_in(str(path).encode(), secrets)]
        if path.is_file():
            hits += [(str(path), name) for name in found_in(path.read_bytes(), secrets)]
    return hits
