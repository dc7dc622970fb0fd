"""The on-device store: encrypted, crash-safe TinyDB that stays fast after years.

This package is the only code in the app that imports TinyDB. Features use the
repositories on an unlocked ``Store``::

    vault = Vault(data_dir)
    store = vault.create(pin) if not vault.is_set_up() else vault.unlock(pin)
    record = store.check_ins.add({...})
    store.outbox.enqueue("check_in", record["id"], record)
    store.lock()                      # idle / background: forget the key

Design, in one place:

* **Encryption at rest** (crypto.py): a random 256-bit data key, wrapped by a key
  derived from the PIN with scrypt (N=2^17, r=8, p=1, 16-byte salt) and optionally
  by a platform ``KeyWrapper``. Every data file is sealed with AES-256-GCM and a fresh
  random nonce; its header and logical name are authenticated. File names are opaque
  (AES-SIV of the partition name) so the folder does not reveal which features were
  used when. Changing the PIN rewrites only ``vault/key.json``.
* **Partitions** (storage.py, collection.py): each collection is split into
  partition files (check-ins by UTC week; settings, schedule, safety plan and outbox
  are one file each). Each partition is a TinyDB database whose ``Storage`` is
  ``SealedFileStorage``; repositories use TinyDB ``Table``/``Query`` on it. TinyDB
  rewrites its whole database on every write, so bounding the partition bounds the
  cost of a write: one check-in costs the same at 20,000 records as at 1,000.
* **Crash safety** (durable.py): every write is temp file + fsync + ``os.replace``
  + directory fsync, so a kill at any instant leaves the old or the new partition and
  a write that returned is on disk. One writer process at a time (``flock``). Files
  that do not decrypt or parse are moved to ``quarantine/`` and reported
  (``Vault.quarantine_reports()``), never deleted.
* **Records** (records.py, migrations.py): strict validation before writing (finite
  numbers, bounded text, enumerated scales, tz-aware times), ``allow_nan=False``
  serialisation, a client UUID per record, ``created_at``/``updated_at`` in UTC, a
  ``schema_version`` per record, and migrations run on open.
* **Participant rights** (export.py, vault.py): export as JSON and HTML with the
  42 CFR Part 2 notice, encrypted by default; "remove from this device" destroys the
  key first, then deletes the files.
* **Wrong PIN** (attempts.py): no delay for 3 tries, then 1-30 s, lock-out from the
  10th (15 minutes, doubling with each further one up to 8 hours), timed on the boot
  clock so that changing the phone's clock does not shorten it; the data is never
  touched unless the person chose to erase everything after 10, 15 or 20 wrong tries.
* **Recovery code** (vault.py): a second wrapping of the data key, shown once, so a
  forgotten PIN can be replaced without losing data.

Messages of every exception here are safe to show and log: no health data.
"""

from .aftercare import AftercarePlanRepository
from .crypto import DEFAULT_KDF, KdfParams, KeyUnwrapError, KeyWrapper, PinWrapper
from .database import Store
from .errors import (
    AlreadySetUp,
    LockedOut,
    NewerVersion,
    NoRecoveryCode,
    NotSetUp,
    PinDelay,
    StoreBusy,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    ValidationError,
    Wiped,
    WriteFailed,
    WrongPin,
    WrongRecoveryCode,
)
from .goals import GoalRatingRepository, TreatmentGoalRepository
from .lock_card import LockScreenCard
from .migrations import MigrationPlan
from .preferences import Preferences
from .recovery import LapseReviewRepository, RelapsePlanRepository
from .repositories import (
    CheckInRepository,
    OutboxRepository,
    SafetyPlanRepository,
    ScheduleRepository,
    SettingsRepository,
)
from .vault import Vault

__all__ = [
    "DEFAULT_KDF",
    "AftercarePlanRepository",
    "AlreadySetUp",
    "CheckInRepository",
    "GoalRatingRepository",
    "KdfParams",
    "KeyUnwrapError",
    "KeyWrapper",
    "LapseReviewRepository",
    "LockScreenCard",
    "LockedOut",
    "MigrationPlan",
    "NewerVersion",
    "NoRecoveryCode",
    "NotSetUp",
    "OutboxRepository",
    "PinDelay",
    "PinWrapper",
    "Preferences",
    "RelapsePlanRepository",
    "SafetyPlanRepository",
    "ScheduleRepository",
    "SettingsRepository",
    "Store",
    "StoreBusy",
    "StoreCorrupt",
    "StoreError",
    "StoreLocked",
    "TreatmentGoalRepository",
    "ValidationError",
    "Vault",
    "Wiped",
    "WriteFailed",
    "WrongPin",
    "WrongRecoveryCode",
]
