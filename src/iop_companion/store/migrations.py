"""Versioned record migrations, run when the store is opened.

Each collection has a current schema version (``records.SCHEMA_VERSIONS``) and each
stored record its own ``schema_version``. A migration is a pure function turning a
record of version *v* into version *v + 1*, registered as ``(collection, v)``.

Crash safety: each partition is rewritten in one atomic write, and a record's own
``schema_version`` says whether it has been migrated, so a migration killed half-way
simply resumes on the next open. The ``meta/store`` record only remembers which
versions are complete, to skip the scan on every later open.

To add one: bump ``SCHEMA_VERSIONS[collection]`` and add ``(collection, old): fn`` to
``STEPS``, with a test that migrates a record written at the old version.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tinydb import Query

from .collection import Collection
from .errors import NewerVersion
from .records import SCHEMA_VERSIONS, Clock, iso_utc, new_id
from .storage import PartitionBackend

log = logging.getLogger(__name__)

Migration = Callable[[dict[str, Any]], dict[str, Any]]

META = "meta"
META_PARTITION = "meta/store"
STORE_FORMAT = 1

#: The registered migrations. Empty while every collection is at version 1.
STEPS: dict[tuple[str, int], Migration] = {}


@dataclass(frozen=True)
class MigrationPlan:
    versions: Mapping[str, int] = field(default_factory=lambda: dict(SCHEMA_VERSIONS))
    steps: Mapping[tuple[str, int], Migration] = field(default_factory=lambda: dict(STEPS))

    def __post_init__(self) -> None:
        for collection, current in self.versions.items():
            for version in range(1, current):
                if (collection, version) not in self.steps:
                    raise ValueError(f"no migration for {collection} from version {version}")


def run_migrations(backend: PartitionBackend, plan: MigrationPlan, now: Clock) -> int:
    """Bring every record up to the plan's versions. Returns how many were migrated."""
    meta = Collection(backend, META)
    meta_doc = _meta_doc(meta)
    done: Mapping[str, int] = (meta_doc or {}).get("schema_versions", {})
    if int((meta_doc or {}).get("format", STORE_FORMAT)) > STORE_FORMAT:
        raise NewerVersion()
    migrated = 0
    for name, current in plan.versions.items():
        recorded = int(done.get(name, 0))
        if recorded > current:
            raise NewerVersion()
        if recorded == current:
            continue  # the fast path: nothing older than current can exist
        migrated += _migrate_collection(Collection(backend, name), current, plan.steps)
    if meta_doc is None or dict(done) != dict(plan.versions):
        _save_meta(meta, meta_doc, plan.versions, now)
    if migrated:
        log.info("migrated %d records", migrated)
    return migrated


def _migrate_collection(
    collection: Collection, current: int, steps: Mapping[tuple[str, int], Migration]
) -> int:
    migrated = 0
    for logical in collection.partitions():
        items = collection.raw_items(logical)
        changed = 0
        for doc_id, doc in items.items():
            version = int(doc.get("schema_version", 1))
            if version > current:
                raise NewerVersion()
            if version == current:
                continue
            while version < current:
                doc = steps[(collection.name, version)](doc)
                version += 1
                doc["schema_version"] = version
            items[doc_id] = doc
            changed += 1
        if changed:
            # One atomic write per partition; a kill before it leaves the partition
            # entirely at the old versions, and the next open redoes it.
            collection.replace(logical, items)
            migrated += changed
    return migrated


def _meta_doc(meta: Collection) -> dict[str, Any] | None:
    found = meta.table(META_PARTITION).get(Query().kind == "schema")
    return dict(found) if isinstance(found, dict) else None


def _save_meta(
    meta: Collection, old: dict[str, Any] | None, versions: Mapping[str, int], now: Clock
) -> None:
    stamp = iso_utc(now())
    doc = {
        "id": (old or {}).get("id") or new_id(),
        "kind": "schema",
        "format": STORE_FORMAT,
        "schema_versions": dict(versions),
        "created_at": (old or {}).get("created_at") or stamp,
        "updated_at": stamp,
        "schema_version": 1,
    }
    meta.replace(META_PARTITION, {1: doc})
