"""PHQ-9, GAD-7 and BAM: specs, scoring at every band boundary, validation, schedules, strings.

Every expected total below is summed by hand in the comment beside it. Schedule times use
America/Chicago: UTC-6 (CST) until 2026-03-08 02:00 local, then UTC-5 (CDT), and back to
UTC-6 on 2026-11-01 02:00 local (01:00-01:59 happens twice that night).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
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
    BAM_YES_NO_OPTIONS,
    DEFAULT_SCHEDULES,
    FREQUENCY_OPTIONS,
    GAD7,
    GAD7_LOINC_PANEL,
    GAD7_LOINC_TOTAL,
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
    bam_substance_key,
    gad7_band,
    phq9_band,
    result_summary_key,
    schedule_for,
    score_bam,
    score_gad7,
    score_phq9,
)

ROOT = Path(__file__).resolve().parents[2]
MEASURES_EN = ROOT / "assets" / "locales" / "en.json"
CHICAGO = ZoneInfo("America/Chicago")
UTC = timezone.utc


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
    (PHQ9, 9, "measures.phq9.item."),
    (GAD7, 7, "measures.gad7.item."),
    (BAM, 17, "measures.bam.item."),
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
        f"measures.option.frequency.{v}" for v in range(4)]


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
    assert bam_substance_key("opioids") == "measures.bam.substance.opioids"


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
    base = score_bam(bam_answers(i6=3, i7={}, i17=0))
    other = score_bam(bam_answers(i6=3, i7={s: 4 for s in BAM_SUBSTANCES}, i17=4))
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


# --- English strings ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def strings() -> dict[str, str]:
    with MEASURES_EN.open(encoding="utf-8") as handle:
        return {k: v for k, v in json.load(handle).items() if k.startswith("measures.")}


def referenced_keys() -> set[str]:
    keys: set[str] = set()
    for spec in SPECS.values():
        keys |= {spec.title_key, spec.instructions_key}
        for item in spec.items:
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


def test_strings_file_is_a_flat_object_of_non_empty_strings(strings):
    assert isinstance(strings, dict)
    assert all(isinstance(k, str) and isinstance(v, str) and v.strip()
               for k, v in strings.items())
    assert all(k.startswith("measures.") for k in strings)


def test_every_referenced_key_has_english_and_nothing_is_unused(strings):
    assert set(strings) == referenced_keys()


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


def test_item_texts_are_paraphrased_not_the_published_wording(strings):
    published_openings = (
        "little interest or pleasure in doing things",
        "feeling down, depressed, or hopeless",
        "feeling nervous, anxious, or on edge",
        "not being able to stop or control worrying",
        "in the past 30 days, would you say your physical health has been",
    )
    items = " ".join(v.lower() for k, v in strings.items() if ".item." in k)
    for phrase in published_openings:
        assert phrase not in items


def test_phq9_item_9_text_keeps_its_safety_meaning(strings):
    text = strings["measures.phq9.item.9"].lower()
    assert "better off dead" in text and "hurting yourself" in text
