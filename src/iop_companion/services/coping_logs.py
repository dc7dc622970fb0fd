"""Coping-skill logs for the screens: the DBT diary card, the CBT thought record and the
urge log. Saving (a new log, or an edit: a new version), deleting with undo, drafts kept
as the person types, and the charts of what they show.

* Each save keeps the log encrypted on the phone and, while the clinic receives data
  (services/care_status.py), queues it as a new version of its record
  (services/record_versions.py) under the kinds ``diary_card``, ``thought_record`` and
  ``urge_log`` (sync/protocol/payloads/coping_logs.py). Nothing is queued without a
  clinic or after discharge. Family members never receive logs.
* One diary card per local day: saving a card for a day that has one edits that card.
  A card with a self-harm or suicide urge above 0 raises the safety flag
  (`SafetyTrigger.DIARY_CARD_SELF_HARM`) before the card is written, once per card
  (an edit of a card that already raised it does not raise it again).
* Deleting leaves a tombstone on the phone and, if the clinic was ever sent the log,
  queues the tombstone as the log's next version (``{"deleted": true}``: the push
  protocol has no deletion of app records). `undo_delete` writes the content back as
  the version after that. The `DeletedLog` to undo with lives as long as the screen
  keeps it (the session); the tombstone itself holds no content.
* Drafts (`keep_draft`) are written to the encrypted settings at once, under the same
  keys as services/drafts.py (``draft.<form>``), so a draft survives the app being
  killed mid-entry, not only a lock.
* What the diary card asks (`diary_setup`): the clinic's emotions (its profile's
  ``diary_emotions``, else the default set) and the participant's own targets, both
  sent by the clinic in the pull feed and kept in the encrypted settings
  (services/clinic_link.py). A card keeps the ratings it already has of an emotion or
  target the clinic has since taken off: editing it never refuses them.

Screens catch `SaveFailed` (and its `LogNotValid`, with a message per field); they never
see store types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from iop_companion.domain.coping_logs import (
    ID_PATTERN,
    MAX_DIARY_TARGETS,
    SKILL_IDS,
    Chart,
    SkillUse,
    TriggerCount,
    chart,
    diary_card_problems,
    offered_emotions,
    raises_safety_flow,
    skills_used_most,
    thought_record_problems,
    triggers_by_frequency,
    urge_log_problems,
)
from iop_companion.domain.safety import SafetyTrigger
from iop_companion.services.care_status import clinic_receives_data
from iop_companion.services.clinic_link import DIARY_TARGETS_KEY, ClinicLink
from iop_companion.services.drafts import DRAFT_PREFIX
from iop_companion.services.errors import SaveFailed
from iop_companion.services.record_versions import ever_queued, queue_version
from iop_companion.services.safety import FlagReach, SafetyFlagOutcome, raise_safety_flag
from iop_companion.store import Store, StoreError, WriteFailed
from iop_companion.store.records import META_FIELDS
from iop_companion.sync.protocol.push import RecordKind

DIARY_CARD = RecordKind.DIARY_CARD.value
THOUGHT_RECORD = RecordKind.THOUGHT_RECORD.value
URGE_LOG = RecordKind.URGE_LOG.value
LOG_KINDS = (DIARY_CARD, THOUGHT_RECORD, URGE_LOG)
# services.drafts form names: one draft per kind (the log being written or edited).
DRAFT_FORMS = {kind: f"coping_log.{kind}" for kind in LOG_KINDS}

RaiseFlag = Callable[[SafetyTrigger], SafetyFlagOutcome]

_REPOSITORIES = {DIARY_CARD: "diary_cards", THOUGHT_RECORD: "thought_records",
                 URGE_LOG: "urge_logs"}


class LogNotValid(SaveFailed):
    """The log breaks a rule; `problems` says which, per field, in plain words."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems.items()))


@dataclass(frozen=True)
class DeletedLog:
    """What `undo_delete` needs to put a deleted log back."""

    kind: str
    record: dict[str, Any] = field(repr=False)  # the log as it was (health data)


def _repository(store: Store, kind: str) -> Any:
    if kind not in _REPOSITORIES:
        raise ValueError(f"not a coping log: {kind}")
    return getattr(store, _REPOSITORIES[kind])


def _content(record: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name not in META_FIELDS}


# ------------------------------------------------------------------- the card's setup


@dataclass(frozen=True)
class DiaryTarget:
    id: str
    label: str  # the care team's words ("Skipped a meal"), shown as they wrote them


@dataclass(frozen=True)
class DiarySetup:
    """What the diary card asks about, as the clinic set it."""

    emotions: tuple[str, ...]  # in order: the clinic's choice, or the default set
    targets: tuple[DiaryTarget, ...]  # the participant's own, in order (often none)
    labels: dict[str, str] = field(default_factory=dict)  # every target id ever sent

    def label(self, target_id: str) -> str | None:
        return self.labels.get(target_id)


