"""What every test shares."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from iop_companion.clinic import credentials
from tests.database_templates import SqliteTemplate

# Staff passwords hashed in tests (every clinic test makes clinicians and signs them in)
# use Argon2id at a tiny cost: the production parameters spend about a quarter of a
# second per hash, which made each clinic test's set-up take seconds. The hashes are
# still real Argon2id and verified the same way; the cost is a parameter inside each.
_TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(credentials, "_password_hasher", _TEST_HASHER)
    yield


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    """A clinic database at the newest schema, migrated once per run, for copying."""
    return SqliteTemplate(tmp_path_factory.mktemp("clinic-template"))
