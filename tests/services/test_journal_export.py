"""The Journal's readable export: every kind of entry of the chosen days (both ends
included, days counted in the participant's time zone), by day, oldest first, each time
shown in that zone; the 42 CFR Part 2 notice; everything the person wrote HTML-escaped;
deleted entries left out; and the range rules."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from iop_companion.i18n import Translator
from iop_companion.services.coping_logs import (
    DIARY_CARD,
    THOUGHT_RECORD,
    URGE_LOG,
    delete_log,
    save_diary_card,
    save_thought_record,
    save_urge_log,
)
from iop_companion.services.journal_export import (
    CHECK_IN,
    LAPSE_REVIEW,
    MAX_DAYS,
    MEASURE,
    DayRange,
    JournalEntry,
    export_journal,
    file_name,
    in_range,
    journal_entry,
    last_days,
    range_problem,
    read_journal,
)
from iop_companion.services.journal_notes import NOTE, delete_note, save_note
from iop_companion.store import Store
from iop_companion.store.export import REDISCLOSURE_NOTICE
from tests.domain.test_coping_logs import card, thought, urge_log
from tests.store.store_testing import check_in
from tests.test_i18n import LOCALES_DIR

CHICAGO = ZoneInfo("America/Chicago")  # UTC-6 in November
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 9:00 PM on Wednesday 25 in Chicago
TODAY = date(2026, 11, 25)
WEEK = DayRange(date(2026, 11, 19), TODAY)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> Store:
    return Store.in_memory(now=clock)


def english() -> Translator:
    return Translator(LOCALES_DIR, "en")


def page_of(store: Store, chosen: DayRange = WEEK, translator: Translator | None = None) -> str:
    exported = export_journal(read_journal(store, CHICAGO), chosen, CHICAGO,
                              translator or english(), NOW)
    return exported.content.decode("utf-8")


class _Text(HTMLParser):
    """The page as a reader sees it: the text, tags gone, entities decoded."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible(page: str) -> str:
    reader = _Text()
    reader.feed(page)
    return " ".join(" ".join(reader.parts).split())


def headings(page: str, level: int) -> list[str]:
    return re.findall(rf"<h{level}>(.*?)</h{level}>", page)


# ------------------------------------------------------------------------- the content


def test_every_kind_of_entry_is_in_the_page_by_day_with_times_in_the_zone(
        store: Store, clock: Clock) -> None:
    # 03:30 UTC on the 25th is 9:30 PM on the 24th in Chicago: the 24th, at 9:30 PM.
    store.check_ins.add(check_in(created_at=utc(25, 3, 30).isoformat(), mood=6, craving=2,
                                 triggers=["Payday"], warning_signs=["Skipping meals"],
                                 skills_used=["Called my sponsor"], note="Went to group."))
    clock.now = utc(24, 15, 5)  # 9:05 AM in Chicago
    store.measures.add({"measure": "phq9", "answers": [1] * 9, "total": 9, "band": "mild"})
    store.lapse_reviews.add({"happened_on": "2026-11-23", "what_happened": "A drink at the game",
                             "what_helped": "Leaving early"})
    clock.now = NOW
    save_diary_card(store, card(day="2026-11-23", note="Hard afternoon"), NOW)
    save_thought_record(store, thought(), NOW)   # 9:15 AM on the 25th, Chicago
    save_urge_log(store, urge_log(), NOW)        # 6:40 PM on the 25th, Chicago
    save_note(store, "After group", "I said what I needed.\nIt went OK.", utc(25, 20, 10))

    page = page_of(store)
    text = visible(page)
    assert headings(page, 2) == ["Monday, November 23, 2026", "Tuesday, November 24, 2026",
                                 "Wednesday, November 25, 2026"]  # oldest first
    assert headings(page, 3) == [
        "Diary card",  # under the day it is for (the 23rd), whenever it was saved
        "Looking back, 9:05 AM", "Mood check (PHQ-9), 9:05 AM", "Check-in, 9:30 PM",
        "Thought record, 9:15 AM", "Note, 2:10 PM", "Urge log, 6:40 PM"]
    # A check-in with what it holds.
    for words in ("Mood 6/10 · Craving 2/10 · Sleep 7.5 h (Well)", "Triggers: Payday",
                  "Warning signs: Skipping meals", "Skills used: Called my sponsor",
                  "Went to group."):
        assert words in text, words
    # The questionnaire, the lapse review, the diary card, the thought record, the urge
    # log and the note.
    assert "Score 9 of 27" in text
    assert "What happened? A drink at the game" in text
    assert "Urge to use 3/5" in text and "Sadness 2/5" in text and "Hard afternoon" in text
    assert "Wise mind: balancing feelings and reason 7/7" in text
    assert "My sponsor did not call back." in text
    assert "Thinking traps: Mind reading, Overgeneralising" in text
    assert "What does not fit the thought: She called twice last week." in text
    assert "Urge 7/10 then 3/10" in text and "Trigger: Places – Drove past the old bar" in text
    assert "Where: In the car" in text and "It lasted 20 minutes." in text
    assert "After group" in text and "I said what I needed.\nIt went OK." in page
    assert "Times are in this time zone: America/Chicago (UTC-06:00)." in text
    assert "From Thursday, November 19, 2026 to Wednesday, November 25, 2026" in text
    assert "Entries: 7." in text


