"""Repositories: what the app's features call. One per kind of record.

They validate before writing, stamp ids/timestamps/schema versions, and return plain
dicts that are copies (changing a returned dict never changes the store). All access
goes through the store's ``Guard``: one thread at a time, and nothing after ``lock()``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from tinydb import Query
from tinydb.table import Table

from . import records as r
from .collection import Collection
from .errors import StoreLocked, ValidationError
from .storage import PartitionBackend


class Guard:
    """Serialises access within the process and refuses use after ``lock()``.

    ``mutex`` is shared by every handle on the same open store; ``locked`` belongs
    to one handle (one app session), see ``Store``.
    """

    def __init__(self, mutex: threading.RLock | None = None) -> None:
        self.mutex = mutex if mutex is not None else threading.RLock()
        self.locked = False

    def __enter__(self) -> Self:
        self.mutex.acquire()
        if self.locked:
            self.mutex.release()
            raise StoreLocked()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.mutex.release()


class _Repository:
    collection_name: str = ""

    def __init__(self, backend: PartitionBackend, guard: Guard, now: r.Clock) -> None:
        self._coll = Collection(backend, self.collection_name)
        self._guard = guard
        self._now = now

    @property
    def _version(self) -> int:
        return r.SCHEMA_VERSIONS[self.collection_name]

    def _stamp(self) -> str:
        return r.iso_utc(self._now())


# --------------------------------------------------------------------------- check-ins


class CheckInRepository(_Repository):
    """Check-ins, partitioned by the UTC week of ``created_at`` (see ``week_of``).

    Why weeks: a write re-serialises its partition, and a heavy user (25+ check-ins
    a day) fills a month with ~800 records but a week with ~200.

    Ordering uses ``created_at`` then ``id``. ``list_recent`` is newest first;
    ``list_since`` is oldest first (a timeline).
    """

    collection_name = "check_ins"

    def __init__(
        self, backend: PartitionBackend, guard: Guard, now: r.Clock, counts: dict[str, int]
    ) -> None:
        super().__init__(backend, guard, now)
        # Records per partition, shared by every handle on the store: count() must
        # not decrypt years of partitions each time it is called.
        self._counts = counts

    def add(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and save one check-in; returns the stored record.

        ``id`` (a UUID) and ``created_at`` (tz-aware) may be supplied, e.g. for a
        check-in started offline earlier; otherwise they are generated. Adding the
        same id again with the same content returns the stored record (a retried
        save is harmless); with different content it is refused.
        """
        record = self._build(data)
        logical = self._coll.logical(r.week_of(record["created_at"]))
        with self._guard:
            if data.get("id") is not None:
                # Only a caller-supplied id can repeat (a fresh uuid4 cannot), so only
                # then is the partition scanned for it.
                existing = self._coll.table(logical).get(Query().id == record["id"])
                if isinstance(existing, dict):
                    return self._same_or_refuse(dict(existing), record)
            self._coll.mutate(logical, lambda t: t.insert(record))
            if logical in self._counts:
                self._counts[logical] += 1
        return dict(record)

    def add_many(self, items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Bulk import (restoring from the clinic, or an export).

        Validates everything first, then writes once per partition (each write is
        atomic). Records whose id is already stored are skipped, so an interrupted
        import can simply be run again. Returns the records that were added.
        """
        built = [self._build(item) for item in items]
        by_partition: dict[str, list[dict[str, Any]]] = {}
        for record in built:
            logical = self._coll.logical(r.week_of(record["created_at"]))
            by_partition.setdefault(logical, []).append(record)
        saved: list[dict[str, Any]] = []
        with self._guard:
            for logical, batch in sorted(by_partition.items()):
                known = {doc["id"] for doc in self._coll.docs(logical)}
                fresh: list[dict[str, Any]] = []
                for record in batch:
                    if record["id"] not in known:
                        known.add(record["id"])
                        fresh.append(record)
                if fresh:
                    self._insert_many(logical, fresh)
                    self._counts.pop(logical, None)
                saved.extend(dict(record) for record in fresh)
        return saved

    def _insert_many(self, logical: str, docs: list[dict[str, Any]]) -> None:
        self._coll.mutate(logical, lambda table: table.insert_multiple(docs))

    def get(self, record_id: str) -> dict[str, Any] | None:
        record_id = r.check_uuid("id", record_id)
        with self._guard:
            for logical in reversed(self._coll.partitions()):
                found = self._coll.table(logical).get(Query().id == record_id)
                if isinstance(found, dict):
                    return dict(found)
        return None

    def list_recent(self, limit: int = 20) -> list[dict[str, Any]]:
        limit = r.whole_number("limit", limit, 0, 100_000)
        found: list[dict[str, Any]] = []
        with self._guard:
            for logical in reversed(self._coll.partitions()):
                if len(found) >= limit:
                    break
                docs = self._coll.docs(logical)
                docs.sort(key=_time_order, reverse=True)
                found.extend(docs[: limit - len(found)])
        return found

    def list_since(self, since: datetime) -> list[dict[str, Any]]:
        threshold = r.iso_utc(r.aware_datetime("since", since))
        first_week = r.week_of(threshold)
        found: list[dict[str, Any]] = []
        with self._guard:
            for logical in self._coll.partitions():
                if logical.split("/", 1)[1] < first_week:
                    continue  # the whole week is before ``since``: do not even load it
                table = self._coll.table(logical)
                found.extend(dict(doc) for doc in table.search(Query().created_at >= threshold))
        found.sort(key=_time_order)
        return found

    def count(self) -> int:
        with self._guard:
            total = 0
            for logical in self._coll.partitions():
                if logical not in self._counts:
                    self._counts[logical] = len(self._coll.table(logical))
                total += self._counts[logical]
            return total

    def all(self) -> Iterator[dict[str, Any]]:
        """Every check-in, oldest first, one partition at a time (for export)."""
        with self._guard:
            partitions = self._coll.partitions()
        for logical in partitions:
            with self._guard:
                docs = self._coll.docs(logical)
            docs.sort(key=_time_order)
            yield from docs

    def _build(self, data: Mapping[str, Any]) -> dict[str, Any]:
        fields = r.validate_check_in(data)
        stamp = self._stamp()
        record_id = r.check_uuid("id", data["id"]) if data.get("id") is not None else r.new_id()
        created = (
            r.iso_utc(r.aware_datetime("created_at", data["created_at"]))
            if data.get("created_at") is not None
            else stamp
        )
        return {
            "id": record_id,
            **fields,
            "created_at": created,
            "updated_at": stamp,
            "schema_version": self._version,
        }

    @staticmethod
    def _same_or_refuse(existing: dict[str, Any], record: dict[str, Any]) -> dict[str, Any]:
        ignore = {"updated_at"}
        if {k: v for k, v in existing.items() if k not in ignore} == {
            k: v for k, v in record.items() if k not in ignore
        }:
            return existing
        raise ValidationError("id", "is already used by a different check-in")


def upsert_by_id(coll: Collection, logical: str, docs: Sequence[dict[str, Any]],
                 removed: Iterable[str], stamp: str) -> None:
    """Add or replace `docs` by id (each keeps the created_at of the one it replaces),
    then drop the `removed` ids, in one atomic write. The caller holds the guard."""
    by_id = {doc["id"]: doc for doc in coll.docs(logical)}
    for doc in docs:
        previous = by_id.get(doc["id"])
        if previous is not None:
            doc["created_at"] = previous.get("created_at", stamp)
        by_id[doc["id"]] = doc
    for item_id in removed:
        by_id.pop(item_id, None)
    coll.replace(logical, dict(enumerate(by_id.values(), start=1)))


def _time_order(doc: Mapping[str, Any]) -> tuple[str, str]:
    return (str(doc.get("created_at", "")), str(doc.get("id", "")))


# ---------------------------------------------------------------------------- schedule


class ScheduleRepository(_Repository):
    """The program's sessions, mirrored from the clinic (small: one partition).

    Returned dicts have exactly the ``ScheduledSession`` fields; ``id`` is the
    clinic's session id. ``starts_at``/``ends_at`` keep the offset they came with.

    Each session also keeps a little history, because the clinic only ever sends a
    session as it is now: ``revision`` (how many times its content changed since this
    phone first saw it; a calendar file's SEQUENCE) and ``previous_starts_at`` /
    ``previous_ends_at`` (its times before it was last moved, for "Moved: was ...").
    An upsert with the same content (a page applied again) changes neither. They are
    returned only when asked for (``with_history``).
    """

    collection_name = "schedule"
    _PART = "all"

    def replace_all(self, sessions: Sequence[Mapping[str, Any]]) -> None:
        """Replace the whole schedule in one atomic write (all or nothing)."""
        if isinstance(sessions, (str, bytes)) or not isinstance(sessions, Sequence):
            raise ValidationError("sessions", "must be a list of sessions")
        docs: dict[int, dict[str, Any]] = {}
        seen: set[str] = set()
        stamp = self._stamp()
        for position, session in enumerate(sessions, start=1):
            clean = self._stored_session(session, stamp)
            if clean["id"] in seen:
                raise ValidationError("id", "appears twice in the schedule")
            seen.add(clean["id"])
            docs[position] = clean
        logical = self._coll.logical(self._PART)
        with self._guard:
            known = {doc["id"]: doc for doc in self._coll.docs(logical)}
            for doc in docs.values():
                _carry_history(doc, known.get(doc["id"]))
            self._coll.replace(logical, docs)

    def apply_changes(
        self, upserts: Sequence[Mapping[str, Any]], removed_ids: Iterable[str] = ()
    ) -> None:
        """Add or replace sessions by id, then remove ``removed_ids``, in one atomic write
        (all or nothing): how changes pulled from the clinic land. A later upsert of
        the same id wins."""
        if isinstance(upserts, (str, bytes)) or not isinstance(upserts, Sequence):
            raise ValidationError("sessions", "must be a list of sessions")
        stamp = self._stamp()
        cleaned = [self._stored_session(session, stamp) for session in upserts]
        removed = {str(r.text("id", session_id, 100, multiline=False, allow_empty=False))
                   for session_id in removed_ids}
        logical = self._coll.logical(self._PART)
        with self._guard:
            known = {doc["id"]: doc for doc in self._coll.docs(logical)}
            for doc in cleaned:  # in order: a later upsert of the same id builds on this one
                _carry_history(doc, known.get(doc["id"]))
                known[doc["id"]] = doc
            upsert_by_id(self._coll, logical, cleaned, removed, stamp)

    def _stored_session(self, session: Mapping[str, Any], stamp: str) -> dict[str, Any]:
        clean = r.validate_session(session)
        # Kept with the record but not returned (the result is ScheduledSession-
        # shaped): the UTC start for ordering, when it was mirrored, the version.
        clean["starts_utc"] = r.iso_utc(r.aware_datetime("starts_at", clean["starts_at"]))
        clean["created_at"] = clean["updated_at"] = stamp
        clean["schema_version"] = self._version
        return clean

    def list_between(self, start: datetime, end: datetime, *,
                     with_history: bool = False) -> list[dict[str, Any]]:
        """Sessions starting at or after ``start`` and before ``end``, by start time
        (with ``revision`` and the previous times too when ``with_history``)."""
        low = r.iso_utc(r.aware_datetime("start", start))
        high = r.iso_utc(r.aware_datetime("end", end))
        session = Query()
        with self._guard:
            table = self._coll.table(self._coll.logical(self._PART))
            found = table.search((session.starts_utc >= low) & (session.starts_utc < high))
        found.sort(key=lambda doc: (doc["starts_utc"], doc["id"]))
        return [_public_session(doc, with_history) for doc in found]

    def all(self, *, with_history: bool = False) -> list[dict[str, Any]]:
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        docs.sort(key=lambda doc: (doc["starts_utc"], doc["id"]))
        return [_public_session(doc, with_history) for doc in docs]


def _public_session(doc: Mapping[str, Any], with_history: bool = False) -> dict[str, Any]:
    public = {name: doc.get(name) for name in r.SESSION_FIELDS}
    if with_history:
        public["revision"] = int(doc.get("revision") or 0)
        public["previous_starts_at"] = doc.get("previous_starts_at")
        public["previous_ends_at"] = doc.get("previous_ends_at")
    return public


def _same_moment(a: Any, b: Any) -> bool:
    """Two stored ISO times name the same instant (offsets may differ)."""
    return bool(a) and bool(b) and r.aware_datetime("a", a) == r.aware_datetime("b", b)


def _carry_history(doc: dict[str, Any], known: Mapping[str, Any] | None) -> None:
    """Give the new version `doc` of a session its history from the stored `known` one.

    Its revision goes up only when its content changed (a page applied twice must not
    bump it); its previous times are the stored ones when its times changed, else the
    stored previous times carry on.
    """
    if known is None:
        doc["revision"] = 0
        return
    moved = not (_same_moment(doc["starts_at"], known.get("starts_at"))
                 and _same_moment(doc["ends_at"], known.get("ends_at")))
    changed = moved or any(doc.get(name) != known.get(name) for name in r.SESSION_FIELDS
                           if name not in ("starts_at", "ends_at"))
    revision = int(known.get("revision") or 0)
    doc["revision"] = revision + 1 if changed else revision
    if moved:
        doc["previous_starts_at"] = known.get("starts_at")
        doc["previous_ends_at"] = known.get("ends_at")
    elif known.get("previous_starts_at"):
        doc["previous_starts_at"] = known.get("previous_starts_at")
        doc["previous_ends_at"] = known.get("previous_ends_at")


# ------------------------------------------------------------------------- safety plan


class SingleDocumentRepository(_Repository):
    """A record the person has exactly one of (a plan): one id for life, so versions sent
    to the clinic hang off it; each save replaces it in one atomic write.
    ``get()`` includes the meta fields. Subclasses name their collection and checks."""

    _PART = "current"

    @staticmethod
    def _validate(data: Mapping[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def get(self) -> dict[str, Any] | None:
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        return copy.deepcopy(docs[0]) if docs else None

    def save(self, plan: Mapping[str, Any]) -> dict[str, Any]:
        return self._write(self._validate(plan), record_id=None)

    def _write(self, clean: dict[str, Any], record_id: str | None) -> dict[str, Any]:
        """Replace the document with `clean`, under `record_id` (None: keep its id)."""
        logical = self._coll.logical(self._PART)
        with self._guard:
            docs = self._coll.docs(logical)
            old = docs[0] if docs else {}
            stamp = self._stamp()
            record = {
                "id": record_id or old.get("id") or r.new_id(),
                **clean,
                "created_at": old.get("created_at") or stamp,
                "updated_at": stamp,
                "schema_version": self._version,
            }
            self._coll.replace(logical, {1: record})
        return copy.deepcopy(record)

    def put_from_clinic(self, record_id: str, payload: Mapping[str, Any],
                        author: str = "clinic") -> dict[str, Any]:
        """Take a version that came from the clinic (the participant chose it, or nothing
        here was waiting to be sent): same checks as ``save``, but the record keeps the
        id it travels under. Nothing is queued: the clinic already has it. (`author`,
        "clinic" or "participant", is not kept for plans only the participant writes.)"""
        record_id = r.check_uuid("id", record_id)
        clean = self._validate({k: v for k, v in payload.items() if k not in r.META_FIELDS})
        return self._write(clean, record_id=record_id)


class SafetyPlanRepository(SingleDocumentRepository):
    """The person's one safety plan."""

    collection_name = "safety_plan"
    _validate = staticmethod(r.validate_safety_plan)


class MeasureResultRepository(_Repository):
    """Scored questionnaires (PHQ-9, GAD-7, BAM): a few a month, so one partition."""

    collection_name = "measures"
    _PART = "results"

    def add(self, data: Mapping[str, Any]) -> dict[str, Any]:
        clean = r.validate_measure_result(data)
        stamp = self._stamp()
        record = {"id": r.new_id(), **clean, "created_at": stamp, "updated_at": stamp,
                  "schema_version": self._version}
        logical = self._coll.logical(self._PART)
        with self._guard:
            self._coll.mutate(logical, lambda t: t.insert(record))
        return copy.deepcopy(record)

    def list_recent(self, measure: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        """Newest first, optionally of one measure."""
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        docs = [d for d in docs if measure is None or d["measure"] == measure]
        docs.sort(key=_time_order, reverse=True)
        return [copy.deepcopy(d) for d in docs[:limit]]


# ---------------------------------------------------------------------------- settings


class SettingsRepository(_Repository):
    """Encrypted key-value app state (may hold drafts and other sensitive values)."""

    collection_name = "settings"
    _PART = "all"

    def get(self, key: str, default: Any = None) -> Any:
        key = r.settings_key(key)
        with self._guard:
            found = self._table().get(Query().key == key)
        return copy.deepcopy(found["value"]) if isinstance(found, dict) else default

    def set(self, key: str, value: Any) -> None:
        key = r.settings_key(key)
        value = r.json_value(key, value, r.SETTING_VALUE_MAX_BYTES)
        logical = self._coll.logical(self._PART)
        with self._guard:
            stamp = self._stamp()

            def write(table: Table) -> None:
                if table.contains(Query().key == key):
                    table.update({"value": value, "updated_at": stamp}, Query().key == key)
                else:
                    table.insert(
                        {
                            "id": r.new_id(),
                            "key": key,
                            "value": value,
                            "created_at": stamp,
                            "updated_at": stamp,
                            "schema_version": self._version,
                        }
                    )

            self._coll.mutate(logical, write)

    def delete(self, key: str) -> None:
        key = r.settings_key(key)
        with self._guard:
            if self._table().contains(Query().key == key):
                self._coll.mutate(
                    self._coll.logical(self._PART), lambda t: t.remove(Query().key == key)
                )

    def all(self) -> dict[str, Any]:
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        return {doc["key"]: copy.deepcopy(doc["value"]) for doc in docs}

    def _table(self) -> Table:
        return self._coll.table(self._coll.logical(self._PART))


# ------------------------------------------------------------------------------ outbox


class OutboxRepository(_Repository):
    """Records waiting to be sent to the clinic.

    ``enqueue`` returns the entry; ``mark_sent`` takes *entry* ids (``entry["id"]``),
    not record ids, so a newer queued version of the same record is never dropped by
    mistake. Sent entries leave the queue, which keeps it small, for a log of
    acknowledged entries partitioned by week (``sent-<monday>``): if the clinic is
    restored from a backup, ``requeue_sent`` puts them back in the queue (security Y6).
    """

    collection_name = "outbox"
    _PART = "queue"
    _SENT_PREFIX = "sent-"

    def enqueue(self, kind: str, record_id: str, payload: Any, priority: int = 0, *,
                version: int = 1, replaces_version: int | None = None) -> dict[str, Any]:
        """Queue one frozen version of a record. An edited record is queued again as a
        new ``version`` naming the one it ``replaces_version``; queued ones never change."""
        kind = str(r.text("kind", kind, 40, multiline=False, allow_empty=False))
        version = r.whole_number("version", version, 1, 10_000)
        if replaces_version is not None:
            replaces_version = r.whole_number("replaces_version", replaces_version, 1, version - 1)
        elif version > 1:
            raise ValidationError("replaces_version", "is required after version 1")
        record_id = str(r.text("record_id", record_id, 100, multiline=False, allow_empty=False))
        payload = r.json_value("payload", payload, r.OUTBOX_PAYLOAD_MAX_BYTES)
        priority = r.whole_number("priority", priority, -1000, 1000)
        logical = self._coll.logical(self._PART)
        with self._guard:
            stamp = self._stamp()
            table = self._coll.table(logical)
            # Why a sequence number: two entries can share a timestamp (or the clock can
            # jump back); the sequence keeps first-in-first-out order regardless.
            seq = max((int(doc.get("seq", 0)) for doc in table.all()), default=0) + 1
            entry = {
                "id": r.new_id(),
                "kind": kind,
                "record_id": record_id,
                "payload": payload,
                "priority": priority,
                "version": version,
                "replaces_version": replaces_version,
                "seq": seq,
                "created_at": stamp,
                "updated_at": stamp,
                "schema_version": self._version,
            }
            self._coll.mutate(logical, lambda t: t.insert(entry))
        return copy.deepcopy(entry)

    def pending(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Entries to send, by priority (high first), then oldest first. Parked ones
        (refused by the clinic, waiting for the person) are left out, and so are later
        versions of a record with a parked version: they build on it (see ``held``)."""
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        blocked = {d["record_id"] for d in docs if d.get("parked_reason")}
        docs = [d for d in docs if d["record_id"] not in blocked]
        docs.sort(key=lambda d: (-int(d["priority"]), d["created_at"], int(d.get("seq", 0))))
        if limit is not None:
            docs = docs[: r.whole_number("limit", limit, 0, 1_000_000)]
        return [copy.deepcopy(doc) for doc in docs]

    def mark_sent(self, ids: Iterable[str]) -> int:
        """Remove the given entries (the server committed them). Returns how many."""
        wanted = [r.check_uuid("ids", entry_id) for entry_id in ids]
        if not wanted:
            return 0
        logical = self._coll.logical(self._PART)
        with self._guard:
            stamp = self._stamp()
            acknowledged = [dict(doc, sent_at=stamp) for doc in self._coll.docs(logical)
                            if doc["id"] in wanted]
            if acknowledged:
                # Logged before leaving the queue: a crash between the two writes leaves
                # an entry in both (a harmless duplicate resend), never in neither.
                sent = self._coll.logical(self._SENT_PREFIX + r.week_of(stamp))
                self._coll.mutate(sent, lambda t: t.insert_multiple(acknowledged))
            removed = self._coll.mutate(logical, lambda t: t.remove(Query().id.one_of(wanted)))
        return len(removed)

    def requeue_sent(self) -> int:
        """Put every acknowledged entry back in the queue, in its original order; returns
        how many. For a clinic restored from a backup, which may have lost them."""
        queue = self._coll.logical(self._PART)
        with self._guard:
            sent_parts = [name for name in self._coll.partitions()
                          if name.split("/", 1)[1].startswith(self._SENT_PREFIX)]
            queued = {doc["id"] for doc in self._coll.docs(queue)}
            back: dict[str, dict[str, Any]] = {}
            for part in sent_parts:
                for doc in self._coll.docs(part):
                    doc.pop("sent_at", None)
                    if doc["id"] not in queued:
                        back[doc["id"]] = doc
            if back:
                self._coll.mutate(queue, lambda t: t.insert_multiple(list(back.values())))
            for part in sent_parts:  # emptied only once everything is back in the queue
                self._coll.replace(part, {})
        return len(back)

    def count_sent(self) -> int:
        """Acknowledged entries kept for a resend after a clinic restore."""
        with self._guard:
            return sum(len(self._coll.table(name)) for name in self._coll.partitions()
                       if name.split("/", 1)[1].startswith(self._SENT_PREFIX))

    def park(self, entry_id: str, reason: str, *, clinic_version: int | None = None,
             clinic_payload: Mapping[str, Any] | None = None) -> None:
        """Set an entry aside with the clinic's reason instead of resending it forever.

        It stays in the outbox (nothing is lost) and counts as unsynced. For a conflict
        over versions, the clinic's newest version is kept with it, so the participant
        can choose between theirs and the clinic's."""
        wanted = r.check_uuid("entry_id", entry_id)
        reason = str(r.text("reason", reason, 300, multiline=False, allow_empty=False))
        changes: dict[str, Any] = {"parked_reason": reason}
        if clinic_version is not None:
            changes["conflict_latest"] = {
                "version": r.whole_number("clinic_version", clinic_version, 1, 10_000),
                "payload": r.json_value("clinic_payload", dict(clinic_payload or {}),
                                        r.OUTBOX_PAYLOAD_MAX_BYTES),
            }
        logical = self._coll.logical(self._PART)
        with self._guard:
            changes["updated_at"] = self._stamp()
            self._coll.mutate(logical, lambda t: t.update(changes, Query().id == wanted))

    def send_again(self, entry_id: str) -> bool:
        """The participant asks to send a set-aside entry once more (e.g. after the clinic
        fixed what made it refuse). Returns whether there was such an entry."""
        wanted = r.check_uuid("entry_id", entry_id)
        logical = self._coll.logical(self._PART)

        def clear_reason(doc: dict[str, Any]) -> None:
            doc.pop("parked_reason", None)
            doc.pop("conflict_latest", None)
            doc["updated_at"] = self._stamp()

        with self._guard:
            changed = self._coll.mutate(logical, lambda t: t.update(
                clear_reason, (Query().id == wanted) & Query().parked_reason.exists()))
        return bool(changed)

    def keep_on_device_only(self, entry_id: str) -> bool:
        """The participant chooses not to send a set-aside entry: it leaves the outbox
        (the record itself stays on the phone). Returns whether there was such an entry."""
        wanted = r.check_uuid("entry_id", entry_id)
        logical = self._coll.logical(self._PART)
        with self._guard:
            removed = self._coll.mutate(logical, lambda t: t.remove(
                (Query().id == wanted) & Query().parked_reason.exists()))
        return bool(removed)

    def queued(self, record_id: str | None = None) -> list[dict[str, Any]]:
        """Every entry still in the queue, whatever its state (pending, parked or held),
        in the order it was queued; only `record_id`'s when given."""
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        docs.sort(key=lambda d: int(d.get("seq", 0)))
        return [copy.deepcopy(d) for d in docs if record_id is None or d["record_id"] == record_id]

    def held(self) -> list[dict[str, Any]]:
        """Entries not refused themselves, waiting behind a parked version of their record."""
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        blocked = {d["record_id"] for d in docs if d.get("parked_reason")}
        return [copy.deepcopy(d) for d in docs
                if d["record_id"] in blocked and not d.get("parked_reason")]

    def withdraw(self, entry_ids: Iterable[str]) -> int:
        """Remove entries, whatever their state, that will not be sent after all (the
        participant resolved a conflict; the record itself stays on the phone)."""
        wanted = [r.check_uuid("entry_ids", entry_id) for entry_id in entry_ids]
        if not wanted:
            return 0
        logical = self._coll.logical(self._PART)
        with self._guard:
            removed = self._coll.mutate(logical, lambda t: t.remove(Query().id.one_of(wanted)))
        return len(removed)

    def parked(self) -> list[dict[str, Any]]:
        with self._guard:
            docs = self._coll.docs(self._coll.logical(self._PART))
        return [copy.deepcopy(d) for d in docs if d.get("parked_reason")]

    def count_pending(self) -> int:
        with self._guard:
            return len(self._coll.table(self._coll.logical(self._PART)))
