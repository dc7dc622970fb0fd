"""The lock-screen safety card: what the participant chose to show without the PIN.

Off by default. When the participant turns it on (Settings), a copy of their safety
plan and their clinic's crisis line is kept here so that "Get help now" on the lock
screen can show it. Anyone holding the phone can then read it: that is the point,
and Settings says so. It is still never a plain file: it is sealed with AES-256-GCM
under its own random key (kept beside it, since no PIN may be needed to open it),
so a copy of the folder or a backup tool scanning for text does not see the plan.
Turning it off, or removing the app's data, destroys both files.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .durable import atomic_write, durable_unlink, ensure_dir
from .errors import ValidationError, WriteFailed
from .records import json_value

CARD_FILE = "lock-card.bin"
KEY_FILE = "lock-card.key"
CARD_MAX_BYTES = 64 * 1024
_CONTEXT = b"iop-companion lock-screen card v1"
_NONCE_BYTES = 12


class LockScreenCard:
    """Keeps (or forgets) the card in `folder` (the vault's folder)."""

    def __init__(self, folder: Path) -> None:
        self._folder = Path(folder)
        self._mutex = threading.Lock()

    @property
    def _card(self) -> Path:
        return self._folder / CARD_FILE

    @property
    def _key(self) -> Path:
        return self._folder / KEY_FILE

    def is_on(self) -> bool:
        return self._card.exists()

    def save(self, card: dict[str, Any]) -> None:
        """Keep `card` (plain JSON values) for the lock screen."""
        clean = json_value("lock_card", card, CARD_MAX_BYTES)
        if not isinstance(clean, dict):
            raise ValidationError("lock_card", "must be an object")
        plaintext = json.dumps(clean, allow_nan=False).encode("utf-8")
        with self._mutex:
            try:
                ensure_dir(self._folder)
                key = self._read_key() or self._new_key()
                nonce = os.urandom(_NONCE_BYTES)
                atomic_write(self._card, nonce + AESGCM(key).encrypt(nonce, plaintext, _CONTEXT))
            except OSError:
                raise WriteFailed() from None

    def load(self) -> dict[str, Any] | None:
        """The card, or None when it is off or cannot be read (never raises)."""
        with self._mutex:
            try:
                blob = self._card.read_bytes()
                key = self._read_key()
            except OSError:
                return None
        if key is None or len(blob) <= _NONCE_BYTES:
            return None
        try:
            plaintext = AESGCM(key).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _CONTEXT)
            card = json.loads(plaintext)
        except (InvalidTag, ValueError):
            return None
        return card if isinstance(card, dict) else None

    def clear(self) -> None:
        """Turn it off: the key first (the card is then unreadable), then the card."""
        with self._mutex:
            for path in (self._key, self._card):
                try:
                    durable_unlink(path)
                except OSError:
                    pass

    def _read_key(self) -> bytes | None:
        try:
            key = self._key.read_bytes()
        except FileNotFoundError:
            return None
        return key if len(key) == 32 else None

    def _new_key(self) -> bytes:
        key = AESGCM.generate_key(bit_length=256)
        atomic_write(self._key, key)
        return key
