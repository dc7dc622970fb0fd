"""Participant rights: a copy of everything I wrote, and removing it from this device."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iop_companion.store import Store
from iop_companion.store.export import render_html


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    content: bytes


SECRET_FIELD_MARKERS = ("token",)


def without_secrets(value: Any) -> Any:
    """Drop credentials (device and family tokens) from anything being exported.

    A copy of my data is mine to keep; the key that lets this phone act for me at
    the clinic is not part of it, and must never sit in a plain file.
    """
    if isinstance(value, dict):
        return {key: without_secrets(item) for key, item in value.items()
                if not any(marker in str(key).lower() for marker in SECRET_FIELD_MARKERS)}
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return value


def export_file(store: Store, kind: str, now: datetime) -> ExportFile:
    """The export as JSON (for another app) or as a readable web page (for a person).

    Both carry the 42 CFR Part 2 notice against redisclosure. The bytes go straight to
    a place the person picks in the system's save dialog; nothing plain is left here.
    """
    export = without_secrets(store.export_json())
    stamp = now.strftime("%Y-%m-%d")
    if kind == "json":
        text = json.dumps(export, ensure_ascii=False, indent=2, allow_nan=False)
        return ExportFile(f"iop-companion-my-data-{stamp}.json", text.encode("utf-8"))
    if kind == "html":
        return ExportFile(f"iop-companion-my-data-{stamp}.html",
                          render_html(export).encode("utf-8"))
    raise ValueError(f"unknown export kind {kind!r}")
