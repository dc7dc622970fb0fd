"""The diary card's setup as pure rules: the clinic's emotions (chosen from a catalogue the
app names in English and Spanish, 1 to 12, in order; the default set otherwise) and the
participant's own targets, rated like an urge and checked against the ids the card
offers. The wire models keep the same ids, bounds and rules as the domain."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from tests.domain.test_coping_logs import card
from tests.test_i18n import EN, ES

from iop_companion.domain import coping_logs as logs
from iop_companion.domain.coping_logs import (
    DEFAULT_DIARY_EMOTIONS,
    DIARY_EMOTION_IDS,
    diary_card_problems,
    offered_emotions,
)
from iop_companion.sync import protocol
from iop_companion.sync.protocol.payloads.coping_logs import ID_PATTERN as PAYLOAD_ID_PATTERN
from iop_companion.sync.protocol.payloads.coping_logs import DiaryCardPayload
from iop_companion.sync.protocol.push import RecordKind, payload_problem

MEAL, ALONE = "t3fa9c01b2e4d", "t00aa11bb22cc"


def rated(rating: Any = 3, acted_on: Any = False) -> dict[str, Any]:
    return {"rating": rating, "acted_on": acted_on}


# ------------------------------------------------------------------------- emotions


def test_the_catalogue_is_the_same_on_both_sides_and_named_in_both_languages() -> None:
    assert DIARY_EMOTION_IDS == protocol.DIARY_EMOTION_CATALOGUE
    assert len(DIARY_EMOTION_IDS) == len(set(DIARY_EMOTION_IDS)) == 15
    assert set(DEFAULT_DIARY_EMOTIONS) <= set(DIARY_EMOTION_IDS)
    assert (logs.MIN_CLINIC_EMOTIONS, logs.MAX_CLINIC_EMOTIONS) == (
        protocol.MIN_DIARY_EMOTIONS, protocol.MAX_DIARY_EMOTIONS) == (1, 12)
    for emotion in logs.DIARY_EMOTIONS:
        assert logs.ID_PATTERN.match(emotion.id), emotion
        key = f"coping.emotion.{emotion.id}"
        assert EN[key] == emotion.name  # the portal's English is the app's
        assert ES[key] and ES[key] != key, key


@pytest.mark.parametrize(("choice", "offered"), [
    (None, DEFAULT_DIARY_EMOTIONS),
    ([], DEFAULT_DIARY_EMOTIONS),
    ("joy", DEFAULT_DIARY_EMOTIONS),  # not a list
    (["anxiety", "hope"], ("anxiety", "hope")),  # the clinic's order
    (["calm", "nostalgia", "calm", 3, None, "joy"], ("calm", "joy")),  # unknown ones left out
    (["nostalgia"], DEFAULT_DIARY_EMOTIONS),  # nothing this app can name: the default
    (list(DIARY_EMOTION_IDS), DIARY_EMOTION_IDS[:12]),  # a newer clinic's longer list
])
def test_the_card_asks_about_the_clinics_emotions_as_far_as_the_app_can_name_them(
        choice: Any, offered: tuple[str, ...]) -> None:
    assert offered_emotions(choice) == offered


def test_an_emotion_the_card_does_not_offer_is_refused() -> None:
    assert diary_card_problems(card(emotions={"hope": 3})) == {
        "emotions.hope": "is not on this diary card"}
    assert diary_card_problems(card(emotions={"hope": 3}),
                               emotions=offered_emotions(["hope"])) == {}


def test_the_clinics_choice_is_checked_on_the_wire() -> None:
    assert protocol.DiaryEmotionsRequest(emotions=["hope", "joy"]).emotions == ["hope", "joy"]
    assert protocol.DiaryEmotionsRequest(emotions=None).emotions is None
    for bad in ([], list(DIARY_EMOTION_IDS[:13]), ["joy", "joy"], ["nostalgia"], ["Joy"]):
        with pytest.raises(ValidationError):
            protocol.DiaryEmotionsRequest(emotions=bad)


# -------------------------------------------------------------------------- targets


def test_targets_the_card_offers_are_rated_like_urges() -> None:
    offered = (MEAL, ALONE)
    assert diary_card_problems(card(targets={}), targets=offered) == {}
    assert diary_card_problems(card(), targets=offered) == {}  # a card without targets
    good = {MEAL: rated(5, True), ALONE: rated(None)}
    assert diary_card_problems(card(targets=good), targets=offered) == {}
    for rating in (0, 5):
        assert diary_card_problems(card(targets={MEAL: rated(rating)}), targets=offered) == {}


@pytest.mark.parametrize(("targets", "problem"), [
    ({MEAL: rated(6)}, f"targets.{MEAL}.rating"),
    ({MEAL: rated(-1)}, f"targets.{MEAL}.rating"),
    ({MEAL: rated(2.5)}, f"targets.{MEAL}.rating"),
    ({MEAL: rated(True)}, f"targets.{MEAL}.rating"),
    ({MEAL: rated(2, "yes")}, f"targets.{MEAL}.acted_on"),
    ({MEAL: {"rating": 2}}, f"targets.{MEAL}.acted_on"),
    ({MEAL: {"rating": 2, "acted_on": False, "why": "x"}}, f"targets.{MEAL}"),
    ({MEAL: 3}, f"targets.{MEAL}"),
    ({"t999": rated()}, "targets.t999"),  # not one the card offers
    ({"Skipped a meal": rated()}, "targets.Skipped a meal"),
    ([MEAL], "targets"),
    ("lots", "targets"),
])
def test_a_target_rated_wrongly_or_not_offered_is_refused(targets: Any, problem: str) -> None:
    problems = diary_card_problems(card(targets=targets), targets=(MEAL, ALONE))
    assert problem in problems, problems


def test_without_targets_offered_any_target_is_refused() -> None:
    assert diary_card_problems(card(targets={MEAL: rated()})) == {
        f"targets.{MEAL}": "is not on this diary card"}


def test_a_card_holds_at_most_forty_target_ratings() -> None:
    many = {f"t{n}": rated() for n in range(logs.MAX_TARGET_RATINGS + 1)}
    problems = diary_card_problems(card(targets=many), targets=list(many))
    assert problems == {"targets": "can hold at most 40 ratings"}


# ------------------------------------------------------------------ the wire agrees


def test_target_ids_and_bounds_are_the_same_on_the_wire() -> None:
    assert protocol.DIARY_TARGET_ID_PATTERN == PAYLOAD_ID_PATTERN == logs.ID_PATTERN.pattern
    assert protocol.MAX_DIARY_TARGETS == logs.MAX_DIARY_TARGETS == 8
    assert protocol.DIARY_TARGET_LABEL_MAX == logs.DIARY_TARGET_LABEL_MAX == 60


def test_the_payload_takes_what_the_domain_takes_and_refuses_the_rest() -> None:
    good = card(targets={MEAL: rated(4, True), ALONE: rated(None)})
    assert diary_card_problems(good, targets=(MEAL, ALONE)) == {}
    assert payload_problem(RecordKind.DIARY_CARD, good) is None
    assert DiaryCardPayload.model_validate(card()).targets == {}  # older cards: none
    for bad in ({MEAL: rated(6)}, {MEAL: {"rating": 1}}, {"Not An Id": rated()}, [MEAL]):
        problem = payload_problem(RecordKind.DIARY_CARD, card(targets=bad))
        assert problem is not None
        assert "Not An Id" not in problem  # a key that is not an id is never repeated


def test_the_targets_the_clinic_sends_and_takes_are_checked() -> None:
    sent = protocol.DiaryTargets.model_validate(
        {"targets": [{"id": MEAL, "label": "Skipped a meal"}], "newer_field": 1})
    assert sent.targets[0].label == "Skipped a meal"
    for bad in ({"targets": [{"id": "T-1", "label": "x"}]},
                {"targets": [{"id": MEAL, "label": ""}]},
                {"targets": [{"id": f"t{n}", "label": "x"} for n in range(9)]}):
        with pytest.raises(ValidationError):
            protocol.DiaryTargets.model_validate(bad)
    write = protocol.DiaryTargetsWrite(targets=[{"label": "  Skipped a meal "}])
    assert write.targets[0].label == "Skipped a meal"
    assert protocol.fold_label(" Skipped  A meal") == protocol.fold_label("skipped a meal")