def diary_setup(store: Store) -> DiarySetup:
    """The clinic's emotions and the participant's targets, as last pulled (the default
    emotions and no targets without a clinic, or when what is kept is not readable)."""
    try:
        profile = ClinicLink.profile(store)
        kept = store.settings.get(DIARY_TARGETS_KEY)
    except StoreError:
        profile, kept = None, None
    emotions = offered_emotions(profile.get("diary_emotions")
                                if isinstance(profile, Mapping) else None)
    kept = kept if isinstance(kept, Mapping) else {}
    targets: list[DiaryTarget] = []
    for target in kept.get("targets") or []:
        if _usable_target(target) and all(t.id != target["id"] for t in targets):
            targets.append(DiaryTarget(target["id"], target["label"]))
    raw_labels = kept.get("labels")
    labels = {key: value for key, value in (raw_labels.items()
                                            if isinstance(raw_labels, Mapping) else ())
              if _usable_target({"id": key, "label": value})}
    labels.update({target.id: target.label for target in targets})
    return DiarySetup(emotions, tuple(targets[:MAX_DIARY_TARGETS]), labels)


def _usable_target(target: Any) -> bool:
    return (isinstance(target, Mapping) and isinstance(target.get("id"), str)
            and ID_PATTERN.match(target["id"]) is not None
            and isinstance(target.get("label"), str) and bool(target["label"].strip()))


# ------------------------------------------------------------------------------ saving


def save_diary_card(store: Store, card: Mapping[str, Any], now: datetime, *,
                    emotions: Sequence[str] | None = None,
                    skills: Sequence[str] = SKILL_IDS,
                    targets: Sequence[str] | None = None, flag_raised: bool = False,
                    raise_flag: RaiseFlag | None = None) -> dict[str, Any]:
    """Keep the day's diary card (the card of that day if there is one: an edit).

    `emotions`/`skills`/`targets`: the ids the card offers (None: as the clinic set them,
    `diary_setup`); an edit may also keep the ratings the saved card already has. A
    self-harm or suicide urge above 0 raises the safety flag first (unless
    `flag_raised`: the form already did, or this card's saved version already had one),
    so no card saying so exists without its flag. `raise_flag` is the session's
    `SafetyDesk.raise_flag`."""
    try:
        previous = (store.diary_cards.for_day(card["day"])
                    if isinstance(card.get("day"), str) else None)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    if emotions is None or targets is None:
        setup = diary_setup(store)
        emotions = setup.emotions if emotions is None else emotions
        targets = [target.id for target in setup.targets] if targets is None else targets
    problems = diary_card_problems(card, emotions=[*emotions, *_rated(previous, "emotions")],
                                   skills=skills,
                                   targets=[*targets, *_rated(previous, "targets")])
    if problems:
        raise LogNotValid(problems)
    already = flag_raised or (previous is not None and raises_safety_flow(previous))
    if raises_safety_flow(card) and not already:
        outcome = (raise_flag(SafetyTrigger.DIARY_CARD_SELF_HARM) if raise_flag is not None
                   else raise_safety_flag(store, SafetyTrigger.DIARY_CARD_SELF_HARM, now))
        if outcome.reach is FlagReach.NOT_SAVED:
            raise SaveFailed.from_store(WriteFailed())
    return _save(store, DIARY_CARD, previous, card, now)


def _rated(card: Mapping[str, Any] | None, name: str) -> list[str]:
    """The ids a saved card already rates under `name` (kept when the card is edited)."""
    ratings = card.get(name) if card is not None else None
    return [key for key in ratings if isinstance(key, str)] if isinstance(
        ratings, Mapping) else []


def save_thought_record(store: Store, record: Mapping[str, Any], now: datetime, *,
                        record_id: str | None = None) -> dict[str, Any]:
    """Keep a thought record: a new one, or a new version of `record_id`."""
    problems = thought_record_problems(record)
    if problems:
        raise LogNotValid(problems)
    return _save(store, THOUGHT_RECORD, _existing(store, THOUGHT_RECORD, record_id), record,
                 now)


def save_urge_log(store: Store, log: Mapping[str, Any], now: datetime, *,
                  skills: Sequence[str] = SKILL_IDS,
                  record_id: str | None = None) -> dict[str, Any]:
    """Keep an urge log: a new one, or a new version of `record_id`."""
    problems = urge_log_problems(log, skills=skills)
    if problems:
        raise LogNotValid(problems)
    return _save(store, URGE_LOG, _existing(store, URGE_LOG, record_id), log, now)


def _existing(store: Store, kind: str, record_id: str | None) -> dict[str, Any] | None:
    if record_id is None:
        return None
    try:
        found = _repository(store, kind).get(record_id)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    if found is None or found.get("deleted") is True:
        raise SaveFailed("This entry is no longer on this phone.")
    return found  # type: ignore[no-any-return]


