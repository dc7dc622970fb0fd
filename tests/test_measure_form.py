"""The questionnaire form's draft and answers (ui/measures/view.py), without a browser:
a draft survives a lock as JSON, a bad stored draft is tolerated, and an unanswered
item is never turned into a 0."""

from __future__ import annotations

import json

import pytest

from iop_companion.domain.measures import BAM, BAM_SUBSTANCES, GAD7, PHQ9, MeasureId
from iop_companion.services.drafts import Drafts
from iop_companion.store import Store
from iop_companion.ui.measures.view import (
    answer_list,
    answers_from_draft,
    draft_name,
    draft_snapshot,
    unanswered,
)


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
