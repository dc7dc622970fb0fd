"""Secrets the clinic hands out or keeps: enrolment and invite codes, tokens, passwords.

- Codes (enrolment codes, family invites) are 40-bit values people type. Their
  SHA-256 alone could be reversed from a stolen database by trying every code (2^40
  hashes take minutes), so they are stored as HMAC-SHA256 under the server's secret,
  which lives outside the database (`server_secret`): the database alone gives a
  guesser nothing to check guesses against.
- Tokens (device, family, staff) are 256-bit random values: no one can enumerate them,
  so a plain SHA-256 digest already makes a leaked database useless for signing in,
  and needs no secret that every lookup would depend on.
- Passwords, chosen by people, get Argon2id.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import make_url
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from iop_companion.sync.protocol import ENROLMENT_CODE_ALPHABET, ENROLMENT_CODE_LENGTH

# 32 random bytes: 256 bits, far beyond guessing even at millions of tries a second.
_DEVICE_TOKEN_BYTES = 32

# argon2-cffi's defaults are Argon2id (RFC 9106 low-memory profile: t=3, 64 MiB, p=4).
_password_hasher = PasswordHasher()

# The server secret: this environment variable when set (several machines serving one
# database set the same value), else a file made on first use (see `secret_file_for`).
SECRET_ENV = "IOP_CLINIC_SECRET"
SECRET_FILE_NAME = "iop-clinic.secret"
MIN_SECRET_LENGTH = 32  # characters: at least 128 bits if written as hex
_NEW_SECRET_BYTES = 32

# An in-memory database lives and dies with this process; so does its secret.
_PROCESS_SECRET = secrets.token_hex(_NEW_SECRET_BYTES).encode("ascii")


class ServerSecretError(RuntimeError):
    """The server secret cannot be read or is unusable; the message says what to do."""


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
    """The SHA-256 hex digest under which a 256-bit token is stored and looked up
    (never used for codes: see `code_digest`)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def code_digest(server_secret_value: bytes, canonical_code: str) -> str:
    """The HMAC-SHA256 hex digest under which a code is stored and looked up."""
    return hmac.new(server_secret_value, canonical_code.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def session_code_digest(session: Session, canonical_code: str) -> str:
    """`code_digest` under the secret of the database `session` works on."""
    return code_digest(server_secret(session.get_bind().engine.url), canonical_code)


def secret_file_for(database_url: str | URL) -> Path | None:
    """Where the secret file of this database lives: beside a SQLite file, else in the
    working directory (where `iop-clinic serve` also keeps its default database).
    None for an in-memory database (its secret lives in the process)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or url.query.get("mode") == "memory":
            return None
        if not database.startswith("file:"):
            return Path(database).parent / SECRET_FILE_NAME
    return Path.cwd() / SECRET_FILE_NAME


def server_secret(database_url: str | URL) -> bytes:
    """The key under which this clinic's codes are stored.

    `IOP_CLINIC_SECRET` when set (at least 32 characters); otherwise the file from
    `secret_file_for`, created with a random secret (mode 0600) the first time. Read
    at every use, so all workers on the machine agree even while one creates it.
    Raises ServerSecretError with what to do when it cannot be read or is unusable.
    """
    from_environment = os.environ.get(SECRET_ENV)
    if from_environment is not None:
        value = from_environment.strip()
        if len(value) < MIN_SECRET_LENGTH:
            raise ServerSecretError(
                f"{SECRET_ENV} must be at least {MIN_SECRET_LENGTH} characters long. "
                'Make one with: python3 -c "import secrets; print(secrets.token_hex(32))"')
        return value.encode("utf-8")
    path = secret_file_for(database_url)
    if path is None:
        return _PROCESS_SECRET
    if not path.exists():
        _create_secret_file(path)
    return _read_secret_file(path)


def _create_secret_file(path: Path) -> None:
    """Write a new random secret to `path` unless one appears there first.

    Written to a private temporary file and then linked into place: the link fails if
    another worker got there first, so no one ever reads a half-written secret and
    the first secret written is the one every worker uses.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise ServerSecretError(
            f"The clinic server could not create its secret file {path} ({error.strerror}). "
            f"Let the server's user write to {path.parent}, or set {SECRET_ENV}.") from None
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(_NEW_SECRET_BYTES) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _read_secret_file(path: Path) -> bytes:
    with contextlib.suppress(OSError):  # not ours to change: reading may still work
        if path.is_file() and path.stat().st_mode & 0o077:
            path.chmod(0o600)  # a copy made readable by others (a restore, an editor)
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not plain text"
        raise ServerSecretError(
            f"The clinic server cannot read its secret file {path} ({reason}). "
            f"Make it readable (only) by the server's user, or set {SECRET_ENV}. "
            "Without it, codes already given out stop working.") from None
    if len(value) < MIN_SECRET_LENGTH:
        raise ServerSecretError(
            f"The clinic server's secret file {path} holds fewer than {MIN_SECRET_LENGTH} "
            f"characters. Restore it from a backup, or delete it to make a new one "
            "(codes already given out then stop working).")
    return value.encode("ascii")


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _password_hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
