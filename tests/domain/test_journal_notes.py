"""Free-text journal notes: what a note may hold (an optional one-line title, the text,
when it was written) and how it is tidied before it is kept."""

from __future__ import annotations

from typing import Any

import pytest

from iop_companion.domain.journal_notes import (
    TEXT_MAX,
    TITLE_MAX,
    note_problems,
    searchable_text,
    tidy,
    written_at,
)

WHEN = "2026-11-25T21:00:00+00:00"


def a_note(**changes: Any) -> dict[str, Any]:
    return {"title": "After group", "text": "I said what I needed.\nIt went OK.",
            "written_at": WHEN, **changes}


def test_a_note_with_or_without_a_title_can_be_saved() -> None:
    assert note_problems(a_note()) == {}
    assert note_problems(a_note(title="")) == {}
    assert note_problems({"text": "Just this", "written_at": WHEN}) == {}  # no title at all
    assert note_problems(a_note(title="x" * TITLE_MAX, text="y" * TEXT_MAX)) == {}
    assert note_problems(a_note(text="tabs\tand\nlines")) == {}


@pytest.mark.parametrize(("changes", "problems"), [
    ({"text": ""}, {"text": "must not be empty"}),
    ({"text": " \n\t "}, {"text": "must not be empty"}),
    ({"text": "y" * (TEXT_MAX + 1)}, {"text": f"must be at most {TEXT_MAX} characters"}),
    ({"text": None}, {"text": "must be text"}),
    ({"text": "bell\x07"}, {"text": "can only hold printable characters"}),
    ({"text": "carriage\rreturn"}, {"text": "can only hold printable characters"}),
    ({"text": "hidden \u202e override"}, {"text": "can only hold printable characters"}),
    ({"title": "x" * (TITLE_MAX + 1)}, {"title": f"must be at most {TITLE_MAX} characters"}),
    ({"title": "two\nlines"}, {"title": "must be one line of printable text"}),
    ({"title": 7}, {"title": "must be text"}),
    ({"written_at": "2026-11-25T21:00:00"}, {"written_at": "must be a date and time with its "
                                                          "time zone"}),
    ({"written_at": "yesterday"}, {"written_at": "must be a date and time with its time zone"}),
    ({"mood": 5}, {"mood": "is not a field of a note"}),
])
def test_a_note_breaking_a_rule_is_refused_naming_the_field(changes: dict[str, Any],
                                                             problems: dict[str, str]) -> None:
    assert note_problems(a_note(**changes)) == problems


def test_a_message_never_repeats_what_was_typed() -> None:
    secret = "my sponsor's number is 555-0100"
    problems = note_problems(a_note(text=secret + "\x00", title=secret * 10))
    assert problems and not any(secret in message for message in problems.values())


def test_tidy_trims_the_title_and_blank_ends_but_keeps_the_words() -> None:
    assert tidy("  Monday  ", "\n\nFirst line\r\nsecond  line\n\n  \n") == (
        "Monday", "First line\nsecond  line")
    assert tidy("", "  indented start") == ("", "  indented start")


def test_the_time_and_the_searchable_words() -> None:
    note = a_note()
    found = written_at(note)
    assert found is not None and found.isoformat() == WHEN
    assert written_at(a_note(written_at=None)) is None
    assert searchable_text(note) == "After group I said what I needed.\nIt went OK."
    assert searchable_text({"text": "only text"}) == "only text"
