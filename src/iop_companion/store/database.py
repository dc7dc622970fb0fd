"""``Store``: an unlocked store. Every repository hangs off it."""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from . import records as r
from .aftercare import AftercarePlanRepository
from .coping_logs import DiaryCardRepository, ThoughtRecordRepository, UrgeLogRepository
from .crypto import DataKeys, SealError
from .durable import atomic_write, ensure_dir
from .errors import StoreError, StoreLocked, ValidationError
from .export import build_export, render_html, without_secrets
from .goals import GoalRatingRepository, TreatmentGoalRepository
from .journal_notes import JournalNoteRepository
from .migrations import MigrationPlan, run_migrations
from .people import PeopleRepository
from .practice import PracticeSessionRepository
from .published import (
    AssignmentAnswerRepository,
    ConsentRepository,
    HomeworkRepository,
    ModuleAssignmentRepository,
)
from .quarantine import Quarantine
from .recovery import LapseReviewRepository, RelapsePlanRepository
from .repositories import (
    CheckInRepository,
    Guard,
    MeasureResultRepository,
    OutboxRepository,
    SafetyPlanRepository,
    ScheduleRepository,
    SettingsRepository,
)
from .storage import MemoryBackend, PartitionBackend

log = logging.getLogger(__name__)

ENCRYPTED_SUFFIX = ".enc"


class _OpenState:
    """What all handles on one open store share: the backend (keys and cached
    partitions), one mutex, and the count cache. Closed when the last handle locks."""

    def __init__(
        self,
        backend: PartitionBackend,
        now: r.Clock,
        data_dir: Path | None,
        quarantine: Quarantine | None,
        on_close: Callable[[], None] | None,
    ) -> None:
        self.backend: PartitionBackend | None = backend
        self.now = now
        self.data_dir = data_dir
        self.quarantine = quarantine
        self.on_close = on_close
        self.mutex = threading.RLock()
        self.counts: dict[str, int] = {}
        self.handles: weakref.WeakSet[Store] = weakref.WeakSet()

    @property
    def is_open(self) -> bool:
        return self.backend is not None

    def close_if_unused(self) -> None:
        """Drop the key once no unlocked handle is left (forgotten handles count as
        locked: they are weakly referenced)."""
        with self.mutex:
            if any(not handle.is_locked for handle in self.handles):
                return
            backend, self.backend = self.backend, None
        if backend is not None:
            backend.close()  # drops the key and every cached partition
            if self.on_close is not None:
                self.on_close()

    def close(self) -> None:
        """Lock every handle and drop the key (before "remove from this device")."""
        with self.mutex:
            for handle in list(self.handles):
                handle._guard.locked = True
            self.handles.clear()
        self.close_if_unused()


