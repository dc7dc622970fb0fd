"""Keys and sealing: PIN-derived key wrapping and AES-256-GCM for every data file.

Key hierarchy::

    PIN --scrypt(N, r, p, 16-byte salt)--> key-encryption key --AES-GCM--> data key
    recovery code --scrypt(own salt)--> key-encryption key --AES-GCM--> data key
    [optional platform KeyWrapper (Keystore / Keychain) wraps each result again]
    data key --HKDF--> file key (AES-256-GCM, fresh 96-bit random nonce per seal)
             --HKDF--> name key (AES-SIV, deterministic: opaque file names)

The data key is random and never stored in the clear. Changing the PIN re-wraps the
data key and leaves every data file untouched.

Sealed file layout (all data files and encrypted exports)::

    b"IOPE" | version (1 byte) | install id (16 bytes) | nonce (12) | ciphertext+tag

The header is authenticated as associated data together with the file's logical name
("check_ins/2025-03"), so a file copied from another install, renamed onto another
partition, truncated or bit-flipped fails to open instead of being misread. The
install id is in the clear only so that "from another installation" can be told apart
from "damaged" in the report shown to the person.
"""

from __future__ import annotations

import base64
import os
import unicodedata
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

DATA_KEY_BYTES = 32
NONCE_BYTES = 12
INSTALL_ID_BYTES = 16
FILE_MAGIC = b"IOPE"
FILE_VERSION = 1
HEADER_BYTES = len(FILE_MAGIC) + 1 + INSTALL_ID_BYTES
TAG_BYTES = 16

# Upper bounds accepted from a key file, so a tampered file cannot make unlock
# allocate gigabytes (scrypt memory is 128 * N * r bytes).
_MAX_N = 2**20
_MAX_R = 16
_MAX_P = 4


