"""What the screens call raises `SaveFailed` (never a `store` type) when the phone does
not keep a change: goals and weekly ratings, "I've read this", sharing a plan, the
safety, relapse-prevention and aftercare plans, lapse reviews and homework. The
message is the store's own (safe to show), and nothing half-written is left behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from iop_companion.domain.aftercare import MeetingDraft
from iop_companion.domain.goals import GoalDraft
from iop_companion.domain.relapse_plan import RELAPSE_PLAN_SECTIONS
from iop_companion.services.aftercare import save_aftercare_plan
from iop_companion.services.errors import SaveFailed
from iop_companion.services.goals import rate_week, save_goal, set_step_done
from iop_companion.services.homework import answer_for, mark_done, undo_done
from iop_companion.services.learning import mark_assignment_read, mark_read_here, modules_read
from iop_companion.services.plan_sharing import RELAPSE_PLAN, is_shared, start_sharing, stop_sharing
from iop_companion.services.recovery import save_lapse_review, save_relapse_plan
from iop_companion.services.safety_plan_sharing import save_safety_plan
from iop_companion.store import Store, StoreError, WriteFailed
from tests.services.test_homework import NOW, URGE_LOG, connect, with_homework
from tests.services.test_learning import ASSIGNMENT_ID, assignment

FULL = str(WriteFailed())  # what the phone says when its storage is full
SLEEP = GoalDraft(title="Sleep by 11", why_it_matters="I cope better rested",
                  steps="Phone off at 10:30\nNo coffee after 2 pm")
PLAN_TEXTS = {section: "" for section in RELAPSE_PLAN_SECTIONS} | {"triggers": "Payday"}
REVIEW = {"what_happened": "Went to the bar after work", "what_helped": "",
          "do_differently": "Drive home the other way", "who_i_will_tell": "Ana"}


class Refusing:
    """A repository of a phone whose storage is full: reads work, `writes` are refused."""

    def __init__(self, real: Any, *writes: str) -> None:
        self._real = real
        self._writes = set(writes)
        self.tries = 0

    def __getattr__(self, name: str) -> Any:
        if name in self._writes:
            def refuse(*args: Any, **kwargs: Any) -> Any:
                self.tries += 1
                raise WriteFailed()
            return refuse
        return getattr(self._real, name)


def refuse(store: Store, repository: str, *writes: str) -> Refusing:
    refusing = Refusing(getattr(store, repository), *writes)
    setattr(store, repository, refusing)
    return refusing


@pytest.fixture
def store() -> Store:
    return Store.in_memory()


@pytest.fixture
def enrolled(store: Store) -> Store:
    """Connected to a clinic that receives data: saves also queue versions."""
    return connect(store)


def fails_with_the_phones_message(action: Callable[[], Any]) -> SaveFailed:
    with pytest.raises(SaveFailed) as caught:
        action()
    assert not isinstance(caught.value, StoreError)  # screens never see store types
    assert str(caught.value) == FULL
    return caught.value


def test_save_failed_is_a_service_error_not_a_store_error() -> None:
    error = SaveFailed.from_store(WriteFailed())
    assert not isinstance(error, StoreError)
    assert str(error) == FULL


# --- goals ---------------------------------------------------------------------------

def test_a_goal_the_phone_does_not_keep(store: Store) -> None:
    refuse(store, "goals", "save")
    fails_with_the_phones_message(lambda: save_goal(store, SLEEP, NOW))
    assert store.goals.all() == []


def test_a_goal_kept_but_not_queued_says_so(enrolled: Store) -> None:
    refuse(enrolled, "outbox", "enqueue")
    fails_with_the_phones_message(lambda: save_goal(enrolled, SLEEP, NOW))


def test_ticking_a_step_and_rating_a_week_the_phone_does_not_keep(store: Store) -> None:
    goal = save_goal(store, SLEEP, NOW)
    refuse(store, "goals", "save")
    fails_with_the_phones_message(lambda: set_step_done(store, goal["id"], 0, True, NOW))
    refuse(store, "goal_ratings", "rate")
    fails_with_the_phones_message(lambda: rate_week(store, goal["id"], 6, "Better", NOW))
    assert store.goal_ratings.all() == []


def test_a_goal_removed_meanwhile_is_a_save_failed_too(store: Store) -> None:
    gone = "9d3c1a2b-0000-4000-8000-000000000009"
    for action in (lambda: save_goal(store, SLEEP, NOW, gone),
                   lambda: set_step_done(store, gone, 0, True, NOW),
                   lambda: rate_week(store, gone, 5, "", NOW)):
        with pytest.raises(SaveFailed, match="no longer on this phone"):
            action()
    goal = save_goal(store, SLEEP, NOW)
    with pytest.raises(SaveFailed, match="step"):
        set_step_done(store, goal["id"], 9, True, NOW)


# --- learning ------------------------------------------------------------------------

def test_marking_a_module_read_the_phone_does_not_keep(enrolled: Store) -> None:
    enrolled.module_assignments.apply_changes([assignment()])
    refuse(enrolled, "assignment_answers", "apply_changes")
    fails_with_the_phones_message(lambda: mark_assignment_read(enrolled, ASSIGNMENT_ID, NOW))
    assert enrolled.outbox.pending() == []


def test_reading_a_module_on_the_phone_only_the_phone_does_not_keep(store: Store) -> None:
    refuse(store, "settings", "set")
    fails_with_the_phones_message(lambda: mark_read_here(store, "riding-out-cravings", NOW))
    assert modules_read(store) == {}


# --- sharing a plan, the plans, lapse reviews ----------------------------------------

def test_sharing_a_plan_the_phone_does_not_keep(enrolled: Store) -> None:
    save_relapse_plan(enrolled, PLAN_TEXTS, NOW)
    outbox = refuse(enrolled, "outbox", "enqueue")
    fails_with_the_phones_message(lambda: start_sharing(enrolled, NOW, plan=RELAPSE_PLAN))
    assert outbox.tries == 1
    refuse(enrolled, "settings", "set")
    fails_with_the_phones_message(lambda: stop_sharing(enrolled, NOW, plan=RELAPSE_PLAN))


def test_a_safety_plan_the_phone_does_not_keep(store: Store) -> None:
    refuse(store, "safety_plan", "save")
    fails_with_the_phones_message(
        lambda: save_safety_plan(store, {"warning_signs": ["Not sleeping"]}, NOW))


def test_a_shared_safety_plan_edit_not_queued_is_a_save_failed(enrolled: Store) -> None:
    save_safety_plan(enrolled, {"warning_signs": ["Not sleeping"]}, NOW)
    assert start_sharing(enrolled, NOW)
    refuse(enrolled, "outbox", "enqueue")
    fails_with_the_phones_message(
        lambda: save_safety_plan(enrolled, {"warning_signs": ["Skipping meals"]}, NOW))


def test_a_relapse_plan_the_phone_does_not_keep(store: Store) -> None:
    refuse(store, "relapse_plan", "save")
    fails_with_the_phones_message(lambda: save_relapse_plan(store, PLAN_TEXTS, NOW))


def test_a_shared_relapse_plan_edit_not_queued_is_a_save_failed(enrolled: Store) -> None:
    save_relapse_plan(enrolled, PLAN_TEXTS, NOW)
    assert start_sharing(enrolled, NOW, plan=RELAPSE_PLAN)
    assert is_shared(enrolled, RELAPSE_PLAN)
    refuse(enrolled, "outbox", "enqueue")
    fails_with_the_phones_message(
        lambda: save_relapse_plan(enrolled, PLAN_TEXTS | {"triggers": "Payday\nFridays"}, NOW))


def test_a_lapse_review_the_phone_does_not_keep(enrolled: Store) -> None:
    refuse(enrolled, "lapse_reviews", "add")
    fails_with_the_phones_message(
        lambda: save_lapse_review(enrolled, REVIEW, date(2026, 11, 24), NOW))
    assert enrolled.outbox.pending() == []


def test_a_lapse_review_not_queued_is_a_save_failed(enrolled: Store) -> None:
    refuse(enrolled, "outbox", "enqueue")
    fails_with_the_phones_message(
        lambda: save_lapse_review(enrolled, REVIEW, date(2026, 11, 24), NOW))


def test_an_aftercare_plan_the_phone_does_not_keep(store: Store) -> None:
    refuse(store, "aftercare_plan", "save")
    texts = {"continuing_care": "Weekly therapy with Dr. Lee"}
    meetings = [MeetingDraft(name="SMART Recovery", weekday="tuesday", time="18:30")]
    fails_with_the_phones_message(lambda: save_aftercare_plan(store, texts, meetings, NOW))
    assert store.aftercare_plan.get() is None


def test_an_aftercare_plan_not_queued_is_a_save_failed(enrolled: Store) -> None:
    refuse(enrolled, "outbox", "enqueue")
    fails_with_the_phones_message(lambda: save_aftercare_plan(
        enrolled, {"continuing_care": "Weekly therapy"}, [], NOW))


# --- homework ------------------------------------------------------------------------

def test_marking_homework_done_the_phone_does_not_keep(enrolled: Store) -> None:
    with_homework(enrolled)
    refuse(enrolled, "assignment_answers", "apply_changes")
    fails_with_the_phones_message(lambda: mark_done(enrolled, URGE_LOG, "Went well", NOW))
    assert answer_for(enrolled, URGE_LOG) is None
    assert enrolled.outbox.pending() == []


def test_undoing_homework_the_phone_does_not_keep(enrolled: Store) -> None:
    with_homework(enrolled)
    mark_done(enrolled, URGE_LOG, "Went well", NOW)
    refuse(enrolled, "assignment_answers", "apply_changes")
    fails_with_the_phones_message(lambda: undo_done(enrolled, URGE_LOG, NOW))
    answer = answer_for(enrolled, URGE_LOG)
    assert answer is not None and answer["done"] is True  # still done, as saved before


def test_homework_marked_but_not_queued_is_a_save_failed(enrolled: Store) -> None:
    with_homework(enrolled)
    refuse(enrolled, "outbox", "enqueue")
    fails_with_the_phones_message(lambda: mark_done(enrolled, URGE_LOG, "", NOW))