class Store:
    """An open, unlocked store. Obtain one from ``Vault.create``/``Vault.unlock``
    (or ``Store.in_memory()`` in tests). Safe to share between threads.

    Each ``Vault.unlock`` returns its own *handle* (e.g. one per browser tab in the
    web build); handles share one set of files and caches, so they always agree.
    ``lock()`` locks this handle; the key is forgotten when the last handle locks.
    """

    settings: SettingsRepository
    schedule: ScheduleRepository
    check_ins: CheckInRepository
    safety_plan: SafetyPlanRepository
    measures: MeasureResultRepository
    outbox: OutboxRepository
    relapse_plan: RelapsePlanRepository
    lapse_reviews: LapseReviewRepository
    aftercare_plan: AftercarePlanRepository
    goals: TreatmentGoalRepository
    goal_ratings: GoalRatingRepository
    homework: HomeworkRepository
    module_assignments: ModuleAssignmentRepository
    consents: ConsentRepository
    assignment_answers: AssignmentAnswerRepository
    people: PeopleRepository
    practice_sessions: PracticeSessionRepository
    diary_cards: DiaryCardRepository
    thought_records: ThoughtRecordRepository
    urge_logs: UrgeLogRepository
    journal_notes: JournalNoteRepository

    def __init__(
        self,
        backend: PartitionBackend,
        *,
        now: r.Clock = r.utc_now,
        migrations: MigrationPlan | None = None,
        data_dir: Path | None = None,
        quarantine: Quarantine | None = None,
        on_lock: Callable[[], None] | None = None,
    ) -> None:
        """Open ``backend`` (running migrations). ``on_lock`` runs when the last
        handle is locked."""
        data_dir = data_dir.resolve() if data_dir is not None else None
        state = _OpenState(backend, now, data_dir, quarantine, on_lock)
        with state.mutex:
            run_migrations(backend, migrations or MigrationPlan(), now)
        self._attach(state)

    @classmethod
    def in_memory(
        cls, *, now: r.Clock = r.utc_now, migrations: MigrationPlan | None = None
    ) -> Store:
        """A store kept only in memory (tests, previews). Same rules, no files."""
        return cls(MemoryBackend(), now=now, migrations=migrations)

    @classmethod
    def _from_state(cls, state: _OpenState) -> Store:
        """Another handle on an open store (``Vault.unlock`` while already open)."""
        handle = cls.__new__(cls)
        with state.mutex:
            handle._attach(state)
        return handle

    def _attach(self, state: _OpenState) -> None:
        if state.backend is None:
            raise StoreLocked()
        self._state = state
        self._guard = Guard(state.mutex)
        backend, now = state.backend, state.now
        self.settings = SettingsRepository(backend, self._guard, now)
        self.schedule = ScheduleRepository(backend, self._guard, now)
        self.check_ins = CheckInRepository(backend, self._guard, now, state.counts)
        self.safety_plan = SafetyPlanRepository(backend, self._guard, now)
        self.measures = MeasureResultRepository(backend, self._guard, now)
        self.outbox = OutboxRepository(backend, self._guard, now)
        self.relapse_plan = RelapsePlanRepository(backend, self._guard, now)
        self.lapse_reviews = LapseReviewRepository(backend, self._guard, now)
        self.aftercare_plan = AftercarePlanRepository(backend, self._guard, now)
        self.goals = TreatmentGoalRepository(backend, self._guard, now)
        self.goal_ratings = GoalRatingRepository(backend, self._guard, now)
        self.homework = HomeworkRepository(backend, self._guard, now)
        self.module_assignments = ModuleAssignmentRepository(backend, self._guard, now)
        self.consents = ConsentRepository(backend, self._guard, now)
        self.assignment_answers = AssignmentAnswerRepository(backend, self._guard, now)
        self.people = PeopleRepository(backend, self._guard, now)
        self.practice_sessions = PracticeSessionRepository(backend, self._guard, now)
        self.diary_cards = DiaryCardRepository(backend, self._guard, now)
        self.thought_records = ThoughtRecordRepository(backend, self._guard, now)
        self.urge_logs = UrgeLogRepository(backend, self._guard, now)
        self.journal_notes = JournalNoteRepository(backend, self._guard, now)
        state.handles.add(self)

    # Record kinds whose local copy the clinic may also write (see services/shared_records):
    # kind -> the repository attribute that keeps it. Each has
    # put_from_clinic(record_id, payload, author="clinic" | "participant").
    SHARED_COPIES: ClassVar[dict[str, str]] = {"relapse_plan": "relapse_plan", "safety_plan": "safety_plan",
                                           "aftercare_plan": "aftercare_plan",
                                           "treatment_goal": "goals"}

    def shared_copy(self, kind: str) -> Any | None:
        """The repository that keeps the local copy of a `kind` record, if it has one."""
        attribute = self.SHARED_COPIES.get(kind)
        return getattr(self, attribute) if attribute else None

    @property
    def is_locked(self) -> bool:
        return self._guard.locked

    def unsynced_count(self) -> int:
        """Entries still waiting to be sent: show before "remove from this device"."""
        return self.outbox.count_pending()

    def quarantine_reports(self) -> list[str]:
        quarantine = self._state.quarantine
        return quarantine.notes() if quarantine is not None else []

    # ------------------------------------------------------------------- export

    def export_json(self) -> dict[str, Any]:
        """Everything the person wrote, with the 42 CFR Part 2 notice, and no secret
        (tokens, keys, the PIN, recovery codes: see ``export.without_secrets``)."""
        export = build_export(
            exported_at=r.iso_utc(self._state.now()),
            check_ins=list(self.check_ins.all()),
            schedule=self.schedule.all(),
            safety_plan=self.safety_plan.get(),
            settings=self.settings.all(),
            unsynced_count=self.unsynced_count(),
            measures=self.measures.list_recent(limit=10_000),
            relapse_plan=self.relapse_plan.get(),
            lapse_reviews=self.lapse_reviews.list_recent(limit=10_000),
        )
        # Treatment goals (with who set each) and their weekly self-ratings.
        export["treatment_goals"] = self.goals.all()
        export["goal_ratings"] = self.goal_ratings.all()
        export["aftercare_plan"] = self.aftercare_plan.get()
        export["people"] = self.people.all()
        export["practice_sessions"] = self.practice_sessions.all()
        # Coping-skill logs (deleted ones are not the person's data any more).
        export["diary_cards"] = self.diary_cards.all()
        export["thought_records"] = self.thought_records.all()
        export["urge_logs"] = self.urge_logs.all()
        export["journal_notes"] = self.journal_notes.all()  # kept on this phone only
        # Every export (sealed or plain, JSON or page, whoever asks) is built here, so
        # credentials, key material, the PIN and recovery codes are left out here.
        return without_secrets(export)

    def export_files(self, dest_dir: Path, encrypted: bool = True) -> list[Path]:
        """Write the export as JSON and as a readable HTML page into ``dest_dir``.

        ``encrypted=True`` (the default) seals both files with this store's key
        (``*.json.enc``, ``*.html.enc``; read back with ``read_export``), e.g. for the
        app's own folder before a share sheet. ``encrypted=False`` writes plain files
        and is meant only for a location the person explicitly chose; it is refused
        inside the app's data folder, which must never hold plaintext.
        """
        dest = Path(dest_dir).resolve()
        data_dir = self._state.data_dir
        if not encrypted and data_dir is not None and dest.is_relative_to(data_dir):
            raise ValidationError(
                "dest_dir", "a plain (unencrypted) export cannot go inside the app's data folder"
            )
        export = self.export_json()
        stamp = export["exported_at"][:19].replace("-", "").replace(":", "").replace("T", "-")
        base = f"iop-companion-export-{stamp}"
        contents = {
            f"{base}.json": json.dumps(export, indent=2, ensure_ascii=False, allow_nan=False),
            f"{base}.html": render_html(export),
        }
        ensure_dir(dest)
        written: list[Path] = []
        for name, text in contents.items():
            data = text.encode("utf-8")
            if encrypted:
                keys = self._keys()
                path = dest / (name + ENCRYPTED_SUFFIX)
                atomic_write(path, keys.seal(f"export/{name}", data))
            else:
                path = dest / name
                atomic_write(path, data)
            written.append(path)
        log.info("export written (%d files, encrypted=%s)", len(written), encrypted)
        return written

    def read_export(self, path: Path) -> bytes:
        """Decrypt an export written by ``export_files(..., encrypted=True)``."""
        path = Path(path)
        if not path.name.endswith(ENCRYPTED_SUFFIX):
            raise ValidationError("path", "is not an encrypted export")
        try:
            logical = f"export/{path.name[: -len(ENCRYPTED_SUFFIX)]}"
            return self._keys().open(logical, path.read_bytes())
        except SealError:
            raise StoreError("This export could not be decrypted with this phone's key.") from None

    # --------------------------------------------------------------------- lock

    def lock(self) -> None:
        """Lock this handle: every later call on it raises ``StoreLocked``.

        When no unlocked handle is left, the key and all decrypted data are dropped
        and the writer lock is released. (Python cannot promise to wipe memory; this
        drops every reference so the key and plaintext can be reclaimed.)
        """
        with self._state.mutex:
            self._guard.locked = True
            self._state.handles.discard(self)
        self._state.close_if_unused()

    def _keys(self) -> DataKeys:
        with self._guard:
            backend = self._state.backend
            if backend is None:
                raise StoreLocked()
            return backend.keys
