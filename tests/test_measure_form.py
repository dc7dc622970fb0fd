"""The questionnaire form's draft and answers (ui/measures/view.py), without a browser:
a draft survives a lock as JSON (with the difficulty answer and the BAM's window), a bad
stored draft is tolerated, an unanswered item is never turned into a 0, and answers
that contradict each other (item 5 over 4, item 7 over 6) are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iop_companion.domain.measures import (
    BAM,
    BAM_SUBSTANCES,
    BAM_WEEKLY,
    GAD7,
    PHQ9,
    MeasureId,
)
from iop_companion.i18n import Translator
from iop_companion.services.drafts import Drafts
from iop_companion.store import Store
from iop_companion.ui.measures.view import (
    answer_list,
    answers_from_draft,
    difficulty_from_draft,
    draft_name,
    draft_snapshot,
    form_spec,
    heavy_drinking_too_high,
    item_text,
    refused,
    substances_above_drug_days,
    unanswered,
)

LOCALES_DIR = Path(__file__).resolve().parents[1] / "assets" / "locales"


def test_the_draft_is_named_like_the_page_the_shell_reopens() -> None:
    assert draft_name(MeasureId.PHQ9) == "measure_phq9"
    assert draft_name(MeasureId.BAM) == "measure_bam"


def test_a_draft_is_json_with_string_keys_and_comes_back_as_it_was() -> None:
    answers = {1: 2, 9: 1, 7: {"opioids": 3}}
    stored = json.loads(json.dumps(draft_snapshot(answers, True), allow_nan=False))
    assert set(stored["answers"]) == {"1", "9", "7"}
    assert answers_from_draft(BAM, stored) == ({1: 2, 9: 1, 7: {"opioids": 3}}, True)
    # Only what was answered is kept: nothing unanswered becomes a 0.
    assert answers_from_draft(PHQ9, draft_snapshot({9: 2}, True)) == ({9: 2}, True)


@pytest.mark.parametrize("kept", [
    None, "phq9", 7, [], [1, 2], {"answers": "1,2,3"}, {"answers": None},
    {"flag_raised": "yes"}, {"answers": [], "flag_raised": 1},
])
def test_a_bad_stored_draft_opens_an_empty_form(kept: object) -> None:
    assert answers_from_draft(PHQ9, kept) == ({}, False)


def test_a_draft_keeps_only_valid_answers_and_never_guesses() -> None:
    kept = {"answers": {"1": 3, "2": 4, "3": True, "4": "2", "5": -1, "x": 1, "10": 1,
                        "9": 1, " 8": 1, "6": None, "7": 0.0},
            "flag_raised": True}
    assert answers_from_draft(PHQ9, kept) == ({1: 3, 9: 1}, True)


def test_a_bad_bam_item_7_keeps_only_known_substances_with_valid_codes() -> None:
    kept = {"answers": {"7": {"opioids": 2, "coffee": 1, "cocaine": 9, "other": False},
                        "14": 4, "13": 4, "12": 5}}
    answers, flag = answers_from_draft(BAM, kept)
    assert answers == {7: {"opioids": 2}, 14: 4, 13: 4} and flag is False
    assert answers_from_draft(BAM, {"answers": {"7": {"coffee": 1}}}) == ({}, False)


def test_only_true_means_the_flag_was_raised() -> None:
    assert answers_from_draft(GAD7, {"answers": {}, "flag_raised": 1})[1] is False
    assert answers_from_draft(PHQ9, {"answers": {}, "flag_raised": True})[1] is True


def test_an_unanswered_item_is_never_a_zero() -> None:
    answers = {n: 0 for n in range(1, 9)}  # item 9 left unanswered
    assert unanswered(PHQ9, answers) == {9}
    with pytest.raises(ValueError, match="question 9"):
        answer_list(PHQ9, answers)
    assert answer_list(PHQ9, {**answers, 9: 1}) == [0] * 8 + [1]


def test_items_the_bam_skips_still_count_as_0_as_on_paper() -> None:
    # Item 4 at 0 skips item 5; item 6 at 0 skips item 7 (the paper form's rule).
    answers = {n: 1 for n in range(1, 18) if n not in (4, 5, 6, 7)}
    answers |= {4: 0, 6: 0, 14: 4}
    assert unanswered(BAM, answers) == set()
    values = answer_list(BAM, answers)
    assert values[4] == 0 and values[6] == {}
    # Not skipped and not answered: still missing, never 0.
    answers[6] = 1
    assert unanswered(BAM, answers) == {7}
    answers[7] = dict.fromkeys(BAM_SUBSTANCES, 0)
    assert answer_list(BAM, answers)[6] == dict.fromkeys(BAM_SUBSTANCES, 0)


def test_a_half_answered_form_survives_a_lock_through_the_drafts() -> None:
    store = Store.in_memory()
    unlocked: list[Store | None] = [store]
    drafts = Drafts(store=lambda: unlocked[0])
    answers = {1: 2, 2: 0, 9: 1}
    drafts.keep(draft_name(MeasureId.PHQ9), lambda: draft_snapshot(answers, True))
    drafts.flush(store, ["measure_phq9"])     # just before the lock
    assert drafts.pages_to_reopen() == ["measure_phq9"]
    # After the PIN the form opens again and reads its draft back.
    kept = drafts.resume(draft_name(MeasureId.PHQ9))
    assert answers_from_draft(PHQ9, kept) == (answers, True)
    drafts.finish(draft_name(MeasureId.PHQ9))  # saved or cancelled
    assert drafts.resume(draft_name(MeasureId.PHQ9)) is None


def test_a_draft_written_by_hand_in_the_store_is_tolerated() -> None:
    store = Store.in_memory()
    drafts = Drafts(store=lambda: store)
    store.settings.set("draft.measure_phq9", {"answers": {"9": "often", "1": 7}})
    assert answers_from_draft(PHQ9, drafts.resume("measure_phq9")) == ({}, False)


# ---------------------------------------------------------------- difficulty and window


def test_the_difficulty_answer_and_the_window_survive_in_the_draft() -> None:
    stored = json.loads(json.dumps(draft_snapshot({1: 1}, False, difficulty=2)))
    assert difficulty_from_draft(PHQ9, stored) == 2
    assert difficulty_from_draft(GAD7, stored) == 2
    assert difficulty_from_draft(BAM, stored) is None  # the BAM has no such question
    # Left out, or not a valid answer: nothing is guessed.
    assert difficulty_from_draft(PHQ9, draft_snapshot({}, False)) is None
    for bad in (4, -1, True, "2", 1.0):
        assert difficulty_from_draft(PHQ9, {"answers": {}, "difficulty": bad}) is None
    assert difficulty_from_draft(PHQ9, None) is None


def test_a_bam_draft_keeps_the_window_it_was_started_with() -> None:
    monthly = json.loads(json.dumps(draft_snapshot({4: 3}, False, recall_days=30)))
    # The schedule is weekly now, but the answers in the draft are about 30 days.
    assert form_spec(MeasureId.BAM, BAM_WEEKLY, monthly) is BAM
    assert answers_from_draft(BAM, monthly) == ({4: 3}, False)
    # No draft, a draft without a window, or a bad one: the schedule's window.
    for kept in (None, {"answers": {}}, {"answers": {}, "recall_days": 14},
                 {"answers": {}, "recall_days": 7.0}, {"answers": {}, "recall_days": True}):
        assert form_spec(MeasureId.BAM, BAM_WEEKLY, kept) is BAM_WEEKLY
    assert form_spec(MeasureId.PHQ9, PHQ9, monthly) is PHQ9
    # Answers kept before drafts had a window were asked about the form's 30 days.
    assert form_spec(MeasureId.BAM, BAM_WEEKLY, {"answers": {"4": 3}}) is BAM
    # A weekly form reading a 30-day answer back drops what a week cannot hold.
    assert answers_from_draft(BAM_WEEKLY, monthly) == ({}, False)


def test_bam_items_name_the_window_on_screen() -> None:
    t = Translator(LOCALES_DIR, "en").t
    assert item_text(t, BAM_WEEKLY, BAM_WEEKLY.items[3]).startswith("In the past 7 days, ")
    assert item_text(t, BAM, BAM.items[3]).startswith("In the past 30 days, ")
    assert item_text(t, PHQ9, PHQ9.items[0]) == "Little interest or pleasure in doing things"
    # In Spanish the instrument stays as published, in English.
    es = Translator(LOCALES_DIR, "es").t
    assert item_text(es, BAM_WEEKLY, BAM_WEEKLY.items[3]) == \
        item_text(t, BAM_WEEKLY, BAM_WEEKLY.items[3])


# ---------------------------------------------------------------- answers that contradict


def full_bam(**items: object) -> dict:
    answers: dict = {n: 0 for n in range(1, 18) if n != 7} | {14: 4}
    for name, value in items.items():
        answers[int(name[1:])] = value
    return answers


def test_a_substance_on_more_days_than_any_drug_is_refused_next_to_it() -> None:
    answers = full_bam(i6=1, i7=dict.fromkeys(BAM_SUBSTANCES, 0) | {"opioids": 2,
                                                                     "cocaine": 1})
    assert substances_above_drug_days(BAM_WEEKLY, answers) == {"opioids"}
    assert refused(BAM_WEEKLY, answers) and not heavy_drinking_too_high(BAM_WEEKLY, answers)
    answers[6] = 2  # now item 6 covers it
    assert substances_above_drug_days(BAM_WEEKLY, answers) == set()
    assert not refused(BAM_WEEKLY, answers)


def test_the_item_7_rule_waits_for_item_6_and_skips_with_it() -> None:
    per_substance = {"opioids": 2}
    assert substances_above_drug_days(BAM, {7: per_substance}) == set()  # 6 unanswered
    # Item 6 at 0 skips item 7 (scored as none), whatever was chosen there before.
    assert substances_above_drug_days(BAM, {6: 0, 7: per_substance}) == set()
    assert substances_above_drug_days(PHQ9, {6: 0, 7: per_substance}) == set()


def test_heavy_drinking_above_drinking_days_is_still_refused() -> None:
    assert refused(BAM_WEEKLY, full_bam(i4=1, i5=2))
    assert not refused(BAM_WEEKLY, full_bam(i4=2, i5=2))