@dataclass(frozen=True)
class KdfParams:
    """scrypt strength. The default (N=2^17, r=8, p=1: 128 MiB, ~0.3 s) is the
    floor set by the security requirements; tests and the crash bench may inject a
    lower N for speed, never the app."""

    n: int = 2**17
    r: int = 8
    p: int = 1
    salt_bytes: int = 16

    def __post_init__(self) -> None:
        if self.n < 2 or self.n & (self.n - 1) or self.n > _MAX_N:
            raise ValueError("scrypt N must be a power of two between 2 and 2^20")
        if not 1 <= self.r <= _MAX_R or not 1 <= self.p <= _MAX_P:
            raise ValueError("scrypt r or p out of range")
        if self.salt_bytes < 16:
            raise ValueError("scrypt salt must be at least 16 bytes")

    def to_json(self, salt: bytes) -> dict[str, Any]:
        return {"algorithm": "scrypt", "n": self.n, "r": self.r, "p": self.p, "salt": b64e(salt)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> tuple[KdfParams, bytes]:
        """Parse stored parameters. Raises ``ValueError`` if missing or out of bounds."""
        if data.get("algorithm") != "scrypt":
            raise ValueError("unknown key derivation")
        salt = b64d(data["salt"])
        params = cls(n=int(data["n"]), r=int(data["r"]), p=int(data["p"]), salt_bytes=len(salt))
        return params, salt


DEFAULT_KDF = KdfParams()


class KeyUnwrapError(Exception):
    """A wrapped key did not open: wrong PIN, or the wrapping key is gone."""


@runtime_checkable
class KeyWrapper(Protocol):
    """Seam for a platform key in secure storage (Android Keystore, iOS Keychain).

    A wrapper encrypts the (already PIN-wrapped) data key once more with a secret the
    platform keeps in its secure storage, so a copy of the app's files is useless
    without the phone itself: it closes offline PIN guessing. It wraps both slots of
    the key file (the PIN's and the recovery code's). ``name`` is stored in the key
    file so unlock knows which wrapper to ask. The phone's wrapper is
    ``platform.secure_key.SecureStorageKeyWrapper``; the web build and the desktop
    have none (the PIN and scrypt alone protect a copied data folder there).
    """

    name: str

    def wrap(self, blob: bytes, context: bytes) -> bytes: ...

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        """Raise ``KeyUnwrapError`` if the platform key is unavailable or wrong."""
        ...

    def destroy(self) -> None:
        """Delete the platform key (used by "remove from this device")."""
        ...


class PinWrapper:
    """Wraps the data key with a key derived from the PIN by scrypt."""

    name = "pin"

    def __init__(self, pin: str, salt: bytes, params: KdfParams) -> None:
        self._aead = AESGCM(derive_pin_key(pin, salt, params))

    def wrap(self, blob: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, blob, context)

    def unwrap(self, blob: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context)
        except InvalidTag:
            raise KeyUnwrapError() from None

    def destroy(self) -> None:
        """Nothing to delete: the PIN-derived key only ever exists in memory."""


def derive_pin_key(pin: str, salt: bytes, params: KdfParams) -> bytes:
    # NFKC so that the same PIN typed on different keyboards (full-width digits,
    # composed accents in a passphrase) derives the same key.
    secret = unicodedata.normalize("NFKC", pin).encode("utf-8")
    kdf = Scrypt(salt=salt, length=32, n=params.n, r=params.r, p=params.p)
    return kdf.derive(secret)


class SealError(Exception):
    """A sealed file would not open. ``reason`` is one of the REASON_* codes."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


REASON_TRUNCATED = "truncated"
REASON_FOREIGN_FORMAT = "foreign_format"
REASON_OTHER_INSTALL = "other_install"
REASON_DAMAGED = "damaged"


class DataKeys:
    """The unwrapped data key and the subkeys derived from it, for one open store."""

    def __init__(self, data_key: bytes, install_id: bytes) -> None:
        if len(data_key) != DATA_KEY_BYTES or len(install_id) != INSTALL_ID_BYTES:
            raise ValueError("bad key material")
        self.install_id = install_id
        # Why separate subkeys: the file key and the name key are used by different
        # algorithms (GCM and SIV); deriving each with its own HKDF label keeps them
        # independent, so neither use can weaken the other.
        self._files = AESGCM(_hkdf(data_key, b"iop-companion/v1/files", 32))
        self._names = AESSIV(_hkdf(data_key, b"iop-companion/v1/names", 64))

    @classmethod
    def generate(cls) -> tuple[DataKeys, bytes]:
        data_key = os.urandom(DATA_KEY_BYTES)
        return cls(data_key, os.urandom(INSTALL_ID_BYTES)), data_key

    def header(self) -> bytes:
        return FILE_MAGIC + bytes([FILE_VERSION]) + self.install_id

    def seal(self, logical_name: str, plaintext: bytes) -> bytes:
        header = self.header()
        # A fresh random nonce for every encryption: GCM's one hard rule.
        nonce = os.urandom(NONCE_BYTES)
        aad = header + logical_name.encode("utf-8")
        return header + nonce + self._files.encrypt(nonce, plaintext, aad)

    def open(self, logical_name: str, blob: bytes) -> bytes:
        if len(blob) < HEADER_BYTES + NONCE_BYTES + TAG_BYTES:
            raise SealError(REASON_TRUNCATED)
        header, rest = blob[:HEADER_BYTES], blob[HEADER_BYTES:]
        if header[: len(FILE_MAGIC)] != FILE_MAGIC or header[len(FILE_MAGIC)] != FILE_VERSION:
            raise SealError(REASON_FOREIGN_FORMAT)
        if header[len(FILE_MAGIC) + 1 :] != self.install_id:
            raise SealError(REASON_OTHER_INSTALL)
        try:
            return self._files.decrypt(
                rest[:NONCE_BYTES], rest[NONCE_BYTES:], header + logical_name.encode("utf-8")
            )
        except InvalidTag:
            raise SealError(REASON_DAMAGED) from None

    def file_name(self, logical_name: str) -> str:
        """Opaque, deterministic file name for a partition (AES-SIV, base32).

        Why: names like ``urges/2025-03`` would tell anyone with the files which
        features were used in which week. SIV is deterministic (the same partition
        always maps to the same file) and reversible with the key, so no separate
        index file is needed to list partitions.
        """
        sealed = self._names.encrypt(logical_name.encode("utf-8"), [b"iop-companion/name"])
        return base64.b32encode(sealed).decode("ascii").rstrip("=").lower() + ".enc"

    def logical_name(self, file_name: str) -> str | None:
        """Inverse of ``file_name``; ``None`` if the name was not made with this key."""
        if not file_name.endswith(".enc"):
            return None
        stem = file_name[: -len(".enc")].upper()
        try:
            sealed = base64.b32decode(stem + "=" * (-len(stem) % 8))
            return self._names.decrypt(sealed, [b"iop-companion/name"]).decode("utf-8")
        except (ValueError, InvalidTag):
            return None


def install_id_of(blob: bytes) -> bytes | None:
    """The install id in a sealed file's header, or ``None`` if it has no header."""
    if len(blob) < HEADER_BYTES or blob[: len(FILE_MAGIC)] != FILE_MAGIC:
        return None
    return blob[len(FILE_MAGIC) + 1 : HEADER_BYTES]


def _hkdf(key: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(key)


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