def _save(store: Store, kind: str, previous: Mapping[str, Any] | None,
          content: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    if previous is not None and _content(previous) == dict(content):
        return dict(previous)  # saved twice: nothing new to keep or to send
    data = dict(content)
    if previous is not None:
        data["id"] = previous["id"]
    try:
        record: dict[str, Any] = _repository(store, kind).save(data)
        # Only while in care: after discharge (or with no clinic) it stays here.
        if clinic_receives_data(store, now):
            queue_version(store, kind, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record


# ------------------------------------------------------------------- delete and undo


def delete_log(store: Store, kind: str, record_id: str, now: datetime) -> DeletedLog:
    """Delete a log (keep the returned `DeletedLog` to offer "Undo"). The clinic is told
    (a tombstone version) only if it was ever sent the log."""
    try:
        repository = _repository(store, kind)
        previous = repository.get(record_id)
        if previous is None or previous.get("deleted") is True:
            raise SaveFailed("This entry is no longer on this phone.")
        tombstone = repository.save({"id": previous["id"], "deleted": True})
        if ever_queued(store, tombstone["id"]) and clinic_receives_data(store, now):
            queue_version(store, kind, tombstone, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return DeletedLog(kind, previous)


def undo_delete(store: Store, deleted: DeletedLog, now: datetime) -> dict[str, Any]:
    """Put a deleted log back as it was (a new version after its tombstone)."""
    try:
        repository = _repository(store, deleted.kind)
        current = repository.get(deleted.record["id"])
        if current is not None and current.get("deleted") is not True:
            return current  # type: ignore[no-any-return]  # undone already
        if deleted.kind == DIARY_CARD and repository.for_day(deleted.record["day"]):
            raise SaveFailed("That day has a new diary card; the deleted one was not put back.")
        record: dict[str, Any] = repository.save(
            {"id": deleted.record["id"], **_content(deleted.record)})
        if ever_queued(store, record["id"]) and clinic_receives_data(store, now):
            queue_version(store, deleted.kind, record, now)
    except StoreError as error:
        raise SaveFailed.from_store(error) from None
    return record


# ------------------------------------------------------------------------------ drafts


def keep_draft(store: Store, kind: str, content: Mapping[str, Any], now: datetime, *,
               record_id: str | None = None) -> bool:
    """Write what the form holds now (call as the person types). It is written at once
    to the encrypted store, so it survives the app being killed. False when the phone
    did not keep it (the form goes on; the next keystroke tries again)."""
    value = {"kind": kind, "record_id": record_id, "content": dict(content),
             "kept_at": now.isoformat()}
    try:
        store.settings.set(DRAFT_PREFIX + DRAFT_FORMS[kind], value)
    except StoreError:
        return False
    return True


@dataclass(frozen=True)
class Draft:
    record_id: str | None  # the log being edited; None for a new one
    content: dict[str, Any]  # as typed: not validated
    kept_at: datetime | None


def resume_draft(store: Store, kind: str) -> Draft | None:
    """The draft kept for `kind`, if any (it stays until `finish_draft`)."""
    try:
        value = store.settings.get(DRAFT_PREFIX + DRAFT_FORMS[kind])
    except StoreError:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("content"), dict):
        return None
    record_id = value.get("record_id")
    try:
        kept_at = datetime.fromisoformat(value["kept_at"])
    except (KeyError, TypeError, ValueError):
        kept_at = None
    return Draft(record_id if isinstance(record_id, str) else None, value["content"], kept_at)


def finish_draft(store: Store, kind: str) -> None:
    """The form was saved or cancelled: forget its draft (best effort)."""
    try:
        store.settings.delete(DRAFT_PREFIX + DRAFT_FORMS[kind])
    except StoreError:
        pass


# ------------------------------------------------------------------------------ reading


def logs(store: Store, kind: str) -> list[dict[str, Any]]:
    """Every live log of `kind`, in the order first saved ([] when the store fails)."""
    try:
        return list(_repository(store, kind).all())
    except StoreError:
        return []


@dataclass(frozen=True)
class Patterns:
    charts: dict[str, Chart]  # "mood", "craving", "urge"
    skills: list[SkillUse]
    triggers: list[TriggerCount]


def patterns(store: Store, now: datetime, zone: tzinfo, period: int) -> Patterns:
    """The Patterns view over the last `period` days (7, 30 or 90) in `zone`."""
    today = now.astimezone(zone).date()
    first: date = today - timedelta(days=period - 1)
    try:
        check_ins = list(store.check_ins.all())
    except StoreError:
        check_ins = []
    urges, cards = logs(store, URGE_LOG), logs(store, DIARY_CARD)
    return Patterns(
        charts={"mood": chart("mood", check_ins, today, zone, period),
                "craving": chart("craving", check_ins, today, zone, period),
                "urge": chart("urge", urges, today, zone, period)},
        skills=skills_used_most(cards, urges, first, today, zone),
        triggers=triggers_by_frequency(urges, check_ins, first, today, zone))
