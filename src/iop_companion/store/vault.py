"""``Vault``: set-up, PIN unlock, PIN change, recovery code, lock-out, optional wipe
and "remove from this device".

Files under ``data_dir`` (all written with ``durable.atomic_write``)::

    vault/key.json       the data key wrapped twice: by the PIN, and by the recovery
                         code (format 2; a format-1 file has no recovery slot), each
                         slot with its own scrypt salt, and each also wrapped by the
                         platform key when there is one. Install id. No secret in clear.
    vault/attempts.json  wrong-PIN counter (see attempts.py), readable before unlock
    vault/wipe.json      present only if the person chose to erase everything after
                         10, 15 or 20 wrong tries in a row, readable before unlock
    vault/writer.lock    flock: one writer process at a time
    vault/removing       present only while "remove from this device" runs
    data/*.enc           sealed partitions with opaque names (see storage.py)
    quarantine/          files that would not open, moved aside, and notes.json
    exports/             suggested place for encrypted exports (``*.enc``)
    preferences.json     only if ``Preferences`` is given this same folder

Every key-file change (new PIN, recovery, new recovery code, upgrade) is one atomic
replace of ``key.json``: after a crash either the old PIN and code work, or the new
ones, never a mix and never neither.
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

from iop_companion.domain.pin import (
    generate_recovery_code,
    normalise_recovery_code,
    pin_problem,
)

from . import records as r
from .attempts import (
    MAX_ATTEMPTS,
    AttemptState,
    BootTimer,
    PinAttempts,
    delay_after,
    system_boot_timer,
)
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
    NoRecoveryCode,
    NotSetUp,
    PinDelay,
    StoreBusy,
    StoreCorrupt,
    StoreLocked,
    ValidationError,
    Wiped,
    WrongPin,
    WrongRecoveryCode,
)
from .lock_card import CARD_FILE as LOCK_CARD_FILE
from .lock_card import KEY_FILE as LOCK_CARD_KEY_FILE
from .migrations import MigrationPlan
from .preferences import PREFERENCES_FILE
from .quarantine import Quarantine
from .storage import SealedDirectoryBackend

KEY_FORMAT = 2
WIPE_FILE = "wipe.json"
#: The counts of wrong tries in a row after which the person may choose to erase all.
WIPE_CHOICES = (10, 15, 20)
EXPORTS_DIR = "exports"
_PIN_CONTEXT = b"iop-companion/key/v1|"
_RECOVERY_CONTEXT = b"iop-companion/recovery/v1|"
# The vault's own files, swept of temp leftovers (killed writes) under the writer lock.
_VAULT_FILES = ("key.json", "attempts.json", WIPE_FILE)

_DAMAGED_KEY = (
    "The file that holds the key to your data is damaged, so your data cannot be opened. "
    "Nothing was deleted. If your entries were sent to your program, they are safe there."
)


@dataclass(frozen=True)
class WrappedSlot:
    """The data key wrapped by one secret (the PIN, or the recovery code)."""

    params: KdfParams
    salt: bytes
    wrapped: bytes  # as stored: platform layers, if any, already applied

    def to_json(self) -> dict[str, Any]:
        return {"kdf": self.params.to_json(self.salt), "wrapped_key": b64e(self.wrapped)}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> WrappedSlot:
        params, salt = KdfParams.from_json(doc["kdf"])
        return cls(params, salt, b64d(doc["wrapped_key"]))


@dataclass(frozen=True)
class KeyFile:
    install_id: bytes
    pin: WrappedSlot
    recovery: WrappedSlot | None
    layers: tuple[str, ...]  # "pin" then the platform wrappers, applied to both slots

    @property
    def params(self) -> KdfParams:
        return self.pin.params

    def context(self) -> bytes:
        # Binds the wrapped key to this install: a key blob pasted into another
        # install's key file does not unwrap. Unchanged since format 1.
        return _PIN_CONTEXT + self.install_id

    def recovery_context(self) -> bytes:
        # A different context: the PIN slot's blob pasted into the recovery slot (or
        # the reverse) does not unwrap.
        return _RECOVERY_CONTEXT + self.install_id

    def to_bytes(self) -> bytes:
        doc: dict[str, Any] = {
            "format": KEY_FORMAT,
            "install_id": self.install_id.hex(),
            **self.pin.to_json(),  # the PIN slot at the top level, as in format 1
            "layers": list(self.layers),
        }
        if self.recovery is not None:
            doc["recovery"] = self.recovery.to_json()
        return json.dumps(doc, indent=1).encode("utf-8")

    @classmethod
    def parse(cls, raw: bytes) -> KeyFile:
        """Raises ``NewerVersion``, or ``ValueError``/``KeyError``/``TypeError`` if damaged."""
        doc: dict[str, Any] = json.loads(raw)
        if int(doc["format"]) > KEY_FORMAT:
            raise NewerVersion()
        install_id = bytes.fromhex(doc["install_id"])
        pin = WrappedSlot.from_json(doc)
        recovery = WrappedSlot.from_json(doc["recovery"]) if doc.get("recovery") else None
        layers = tuple(str(name) for name in doc["layers"])
        if len(install_id) != INSTALL_ID_BYTES or not layers or layers[0] != PinWrapper.name:
            raise ValueError("bad key file")
        return cls(install_id, pin, recovery, layers)


class Vault:
    """Entry point before unlock. One per data directory per process.

    ``kdf`` sets the scrypt strength for new wrappings (default N=2^17); unlock uses
    the parameters stored with the key. ``timer`` measures the waits after wrong PINs
    (attempts.py; default: the boot clock); ``clock`` is the wall clock, only recorded.
    ``key_wrapper`` is the optional platform key; ``use_platform_key`` can hand it over
    later (a phone's secure storage answers asynchronously).
    """

    def __init__(
        self,
        data_dir: Path,
        kdf: KdfParams | None = None,
        clock: Callable[[], float] = time.time,
        *,
        timer: BootTimer | None = None,
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
        self._wipe_path = self._vault_dir / WIPE_FILE
        self._removing = self._vault_dir / "removing"
        self._lock_path = self._vault_dir / "writer.lock"
        self._quarantine = Quarantine(self.data_dir / "quarantine")
        self._attempts = PinAttempts(
            self._vault_dir / "attempts.json", timer or system_boot_timer(), self._quarantine,
            wall_clock=clock,
        )
        self._writer = WriterLock(self._lock_path)
        self._mutex = threading.RLock()
        self._open_state: _OpenState | None = None  # shared by every unlocked handle
        #: Seconds the last scrypt derivation took (diagnostics and the benchmark).
        self.last_kdf_seconds: float | None = None

    @property
    def exports_dir(self) -> Path:
        """Suggested folder for encrypted exports (removed with everything else)."""
        return self.data_dir / EXPORTS_DIR

    def use_platform_key(self, wrapper: KeyWrapper | None) -> None:
        """Hand over (or take back) the platform key. A key file without its layer
        gains it at the next unlock; new key files get it from now on."""
        with self._mutex:
            self._wrapper = wrapper

    @property
    def platform_key(self) -> KeyWrapper | None:
        return self._wrapper

    # ----------------------------------------------------------------- queries

    def is_set_up(self) -> bool:
        """A wrapped key exists (even if damaged: never offer set-up over it)."""
        return self._key_path.exists() and not self._removing.exists()

    def attempts_state(self) -> tuple[int, float]:
        """(wrong PINs so far, seconds until the next try is allowed)."""
        if not self._vault_dir.is_dir():
            return 0, 0.0  # nothing set up: do not create the folder by looking
        with self._mutex:
            held = self._writer.held
            if not held:
                try:
                    self._writer.acquire()
                except StoreBusy:  # another process has the store: look, do not write
                    state = self._attempts.load()
                    return state.failed, self._attempts.retry_after(state, persist=False)
            try:
                self._sweep_vault_temps()
                state = self._attempts.load()
                return state.failed, self._attempts.retry_after(state)
            finally:
                if not held:
                    self._writer.release()

    def has_recovery_code(self) -> bool:
        """The key file holds a recovery slot (installs set up before it have none)."""
        try:
            return self._read_key().recovery is not None
        except (NotSetUp, StoreCorrupt):
            return False

    def wipe_after(self) -> int | None:
        """After how many wrong tries in a row everything is erased; None: never."""
        # Kept outside the encrypted store because it must be read before unlock. Why
        # tampering gains nothing: whoever can delete or edit this file can already
        # copy every file of the app, and the count only ever erases (it protects the
        # data from guessing on the phone's own screen, never opens it). A damaged
        # file reads as "off": erasing on a misread would be the worse mistake.
        try:
            after = json.loads(self._wipe_path.read_text("utf-8"))["after"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return after if isinstance(after, int) and after in WIPE_CHOICES else None

    def set_wipe_after(self, count: int | None) -> None:
        """Choose to erase everything after ``count`` wrong tries in a row (10, 15 or
        20), or never (None). Only while this process has the store open."""
        if count is not None and (isinstance(count, bool) or count not in WIPE_CHOICES):
            raise ValidationError("wipe_after", "must be 10, 15, 20 or none")
        with self._mutex:
            state = self._open_state
            if state is None or not state.is_open:
                raise StoreLocked()
            if count is None:
                durable_unlink(self._wipe_path)
            else:
                atomic_write(self._wipe_path, json.dumps({"after": count}).encode("utf-8"))

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

    def create(self, pin: str, *, recovery_code: str | None = None) -> Store:
        """First run: a new random data key, wrapped by the PIN (and by
        ``recovery_code`` when given; ``set_up`` makes one)."""
        _check_new_pin(pin)
        recovery = _canonical_code(recovery_code) if recovery_code is not None else None
        if recovery_code is not None and recovery is None:
            raise ValidationError("recovery_code", "is not a recovery code")
        with self._mutex:
            self._writer.acquire()
            try:
                if self._removing.exists():
                    self._finish_removal()  # an interrupted removal: complete it first
                if self._key_path.exists():
                    raise AlreadySetUp()
                self._set_aside_leftovers()
                keys, data_key = DataKeys.generate()
                self._write_key(data_key, keys.install_id, pin, recovery_code=recovery)
                self._attempts.reset()
                return self._open(keys)
            except BaseException:
                self._release_unless_open()
                raise

    def set_up(self, pin: str) -> tuple[Store, str]:
        """First run with a recovery code: the open store and the code to show once
        (XXXX-XXXX-XXXX-XXXX-XXXX). The code is not kept anywhere."""
        code = generate_recovery_code()
        return self.create(pin, recovery_code=code), code

    def unlock(self, pin: str) -> Store:
        """Open the store. Raises WrongPin, PinDelay, LockedOut, Wiped, StoreCorrupt,
        NotSetUp or StoreBusy (another process has it open).

        Any string is tried as a PIN: one that could not be chosen today (too short,
        letters...) is a wrong PIN like any other, so the answer never tells the rules.
        If this process already has the store open (another app session, e.g. a
        second browser tab), the PIN is still checked and a new handle on the same
        open store is returned: two independent copies would overwrite each other.
        """
        secret = pin if isinstance(pin, str) else ""
        with self._mutex:
            if not self.is_set_up():
                raise NotSetUp()
            state = self._open_state
            self._writer.acquire()
            try:
                key_file = self._read_key()
                data_key = self._check_secret(key_file, secret)
                if self._needs_rewrap(key_file):
                    # A weaker scrypt than this app version uses, or a platform key
                    # that the file does not have yet: re-wrap now that we have the PIN
                    # (the data and the recovery code are untouched).
                    self._write_key(data_key, key_file.install_id, secret, keep=key_file)
                return self._handle(state, data_key, key_file.install_id)
            except BaseException:
                self._release_unless_open()
                raise

    def verify_pin(self, pin: str) -> None:
        """Check the PIN without opening anything (before "Remove everything").
        Counted like an unlock: raises WrongPin, PinDelay, LockedOut or Wiped."""
        with self._mutex:
            if not self.is_set_up():
                raise NotSetUp()
            self._writer.acquire()
            try:
                self._check_secret(self._read_key(), pin if isinstance(pin, str) else "")
            finally:
                self._release_unless_open()

    def change_pin(self, old_pin: str, new_pin: str) -> None:
        """Re-wrap the data key with a new PIN. No data file is rewritten; the
        recovery code stays as it is.

        A wrong ``old_pin`` counts as a wrong PIN (same delays and lock-out). The
        key file is replaced atomically: after a crash, exactly one of the two PINs
        works.
        """
        _check_new_pin(new_pin)
        with self._mutex:
            if not self.is_set_up():
                raise NotSetUp()
            self._writer.acquire()  # already held if this process has the store open
            try:
                key_file = self._read_key()
                data_key = self._check_secret(
                    key_file, old_pin if isinstance(old_pin, str) else ""
                )
                self._write_key(data_key, key_file.install_id, new_pin, keep=key_file)
            finally:
                self._release_unless_open()

    def recover(self, recovery_code: str, new_pin: str) -> tuple[Store, str]:
        """"Forgot PIN?": the recovery code opens the store and sets ``new_pin``.

        Returns the open store and a NEW recovery code to show once: the one typed is
        spent. A wrong code counts like a wrong PIN (same counter, delays, lock-out
        and wipe). Raises NoRecoveryCode for an install set up before recovery codes.
        """
        _check_new_pin(new_pin)
        typed = _canonical_code(recovery_code)
        # A code that cannot be one is still tried (and counted): no different answer.
        secret = typed if typed is not None else str(recovery_code)
        with self._mutex:
            if not self.is_set_up():
                raise NotSetUp()
            state = self._open_state
            self._writer.acquire()
            try:
                key_file = self._read_key()
                if key_file.recovery is None:
                    raise NoRecoveryCode()
                data_key = self._check_secret(key_file, secret, recovery=True)
                code = generate_recovery_code()
                self._write_key(
                    data_key, key_file.install_id, new_pin, recovery_code=_canonical_code(code)
                )
                return self._handle(state, data_key, key_file.install_id), code
            except BaseException:
                self._release_unless_open()
                raise

    def new_recovery_code(self, pin: str) -> str:
        """A new recovery code (the old one stops working), for Settings; also gives a
        recovery code to an install set up before them. The PIN is checked (counted)."""
        with self._mutex:
            if not self.is_set_up():
                raise NotSetUp()
            self._writer.acquire()
            try:
                key_file = self._read_key()
                secret = pin if isinstance(pin, str) else ""
                data_key = self._check_secret(key_file, secret)
                code = generate_recovery_code()
                self._write_key(
                    data_key, key_file.install_id, secret, recovery_code=_canonical_code(code)
                )
                return code
            finally:
                self._release_unless_open()

    # ------------------------------------------------------------------- removal

    @property
    def folder(self) -> Path:
        """The vault's own folder (the key file, attempts, the lock-screen card)."""
        return self._vault_dir

    def remove_from_device(self) -> None:
        """Destroy the key (both slots and the platform key), then delete every file.

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

    def _check_secret(self, key_file: KeyFile, secret: str, *, recovery: bool = False) -> bytes:
        """Unwrap the data key with the PIN (or the recovery code), enforcing delays,
        the lock-out and the chosen wipe. Writer lock held."""
        slot = key_file.recovery if recovery else key_file.pin
        assert slot is not None
        context = key_file.recovery_context() if recovery else key_file.context()
        # The platform layers first: a missing platform key is not the person's fault
        # and is not counted.
        inner = self._peel(slot.wrapped, key_file.layers, context)
        self._sweep_vault_temps()
        state = self._attempts.load()
        wait = self._attempts.retry_after(state)
        wipe_after = self.wipe_after()
        if state.failed >= MAX_ATTEMPTS and wait > 0:
            raise LockedOut(wait, _left(state.failed, wipe_after) if wipe_after else None)
        if wait > 0:
            raise PinDelay(wait)  # not counted: the PIN was not even tried
        tried: AttemptState = self._attempts.record_try(state)
        try:
            data_key = self._kdf_wrapper(secret, slot.salt, slot.params).unwrap(inner, context)
        except KeyUnwrapError:
            if wipe_after is not None and tried.failed >= wipe_after:
                self._wipe()
            left = _left(tried.failed, wipe_after)
            if tried.failed >= MAX_ATTEMPTS:
                raise LockedOut(delay_after(tried.failed), left if wipe_after else None) from None
            wrong = WrongRecoveryCode if recovery else WrongPin
            raise wrong(left, delay_after(tried.failed)) from None
        self._attempts.reset()
        if len(data_key) != DATA_KEY_BYTES:
            raise StoreCorrupt(_DAMAGED_KEY)
        return data_key

    def _wipe(self) -> None:
        """The chosen count of wrong tries was reached: remove everything, as the
        person asked, then say so."""
        self.remove_from_device()
        raise Wiped()

    def _handle(self, state: _OpenState | None, data_key: bytes, install_id: bytes) -> Store:
        if state is not None and state.is_open:
            try:
                return Store._from_state(state)
            except StoreLocked:
                pass  # its last handle was locked meanwhile: open afresh
        return self._open(DataKeys(data_key, install_id))

    def _needs_rewrap(self, key_file: KeyFile) -> bool:
        weaker = key_file.pin.params.n < self._kdf.n
        gains_layer = self._wrapper is not None and self._wrapper.name not in key_file.layers
        return weaker or gains_layer

    def _peel(self, blob: bytes, layers: tuple[str, ...], context: bytes) -> bytes:
        """Take off the platform layers (outermost last in ``layers``)."""
        for name in reversed(layers[1:]):
            if self._wrapper is None or self._wrapper.name != name:
                raise StoreCorrupt(
                    "Your data is also protected by a key in this phone's secure storage, "
                    "which this version of the app cannot reach. Nothing was changed."
                )
            try:
                blob = self._wrapper.unwrap(blob, context)
            except KeyUnwrapError:
                raise StoreCorrupt(
                    "The key kept in this phone's secure storage is no longer available "
                    "(this can happen after a phone reset), so your data cannot be opened. "
                    "Nothing was deleted."
                ) from None
        return blob

    def _layer(self, blob: bytes, context: bytes) -> bytes:
        if self._wrapper is not None:
            blob = self._wrapper.wrap(blob, context)
        return blob

    def _kdf_wrapper(self, secret: str, salt: bytes, params: KdfParams) -> PinWrapper:
        started = time.perf_counter()
        wrapper = PinWrapper(secret, salt, params)
        self.last_kdf_seconds = time.perf_counter() - started
        return wrapper

    def _seal_slot(self, data_key: bytes, secret: str, context: bytes) -> WrappedSlot:
        salt = os.urandom(self._kdf.salt_bytes)
        blob = self._kdf_wrapper(secret, salt, self._kdf).wrap(data_key, context)
        return WrappedSlot(self._kdf, salt, self._layer(blob, context))

    def _write_key(
        self,
        data_key: bytes,
        install_id: bytes,
        pin: str,
        *,
        recovery_code: str | None = None,
        keep: KeyFile | None = None,
    ) -> None:
        """Write the key file: the PIN slot anew; the recovery slot from
        ``recovery_code`` (canonical), or carried over from ``keep`` (its platform
        layers replaced by the current ones), or none."""
        layers = ("pin",) + ((self._wrapper.name,) if self._wrapper is not None else ())
        probe = KeyFile(install_id, WrappedSlot(self._kdf, b"", b""), None, layers)
        pin_slot = self._seal_slot(data_key, pin, probe.context())
        recovery: WrappedSlot | None = None
        if recovery_code is not None:
            recovery = self._seal_slot(data_key, recovery_code, probe.recovery_context())
        elif keep is not None and keep.recovery is not None:
            context = keep.recovery_context()
            inner = self._peel(keep.recovery.wrapped, keep.layers, context)
            recovery = WrappedSlot(
                keep.recovery.params, keep.recovery.salt, self._layer(inner, context)
            )
        ensure_dir(self._vault_dir)
        key_file = KeyFile(install_id, pin_slot, recovery, layers)
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

    def _sweep_vault_temps(self) -> None:
        """Temp files of the vault's own files left by killed writes (writer lock
        held). Why: they pile up after kills, and an old key file's temp would keep a
        wrapped copy of the key after a PIN change."""
        if not self._vault_dir.is_dir():
            return
        removed = False
        for name in _VAULT_FILES:
            for entry in self._vault_dir.glob(f"{name}.*{TEMP_SUFFIX}"):
                try:
                    entry.unlink()
                    removed = True
                except FileNotFoundError:
                    pass
        if removed:
            fsync_dir(self._vault_dir)

    def _open(self, keys: DataKeys) -> Store:
        # Every way in (create, unlock, recover) clears leftovers of killed writes in
        # vault/ as backend.open() does in data/: create never checks a PIN, so the
        # sweep in _check_secret alone would leave a killed set-up's temps behind.
        self._sweep_vault_temps()
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
        # The platform key next: without it no copy of the key file (a backup, a
        # temp file, flash blocks) opens, whatever PIN or recovery code is tried.
        wrapper, self._wrapper = self._wrapper, None
        if wrapper is not None:
            wrapper.destroy()  # a phone's new secret comes back via use_platform_key
        # 2. Delete every file the store owns.
        for folder in ("data", "quarantine", EXPORTS_DIR):
            path = self.data_dir / folder
            if path.exists():
                shutil.rmtree(path)
        fsync_dir(self.data_dir)
        self._sweep_vault_temps()
        durable_unlink(self._vault_dir / "attempts.json")
        durable_unlink(self._wipe_path)
        for name in (LOCK_CARD_KEY_FILE, LOCK_CARD_FILE):  # the lock-screen card, if on
            durable_unlink(self._vault_dir / name)
        durable_unlink(self.data_dir / PREFERENCES_FILE)
        durable_unlink(self._removing)


def _check_new_pin(pin: object) -> None:
    """The rule for a chosen PIN (domain/pin.py); the reason is a translation key."""
    problem = pin_problem(pin) if isinstance(pin, str) else "pin.error.empty"
    if problem is not None:
        raise ValidationError("pin", problem)


def _canonical_code(code: object) -> str | None:
    return normalise_recovery_code(code) if isinstance(code, str) else None


def _left(failed: int, wipe_after: int | None) -> int:
    """Wrong tries left before the wipe (when chosen), else before the lock-out."""
    return max(0, (wipe_after if wipe_after is not None else MAX_ATTEMPTS) - failed)
