"""The Journal's entries, without Flet: every kind of entry on the phone as one list,
newest first, each with the local day it belongs to and the text a search looks in.

Kinds: check-ins, questionnaire results, lapse reviews (the guided look back after a
use), diary cards, thought records, urge logs and free-text notes. A diary card belongs
to the day it is for; the others to the day they happened in the participant's time
zone. Which day is which is the services' rule (services/journal_export.py), so the
Journal and its readable export always agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from iop_companion.domain.journal_notes import searchable_text as note_text
from iop_companion.services.coping_logs import DIARY_CARD, THOUGHT_RECORD, URGE_LOG
from iop_companion.services.journal_export import (
    CHECK_IN,
    COPING_LOGS,
    LAPSE_REVIEW,
    MEASURE,
    JournalEntry,
    read_journal,
)
from iop_companion.services.journal_notes import NOTE

__all__ = ["CHECK_IN", "EDITABLE", "FILTERS", "LAPSE_REVIEW", "MEASURE", "NOTE", "Entry",
           "by_day", "journal_entries", "matches", "searchable_text"]

# The filters the Journal offers, in order ("all" first).
FILTERS = ("all", CHECK_IN, MEASURE, DIARY_CARD, THOUGHT_RECORD, URGE_LOG, NOTE)
# What opens for editing and deletes with "Undo".
EDITABLE = (*COPING_LOGS, NOTE)

Entry = JournalEntry
journal_entries = read_journal  # every entry, newest day first, newest first within a day


def searchable_text(kind: str, record: Mapping[str, Any]) -> str:
    """The words a search looks in: notes and every free text of the entry."""
    parts: list[str] = []
    if kind == CHECK_IN:
        parts += [record.get("note"), record.get("substance")]
        for name in ("triggers", "warning_signs", "skills_used"):
            parts += list(record.get(name) or [])
    elif kind == DIARY_CARD:
        parts.append(record.get("note"))
    elif kind == THOUGHT_RECORD:
        parts += [record.get(name) for name in ("situation", "automatic_thought",
                                                 "evidence_for", "evidence_against",
                                                 "balanced_thought")]
        parts += [e.get("name") for e in record.get("emotions") or [] if isinstance(e, Mapping)]
    elif kind == URGE_LOG:
        trigger = record.get("trigger")
        parts += [trigger.get("detail") if isinstance(trigger, Mapping) else None,
                  record.get("where"), record.get("with_whom"), record.get("what_i_did")]
    elif kind == NOTE:
        parts.append(note_text(record))
    elif kind == LAPSE_REVIEW:
        parts += [value for value in record.values() if isinstance(value, str)]
    return " ".join(str(part) for part in parts if isinstance(part, str))


def matches(entry: Entry, kind: str, query: str) -> bool:
    if kind != "all" and entry.kind != kind:
        return False
    words = query.casefold().split()
    text = searchable_text(entry.kind, entry.record).casefold()
    return all(word in text for word in words)


def by_day(entries: Iterable[Entry]) -> list[tuple[date, list[Entry]]]:
    """Entries grouped by day, in the order given."""
    groups: list[tuple[date, list[Entry]]] = []
    for entry in entries:
        if groups and groups[-1][0] == entry.day:
            groups[-1][1].append(entry)
        else:
            groups.append((entry.day, [entry]))
    return groups
