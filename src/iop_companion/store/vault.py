"""``Vault``: set-up, PIN unlock, PIN change, lock-out and "remove from this device".

Files under ``data_dir`` (all written with ``durable.atomic_write``)::

    vault/key.json       data key wrapped by the PIN (and a platform key if any);
                         scrypt parameters and salt; install id. No secret in clear.
    vault/attempts.json  wrong-PIN counter (see attempts.py), readable before unlock
    vault/writer.lock    flock: one writer process at a time
    vault/removing       present only while "remove from this device" runs
    data/*.enc           sealed partitions with opaque names (see storage.py)
    quarantine/          files that would not open, moved aside, and notes.json
    exports/             suggested place for encrypted exports (``*.enc``)
    preferences.json     only if ``Preferences`` is given this same folder
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import records as r
from .attempts import MAX_ATTEMPTS, AttemptState, PinAttempts, delay_after
from .crypto import (
    DATA_KEY_BYTES,
    DEFAULT_KDF,
    INSTALL_ID_BYTES,
    DataKeys,
    KdfParams,
    KeyUnwrapError,
    KeyWrapper,
    PinWrapper,
    b64d,
    b64e,
)
from .database import Store, _OpenState
from .durable import (
    TEMP_SUFFIX,
    WriterLock,
    atomic_write,
    durable_unlink,
    ensure_dir,
    fsync_dir,
)
from .errors import (
    AlreadySetUp,
    LockedOut,
    NewerVersion,
    NotSetUp,
    PinDelay,
    StoreCorrupt,
    StoreLocked,
    ValidationError,
    WrongPin,
)
from .lock_card import CARD_FILE as LOCK_CARD_FILE
from .lock_card import KEY_FILE as LOCK_CARD_KEY_FILE
from .migrations import MigrationPlan
from .preferences import PREFERENCES_FILE
from .quarantine import Quarantine
from .storage import SealedDirectoryBackend

KEY_FORMAT = 1
PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 128
EXPORTS_DIR = "exports"

_DAMAGED_KEY = (
    "The file that holds the key to your data is damaged, so your data cannot be opened. "
    "Nothing was deleted. If your entries were sent to your program, they are safe there."
)


@dataclass(frozen=True)
class KeyFile:
    install_id: bytes
    params: KdfParams
    salt: bytes
    wrapped: bytes
    layers: tuple[str, ...]

    def context(self) -> bytes:
        # Binds the wrapped key to this install: a key blob pasted into another
        # install's key file does not unwrap.
        return b"iop-companion/key/v1|" + self.install_id

    def to_bytes(self) -> bytes:
        doc = {
            "format": KEY_FORMAT,
            "install_id": self.install_id.hex(),
            "kdf": self.params.to_json(self.salt),
            "wrapped_key": b64e(self.wrapped),
            "layers": list(self.layers),
        }
        return json.dumps(doc, indent=1).encode("utf-8")

    @classmethod
    def parse(cls, raw: bytes) -> KeyFile:
        """Raises ``NewerVersion``, or ``ValueError``/``KeyError``/``TypeError`` if damaged."""
        doc: dict[str, Any] = json.loads(raw)
        if int(doc["format"]) > KEY_FORMAT:
            raise NewerVersion()
        install_id = bytes.fromhex(doc["install_id"])
        params, salt = KdfParams.from_json(doc["kdf"])
        layers = tuple(str(name) for name in doc["layers"])
        if len(install_id) != INSTALL_ID_BYTES or not layers or layers[0] != PinWrapper.name:
            raise ValueError("bad key file")
        return cls(install_id, params, salt, b64d(doc["wrapped_key"]), layers)


class Vault:
    """Entry point before unlock. One per data directory per process.

    ``kdf`` sets the scrypt strength for new wrappings (default N=2^17); unlock uses
    the parameters stored with the key. ``clock`` is wall-clock seconds (persisted
    delays must survive a restart). ``key_wrapper`` is the optional platform key.
    """

    def __init__(
        self,
        data_dir: Path,
        kdf: KdfParams | None = None,
        clock: Callable[[], float] = time.time,
        *,
        key_wrapper: KeyWrapper | None = None,
        now: r.Clock = r.utc_now,
        migrations: MigrationPlan | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self._kdf = kdf or DEFAULT_KDF
        self._wrapper = key_wrapper
        self._now = now
        self._plan = migrations
        self._vault_dir = self.data_dir / "vault"
        self._key_path = self._vault_dir / "key.json"
        self._removing = self._vault_dir / "removing"
        self._lock_path = self._vault_dir / "writer.lock"
        self._quarantine = Quarantine(self.data_dir / "quarantine")
        self._attempts = PinAttempts(self._vault_dir / "attempts.json", clock, self._quarantine)
        self._writer = WriterLock(self._lock_path)
        self._mutex = threading.RLock()
        self._open_state: _OpenState | None = None  # shared by every unlocked handle
        #: Seconds the last scrypt derivation took (diagnostics and the benchmark).
        self.last_kdf_seconds: float | None = None

    @property
    def exports_dir(self) -> Path:
        """Suggested folder for encrypted exports (removed with everything else)."""
        return self.data_dir / EXPORTS_DIR

    # ----------------------------------------------------------------- queries

    def is_set_up(self) -> bool:
        """A wrapped key exists (even if damaged: never offer set-up over it)."""
        return self._key_path.exists() and not self._removing.exists()

    def attempts_state(self) -> tuple[int, float]:
        """(wrong PINs so far, seconds until the next try is allowed)."""
        state = self._attempts.load()
        return state.failed, self._attempts.retry_after(state)

    def quarantine_reports(self) -> list[str]:
        """Plain-language notes about files moved aside (no health data in them)."""
        return self._quarantine.notes()

    def unsynced_count(self) -> int | None:
        """Entries not yet sent, for the warning before "remove from this device".

        ``None`` when the store is locked: the outbox is encrypted, so without the
        PIN the number is unknown (say so rather than show zero).
        """
        with self._mutex:
            state = self._open_state
            if state is None or not state.is_open:
                return None
            handle = Store._from_state(state)
        try:
            return handle.unsynced_count()
        finally:
            handle.lock()

    # --------------------------------------------------------------- set-up/unlock

    def create(self, pin: str) -> Store:
        """First run: a new random data key, wrapped by the PIN."""
        _check_new_pin(pin)
        with self._mutex:
            self._writer.acquire()
            try:
                if self._removing.exists():
                    self._finish_removal()  # an interrupted removal: complete it first
                if self._key_path.exists():
                    raise AlreadySetUp()
                self._set_aside_leftovers()
                keys, data_key = DataKeys.generate()
                self._write_key(data_key, keys.install_id, pin)
                self._attempts.reset()
                return self._open(keys)
            except BaseException:
                self._release_unless_open()
                raise

    def unlock(self, pin: str) -> Store:
        """Open the store. Raises WrongPin, PinDelay, LockedOut, StoreCorrupt,
        NotSetUp or StoreBusy (another process has it open).

        If this process already has the store open (another app session, e.g. a
        second browser tab), the PIN is still checked and a new handle on the same
        open store is returned: two independent copies would overwrite each other.
        """
        if not isinstance(pin, str) or not pin:
            raise ValidationError("pin", "is required")
        with self._mutex:
            if not self.is_set_up():
                raise NotSetUp()
            state = self._open_state
            self._writer.acquire()
            try:
                key_file = self._read_key()
                data_key = self._check_pin(key_file, pin)
                if key_file.params.n < self._kdf.n:
                    # Stored with a weaker scrypt than this app version uses: upgrade
                    # the wrapping now that we have the PIN (the data is untouched).
                    self._write_key(data_key, key_file.install_id, pin)
                if state is not None and state.is_open:
                    try:
                        return Store._from_state(state)
                    except StoreLocked:
                        pass  # its last handle was locked meanwhile: open afresh
                return self._open(DataKeys(data_key, key_file.install_id))
            except BaseException:
                self._release_unless_open()
                raise

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """Re-wrap the data key with a new PIN. No data file is rewritten.

        A wrong ``old_pin`` counts as a wrong PIN (same delays and lock-out). The
        key file is replaced atomically: after a crash, exactly one of the two PINs
        works.
        """
        _check_new_pin(new_pin)
        if not isinstance(old_pin, str) or not old_pin:
            raise ValidationError("old_pin", "is required")
        with self._mutex:
            if not self.is_set_up():
                raise NotSetUp()
            self._writer.acquire()  # already held if this process has the store open
            try:
                key_file = self._read_key()
                data_key = self._check_pin(key_file, old_pin)
                self._write_key(data_key, key_file.install_id, new_pin)
            finally:
                self._release_unless_open()

    # ------------------------------------------------------------------- removal

    @property
    def folder(self) -> Path:
        """The vault's own folder (the key file, attempts, the lock-screen card)."""
        return self._vault_dir

    def remove_from_device(self) -> None:
        """Destroy the key, then delete every file of the store.

        Deletes ``vault/``, ``data/``, ``quarantine/``, ``exports/`` and a
        ``preferences.json`` in this folder (if preferences live elsewhere, also call
        ``Preferences.clear()``). Works while locked out and without the PIN. Show
        ``Store.unsynced_count()`` first when the store is open: unsynced entries
        are lost. A removal that is interrupted is completed by the next ``create``.
        """
        with self._mutex:
            if self._open_state is not None:
                self._open_state.close()
            self._writer.acquire()
            try:
                ensure_dir(self._vault_dir)
                # Why a marker: if we are killed half-way, the next start must finish
                # the removal rather than treat leftovers as a store to open or keep.
                atomic_write(self._removing, b"removing\n")
                self._finish_removal()
            finally:
                self._writer.release()
            durable_unlink(self._lock_path)
            try:
                self._vault_dir.rmdir()
                fsync_dir(self.data_dir)
            except OSError:
                pass

    # ------------------------------------------------------------------ internals

    def _check_pin(self, key_file: KeyFile, pin: str) -> bytes:
        """Unwrap the data key, enforcing delays and the lock-out. Writer lock held."""
        blob = self._unwrap_platform(key_file)
        state = self._attempts.load()
        wait = self._attempts.retry_after(state)
        if state.failed >= MAX_ATTEMPTS and wait > 0:
            raise LockedOut(wait)
        if wait > 0:
            raise PinDelay(wait)  # not counted: the PIN was not even tried
        tried: AttemptState = self._attempts.record_try(state)
        try:
            data_key = self._pin_wrapper(pin, key_file.salt, key_file.params).unwrap(
                blob, key_file.context()
            )
        except KeyUnwrapError:
            if tried.failed >= MAX_ATTEMPTS:
                raise LockedOut(delay_after(tried.failed)) from None
            raise WrongPin(MAX_ATTEMPTS - tried.failed, delay_after(tried.failed)) from None
        self._attempts.reset()
        if len(data_key) != DATA_KEY_BYTES:
            raise StoreCorrupt(_DAMAGED_KEY)
        return data_key

    def _unwrap_platform(self, key_file: KeyFile) -> bytes:
        blob = key_file.wrapped
        for name in reversed(key_file.layers[1:]):
            if self._wrapper is None or self._wrapper.name != name:
                raise StoreCorrupt(
                    "Your data is also protected by a key in this phone's secure storage, "
                    "which this version of the app cannot reach. Nothing was changed."
                )
            try:
                blob = self._wrapper.unwrap(blob, key_file.context())
            except KeyUnwrapError:
                raise StoreCorrupt(
                    "The key kept in this phone's secure storage is no longer available "
                    "(this can happen after a phone reset), so your data cannot be opened. "
                    "Nothing was deleted."
                ) from None
        return blob

    def _pin_wrapper(self, pin: str, salt: bytes, params: KdfParams) -> PinWrapper:
        started = time.perf_counter()
        wrapper = PinWrapper(pin, salt, params)
        self.last_kdf_seconds = time.perf_counter() - started
        return wrapper

    def _write_key(self, data_key: bytes, install_id: bytes, pin: str) -> None:
        salt = os.urandom(self._kdf.salt_bytes)
        probe = KeyFile(install_id, self._kdf, salt, b"", ("pin",))
        blob = self._pin_wrapper(pin, salt, self._kdf).wrap(data_key, probe.context())
        layers = ["pin"]
        if self._wrapper is not None:
            blob = self._wrapper.wrap(blob, probe.context())
            layers.append(self._wrapper.name)
        ensure_dir(self._vault_dir)
        key_file = KeyFile(install_id, self._kdf, salt, blob, tuple(layers))
        atomic_write(self._key_path, key_file.to_bytes())

    def _read_key(self) -> KeyFile:
        try:
            raw = self._key_path.read_bytes()
        except FileNotFoundError:
            raise NotSetUp() from None
        except OSError:
            raise StoreCorrupt(_DAMAGED_KEY) from None
        try:
            return KeyFile.parse(raw)
        except (ValueError, KeyError, TypeError):
            raise StoreCorrupt(_DAMAGED_KEY) from None

    def _open(self, keys: DataKeys) -> Store:
        backend = SealedDirectoryBackend(self.data_dir / "data", keys, self._quarantine)
        backend.open()
        store = Store(
            backend,
            now=self._now,
            migrations=self._plan,
            data_dir=self.data_dir,
            quarantine=self._quarantine,
        )
        state = store._state
        state.on_close = lambda: self._closed(state)
        self._open_state = state
        return store

    def _closed(self, state: _OpenState) -> None:
        """The last handle was locked: let other processes open the store."""
        with self._mutex:
            if self._open_state is state:
                self._open_state = None
                self._writer.release()

    def _release_unless_open(self) -> None:
        if self._open_state is None or not self._open_state.is_open:
            self._writer.release()

    def _set_aside_leftovers(self) -> None:
        """Data files without a key (the key file was lost) cannot be read by the new
        key; keep them in quarantine rather than mixing them into the new store."""
        data_dir = self.data_dir / "data"
        if not data_dir.is_dir():
            return
        for entry in sorted(data_dir.iterdir()):
            if entry.is_file() and entry.name.endswith(TEMP_SUFFIX):
                entry.unlink()
            elif entry.is_file():
                self._quarantine.move_aside(entry, "leftover")

    def _finish_removal(self) -> None:
        # 1. Destroy the key first. From here on the data files are ciphertext
        #    nobody can open, so a crash during the deletions below exposes nothing.
        if self._key_path.exists():
            size = self._key_path.stat().st_size
            # Overwrite before unlinking (best effort: flash storage may keep old
            # blocks, which is why the key is wrapped and the data encrypted at all).
            with open(self._key_path, "r+b") as handle:
                handle.write(os.urandom(max(size, 1)))
                handle.flush()
                os.fsync(handle.fileno())
            durable_unlink(self._key_path)
        if self._wrapper is not None:
            self._wrapper.destroy()
        # 2. Delete every file the store owns.
        for folder in ("data", "quarantine", EXPORTS_DIR):
            path = self.data_dir / folder
            if path.exists():
                shutil.rmtree(path)
        fsync_dir(self.data_dir)
        durable_unlink(self._vault_dir / "attempts.json")
        for name in (LOCK_CARD_KEY_FILE, LOCK_CARD_FILE):  # the lock-screen card, if on
            durable_unlink(self._vault_dir / name)
        durable_unlink(self.data_dir / PREFERENCES_FILE)
        durable_unlink(self._removing)


def _check_new_pin(pin: object) -> None:
    if not isinstance(pin, str) or not PIN_MIN_LENGTH <= len(pin) <= PIN_MAX_LENGTH:
        raise ValidationError(
            "pin", f"must be {PIN_MIN_LENGTH} to {PIN_MAX_LENGTH} characters long"
        )
    if any(ord(ch) < 32 for ch in pin):
        raise ValidationError("pin", "must not contain control characters")
