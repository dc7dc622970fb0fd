"""The phone's secure storage as an extra layer on the data key (Android, iOS).

On a phone build, a random 32-byte *device secret* is kept in the platform's secure
storage through ``flet-secure-storage`` (Android: encrypted with a key held by the
Android Keystore, which never leaves it; iOS: the Keychain, "this device only", so
never in a backup or on another phone). ``SecureStorageKeyWrapper`` encrypts each
slot of the key file (the PIN's and the recovery code's) once more with that secret
(AES-256-GCM), so a copy of the app's data folder alone cannot be guessed at offline:
without the phone the PIN is not even testable. "Remove everything" deletes the
secret with the key file.

How the synchronous vault gets it. ``SecureStorage`` answers asynchronously (it is a
Flet service talking to the phone), while the vault runs in screen handlers. So the
app, when a session starts on a phone and *before* the lock screen shows, awaits
``DeviceKeyLink.start()``: it reads the secret (or makes one, stores it and reads it
back), and hands the vault a ready wrapper (``Vault.use_platform_key``). From then on
wrapping and unwrapping are plain computations in memory. A key file without the
layer (set up before it, or while secure storage could not be reached) gains it at
the next unlock. After a removal the wrapper's ``destroy()`` forgets the secret at
once and schedules, on the app's event loop, the deletion of the stored secret and
the making of a fresh one for the next set-up.

Where it is used: Android and iOS builds only (``page.platform``, and not
``page.web``). The web build and the desktop app run without it, exactly as before:
there the PIN and scrypt are what protect a copied data folder. If the phone's
secure storage cannot be reached at start (an error, or no answer within 15 seconds),
nothing is attached and nothing is overwritten: a key file that needs the layer then reports that it cannot be opened
(nothing deleted), and a new install goes without the layer until a later start.

This module does not import Flet: ``SecretStorage`` is the shape of
``flet_secure_storage.SecureStorage`` that it uses, so tests pass a fake. It has only
been tested with such a fake; the real Keystore and Keychain paths need a phone.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from iop_companion.store.crypto import KeyUnwrapError, KeyWrapper

log = logging.getLogger(__name__)

LAYER_NAME = "secure-storage"
SECRET_NAME = "iop_companion.device_secret.v1"
SECRET_BYTES = 32
NONCE_BYTES = 12
_AAD_PREFIX = b"iop-companion/secure-storage/v1|"
PHONE_PLATFORMS = frozenset({"android", "ios"})
#: Flet waits for the phone's answer without limit; the app must not hang at start.
STORAGE_TIMEOUT_S = 15.0


class SecretStorage(Protocol):
    """What is used of ``flet_secure_storage.SecureStorage`` (all async)."""

    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...

    async def remove(self, key: str) -> None: ...


class PlatformKeyHolder(Protocol):
    """What is used of the vault (``store.Vault``)."""

    def use_platform_key(self, wrapper: KeyWrapper | None) -> None: ...


def uses_secure_storage(platform: object, web: bool) -> bool:
    """True on an Android or iOS build (``page.platform``, ``page.web``). A browser on
    a phone is the web build: Python runs on the server, which has no Keystore."""
    if web:
        return False
    value = getattr(platform, "value", platform)
    return str(value).lower() in PHONE_PLATFORMS


class SecureStorageKeyWrapper:
    """A ``KeyWrapper`` over the device secret, held in memory while the app runs."""

    name = LAYER_NAME

    def __init__(self, secret: bytes, on_destroy: Callable[[], None] | None = None) -> None:
        if len(secret) != SECRET_BYTES:
            raise ValueError("the device secret must be 32 bytes")
        self._aead: AESGCM | None = AESGCM(secret)
        self._on_destroy = on_destroy

    @property
    def destroyed(self) -> bool:
        return self._aead is None

    def wrap(self, blob: bytes, context: bytes) -> bytes:
        if self._aead is None:
            raise KeyUnwrapError()
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, blob, _AAD_PREFIX + context)

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        if self._aead is None or len(blob) < NONCE_BYTES:
            raise KeyUnwrapError()
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _AAD_PREFIX + context)
        except InvalidTag:
            raise KeyUnwrapError() from None

    def destroy(self) -> None:
        """Forget the secret now; the stored copy is deleted by ``on_destroy``."""
        self._aead = None
        if self._on_destroy is not None:
            self._on_destroy()


def _decode(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        secret = base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return None
    return secret if len(secret) == SECRET_BYTES else None


async def load_or_create_secret(storage: SecretStorage) -> bytes:
    """The device secret, made and stored on first use (read back before it is used,
    so a key file never depends on a secret that was not really kept).

    Raises whatever the storage raises when it cannot be reached, and ``RuntimeError``
    when a stored secret does not read back.
    """
    secret = _decode(await storage.get(SECRET_NAME))
    if secret is not None:
        return secret
    # None (first use, or the phone's storage was reset) or unreadable: an unreadable
    # value cannot open anything either, so a fresh secret loses nothing.
    return await create_secret(storage)


async def create_secret(storage: SecretStorage) -> bytes:
    """Make a new device secret, replacing any stored one, and read it back."""
    secret = os.urandom(SECRET_BYTES)
    encoded = base64.b64encode(secret).decode("ascii")
    await storage.set(SECRET_NAME, encoded)
    if await storage.get(SECRET_NAME) != encoded:
        raise RuntimeError("the device secret did not read back")
    return secret


class DeviceKeyLink:
    """Keeps the vault supplied with the device-secret wrapper for one app process.

    ``schedule`` runs a coroutine function on the app's event loop from any thread
    (``page.run_task``); it is used when ``destroy()`` is called from a screen handler.
    """

    def __init__(
        self,
        storage: SecretStorage,
        vault: PlatformKeyHolder,
        schedule: Callable[[Callable[[], Awaitable[None]]], Any],
        timeout_s: float = STORAGE_TIMEOUT_S,
    ) -> None:
        self._storage = storage
        self._vault = vault
        self._schedule = schedule
        self._timeout_s = timeout_s
        self.wrapper: SecureStorageKeyWrapper | None = None

    async def start(self) -> bool:
        """Read or make the device secret and hand the vault its wrapper. False (and
        nothing attached) when secure storage cannot be reached."""
        return await self._attach(load_or_create_secret)

    async def _attach(self, get_secret: Callable[[SecretStorage], Awaitable[bytes]]) -> bool:
        try:
            secret = await asyncio.wait_for(get_secret(self._storage), self._timeout_s)
        except Exception as error:  # noqa: BLE001 - any platform failure: go without
            # Only the type: a platform message could quote what was stored.
            log.warning("Secure storage unavailable: %s", type(error).__name__)
            return False
        self.wrapper = SecureStorageKeyWrapper(secret, on_destroy=self._destroyed)
        self._vault.use_platform_key(self.wrapper)
        return True

    def _destroyed(self) -> None:
        self.wrapper = None
        self._schedule(self.renew)

    async def renew(self) -> None:
        """After a removal: delete the stored secret, then make a fresh one for the
        next set-up (a new install never reuses the old secret)."""
        try:
            await asyncio.wait_for(self._storage.remove(SECRET_NAME), self._timeout_s)
        except Exception as error:  # noqa: BLE001 - the new secret below replaces it
            log.warning("Could not delete the device secret: %s", type(error).__name__)
        await self._attach(create_secret)
