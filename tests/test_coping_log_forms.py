"""The coping-log forms and the Journal (ui/logs, ui/journal), without a browser: a draft
the forms keep is read back as it was typed (and a malformed one is ignored, never
guessed at); what the forms save passes the log's own rules; a lock writes the draft in
the services' format and reopens the form's page; every skill and thinking trap has a
name in English and Spanish; every field a log can refuse has a message of its own; and
the Journal lists every kind of entry by day, filters by kind and searches the notes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.coping_logs import (
    SKILL_IDS,
    THINKING_TRAP_IDS,
    THINKING_TRAPS,
    empty_diary_card,
    thought_record_problems,
    urge_log_problems,
)
from iop_companion.services.coping_logs import (
    DIARY_CARD,
    DRAFT_FORMS,
    THOUGHT_RECORD,
    URGE_LOG,
    delete_log,
    resume_draft,
    save_diary_card,
    save_thought_record,
    save_urge_log,
)
from iop_companion.services.drafts import Drafts
from iop_companion.store import Store
from iop_companion.ui.journal.entries import (
    CHECK_IN,
    MEASURE,
    by_day,
    journal_entries,
    matches,
)
from iop_companion.ui.logs import diary_card, thought_record, urge_log
from iop_companion.ui.logs.common import (
    LOG_PAGES,
    draft_value,
    problem_text,
    skill_name,
    trap_explanation,
    trap_name,
)
from iop_companion.ui.shell import PAGE_SCREENS
from tests.domain.test_coping_logs import card, thought
from tests.domain.test_coping_logs import urge_log as an_urge_log
from tests.store.store_testing import check_in
from tests.test_i18n import EN, ES

NOW = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")
NOT_A_DRAFT: list[Any] = [None, "text", 3, True, [], ["day"]]


def through_the_store(kind: str, content: Any, record_id: str | None = None) -> Any:
    """A draft as a lock writes it, read back the way the forms read it."""
    store = Store.in_memory()
    drafts = Drafts(store=lambda: store)
    assert drafts.save_now(DRAFT_FORMS[kind], draft_value(kind, content, NOW, record_id))
    kept = resume_draft(store, kind)
    assert kept is not None and kept.record_id == record_id
    return kept.content


def t_of(strings: dict[str, str]):
    def t(key: str, **values: object) -> str:
        return strings[key].format(**values) if key in strings else key
    return t


# ---------------------------------------------------------------- the shell and pages


def test_each_log_has_a_page_the_shell_opens_and_reopens_after_the_pin() -> None:
    assert set(LOG_PAGES) == {DIARY_CARD, THOUGHT_RECORD, URGE_LOG}
    for page in [*LOG_PAGES.values(), "patterns"]:
        assert page in PAGE_SCREENS
        assert f"page.{page}" in EN and f"page.{page}" in ES


def test_a_lock_writes_the_form_in_the_services_format_and_reopens_its_page() -> None:
    store = Store.in_memory()
    drafts = Drafts(store=lambda: store)
    typed = thought(balanced_thought="", emotions_after=[])
    drafts.keep(DRAFT_FORMS[THOUGHT_RECORD], lambda: draft_value(THOUGHT_RECORD, typed, NOW,
                                                                 None))
    drafts.flush(store, ["thought_record"])  # just before the lock
    assert drafts.pages_to_reopen() == ["thought_record"]
    kept = resume_draft(store, THOUGHT_RECORD)
    assert kept is not None and kept.content == typed and kept.kept_at == NOW


# ------------------------------------------------------------------------ diary card


def test_a_diary_card_draft_comes_back_as_typed() -> None:
    typed = card(urges={"use": {"rating": 2, "acted_on": True},
                        "self_harm": {"rating": None, "acted_on": False},
                        "suicide": {"rating": None, "acted_on": False}})
    assert diary_card.card_from_draft(through_the_store(DIARY_CARD, typed),
                                      "2026-11-25") == typed


def test_a_diary_card_draft_of_another_day_is_not_this_card() -> None:
    assert diary_card.card_from_draft(card(day="2026-11-24"), "2026-11-25") is None


@pytest.mark.parametrize("kept", NOT_A_DRAFT)
def test_a_malformed_diary_card_draft_is_ignored(kept: Any) -> None:
    assert diary_card.card_from_draft(kept, "2026-11-25") is None


def test_a_damaged_diary_card_draft_keeps_only_what_is_valid() -> None:
    kept = card(urges={"use": {"rating": 9, "acted_on": "yes"}, "self_harm": "x"},
                emotions={"sadness": 3, "anger": 8, "boredom": 2, "joy": True},
                skills={"wise_mind": 7, "made_up": 3, "tipp": -1},
                medications_taken="sometimes", note=5)
    back = diary_card.card_from_draft(kept, "2026-11-25")
    assert back == {**empty_diary_card(date(2026, 11, 25)),
                    "emotions": {"sadness": 3}, "skills": {"wise_mind": 7}}


def test_the_form_starts_with_nothing_rated_for_the_person() -> None:
    empty = empty_diary_card(date(2026, 11, 25))
    assert all(urge["rating"] is None for urge in empty["urges"].values())
    assert empty["emotions"] == {} and empty["skills"] == {}


# ---------------------------------------------------------------------- thought record


def test_a_thought_record_draft_comes_back_as_typed_and_saves() -> None:
    typed = thought()
    back = thought_record.record_from_draft(through_the_store(THOUGHT_RECORD, typed), NOW)
    assert back is not None
    assert thought_record.to_saved(back) == typed
    assert thought_record_problems(thought_record.to_saved(back)) == {}


def test_empty_emotion_rows_and_stale_re_ratings_are_left_out_when_saved() -> None:
    values = thought_record.empty_record(NOW) | {
        "situation": "Payday", "automatic_thought": "I deserve a drink",
        "emotions": [{"name": " tense ", "intensity": 70}, {"name": "", "intensity": None}],
        "emotions_after": [{"name": "Tense", "intensity": 30},
                           {"name": "renamed", "intensity": 10},
                           {"name": "tense", "intensity": None}]}
    saved = thought_record.to_saved(values)
    assert saved["emotions"] == [{"name": "tense", "intensity": 70}]
    assert saved["emotions_after"] == [{"name": "Tense", "intensity": 30}]
    assert thought_record_problems(saved) == {}


def test_a_new_thought_record_needs_its_situation_thought_and_an_emotion() -> None:
    problems = thought_record_problems(thought_record.to_saved(thought_record.empty_record(NOW)))
    assert {"situation", "automatic_thought", "emotions"} <= set(problems)


@pytest.mark.parametrize("kept", NOT_A_DRAFT)
def test_a_malformed_thought_record_draft_is_ignored(kept: Any) -> None:
    assert thought_record.record_from_draft(kept, NOW) is None


def test_a_damaged_thought_record_draft_keeps_only_what_is_valid() -> None:
    back = thought_record.record_from_draft({
        "occurred_at": "yesterday", "situation": 4, "automatic_thought": "I failed",
        "emotions": [{"name": "sad", "intensity": 150}, "x", {"name": 3, "intensity": 40}],
        "thinking_traps": ["labelling", "made_up", "catastrophising"]}, NOW)
    assert back is not None
    assert back["occurred_at"] == NOW.isoformat() and back["situation"] == ""
    assert back["emotions"] == [{"name": "sad", "intensity": None},
                                {"name": "", "intensity": 40}]
    # Kept in their own order (an unchanged edit is no new version), unknown ones dropped.
    assert back["thinking_traps"] == ["labelling", "catastrophising"]


# ---------------------------------------------------------------------------- urge log


def test_an_urge_log_draft_comes_back_as_typed_and_saves() -> None:
    typed = an_urge_log()
    back = urge_log.log_from_draft(through_the_store(URGE_LOG, typed), NOW)
    assert back is not None and urge_log.to_saved(back) == typed
    assert urge_log_problems(urge_log.to_saved(back)) == {}


@pytest.mark.parametrize(("typed", "minutes"), [("", None), ("  ", None), ("45", 45),
                                                ("0", 0), ("half an hour", "half an hour"),
                                                ("-5", "-5"), ("2000", 2000)])
def test_minutes_are_read_as_typed_never_guessed(typed: str, minutes: Any) -> None:
    assert urge_log.minutes_typed(typed) == minutes


def test_minutes_that_are_not_a_number_are_refused_with_a_message_of_their_own() -> None:
    problems = urge_log_problems(urge_log.to_saved(urge_log.log_from_draft(
        an_urge_log(lasted_minutes="half an hour"), NOW)))
    assert set(problems) == {"lasted_minutes"}
    assert problem_text(t_of(EN), problems, "lasted_minutes", "log") == EN[
        "coping.problem.lasted_minutes"]


@pytest.mark.parametrize("kept", NOT_A_DRAFT)
def test_a_malformed_urge_log_draft_is_ignored(kept: Any) -> None:
    assert urge_log.log_from_draft(kept, NOW) is None


def test_a_damaged_urge_log_draft_keeps_only_what_is_valid() -> None:
    back = urge_log.log_from_draft({"intensity": 11, "used": "no", "skills_used": [
        "tipp", "made_up"], "trigger": {"category": "weather", "detail": "Rain"},
        "intensity_after": 2}, NOW)
    assert back is not None
    assert (back["intensity"], back["used"], back["intensity_after"]) == (None, None, 2)
    assert back["skills_used"] == ["tipp"]
    assert back["trigger"] == {"category": None, "detail": "Rain"}


# ---------------------------------------------------------------- words on the screen


@pytest.mark.parametrize("strings", [EN, ES], ids=["en", "es"])
def test_every_skill_and_thinking_trap_has_its_name_in_each_language(strings) -> None:
    t = t_of(strings)
    for skill in SKILL_IDS:
        assert f"coping.skill.{skill}" in strings
    for trap in THINKING_TRAP_IDS:
        assert f"coping.trap.{trap}" in strings and f"coping.trap.{trap}.explain" in strings
        assert trap_name(t, trap) == strings[f"coping.trap.{trap}"]
    if strings is ES:
        assert trap_name(t, "mind_reading") == "Leer la mente"
        assert trap_explanation(t, "catastrophising") != THINKING_TRAPS[1].explanation
        assert skill_name(t, "urge_surfing").startswith("Surfear")


def test_a_name_missing_from_the_locale_files_falls_back_to_the_domains_words() -> None:
    t = t_of({})
    assert skill_name(t, "tipp") == "TIPP: cold water, exercise, paced breathing"
    assert trap_name(t, "labelling") == "Labelling"


@pytest.mark.parametrize("problems", [
    thought_record_problems({"occurred_at": "x", "situation": "", "automatic_thought": "",
                             "emotions": [], "evidence_for": 1, "evidence_against": 2,
                             "thinking_traps": ["?"], "balanced_thought": 3,
                             "emotions_after": "x", "other": 1}),
    urge_log_problems({"occurred_at": "x", "intensity": 11, "trigger": {"category": "x",
                       "detail": 1}, "where": 1, "with_whom": 1, "skills_used": ["?"],
                       "what_i_did": 1, "used": "?", "intensity_after": 11,
                       "lasted_minutes": -1}),
])
def test_every_field_a_log_refuses_has_its_own_message(problems: dict[str, str]) -> None:
    for field in {name.split(".")[0] for name in problems} - {"occurred_at", "other"}:
        assert f"coping.problem.{field}" in EN and f"coping.problem.{field}" in ES, field


# ---------------------------------------------------------------------------- journal


@pytest.fixture
def store() -> Store:
    store = Store.in_memory()
    store.check_ins.add(check_in(created_at="2026-11-25T15:00:00+00:00",
                                 triggers=["Payday"], note="Went to group."))
    store.measures.add({"measure": "gad7", "answers": [1] * 7, "total": 7, "band": "mild"})
    save_diary_card(store, card(day="2026-11-24", note="Hard afternoon"), NOW)
    save_thought_record(store, thought(), NOW)
    save_urge_log(store, an_urge_log(), NOW)
    return store


def test_the_journal_lists_every_kind_by_day_newest_first(store: Store) -> None:
    entries = journal_entries(store, CHICAGO)
    kinds = {entry.kind for entry in entries}
    assert kinds == {CHECK_IN, MEASURE, DIARY_CARD, THOUGHT_RECORD, URGE_LOG}
    days = [day for day, _ in by_day(entries)]
    assert days == sorted(set(days), reverse=True)
    # A diary card sits under the day it is for, whenever it was saved.
    [card_entry] = [e for e in entries if e.kind == DIARY_CARD]
    assert card_entry.day == date(2026, 11, 24)
    # Others under the day they happened in the participant's time zone.
    [urge_entry] = [e for e in entries if e.kind == URGE_LOG]
    assert urge_entry.day == date(2026, 11, 25)


def test_the_journal_filters_by_kind_and_searches_every_note(store: Store) -> None:
    entries = journal_entries(store, CHICAGO)
    assert {e.kind for e in entries if matches(e, URGE_LOG, "")} == {URGE_LOG}
    assert [e.kind for e in entries if matches(e, "all", "old BAR")] == [URGE_LOG]
    assert [e.kind for e in entries if matches(e, "all", "payday")] == [CHECK_IN]
    assert [e.kind for e in entries if matches(e, "all", "hard afternoon")] == [DIARY_CARD]
    assert [e.kind for e in entries if matches(e, "all", "sponsor call")] == [THOUGHT_RECORD]
    assert [e for e in entries if matches(e, CHECK_IN, "sponsor")] == []


def test_a_deleted_log_leaves_the_journal(store: Store) -> None:
    [thought_entry] = [e for e in journal_entries(store, CHICAGO) if e.kind == THOUGHT_RECORD]
    delete_log(store, THOUGHT_RECORD, thought_entry.record_id, NOW + timedelta(minutes=1))
    assert THOUGHT_RECORD not in {e.kind for e in journal_entries(store, CHICAGO)}


def test_a_form_reopened_after_the_pin_edits_the_entry_its_draft_was_for() -> None:
    from types import SimpleNamespace

    from iop_companion.services.coping_logs import Draft
    from iop_companion.ui.logs.common import EDITING_KEY, editing

    services = SimpleNamespace(unsaved_forms={})
    kept = Draft("9d3c1a2b-0000-4000-8000-000000000001", thought(), NOW)
    # Nothing in memory (the shell reopened the page): the draft's own entry.
    assert editing(services, THOUGHT_RECORD, kept) == kept.record_id
    assert editing(services, DIARY_CARD, Draft(None, card(), NOW)) == "2026-11-25"
    assert editing(services, URGE_LOG, None) is None
    # Opened from the Journal or Today: what was asked for ("" is a new entry).
    services.unsaved_forms[EDITING_KEY.format(kind=THOUGHT_RECORD)] = ""
    assert editing(services, THOUGHT_RECORD, kept) is None
    services.unsaved_forms[EDITING_KEY.format(kind=DIARY_CARD)] = "2026-11-20"
    assert editing(services, DIARY_CARD, Draft(None, card(), NOW)) == "2026-11-20"


# ---------------------------------------------------------------------------- patterns


@pytest.mark.parametrize("strings", [EN, ES], ids=["en", "es"])
def test_each_chart_sentence_reads_in_words_with_its_numbers(strings) -> None:
    from iop_companion.domain.coping_logs import summarise
    from iop_companion.ui.logs.patterns import summary_sentence

    t = t_of(strings)
    days = [date(2026, 11, d) for d in range(1, 15)]
    before = [(d, 5.1) for d in days[:7]]
    now = [(d, None if i % 2 else 4.2) for i, d in enumerate(days[7:])]
    down = summary_sentence(t, summarise("craving", 7, before, now))
    assert "4.2" in down and "5.1" in down and "7" in down
    assert down.startswith("Craving averaged" if strings is EN else "El antojo tuvo")
    gaps_only = summary_sentence(t, summarise("urge", 7, before, [(d, None) for d in days[7:]]))
    assert gaps_only == t("coping.chart.summary.none", metric=t("coping.chart.metric.urge"),
                          period=7)
    for key in ("none", "average", "up", "down", "same"):
        assert f"coping.chart.summary.{key}" in strings


def test_skill_and_trigger_lines_say_once_and_how_much_it_helped() -> None:
    from iop_companion.domain.coping_logs import SkillUse, TriggerCount
    from iop_companion.ui.logs.patterns import skill_line, trigger_line

    t = t_of(EN)
    assert skill_line(t, SkillUse("urge_surfing", 1, None, 2.5)) == (
        "Urge surfing: riding the urge out: used once. "
        "Urges fell by 2.5 points on average when you used it.")
    assert skill_line(t, SkillUse("tipp", 3, 2 / 3, None)).endswith(
        "used 3 times. It helped on 67% of the diary-card days you used it.")
    assert trigger_line(t, TriggerCount("urge_log", "places", 2)) == "Places: 2 times"
    assert trigger_line(t, TriggerCount("check_in", "payday", 1)) == "payday: once"
