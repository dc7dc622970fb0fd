"""PHQ-9, GAD-7 and BAM: specs, scoring at every band boundary, validation, schedules,
the BAM's recall window, and the instruments' wording (published text, English in every
language).

Every expected total below is summed by hand in the comment beside it. Schedule times use
America/Chicago: UTC-6 (CST) until 2026-03-08 02:00 local, then UTC-5 (CDT), and back to
UTC-6 on 2026-11-01 02:00 local (01:00-01:59 happens twice that night).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from iop_companion.domain.measures import (
    BAM,
    BAM_DAYS_OPTIONS,
    BAM_EXTENT_OPTIONS,
    BAM_HEALTH_OPTIONS,
    BAM_PROTECTIVE_ITEMS,
    BAM_RISK_ITEMS,
    BAM_SUBSCALE_KEYS,
    BAM_SUBSTANCES,
    BAM_USE_ITEMS,
    BAM_WEEK_DAYS_OPTIONS,
    BAM_WEEKLY,
    BAM_YES_NO_OPTIONS,
    DEFAULT_SCHEDULES,
    DIFFICULTY_OPTIONS,
    FREQUENCY_OPTIONS,
    GAD7,
    GAD7_LOINC_PANEL,
    GAD7_LOINC_TOTAL,
    INSTRUMENT_KEY_PREFIX,
    PHQ9,
    PHQ9_LOINC_PANEL,
    PHQ9_LOINC_TOTAL,
    SPECS,
    BamResult,
    Band,
    Gad7Result,
    ItemKind,
    MeasureError,
    MeasureId,
    MeasureSchedule,
    Phq9Result,
    bam_recall_days,
    bam_spec,
    bam_subscale_max,
    bam_substance_key,
    difficulty_code,
    gad7_band,
    phq9_band,
    result_summary_key,
    schedule_for,
    score_bam,
    score_gad7,
    score_phq9,
)
from iop_companion.i18n import ENGLISH_ONLY_PREFIX, Translator

ROOT = Path(__file__).resolve().parents[2]
LOCALES_DIR = ROOT / "assets" / "locales"
MEASURES_EN = LOCALES_DIR / "en.json"
# The shared clinical reference (outside the repository): checked when it is there.
CLINICAL_REFERENCE = ROOT.parent / "shared" / "reference" / "clinical.md"
CHICAGO = ZoneInfo("America/Chicago")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- constants and specs -------------------------------------------------------------------

def test_loinc_codes():
    assert (PHQ9_LOINC_PANEL, PHQ9_LOINC_TOTAL) == ("44249-1", "44261-6")
    assert (GAD7_LOINC_PANEL, GAD7_LOINC_TOTAL) == ("69737-5", "70274-6")
    assert (PHQ9.loinc_panel, PHQ9.loinc_total) == ("44249-1", "44261-6")
    assert (GAD7.loinc_panel, GAD7.loinc_total) == ("69737-5", "70274-6")
    assert (BAM.loinc_panel, BAM.loinc_total) == (None, None)  # no total to code


def test_specs_are_indexed_by_id():
    assert SPECS == {MeasureId.PHQ9: PHQ9, MeasureId.GAD7: GAD7, MeasureId.BAM: BAM}
    assert [spec.id for spec in SPECS.values()] == list(SPECS)


@pytest.mark.parametrize(("spec", "count", "prefix"), [
    (PHQ9, 9, "instrument.phq9.item."),
    (GAD7, 7, "instrument.gad7.item."),
    (BAM, 17, "instrument.bam.item."),
    (BAM_WEEKLY, 17, "instrument.bam.item."),
])
def test_items_are_numbered_translation_keys(spec, count, prefix):
    assert [item.number for item in spec.items] == list(range(1, count + 1))
    assert [item.text_key for item in spec.items] == [f"{prefix}{n}" for n in range(1, count + 1)]


@pytest.mark.parametrize("spec", [PHQ9, GAD7])
def test_phq9_and_gad7_items_answer_0_to_3(spec):
    for item in spec.items:
        assert item.options == FREQUENCY_OPTIONS
        assert item.kind is ItemKind.SINGLE_CHOICE
        assert item.skips_when_zero == ()
    assert [o.value for o in FREQUENCY_OPTIONS] == [0, 1, 2, 3]
    assert [o.label_key for o in FREQUENCY_OPTIONS] == [
        f"instrument.frequency.{v}" for v in range(4)]
    # The unscored difficulty question follows the items, apart from them.
    assert spec.difficulty is not None
    assert spec.difficulty.text_key == "instrument.difficulty.question"
    assert spec.difficulty.options == DIFFICULTY_OPTIONS
    assert [o.value for o in DIFFICULTY_OPTIONS] == [0, 1, 2, 3]
    assert spec.difficulty not in spec.items
    assert spec.recall_days is None


def test_the_bam_has_no_difficulty_question():
    assert BAM.difficulty is None and BAM_WEEKLY.difficulty is None


def test_bam_answer_options_follow_the_va_form():
    by_number = {item.number: item for item in BAM.items}
    assert by_number[1].options == BAM_HEALTH_OPTIONS
    for n in (2, 3, 4, 5, 6, 7, 10, 11, 13, 16):
        assert by_number[n].options == BAM_DAYS_OPTIONS, n
    for n in (8, 9, 12, 15, 17):
        assert by_number[n].options == BAM_EXTENT_OPTIONS, n
    assert by_number[14].options == BAM_YES_NO_OPTIONS
    assert [o.value for o in BAM_YES_NO_OPTIONS] == [0, 4]
    for options in (BAM_DAYS_OPTIONS, BAM_HEALTH_OPTIONS, BAM_EXTENT_OPTIONS):
        assert [o.value for o in options] == [0, 1, 2, 3, 4]


def test_bam_item_7_is_per_substance_and_skip_rules_are_declared():
    kinds = {item.number: item.kind for item in BAM.items}
    assert kinds[7] is ItemKind.SUBSTANCE_DAYS
    assert all(kind is ItemKind.SINGLE_CHOICE for n, kind in kinds.items() if n != 7)
    skips = {item.number: item.skips_when_zero for item in BAM.items if item.skips_when_zero}
    assert skips == {4: (5,), 6: (7,)}
    assert BAM_SUBSTANCES == ("marijuana", "sedatives", "cocaine", "stimulants", "opioids",
                              "inhalants", "other")
    assert bam_substance_key("opioids") == "instrument.bam.substance.opioids"


def test_bam_subscale_membership():
    assert BAM_USE_ITEMS == (4, 5, 6)
    assert BAM_RISK_ITEMS == (1, 2, 3, 8, 11, 15)
    assert BAM_PROTECTIVE_ITEMS == (9, 10, 12, 13, 14, 16)
    # 7 (substances) and 17 (progress) are on no subscale; no item is on two.
    every = BAM_USE_ITEMS + BAM_RISK_ITEMS + BAM_PROTECTIVE_ITEMS
    assert len(every) == len(set(every))
    assert sorted(every + (7, 17)) == list(range(1, 18))


# --- PHQ-9 ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("answers", "total", "band"), [
    ([0, 0, 0, 0, 0, 0, 0, 0, 0], 0, Band.MINIMAL),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, Band.MINIMAL),            # 1+1+1+1
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, Band.MILD),               # 1*5
    ([1, 1, 1, 1, 1, 1, 1, 1, 1], 9, Band.MILD),               # 1*9
    ([2, 1, 1, 1, 1, 1, 1, 1, 1], 10, Band.MODERATE),          # 2+8
    ([2, 2, 2, 2, 2, 1, 1, 1, 1], 14, Band.MODERATE),          # 10+4
    ([2, 2, 2, 2, 2, 2, 1, 1, 1], 15, Band.MODERATELY_SEVERE),  # 12+3
    ([3, 3, 3, 2, 2, 2, 2, 1, 1], 19, Band.MODERATELY_SEVERE),  # 9+8+2
    ([3, 3, 3, 3, 2, 2, 2, 1, 1], 20, Band.SEVERE),            # 12+6+2
    ([3, 3, 3, 3, 3, 3, 3, 3, 3], 27, Band.SEVERE),            # 3*9
])
def test_phq9_totals_and_bands_at_every_boundary(answers, total, band):
    result = score_phq9(answers)
    assert result == Phq9Result(items=tuple(answers), total=total, band=band)
    assert result.item9 == answers[8]


@pytest.mark.parametrize(("total", "band"), [
    (0, Band.MINIMAL), (4, Band.MINIMAL), (5, Band.MILD), (9, Band.MILD),
    (10, Band.MODERATE), (14, Band.MODERATE), (15, Band.MODERATELY_SEVERE),
    (19, Band.MODERATELY_SEVERE), (20, Band.SEVERE), (27, Band.SEVERE),
])
def test_phq9_band_function(total, band):
    assert phq9_band(total) is band


def test_phq9_accepts_a_tuple_and_keeps_item_order():
    result = score_phq9((0, 1, 2, 3, 0, 1, 2, 3, 1))  # 0+1+2+3+0+1+2+3+1 = 13
    assert result.items == (0, 1, 2, 3, 0, 1, 2, 3, 1)
    assert (result.total, result.band, result.item9) == (13, Band.MODERATE, 1)


# --- GAD-7 ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("answers", "total", "band", "further"), [
    ([0, 0, 0, 0, 0, 0, 0], 0, Band.MINIMAL, False),
    ([1, 1, 1, 1, 0, 0, 0], 4, Band.MINIMAL, False),    # 1*4
    ([1, 1, 1, 1, 1, 0, 0], 5, Band.MILD, False),       # 1*5
    ([2, 2, 1, 1, 1, 1, 1], 9, Band.MILD, False),       # 4+5
    ([2, 2, 2, 1, 1, 1, 1], 10, Band.MODERATE, True),   # 6+4
    ([2, 2, 2, 2, 2, 2, 2], 14, Band.MODERATE, True),   # 2*7
    ([3, 2, 2, 2, 2, 2, 2], 15, Band.SEVERE, True),     # 3+12
    ([3, 3, 3, 3, 3, 3, 3], 21, Band.SEVERE, True),     # 3*7
])
def test_gad7_totals_bands_and_further_evaluation(answers, total, band, further):
    assert score_gad7(answers) == Gad7Result(items=tuple(answers), total=total, band=band,
                                             further_evaluation=further)


@pytest.mark.parametrize(("total", "band"), [
    (0, Band.MINIMAL), (4, Band.MINIMAL), (5, Band.MILD), (9, Band.MILD),
    (10, Band.MODERATE), (14, Band.MODERATE), (15, Band.SEVERE), (21, Band.SEVERE),
])
def test_gad7_band_function_never_says_moderately_severe(total, band):
    assert gad7_band(total) is band


def test_gad7_further_evaluation_turns_on_between_9_and_10():
    assert score_gad7([3, 3, 3, 0, 0, 0, 0]).further_evaluation is False  # 9
    assert score_gad7([3, 3, 3, 1, 0, 0, 0]).further_evaluation is True   # 10


# --- BAM -------------------------------------------------------------------------------------

def bam_answers(**items) -> list:
    """17 answers, all 0 / no substances, with `i<n>=value` overrides."""
    answers: list = [0] * 17
    answers[6] = {}
    for name, value in items.items():
        answers[int(name[1:]) - 1] = value
    return answers


def test_bam_hand_computed_example():
    answers = bam_answers(i1=2, i2=3, i3=1, i4=2, i5=1, i6=1, i7={"marijuana": 1}, i8=3,
                          i9=2, i10=1, i11=0, i12=4, i13=3, i14=4, i15=2, i16=3, i17=2)
    result = score_bam(answers)
    assert result.use == 4          # items 4,5,6: 2+1+1
    assert result.risk == 11        # items 1,2,3,8,11,15: 2+3+1+3+0+2
    assert result.protective == 17  # items 9,10,12,13,14,16: 2+1+4+3+4+3
    assert result.progress == 2     # item 17, on no subscale
    assert result.items == {1: 2, 2: 3, 3: 1, 4: 2, 5: 1, 6: 1, 8: 3, 9: 2, 10: 1, 11: 0,
                            12: 4, 13: 3, 14: 4, 15: 2, 16: 3, 17: 2}
    assert result.substances == {"marijuana": 1, "sedatives": 0, "cocaine": 0,
                                 "stimulants": 0, "opioids": 0, "inhalants": 0, "other": 0}


def test_bam_has_no_total():
    result = score_bam(bam_answers())
    assert not hasattr(result, "total")
    assert "total" not in {f for f in BamResult.__dataclass_fields__}


def test_bam_use_subscale_alone():
    result = score_bam(bam_answers(i4=4, i5=3, i6=2, i7={"opioids": 2}))  # 4+3+2
    assert (result.use, result.risk, result.protective) == (9, 0, 0)


def test_bam_risk_subscale_alone():
    # items 1,2,3,8,11,15 = 4+1+2+3+0+4
    result = score_bam(bam_answers(i1=4, i2=1, i3=2, i8=3, i11=0, i15=4))
    assert (result.use, result.risk, result.protective) == (0, 14, 0)


def test_bam_protective_subscale_alone():
    # items 9,10,12,13,14,16 = 3+0+1+2+4+4
    result = score_bam(bam_answers(i9=3, i10=0, i12=1, i13=2, i14=4, i16=4))
    assert (result.use, result.risk, result.protective) == (0, 0, 14)


def test_bam_maximum_subscales():
    all_high = {f"i{n}": 4 for n in range(1, 18) if n != 7}
    result = score_bam(bam_answers(**all_high, i7={s: 4 for s in BAM_SUBSTANCES}))
    assert (result.use, result.risk, result.protective, result.progress) == (12, 24, 24, 4)


def test_bam_item_7_and_item_17_never_change_the_subscales():
    base = score_bam(bam_answers(i6=4, i7={}, i17=0))
    other = score_bam(bam_answers(i6=4, i7={s: 4 for s in BAM_SUBSTANCES}, i17=4))
    assert (base.use, base.risk, base.protective) == (other.use, other.risk, other.protective)
    assert (base.progress, other.progress) == (0, 4)


def test_bam_income_no_scores_0_and_yes_scores_4():
    assert score_bam(bam_answers(i14=0)).protective == 0
    assert score_bam(bam_answers(i14=4)).protective == 4


def test_bam_skipped_items_score_zero():
    result = score_bam(bam_answers(i4=0, i5=0, i6=0, i7={}))
    assert result.use == 0
    assert set(result.substances.values()) == {0}


def test_bam_item_5_may_equal_item_4():
    assert score_bam(bam_answers(i4=2, i5=2)).use == 4


def test_bam_substances_may_be_given_as_explicit_zeros_when_item_6_is_0():
    result = score_bam(bam_answers(i6=0, i7={"cocaine": 0}))
    assert result.substances["cocaine"] == 0


def test_bam_item_7_may_equal_item_6_for_every_substance():
    result = score_bam(bam_answers(i6=2, i7=dict.fromkeys(BAM_SUBSTANCES, 2)))
    assert set(result.substances.values()) == {2}
    assert result.use == 2  # item 7 is never summed


# --- the BAM's recall window ---------------------------------------------------------------

@pytest.mark.parametrize(("interval", "days"), [
    (1, 7), (3, 7), (6, 7), (7, 7), (8, 7), (14, 7), (29, 7),  # weekly wording
    (30, 30), (31, 30), (60, 30), (90, 30),                      # the form's own 30 days
])
def test_the_recall_window_follows_the_interval(interval, days):
    assert bam_recall_days(interval) == days
    assert bam_spec(days).recall_days == days


def test_the_default_weekly_bam_asks_about_7_days():
    assert bam_recall_days(DEFAULT_SCHEDULES[MeasureId.BAM].interval_days) == 7
    assert bam_spec(7) is BAM_WEEKLY and bam_spec(30) is BAM
    assert (BAM_WEEKLY.recall_days, BAM.recall_days) == (7, 30)


@pytest.mark.parametrize("interval", [0, -7, True, 7.0, None, "7"])
def test_the_recall_window_needs_a_real_interval(interval):
    with pytest.raises(ValueError):
        bam_recall_days(interval)


@pytest.mark.parametrize("days", [0, 1, 14, 31, True, 7.0, "7", None])
def test_only_the_7_and_30_day_windows_exist(days):
    with pytest.raises(MeasureError) as caught:
        bam_spec(days)
    assert caught.value.field == "recall_days"
    with pytest.raises(MeasureError):
        score_bam(bam_answers(), recall_days=days)
    with pytest.raises(MeasureError):
        bam_subscale_max(days)


def test_weekly_day_counts_keep_the_form_codes_and_fit_in_7_days():
    # Codes keep their published day ranges; 9-15 and 16-30 cannot happen in a week.
    assert [(o.value, o.label_key) for o in BAM_WEEK_DAYS_OPTIONS] == [
        (0, "instrument.bam.days.0"), (1, "instrument.bam.days.1"),
        (2, "instrument.bam.days.2_in_7")]
    weekly = {item.number: item.options for item in BAM_WEEKLY.items}
    monthly = {item.number: item.options for item in BAM.items}
    for n in (2, 3, 4, 5, 6, 7, 10, 11, 13, 16):
        assert weekly[n] == BAM_WEEK_DAYS_OPTIONS and monthly[n] == BAM_DAYS_OPTIONS, n
    for n in (1, 8, 9, 12, 14, 15, 17):  # no day count: the same answers in both windows
        assert weekly[n] == monthly[n], n
    assert [item.skips_when_zero for item in BAM_WEEKLY.items] == \
        [item.skips_when_zero for item in BAM.items]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"i2": 3}, "item_2"), ({"i4": 4}, "item_4"), ({"i4": 3, "i5": 3}, "item_4"),
    ({"i16": 3}, "item_16"), ({"i13": 4}, "item_13"),
])
def test_a_weekly_bam_refuses_day_counts_beyond_7_days(overrides, field):
    score_bam(bam_answers(**overrides), recall_days=30)  # fine over 30 days
    with pytest.raises(MeasureError) as caught:
        score_bam(bam_answers(**overrides), recall_days=7)
    assert (caught.value.field, caught.value.reason) == (field, MeasureError.OUT_OF_RANGE)


def test_a_weekly_item_7_code_beyond_7_days_is_out_of_range():
    with pytest.raises(MeasureError) as caught:
        score_bam(bam_answers(i6=2, i7={"opioids": 3}), recall_days=7)
    assert (caught.value.field, caught.value.reason) == ("item_7", MeasureError.OUT_OF_RANGE)


def test_a_weekly_bam_is_scored_with_the_same_codes():
    answers = bam_answers(i1=4, i2=2, i3=1, i4=2, i5=2, i6=1, i7={"cocaine": 1}, i8=4,
                          i9=3, i10=2, i11=2, i12=4, i13=1, i14=4, i15=3, i16=2, i17=1)
    result = score_bam(answers, recall_days=7)
    assert result.recall_days == 7
    assert result.use == 5          # 2+2+1
    assert result.risk == 16        # items 1,2,3,8,11,15: 4+2+1+4+2+3
    assert result.protective == 16  # items 9,10,12,13,14,16: 3+2+4+1+4+2
    assert score_bam(bam_answers()).recall_days == 30  # the form's own by default


def test_subscale_maxima_follow_the_window():
    assert bam_subscale_max(30) == {"use": 12, "risk": 24, "protective": 24}
    # Over 7 days each day count stops at 2: use 3x2; risk 4+2+2+4+2+4; protective 4+2+4+2+4+2.
    assert bam_subscale_max(7) == {"use": 6, "risk": 18, "protective": 18}
    high = {f"i{n}": max(o.value for o in BAM_WEEKLY.items[n - 1].options)
            for n in range(1, 18) if n != 7}
    result = score_bam(bam_answers(**high), recall_days=7)
    assert {"use": result.use, "risk": result.risk,
            "protective": result.protective} == bam_subscale_max(7)


# --- the difficulty question ------------------------------------------------------------------

@pytest.mark.parametrize("value", [None, 0, 1, 2, 3])
def test_the_difficulty_answer_is_optional_and_0_to_3(value):
    assert difficulty_code(value) == value


@pytest.mark.parametrize(("value", "reason"), [
    (4, MeasureError.OUT_OF_RANGE), (-1, MeasureError.OUT_OF_RANGE),
    (True, MeasureError.NOT_AN_INTEGER), (1.0, MeasureError.NOT_AN_INTEGER),
    ("1", MeasureError.NOT_AN_INTEGER),
])
def test_a_bad_difficulty_answer_is_refused(value, reason):
    with pytest.raises(MeasureError) as caught:
        difficulty_code(value)
    assert (caught.value.field, caught.value.reason) == ("difficulty", reason)


def test_the_difficulty_answer_never_changes_a_score():
    # It is not an argument of the scorers at all: the totals are the 9 and 7 items.
    assert score_phq9([1] * 9).total == 9 and score_gad7([1] * 7).total == 7


# --- validation ------------------------------------------------------------------------------

NINE = [1, 1, 1, 1, 1, 1, 1, 1, 1]
SEVEN = [1, 1, 1, 1, 1, 1, 1]

BAD_ITEM_VALUES = [
    (-1, MeasureError.OUT_OF_RANGE),
    (4, MeasureError.OUT_OF_RANGE),
    (99, MeasureError.OUT_OF_RANGE),
    (2.5, MeasureError.NOT_AN_INTEGER),
    (2.0, MeasureError.NOT_AN_INTEGER),
    (math.nan, MeasureError.NOT_AN_INTEGER),
    (math.inf, MeasureError.NOT_AN_INTEGER),
    (True, MeasureError.NOT_AN_INTEGER),
    (False, MeasureError.NOT_AN_INTEGER),
    ("2", MeasureError.NOT_AN_INTEGER),
    (None, MeasureError.MISSING),
]


def assert_no_value_leak(error: MeasureError, value: object) -> None:
    texts = [str(error), repr(error), *map(str, error.args)]
    for text in texts:
        for shown in {str(value), repr(value)}:
            assert shown not in text, (shown, text)
    assert error.__cause__ is None and error.__context__ is None


@pytest.mark.parametrize(("score", "good"), [(score_phq9, NINE), (score_gad7, SEVEN)])
@pytest.mark.parametrize(("value", "reason"), BAD_ITEM_VALUES)
def test_bad_item_value_names_the_item_and_never_the_value(score, good, value, reason):
    answers = list(good)
    answers[2] = value  # item 3: the number 3 never appears among the bad values' text
    with pytest.raises(MeasureError) as caught:
        score(answers)
    assert (caught.value.field, caught.value.reason) == ("item_3", reason)
    assert str(caught.value) == f"item_3: {reason}"
    assert_no_value_leak(caught.value, value)


def test_phq9_item_9_out_of_range_is_an_error_not_a_trigger_source():
    with pytest.raises(MeasureError) as caught:
        score_phq9([0, 0, 0, 0, 0, 0, 0, 0, 4])
    assert (caught.value.field, caught.value.reason) == ("item_9", MeasureError.OUT_OF_RANGE)


@pytest.mark.parametrize(("score", "count"), [(score_phq9, 9), (score_gad7, 7), (score_bam, 17)])
@pytest.mark.parametrize("delta", [-1, 1])
def test_wrong_item_count(score, count, delta):
    answers = [0] * (count + delta)
    if score is score_bam and len(answers) >= 7:
        answers[6] = {}
    with pytest.raises(MeasureError) as caught:
        score(answers)
    assert (caught.value.field, caught.value.reason) == ("answers", MeasureError.WRONG_COUNT)
    assert str(count + delta) not in str(caught.value)


@pytest.mark.parametrize("score", [score_phq9, score_gad7, score_bam])
def test_empty_answers_are_the_wrong_count(score):
    with pytest.raises(MeasureError) as caught:
        score([])
    assert caught.value.reason == MeasureError.WRONG_COUNT


@pytest.mark.parametrize("answers", [
    "000000000", b"000000000", None, 0, {i: 0 for i in range(9)}, set(range(9)),
    (x for x in [0] * 9),
])
def test_answers_must_be_a_real_sequence(answers):
    with pytest.raises(MeasureError) as caught:
        score_phq9(answers)
    assert (caught.value.field, caught.value.reason) == ("answers", MeasureError.NOT_A_SEQUENCE)


def test_measure_error_is_a_value_error_with_field_and_reason():
    error = MeasureError("item_2", MeasureError.MISSING)
    assert isinstance(error, ValueError)
    assert (error.field, error.reason, str(error)) == ("item_2", "missing", "item_2: missing")


@pytest.mark.parametrize(("overrides", "field", "reason"), [
    ({"i1": 5}, "item_1", MeasureError.OUT_OF_RANGE),
    ({"i1": -1}, "item_1", MeasureError.OUT_OF_RANGE),
    ({"i9": 2.5}, "item_9", MeasureError.NOT_AN_INTEGER),
    ({"i9": True}, "item_9", MeasureError.NOT_AN_INTEGER),
    ({"i10": None}, "item_10", MeasureError.MISSING),
    ({"i11": math.nan}, "item_11", MeasureError.NOT_AN_INTEGER),
    ({"i14": 1}, "item_14", MeasureError.OUT_OF_RANGE),
    ({"i14": 2}, "item_14", MeasureError.OUT_OF_RANGE),
    ({"i14": 3}, "item_14", MeasureError.OUT_OF_RANGE),
    ({"i17": 5}, "item_17", MeasureError.OUT_OF_RANGE),
    ({"i3": {}}, "item_3", MeasureError.NOT_AN_INTEGER),
    ({"i7": 0}, "item_7", MeasureError.NOT_A_MAPPING),
    ({"i7": ["marijuana"]}, "item_7", MeasureError.NOT_A_MAPPING),
    ({"i7": None}, "item_7", MeasureError.MISSING),
    ({"i6": 1, "i7": {"heroin_typo": 1}}, "item_7", MeasureError.UNKNOWN_SUBSTANCE),
    ({"i6": 1, "i7": {"opioids": 5}}, "item_7", MeasureError.OUT_OF_RANGE),
    ({"i6": 1, "i7": {"opioids": 1.5}}, "item_7", MeasureError.NOT_AN_INTEGER),
    ({"i6": 1, "i7": {"opioids": True}}, "item_7", MeasureError.NOT_AN_INTEGER),
    ({"i6": 1, "i7": {"opioids": None}}, "item_7", MeasureError.MISSING),
    ({"i6": 0, "i7": {"opioids": 1}}, "item_7", MeasureError.INCONSISTENT),
    # Item 7: no substance on more days than any drug use (item 6).
    ({"i6": 1, "i7": {"opioids": 2}}, "item_7", MeasureError.INCONSISTENT),
    ({"i6": 3, "i7": {"marijuana": 3, "other": 4}}, "item_7", MeasureError.INCONSISTENT),
    ({"i4": 0, "i5": 1}, "item_5", MeasureError.INCONSISTENT),
    ({"i4": 2, "i5": 3}, "item_5", MeasureError.INCONSISTENT),
])
def test_bam_validation(overrides, field, reason):
    with pytest.raises(MeasureError) as caught:
        score_bam(bam_answers(**overrides))
    assert (caught.value.field, caught.value.reason) == (field, reason)


@pytest.mark.parametrize("substances", [{"opioids": 1}, {"heroin_typo": 1}, {"cocaine": 9}])
def test_bam_substance_errors_never_name_the_substance_or_value(substances):
    with pytest.raises(MeasureError) as caught:
        score_bam(bam_answers(i6=0 if "opioids" in substances else 1, i7=substances))
    assert caught.value.field == "item_7"
    for name, value in substances.items():
        assert_no_value_leak(caught.value, name)
        assert_no_value_leak(caught.value, value)


# --- result keys -----------------------------------------------------------------------------

@pytest.mark.parametrize(("answers", "key"), [
    ([0] * 9, "measures.phq9.band.minimal"),
    ([1] * 5 + [0] * 4, "measures.phq9.band.mild"),
    ([2] + [1] * 8, "measures.phq9.band.moderate"),
    ([2] * 6 + [1] * 3, "measures.phq9.band.moderately_severe"),
    ([3] * 9, "measures.phq9.band.severe"),
])
def test_phq9_summary_keys(answers, key):
    assert result_summary_key(score_phq9(answers)) == key


@pytest.mark.parametrize(("answers", "key"), [
    ([0] * 7, "measures.gad7.band.minimal"),
    ([1] * 5 + [0] * 2, "measures.gad7.band.mild"),
    ([2, 2, 2, 1, 1, 1, 1], "measures.gad7.band.moderate"),
    ([3] * 7, "measures.gad7.band.severe"),
])
def test_gad7_summary_keys(answers, key):
    assert result_summary_key(score_gad7(answers)) == key


def test_bam_summary_keys():
    assert result_summary_key(score_bam(bam_answers(i8=4))) == "measures.bam.result.summary"
    assert result_summary_key(score_bam(bam_answers(i4=1))) == "measures.bam.result.use_reported"
    assert result_summary_key(score_bam(bam_answers(i6=1))) == "measures.bam.result.use_reported"


def test_summary_key_of_something_else_is_a_type_error():
    with pytest.raises(TypeError):
        result_summary_key(object())  # type: ignore[arg-type]


# --- schedules -------------------------------------------------------------------------------

def test_default_intervals():
    assert DEFAULT_SCHEDULES == {
        MeasureId.PHQ9: MeasureSchedule(MeasureId.PHQ9, 14),
        MeasureId.GAD7: MeasureSchedule(MeasureId.GAD7, 14),
        MeasureId.BAM: MeasureSchedule(MeasureId.BAM, 7),
    }
    assert schedule_for(MeasureId.BAM) == MeasureSchedule(MeasureId.BAM, 7)


def test_clinic_can_override_the_interval():
    assert schedule_for(MeasureId.PHQ9, 28) == MeasureSchedule(MeasureId.PHQ9, 28)
    assert schedule_for(MeasureId.PHQ9, None) == MeasureSchedule(MeasureId.PHQ9, 14)
    assert DEFAULT_SCHEDULES[MeasureId.PHQ9].interval_days == 14  # defaults untouched


@pytest.mark.parametrize("days", [0, -7, True, 2.5, None, "14"])
def test_interval_must_be_a_positive_whole_number_of_days(days):
    with pytest.raises(ValueError):
        MeasureSchedule(MeasureId.BAM, days)


@pytest.mark.parametrize("measure", list(MeasureId))
def test_never_completed_is_due(measure):
    assert DEFAULT_SCHEDULES[measure].is_due(None, at("2026-01-01T00:00:00+00:00"))


def test_phq9_due_exactly_14_days_later():
    schedule = DEFAULT_SCHEDULES[MeasureId.PHQ9]
    last = at("2026-01-05T09:00:00+00:00")
    assert schedule.due_at(last) == at("2026-01-19T09:00:00+00:00")
    assert not schedule.is_due(last, at("2026-01-19T08:59:59.999999+00:00"))
    assert schedule.is_due(last, at("2026-01-19T09:00:00+00:00"))
    assert schedule.is_due(last, at("2026-02-19T09:00:00+00:00"))
    assert not schedule.is_due(last, last)


def test_bam_due_exactly_7_days_later_whatever_zone_now_is_written_in():
    schedule = DEFAULT_SCHEDULES[MeasureId.BAM]
    last = datetime(2026, 1, 6, 10, 0, tzinfo=CHICAGO)  # 16:00Z
    assert not schedule.is_due(last, at("2026-01-13T15:59:59+00:00"))
    assert schedule.is_due(last, at("2026-01-13T16:00:00+00:00"))
    assert schedule.is_due(last, at("2026-01-13T11:00:00-05:00"))  # same instant


def test_clinic_interval_is_used():
    schedule = schedule_for(MeasureId.GAD7, 3)
    last = at("2026-01-05T09:00:00+00:00")
    assert not schedule.is_due(last, at("2026-01-08T08:59:00+00:00"))
    assert schedule.is_due(last, at("2026-01-08T09:00:00+00:00"))


def test_due_at_same_local_time_across_spring_forward():
    # Mon 2 Mar 09:00 CST (15:00Z) + 7 days = Mon 9 Mar 09:00 CDT (14:00Z): 167 hours.
    schedule = DEFAULT_SCHEDULES[MeasureId.BAM]
    last = datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO)
    assert schedule.due_at(last).astimezone(UTC) == at("2026-03-09T14:00:00+00:00")
    assert not schedule.is_due(last, datetime(2026, 3, 9, 8, 59, 59, tzinfo=CHICAGO))
    assert schedule.is_due(last, datetime(2026, 3, 9, 9, 0, tzinfo=CHICAGO))
    assert schedule.is_due(last, at("2026-03-09T14:00:00+00:00"))
    assert not schedule.is_due(last, at("2026-03-09T13:59:59+00:00"))


def test_due_at_same_local_time_across_fall_back():
    # Mon 26 Oct 09:00 CDT (14:00Z) + 7 days = Mon 2 Nov 09:00 CST (15:00Z): 169 hours.
    schedule = DEFAULT_SCHEDULES[MeasureId.BAM]
    last = datetime(2026, 10, 26, 9, 0, tzinfo=CHICAGO)
    assert schedule.due_at(last).astimezone(UTC) == at("2026-11-02T15:00:00+00:00")
    # 168 hours later is only 08:00 local: not yet.
    assert not schedule.is_due(last, at("2026-11-02T14:00:00+00:00"))
    assert not schedule.is_due(last, datetime(2026, 11, 2, 8, 59, 59, tzinfo=CHICAGO))
    assert schedule.is_due(last, datetime(2026, 11, 2, 9, 0, tzinfo=CHICAGO))


def test_due_inside_the_repeated_hour_compares_real_instants():
    # Due Sun 1 Nov 01:30, first (CDT) pass = 06:30Z. 01:15 on the second (CST) pass is
    # 07:15Z, later in real time although its wall clock reads earlier.
    schedule = DEFAULT_SCHEDULES[MeasureId.BAM]
    last = datetime(2026, 10, 25, 1, 30, tzinfo=CHICAGO)
    assert schedule.due_at(last).astimezone(UTC) == at("2026-11-01T06:30:00+00:00")
    assert not schedule.is_due(last, datetime(2026, 11, 1, 1, 15, fold=0, tzinfo=CHICAGO))
    assert schedule.is_due(last, datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=CHICAGO))
    assert schedule.is_due(last, datetime(2026, 11, 1, 1, 30, fold=0, tzinfo=CHICAGO))


def test_due_time_in_the_spring_gap_falls_an_hour_later():
    # 02:30 on 8 Mar does not exist in Chicago; it resolves with the CST offset = 08:30Z,
    # i.e. 03:30 CDT.
    schedule = DEFAULT_SCHEDULES[MeasureId.BAM]
    last = datetime(2026, 3, 1, 2, 30, tzinfo=CHICAGO)
    assert schedule.due_at(last).astimezone(UTC) == at("2026-03-08T08:30:00+00:00")
    assert not schedule.is_due(last, datetime(2026, 3, 8, 3, 29, tzinfo=CHICAGO))
    assert schedule.is_due(last, datetime(2026, 3, 8, 3, 30, tzinfo=CHICAGO))


def test_utc_times_give_exact_24_hour_days_across_dst():
    schedule = DEFAULT_SCHEDULES[MeasureId.BAM]
    last = at("2026-03-02T15:00:00+00:00")
    assert schedule.due_at(last) == last + timedelta(hours=168)
    assert not schedule.is_due(last, at("2026-03-09T14:59:59+00:00"))
    assert schedule.is_due(last, at("2026-03-09T15:00:00+00:00"))


def test_naive_times_are_refused():
    schedule = DEFAULT_SCHEDULES[MeasureId.PHQ9]
    aware = at("2026-01-05T09:00:00+00:00")
    naive = datetime(2026, 1, 5, 9, 0)
    with pytest.raises(ValueError):
        schedule.is_due(aware, naive)
    with pytest.raises(ValueError):
        schedule.is_due(naive, aware)
    with pytest.raises(ValueError):
        schedule.is_due(None, naive)
    with pytest.raises(ValueError):
        schedule.due_at(naive)


# --- strings and the published wording ---------------------------------------------------------

# The PHQ-9 and GAD-7 exactly as published (clinical.md, "Published wording"), typed out
# here so the test stands without the reference; checked against it too when present.
PUBLISHED = {
    "instrument.phq9.instructions":
        "Over the last 2 weeks, how often have you been bothered by any of the following "
        "problems?",
    "instrument.phq9.item.1": "Little interest or pleasure in doing things",
    "instrument.phq9.item.2": "Feeling down, depressed, or hopeless",
    "instrument.phq9.item.3": "Trouble falling or staying asleep, or sleeping too much",
    "instrument.phq9.item.4": "Feeling tired or having little energy",
    "instrument.phq9.item.5": "Poor appetite or overeating",
    "instrument.phq9.item.6":
        "Feeling bad about yourself - or that you are a failure or have let yourself or "
        "your family down",
    "instrument.phq9.item.7":
        "Trouble concentrating on things, such as reading the newspaper or watching "
        "television",
    "instrument.phq9.item.8":
        "Moving or speaking so slowly that other people could have noticed? Or the "
        "opposite - being so fidgety or restless that you have been moving around a lot "
        "more than usual",
    "instrument.phq9.item.9":
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    "instrument.gad7.instructions":
        "Over the last 2 weeks, how often have you been bothered by the following problems?",
    "instrument.gad7.item.1": "Feeling nervous, anxious, or on edge",
    "instrument.gad7.item.2": "Not being able to stop or control worrying",
    "instrument.gad7.item.3": "Worrying too much about different things",
    "instrument.gad7.item.4": "Trouble relaxing",
    "instrument.gad7.item.5": "Being so restless that it is hard to sit still",
    "instrument.gad7.item.6": "Becoming easily annoyed or irritable",
    "instrument.gad7.item.7": "Feeling afraid, as if something awful might happen",
    "instrument.frequency.0": "Not at all",
    "instrument.frequency.1": "Several days",
    "instrument.frequency.2": "More than half the days",
    "instrument.frequency.3": "Nearly every day",
    "instrument.difficulty.question":
        "If you checked off any problems, how difficult have these problems made it for "
        "you to do your work, take care of things at home, or get along with other people?",
    "instrument.difficulty.0": "Not difficult at all",
    "instrument.difficulty.1": "Somewhat difficult",
    "instrument.difficulty.2": "Very difficult",
    "instrument.difficulty.3": "Extremely difficult",
}

# The VA form's BAM answer labels, by option set.
BAM_LABELS = {
    "health": ["Excellent", "Very good", "Good", "Fair", "Poor"],
    "days": ["0 days", "1-3 days", "4-8 days", "9-15 days", "16-30 days"],
    "extent": ["Not at all", "Slightly", "Moderately", "Considerably", "Extremely"],
    "yes_no": ["No", "Yes"],
}


@pytest.fixture(scope="module")
def english() -> dict[str, str]:
    with MEASURES_EN.open(encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def strings(english) -> dict[str, str]:
    return {k: v for k, v in english.items() if k.startswith(("measures.", "instrument."))}


@pytest.fixture(scope="module")
def spanish() -> Translator:
    return Translator(LOCALES_DIR, "es")


def referenced_keys() -> set[str]:
    keys: set[str] = set()
    for spec in (*SPECS.values(), BAM_WEEKLY):
        keys |= {spec.title_key, spec.instructions_key}
        for item in (*spec.items, *([spec.difficulty] if spec.difficulty else [])):
            keys.add(item.text_key)
            keys |= {option.label_key for option in item.options}
    keys |= {bam_substance_key(s) for s in BAM_SUBSTANCES}
    keys |= set(BAM_SUBSCALE_KEYS.values())
    keys |= {f"measures.phq9.band.{b.value}" for b in Band}
    keys |= {f"measures.gad7.band.{b.value}" for b in Band if b is not Band.MODERATELY_SEVERE}
    keys |= {"measures.bam.result.summary", "measures.bam.result.use_reported"}
    # After discharge each result is shown in its ".after_care" wording (ui/context.py).
    keys |= {f"{key}.after_care" for key in keys if ".band." in key or ".result." in key}
    return keys


def instrument_keys() -> set[str]:
    return {key for key in referenced_keys() if key.startswith(INSTRUMENT_KEY_PREFIX)}


def test_strings_file_is_a_flat_object_of_non_empty_strings(strings):
    assert isinstance(strings, dict)
    assert all(isinstance(k, str) and isinstance(v, str) and v.strip()
               for k, v in strings.items())


def test_every_referenced_key_has_english_and_nothing_is_unused(strings):
    assert set(strings) == referenced_keys()


def test_instrument_text_is_under_the_english_only_prefix():
    assert INSTRUMENT_KEY_PREFIX == ENGLISH_ONLY_PREFIX
    for spec in (PHQ9, GAD7, BAM, BAM_WEEKLY):
        assert spec.title_key.startswith("measures.")  # the app's own title, translated
        for item in (*spec.items, *([spec.difficulty] if spec.difficulty else [])):
            assert item.text_key.startswith(INSTRUMENT_KEY_PREFIX), item.text_key
            assert all(o.label_key.startswith(INSTRUMENT_KEY_PREFIX) for o in item.options)
    assert PHQ9.instructions_key.startswith(INSTRUMENT_KEY_PREFIX)
    assert GAD7.instructions_key.startswith(INSTRUMENT_KEY_PREFIX)


def test_phq9_and_gad7_are_worded_exactly_as_published(english):
    assert {key: english[key] for key in PUBLISHED} == PUBLISHED
    # Every PHQ-9 / GAD-7 text the form shows is one of them: nothing paraphrased.
    for spec in (PHQ9, GAD7):
        shown = {spec.instructions_key, spec.difficulty.text_key}
        shown |= {item.text_key for item in spec.items}
        shown |= {o.label_key for item in (*spec.items, spec.difficulty) for o in item.options}
        assert shown <= set(PUBLISHED), shown - set(PUBLISHED)


def test_the_old_paraphrases_are_gone(strings):
    texts = " ".join(strings.values()).lower()
    for paraphrase in ("on some days", "on more than half of the days", "almost every day",
                       "think about the past 2 weeks", "quite a bit", "a little",
                       "or over 65"):
        assert paraphrase not in texts, paraphrase


def _collapsed(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.skipif(not CLINICAL_REFERENCE.exists(), reason="no shared clinical reference")
def test_the_published_wording_matches_the_clinical_reference():
    reference = _collapsed(CLINICAL_REFERENCE.read_text(encoding="utf-8"))
    for key, text in PUBLISHED.items():
        assert text in reference, key
    # The BAM answer labels with their codes, as the reference lists them.
    for name, labels in BAM_LABELS.items():
        codes = [0, 4] if name == "yes_no" else range(5)
        for label, code in zip(labels, codes, strict=True):
            assert f"{label} {code}" in reference, (name, label)


def test_bam_answer_labels_are_the_va_form_labels(english):
    def labels(options):
        return [english[o.label_key] for o in options]

    assert labels(BAM_HEALTH_OPTIONS) == BAM_LABELS["health"]
    assert labels(BAM_DAYS_OPTIONS) == BAM_LABELS["days"]
    assert labels(BAM_EXTENT_OPTIONS) == BAM_LABELS["extent"]
    assert labels(BAM_YES_NO_OPTIONS) == BAM_LABELS["yes_no"]
    # A week: the form's ranges cut to 7 days, codes unchanged.
    assert labels(BAM_WEEK_DAYS_OPTIONS) == ["0 days", "1-3 days", "4-7 days"]


def test_bam_item_5_wording_and_the_standard_drink(english):
    text = english["instrument.bam.item.5"]
    assert "5 or more drinks (if you are a man)" in text
    assert "4 or more drinks (if you are a woman)" in text
    for drink in ("a 12-oz beer", "a 5-oz glass of wine", "a 1.5-oz shot"):
        assert drink in text, drink
    assert "65" not in text


@pytest.mark.parametrize("days", [7, 30])
def test_every_timed_bam_item_says_its_window(days):
    t = Translator(LOCALES_DIR, "en").t
    spec = bam_spec(days)
    assert f"the past {days} days" in t(spec.instructions_key, days=days)
    for item in spec.items:
        text = t(item.text_key, days=days)
        assert "{" not in text, item.number
        if item.number in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 15, 16):
            assert text.startswith(f"In the past {days} days, "), item.number
        if days == 7:
            # Only item 9 looks ahead 30 days; nothing asks back over 30 days.
            assert "past 30" not in text, item.number
            assert ("30" in text) == (item.number == 9), item.number


def test_spanish_shows_the_instruments_in_english_with_a_note(spanish, english):
    es = json.loads((LOCALES_DIR / "es.json").read_text(encoding="utf-8"))
    # No home-made translation of a validated scale: the keys are not in es.json at all...
    assert not [key for key in es if key.startswith(INSTRUMENT_KEY_PREFIX)]
    # ...and even if one were added, the translator reads instruments in English.
    for key in instrument_keys():
        assert spanish.t(key, days=7) == english[key].format(days=7), key
    assert spanish.t("instrument.frequency.1") == "Several days"
    assert spanish.t("instrument.phq9.item.9") == PUBLISHED["instrument.phq9.item.9"]
    # The app's own words stay Spanish, the note among them, and say why.
    note = spanish.t("questionnaire.english_only")
    assert note != english["questionnaire.english_only"]
    assert "inglés" in note and "publicado" in note
    assert spanish.t("measures.phq9.title") != english["measures.phq9.title"]
    assert "7 días" in spanish.t("measures.bam.instructions", days=7)


def test_the_english_only_rule_survives_a_spanish_file_that_translates_an_item(tmp_path):
    (tmp_path / "en.json").write_text(json.dumps(
        {"instrument.phq9.item.1": "Little interest or pleasure in doing things",
         "questionnaire.english_only": "English note"}), encoding="utf-8")
    (tmp_path / "es.json").write_text(json.dumps(
        {"instrument.phq9.item.1": "Poco interés", "questionnaire.english_only": "Nota"}),
        encoding="utf-8")
    translator = Translator(tmp_path, "es")
    assert translator.t("instrument.phq9.item.1") == "Little interest or pleasure in doing things"
    assert translator.t("questionnaire.english_only") == "Nota"
    assert translator.missing_keys("es") == set()


def test_result_texts_are_kind_and_never_diagnostic(strings):
    results = {k: v for k, v in strings.items() if ".band." in k or ".result." in k}
    assert len(results) == 22  # 11 results, each also in its after-discharge wording
    for key, text in results.items():
        lowered = text.lower()
        for word in ("diagnos", "disorder", "depress", "you have ", "you are ", "abnormal"):
            assert word not in lowered, (key, word)
        if key.endswith(".after_care"):
            # The clinic no longer sees the answers: point to other help instead.
            assert "care team" not in lowered, key
            if ".minimal." not in key:
                assert any(who in lowered for who in ("doctor", "counselor", "aftercare")), key
        else:
            assert "care team" in lowered, key


def test_phq9_item_9_text_keeps_its_safety_meaning(strings):
    text = strings["instrument.phq9.item.9"].lower()
    assert "better off dead" in text and "hurting yourself" in text
