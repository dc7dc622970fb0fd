"""Secrets the clinic hands out or keeps: enrolment and invite codes, tokens, passwords.

Codes and tokens are stored only as SHA-256 digests. They are random and
short-lived (codes) or high-entropy (tokens), so a fast hash is enough to make a
leaked database useless for logging in; passwords, chosen by people, get Argon2id.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from iop_companion.sync.protocol import ENROLMENT_CODE_ALPHABET, ENROLMENT_CODE_LENGTH

# 32 random bytes: 256 bits, far beyond guessing even at millions of tries a second.
_DEVICE_TOKEN_BYTES = 32

# argon2-cffi's defaults are Argon2id (RFC 9106 low-memory profile: t=3, 64 MiB, p=4).
_password_hasher = PasswordHasher()


def new_enrolment_code() -> str:
    """A random code in canonical form (8 characters, no separator)."""
    return "".join(secrets.choice(ENROLMENT_CODE_ALPHABET) for _ in range(ENROLMENT_CODE_LENGTH))


def new_device_token() -> str:
    return secrets.token_urlsafe(_DEVICE_TOKEN_BYTES)


def new_family_token() -> str:
    # As strong as a device token; the two live in different tables, so neither
    # kind can ever be looked up as the other.
    return secrets.token_urlsafe(_DEVICE_TOKEN_BYTES)


def new_staff_token() -> str:
    # Looked up in its own table (staff sessions): never usable as a device or family token.
    return secrets.token_urlsafe(_DEVICE_TOKEN_BYTES)


def digest(secret: str) -> str:
    """The SHA-256 hex digest under which a code or token is stored and looked up."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
