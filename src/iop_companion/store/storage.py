"""TinyDB storages: one sealed file per partition, written atomically.

Why partitions: TinyDB's ``Storage`` interface reads and writes the *whole* database
on every change, so with one file the cost of a single check-in grows with years of
history (stock JSONStorage: ~4 ms per insert at 1k documents, ~100 ms at 20k). Each
collection is therefore split into partitions (check-ins by UTC week; small
collections such as settings or the outbox have a single partition), and every
partition is its own TinyDB database backed by a ``SealedFileStorage``. A write
re-serialises only its partition: one week of check-ins, whatever the history.

Why not a journal: TinyDB rebuilds the table dict on every write anyway (O(size of
the table)), so an append-only journal under one big TinyDB table would still grow
with history; bounding the table size is what bounds the cost.

``MemoryStorage`` twin: ``JsonMemoryStorage`` keeps the same serialise-on-write
semantics (``allow_nan=False``, JSON types only) without files or keys, so every
repository test runs against both.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from . import crypto
from .crypto import DataKeys, SealError
from .durable import atomic_write, ensure_dir, remove_stale_temps
from .errors import StoreCorrupt, StoreError, StoreLocked, WriteFailed
from .quarantine import Quarantine

log = logging.getLogger(__name__)

Tables = dict[str, dict[str, Any]]


def encode_tables(data: Tables) -> bytes:
    """Serialise strictly: JSON types only, no NaN/Infinity (TinyDB would allow both)."""
    try:
        text: str | None = json.dumps(
            data, allow_nan=False, ensure_ascii=False, separators=(",", ":")
        )
    except (TypeError, ValueError):
        text = None  # the json error can quote the value: do not chain it (see records)
    if text is None:
        raise StoreError("A value could not be saved because it is not plain data.")
    return text.encode("utf-8")


class SealedFileStorage(Storage):
    """A TinyDB ``Storage`` for one partition file, sealed with AES-256-GCM.

    Reads are served from memory after the first load: this process holds the writer
    lock, so nobody else changes the file under us. Writes go straight to disk
    (sealed, temp file, fsync, rename, directory fsync) before returning.
    """

    def __init__(
        self,
        path: Path,
        logical_name: str,
        keys: DataKeys,
        on_unreadable: Callable[[Path, str, str], None],
        on_written: Callable[[str], None],
    ) -> None:
        super().__init__()
        self._path = path
        self._logical = logical_name
        self._keys = keys
        self._on_unreadable = on_unreadable
        self._on_written = on_written
        self._cache: Tables | None = None
        self._loaded = False

    def read(self) -> Tables | None:
        if not self._loaded:
            self._cache = self._load()
            self._loaded = True
        return self._cache

    def write(self, data: Tables) -> None:
        # Why forget the cache first: TinyDB hands us the same dict it read from us,
        # already modified. If anything below fails, the next read must come from the
        # file (the last durable state), not from this unsaved modification.
        self._cache, self._loaded = None, False
        blob = self._keys.seal(self._logical, encode_tables(data))
        try:
            atomic_write(self._path, blob)
        except OSError as error:  # its text names only the opaque file and the errno
            log.error("partition write failed (%s); previous version intact", error.strerror)
            raise WriteFailed() from None
        self._cache, self._loaded = data, True
        self._on_written(self._logical)

    def invalidate(self) -> None:
        """Drop the in-memory copy (after a failed operation), so the file is re-read."""
        self._cache, self._loaded = None, False

    def _load(self) -> Tables | None:
        try:
            blob = self._path.read_bytes()
        except FileNotFoundError:
            return None  # a partition that was never written is empty
        try:
            data = json.loads(self._keys.open(self._logical, blob))
        except SealError as error:
            self._on_unreadable(self._path, self._logical, error.reason)
            return None
        except ValueError:
            self._on_unreadable(self._path, self._logical, "unparseable")
            return None
        if not isinstance(data, dict):
            self._on_unreadable(self._path, self._logical, "unparseable")
            return None
        return data


class JsonMemoryStorage(Storage):
    """In-memory twin of ``SealedFileStorage`` with the same serialisation rules."""

    def __init__(self, on_written: Callable[[str], None], logical_name: str) -> None:
        super().__init__()
        self._cache: Tables | None = None
        self._logical = logical_name
        self._on_written = on_written

    def read(self) -> Tables | None:
        return self._cache

    def write(self, data: Tables) -> None:
        self._cache = None
        encode_tables(data)  # same strictness as the file storage
        self._cache = data
        self._on_written(self._logical)

    def invalidate(self) -> None:
        """Nothing to re-read in memory; kept for interface parity."""


class PartitionBackend(ABC):
    """Where partitions live. Repositories ask it for a TinyDB ``Storage`` by name."""

    _keys: DataKeys | None

    @property
    def keys(self) -> DataKeys:
        if self._keys is None:
            raise StoreLocked()
        return self._keys

    @abstractmethod
    def storage(self, logical_name: str) -> SealedFileStorage | JsonMemoryStorage: ...

    @abstractmethod
    def partitions(self, collection: str) -> list[str]:
        """Logical names (``collection/part``) of partitions that hold data, sorted."""

    def close(self) -> None:
        """Forget the key and cached plaintext; the backend is unusable afterwards."""
        self._keys = None


class MemoryBackend(PartitionBackend):
    def __init__(self, keys: DataKeys | None = None) -> None:
        self._keys = keys or DataKeys.generate()[0]
        self._storages: dict[str, JsonMemoryStorage] = {}
        self._written: set[str] = set()

    def storage(self, logical_name: str) -> JsonMemoryStorage:
        if self._keys is None:
            raise StoreLocked()
        if logical_name not in self._storages:
            self._storages[logical_name] = JsonMemoryStorage(self._written.add, logical_name)
        return self._storages[logical_name]

    def partitions(self, collection: str) -> list[str]:
        prefix = collection + "/"
        return sorted(name for name in self._written if name.startswith(prefix))

    def close(self) -> None:
        super().close()
        self._storages.clear()
        self._written.clear()


class SealedDirectoryBackend(PartitionBackend):
    """Partitions as sealed files with opaque names in one directory."""

    def __init__(
        self, directory: Path, keys: DataKeys, quarantine: Quarantine, cached_partitions: int = 16
    ) -> None:
        self._keys = keys
        self._dir = directory
        self._quarantine = quarantine
        self._capacity = cached_partitions
        self._storages: OrderedDict[str, SealedFileStorage] = OrderedDict()
        self._known: set[str] = set()

    def open(self) -> None:
        """Take stock of the directory: clean up, and move aside what is not ours.

        Call with the writer lock held. Every file is checked now (header, name and
        GCM tag; about 6 ms per 8 MB), so problems are reported at unlock instead of
        surfacing later as a week that silently reads as empty.
        """
        ensure_dir(self._dir)
        remove_stale_temps(self._dir)
        ours: dict[str, Path] = {}
        strangers: list[Path] = []
        for entry in sorted(self._dir.iterdir()):
            if not entry.is_file():
                continue
            logical = self.keys.logical_name(entry.name)
            if logical is None:
                strangers.append(entry)
            else:
                ours[logical] = entry
        if strangers and not ours:
            # Not one file belongs to this key: the key file itself is the odd one out
            # (restored from another phone, say). Moving every data file aside would
            # hide the person's data; stop and change nothing instead.
            raise StoreCorrupt(
                "The key on this phone does not match any of the app's data files "
                "(it may come from another installation). Nothing was changed."
            )
        for path in strangers:
            with path.open("rb") as handle:
                header_id = crypto.install_id_of(handle.read(crypto.HEADER_BYTES))
            if header_id is None:
                reason = crypto.REASON_FOREIGN_FORMAT
            elif header_id != self.keys.install_id:
                reason = crypto.REASON_OTHER_INSTALL
            else:
                reason = "unknown_name"
            self._quarantine.move_aside(path, reason)
        for logical, path in ours.items():
            try:
                self.keys.open(logical, path.read_bytes())
            except SealError as error:
                self._quarantine.move_aside(path, error.reason)
                continue
            self._known.add(logical)

    def storage(self, logical_name: str) -> SealedFileStorage:
        storage = self._storages.get(logical_name)
        if storage is None:
            storage = SealedFileStorage(
                self._dir / self.keys.file_name(logical_name),
                logical_name,
                self.keys,
                self._unreadable,
                self._known.add,
            )
            self._storages[logical_name] = storage
            # Why bounded: each loaded partition keeps its plaintext in memory; after
            # years of use, keep only the recently used partitions (the rest reload).
            while len(self._storages) > self._capacity:
                self._storages.popitem(last=False)
        else:
            self._storages.move_to_end(logical_name)
        return storage

    def partitions(self, collection: str) -> list[str]:
        prefix = collection + "/"
        return sorted(name for name in self._known if name.startswith(prefix))

    def close(self) -> None:
        super().close()
        self._storages.clear()
        self._known.clear()

    def _unreadable(self, path: Path, logical: str, reason: str) -> None:
        self._known.discard(logical)
        self._quarantine.move_aside(path, reason)
