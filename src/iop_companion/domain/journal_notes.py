"""Free-text journal notes: the person's own words, with an optional title.

A note stays on the phone: it is never queued for the clinic, never shown to family
(services/journal_notes.py). Pure rules on plain dicts, no Flet, no store.

Content shape::

    {"title": "...",            # optional ("" when none), one line
     "text": "...",             # what the person wrote (needed), line breaks kept
     "written_at": ISO time with offset}   # when first saved; an edit keeps it

``note_problems`` returns ``{field: plain message}`` (empty when the note can be saved),
naming the field and the rule, never repeating what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from iop_companion.domain.coping_logs import moment

TITLE_MAX = 120
# About three pages of handwriting: long enough for a real entry, short enough that a
# screen (and the readable export) shows it whole without slowing down.
TEXT_MAX = 5000
FIELDS = frozenset({"title", "text", "written_at"})

# C0 controls except tab and newline, DEL, C1 controls and bidirectional overrides and
# isolates: the same characters the coping logs refuse (domain/coping_logs.py).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

Problems = dict[str, str]


def note_problems(note: Mapping[str, Any]) -> Problems:
    """What stops `note` being saved."""
    problems: Problems = {}
    for name in sorted(set(note) - FIELDS, key=str):
        problems[str(name)[:40]] = "is not a field of a note"
    if moment(note.get("written_at")) is None:
        problems["written_at"] = "must be a date and time with its time zone"
    title = note.get("title", "")
    if not isinstance(title, str):
        problems["title"] = "must be text"
    elif len(title) > TITLE_MAX:
        problems["title"] = f"must be at most {TITLE_MAX} characters"
    elif "\n" in title or _CONTROL.search(title):
        problems["title"] = "must be one line of printable text"
    text = note.get("text")
    if not isinstance(text, str):
        problems["text"] = "must be text"
    elif not text.strip():
        problems["text"] = "must not be empty"
    elif len(text) > TEXT_MAX:
        problems["text"] = f"must be at most {TEXT_MAX} characters"
    elif _CONTROL.search(text):
        problems["text"] = "can only hold printable characters"
    return problems


def tidy(title: str, text: str) -> tuple[str, str]:
    """The note as it is kept: the title without spaces at its ends, Windows line ends
    as plain ones (a carriage return is not kept), and no blank lines at the text's
    ends. Nothing else is changed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return title.strip(), text.strip("\n").rstrip()


def written_at(note: Mapping[str, Any]) -> datetime | None:
    """When the note was written, time-zone aware (None if the note has no valid time)."""
    return moment(note.get("written_at"))


def searchable_text(note: Mapping[str, Any]) -> str:
    """The words a Journal search looks in: the title and the text."""
    return " ".join(part for part in (note.get("title"), note.get("text"))
                    if isinstance(part, str))
