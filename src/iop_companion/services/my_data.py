"""Participant rights: a copy of everything I wrote, and removing it from this device."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from iop_companion.services.account import Account
from iop_companion.store import Preferences, Store
from iop_companion.store.export import render_html, without_secrets

__all__ = ["ExportFile", "RemovalOutcome", "entries_not_sent", "export_file",
           "remove_everything", "without_secrets"]

@dataclass(frozen=True)
class ExportFile:
    file_name: str
    content: bytes


def export_file(store: Store, kind: str, now: datetime) -> ExportFile:
    """The export as JSON (for another app) or as a readable web page (for a person).

    Both carry the 42 CFR Part 2 notice against redisclosure. The store leaves every
    secret out of its export (tokens, keys, the PIN, recovery codes), whoever asks for
    it. The bytes go straight to a place the person picks in the system's save dialog;
    nothing plain is left here.
    """
    export = store.export_json()
    stamp = now.strftime("%Y-%m-%d")
    if kind == "json":
        text = json.dumps(export, ensure_ascii=False, indent=2, allow_nan=False)
        return ExportFile(f"iop-companion-my-data-{stamp}.json", text.encode("utf-8"))
    if kind == "html":
        return ExportFile(f"iop-companion-my-data-{stamp}.html",
                          render_html(export).encode("utf-8"))
    raise ValueError(f"unknown export kind {kind!r}")


def entries_not_sent(store: Store | None) -> int:
    """Entries the clinic has not received: waiting, held behind another, or refused
    and set aside. All of them are lost with "Remove everything"."""
    return store.unsynced_count() if store is not None else 0


@dataclass(frozen=True)
class RemovalOutcome:
    removed: bool  # nothing of this person is left on the device
    message_key: str | None = None  # why nothing was removed, or what removed it


def remove_everything(account: Account, preferences: Preferences, pin: str, *,
                      forms_in_memory: MutableMapping[str, Any] | None = None) -> RemovalOutcome:
    """Remove everything of this person from this device, once their PIN is confirmed.

    The PIN is checked first and a wrong one counts like a wrong unlock (same delays,
    and the wipe the person may have chosen), so someone holding an unlocked phone
    cannot wipe it. Then the key is destroyed and every file deleted
    (``Account.remove_from_device``), the preferences go, and so do forms half-typed in
    this session.
    """
    problem = account.confirm_pin(pin)
    if problem is not None and account.is_set_up:
        return RemovalOutcome(False, problem)
    if problem is None:
        account.remove_from_device()
    # else: that wrong PIN was one too many and the chosen wipe already erased the store.
    preferences.clear()
    if forms_in_memory is not None:
        forms_in_memory.clear()
    return RemovalOutcome(True, problem)