def test_the_range_is_inclusive_at_both_ends_in_the_participant_s_zone(store: Store) -> None:
    for when, note in ((utc(19, 5, 59), "just before"),   # 11:59 PM on the 18th: out
                       (utc(19, 6, 0), "first minute"),   # midnight on the 19th: in
                       (utc(26, 5, 59), "last minute"),   # 11:59 PM on the 25th: in
                       (utc(26, 6, 0), "just after")):    # midnight on the 26th: out
        store.check_ins.add(check_in(created_at=when.isoformat(), note=note))
    save_diary_card(store, card(day="2026-11-18", note="card before"), NOW)
    save_diary_card(store, card(day="2026-11-19", note="card on the first day"), NOW)
    text = visible(page_of(store))
    assert "first minute" in text and "last minute" in text and "card on the first day" in text
    assert "just before" not in text and "just after" not in text and "card before" not in text
    assert "Check-in, 12:00 AM" in text and "Check-in, 11:59 PM" in text
    # The same moments in another zone fall on other days.
    entries = read_journal(store, ZoneInfo("Asia/Tokyo"))
    assert {e.record.get("note") for e in in_range(entries, DayRange(
        date(2026, 11, 26), date(2026, 11, 26)))} == {"last minute", "just after"}


def test_the_notice_is_there_and_the_page_is_self_contained(store: Store) -> None:
    save_note(store, "", "Something", NOW)
    page = page_of(store)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert page.count(REDISCLOSURE_NOTICE) == 2  # at the top and at the end, as My data
    assert "42 CFR part 2" in page
    assert "<script" not in page and "http" not in page  # nothing loaded from elsewhere


def test_what_the_person_wrote_is_html_escaped(store: Store) -> None:
    hostile = '<script>alert("x")</script> & <img src=x onerror=1>'
    save_note(store, "<b>bold</b>", hostile, NOW)
    store.check_ins.add(check_in(created_at=NOW.isoformat(), note=hostile,
                                 triggers=["<i>payday</i>"]))
    save_urge_log(store, urge_log(what_i_did=hostile, where="<u>car</u>"), NOW)
    save_thought_record(store, thought(situation=hostile,
                                       emotions=[{"name": "<em>hurt</em>", "intensity": 80}],
                                       emotions_after=[]), NOW)
    page = page_of(store)
    assert "<script" not in page and "<img" not in page and "<b>bold" not in page
    assert "<i>" not in page and "<u>" not in page and "<em>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert visible(page).count('<script>alert("x")</script>') == 4  # shown, as text


def test_deleted_entries_are_not_in_the_page(store: Store) -> None:
    gone_note = save_note(store, "", "DELETED NOTE", NOW)
    kept_note = save_note(store, "", "KEPT NOTE", NOW)
    gone_log = save_urge_log(store, urge_log(what_i_did="DELETED LOG"), NOW)
    delete_note(store, gone_note["id"])
    delete_log(store, URGE_LOG, gone_log["id"], NOW)
    page = page_of(store)
    assert "KEPT NOTE" in page
    assert "DELETED NOTE" not in page and "DELETED LOG" not in page
    # Even handed a tombstone, the page leaves it out.
    tombstone = JournalEntry(NOTE, {"id": gone_note["id"], "deleted": True}, NOW, TODAY)
    live = journal_entry(NOTE, kept_note, CHICAGO)
    assert live is not None and in_range([tombstone, live], WEEK) == [live]
    assert journal_entry(NOTE, {"id": "x", "deleted": True, "written_at": NOW.isoformat()},
                         CHICAGO) is None


def test_a_diary_card_shows_its_targets_in_the_care_team_s_words_and_every_emotion(
        store: Store) -> None:
    save_diary_card(store, card(emotions={"sadness": 2, "guilt": 3}, targets={
        "tskip01": {"rating": 2, "acted_on": True}, "told02": {"rating": 1, "acted_on": False},
        "tnone03": {"rating": None, "acted_on": False}}), NOW,
        emotions=("sadness", "guilt"), targets=("tskip01", "told02", "tnone03"))
    exported = export_journal(read_journal(store, CHICAGO), WEEK, CHICAGO, english(), NOW,
                              target_labels={"tskip01": "Skipped a <meal>"})
    text = visible(exported.content.decode("utf-8"))
    assert ("My targets: Skipped a <meal> 2/5, acted on · A target no longer on the card 1/5"
            in text)
    assert "Sadness 2/5 · Guilt 3/5" in text


def test_days_with_nothing_say_so_plainly(store: Store) -> None:
    save_note(store, "", "Long ago", datetime(2026, 1, 5, 18, tzinfo=UTC))
    text = visible(page_of(store))
    assert "Nothing was written on these days." in text and "Entries: 0." in text
    assert "Long ago" not in text


def test_the_page_is_in_the_person_s_language_with_the_notice_as_published(
        store: Store) -> None:
    save_urge_log(store, urge_log(), NOW)
    page = page_of(store, translator=Translator(LOCALES_DIR, "es"))
    text = visible(page)
    assert '<html lang="es">' in page
    assert "miércoles, 25 de noviembre de 2026" in text.casefold()
    assert "Registro de impulsos, 18:40" in text
    assert "El aviso de abajo está en inglés" in text
    assert REDISCLOSURE_NOTICE in page


# --------------------------------------------------------------------------- the range


def test_the_default_range_is_the_last_seven_days_with_today() -> None:
    chosen = last_days(TODAY)
    assert (chosen.first, chosen.last, chosen.days) == (date(2026, 11, 19), TODAY, 7)
    assert last_days(TODAY, 30).first == date(2026, 10, 27)
    assert file_name(chosen) == "iop-companion-journal-2026-11-19-to-2026-11-25.html"


@pytest.mark.parametrize(("chosen", "problem"), [
    (DayRange(TODAY, TODAY), None),
    (DayRange(TODAY - timedelta(days=MAX_DAYS - 1), TODAY), None),
    (DayRange(TODAY, TODAY - timedelta(days=1)), "journal_export.error.order"),
    (DayRange(TODAY - timedelta(days=MAX_DAYS), TODAY), "journal_export.error.too_long"),
])
def test_a_range_backwards_or_too_long_is_refused(chosen: DayRange, problem: str | None,
                                                  store: Store) -> None:
    assert range_problem(chosen) == problem
    if problem is not None:
        with pytest.raises(ValueError):
            export_journal([], chosen, CHICAGO, english(), NOW)


def test_the_journal_lists_notes_with_the_other_kinds(store: Store, clock: Clock) -> None:
    store.check_ins.add(check_in(created_at=NOW.isoformat()))
    store.measures.add({"measure": "gad7", "answers": [1] * 7, "total": 7, "band": "mild"})
    store.lapse_reviews.add({"happened_on": "2026-11-24", "what_happened": "x"})
    save_diary_card(store, card(), NOW)
    save_thought_record(store, thought(), NOW)
    save_urge_log(store, urge_log(), NOW)
    save_note(store, "", "a note", NOW)
    kinds: list[Any] = sorted(e.kind for e in read_journal(store, CHICAGO))
    assert kinds == sorted([CHECK_IN, MEASURE, LAPSE_REVIEW, DIARY_CARD, THOUGHT_RECORD,
                            URGE_LOG, NOTE])
